// The AVX-512 VNNI rows of the kernel table (int8 and uint8; int16x8 falls back to a lesser ISA).
// Within one (op, type) the first row that applies is chosen: specialised rows come first.
#include <cstddef>

#include "kernels/avx512vnni/avx512vnni_kernels.h"

namespace qk {
namespace avx512vnni {

using internal::Kernel;
using internal::OpKind;

// The rows are constant data (no code runs here): this file is compiled with the AVX-512 flags,
// and code built from it (even a copy of the rows into the table, or a std::vector member it
// instantiates) would execute AVX-512 instructions on hosts without them (SIGILL while the table
// is built). kernel_table.cc, compiled without ISA flags, copies them.
const Kernel* KernelRows(size_t* count) {
  using Gemm = driver::GemmConvRow<kGemmConv>;
  using Dw = driver::DwConvRow<kDwConv>;
  using SmallK = driver::SmallKConvRow<kSmallKConv>;
  constexpr Isa isa = Isa::kAvx512Vnni;
  constexpr OpKind conv = OpKind::kConv2D, fc = OpKind::kFullyConnected;
  constexpr DataType s8 = DataType::kInt8, u8 = DataType::kUInt8;
  static constexpr Kernel rows[] = {
      {isa, conv, s8, "qs8_conv_smallk_8x32c4__avx512vnni", SmallKConvApplies,
       PackSmallKConv, SmallK::Workspace, SmallK::Run},
      {isa, conv, s8, "qs8_conv_1x1_6x64c4__avx512vnni", Gemm::Pointwise, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, conv, s8, "qs8_conv_igemm_6x64c4__avx512vnni", Gemm::Image, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, conv, s8, "qs8_conv_im2col_6x64c4__avx512vnni", Gemm::Always, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, conv, u8, "qu8_conv_1x1_6x64c4__avx512vnni", Gemm::Pointwise, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, conv, u8, "qu8_conv_im2col_6x64c4__avx512vnni", Gemm::Always, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, OpKind::kDepthwiseConv2D, s8, "qs8_dwconv_64c4__avx512vnni", DwApplies, PackDw,
       Dw::Workspace, Dw::Run},
      {isa, fc, s8, "qs8_fc_6x64c4__avx512vnni", Gemm::Always, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
      {isa, fc, u8, "qu8_fc_6x64c4__avx512vnni", Gemm::Always, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
  };
  *count = sizeof(rows) / sizeof(rows[0]);
  return rows;
}

}  // namespace avx512vnni
}  // namespace qk
