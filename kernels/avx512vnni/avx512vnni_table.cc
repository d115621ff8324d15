// The AVX-512 VNNI rows of the kernel table (int8 and uint8; int16x8 falls back to a lesser ISA).
// Within one (op, type) the first row that applies is chosen: specialised rows come first.
#include <vector>

#include "kernels/avx512vnni/avx512vnni_kernels.h"

namespace qk {
namespace avx512vnni {

using internal::Kernel;
using internal::OpKind;

void AppendKernels(std::vector<Kernel>* table) {
  using Gemm = driver::GemmConvRow<kGemmConv>;
  using Dw = driver::DwConvRow<kDwConv>;
  using SmallK = driver::SmallKConvRow<kSmallKConv>;
  const Isa isa = Isa::kAvx512Vnni;
  const OpKind conv = OpKind::kConv2D, fc = OpKind::kFullyConnected;
  const DataType s8 = DataType::kInt8, u8 = DataType::kUInt8;
  const Kernel rows[] = {
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
  table->insert(table->end(), std::begin(rows), std::end(rows));
}

}  // namespace avx512vnni
}  // namespace qk
