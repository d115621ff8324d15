// The AVX2 rows of the kernel table. Within one (op, type) the first row that applies is chosen,
// so the specialised rows come before the general ones.
#include <vector>

#include "kernels/avx2/avx2_kernels.h"

namespace qk {
namespace avx2 {
namespace {

using internal::Kernel;
using internal::OpKind;

bool Always(const OpDesc&) { return true; }
// From a few rows on, the GEMM's register tile reuses each weight 6 times; below, the GEMV wins.
bool FcBatched(const OpDesc& d) { return d.batch >= 4; }

}  // namespace

void AppendKernels(std::vector<Kernel>* table) {
  using Gemm = driver::GemmConvRow<kGemmConv>;
  using Dw = driver::DwConvRow<kDwConv>;
  using Gemv = driver::GemvRow<kGemv>;
  const Isa isa = Isa::kAvx2;
  const OpKind conv = OpKind::kConv2D, fc = OpKind::kFullyConnected;
  const OpKind dw = OpKind::kDepthwiseConv2D;
  const DataType s8 = DataType::kInt8, u8 = DataType::kUInt8, s16 = DataType::kInt16;
  const Kernel rows[] = {
      {isa, conv, s8, "qs8_conv_1x1_6x16c2__avx2", Gemm::Pointwise, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
      {isa, conv, s8, "qs8_conv_im2col_6x16c2__avx2", Gemm::Always, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
      {isa, conv, u8, "qu8_conv_1x1_6x16c2__avx2", Gemm::Pointwise, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
      {isa, conv, u8, "qu8_conv_im2col_6x16c2__avx2", Gemm::Always, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
      {isa, conv, s16, "qs16x8_conv_1x1_6x16c2__avx2", Gemm::Pointwise, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, conv, s16, "qs16x8_conv_im2col_6x16c2__avx2", Gemm::Always, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, dw, s8, "qs8_dwconv_16c2__avx2", Always, PackDwWeights, Dw::Workspace, Dw::Run},
      {isa, dw, u8, "qu8_dwconv_16c2__avx2", Always, PackDwWeights, Dw::Workspace, Dw::Run},
      {isa, dw, s16, "qs16x8_dwconv_16c2__avx2", Always, PackDwWeights, Dw::Workspace, Dw::Run},
      {isa, fc, s8, "qs8_fc_6x16c2__avx2", FcBatched, Gemm::Pack, Gemm::Workspace, Gemm::Run},
      {isa, fc, s8, "qs8_fc_gemv_1x8c16__avx2", Always, PackGemvWeights, Gemv::Workspace,
       Gemv::Run},
      {isa, fc, u8, "qu8_fc_6x16c2__avx2", FcBatched, Gemm::Pack, Gemm::Workspace, Gemm::Run},
      {isa, fc, u8, "qu8_fc_gemv_1x8c16__avx2", Always, PackGemvWeights, Gemv::Workspace,
       Gemv::Run},
      {isa, fc, s16, "qs16x8_fc_6x16c2__avx2", Always, Gemm::Pack, Gemm::Workspace, Gemm::Run},
  };
  table->insert(table->end(), std::begin(rows), std::end(rows));
}

}  // namespace avx2
}  // namespace qk
