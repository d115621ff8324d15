// The Armv8.2 dotprod rows: int8 conv and fully connected through the GEMM-conv driver with the
// 4x16c4 sdot microkernel; fully connected with fewer than 4 batch rows through the GEMV driver. uint8, int16x8 and depthwise have no dotprod row: the dispatcher falls
// back to the NEON rows.
#include <vector>

#include "kernels/neondot/neondot_kernels.h"

namespace qk {
namespace neondot {

using internal::Kernel;
using internal::OpKind;

void AppendKernels(std::vector<Kernel>* table) {
  using Gemm = driver::GemmConvRow<kGemmConv>;
  using Gemv = driver::GemvRow<kGemv>;
  const Isa isa = Isa::kNeonDot;
  const DataType s8 = DataType::kInt8;
  const Kernel rows[] = {
      {isa, OpKind::kConv2D, s8, "qs8_conv_1x1_4x16c4__neondot", Gemm::Pointwise, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, OpKind::kConv2D, s8, "qs8_conv_igemm_4x16c4__neondot", Gemm::Image, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, OpKind::kConv2D, s8, "qs8_conv_im2col_4x16c4__neondot", Gemm::Always, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, OpKind::kFullyConnected, s8, "qs8_fc_gemv_1x4c16__neondot", GemvApplies, PackGemv,
       Gemv::Workspace, Gemv::Run},
      {isa, OpKind::kFullyConnected, s8, "qs8_fc_4x16c4__neondot", Gemm::Always, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
  };
  table->insert(table->end(), std::begin(rows), std::end(rows));
}

}  // namespace neondot
}  // namespace qk
