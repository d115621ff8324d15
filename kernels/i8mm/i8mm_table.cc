// The Armv8.6 i8mm rows: int8 conv and fully connected through the GEMM-conv driver with the
// 4x16c8 smmla microkernel. uint8, int16x8 and depthwise have no i8mm row: the dispatcher falls
// back to the NEON rows.
#include <vector>

#include "kernels/i8mm/i8mm_kernels.h"

namespace qk {
namespace i8mm {

using internal::Kernel;
using internal::OpKind;

namespace {
// From a few rows on the 4-row smmla tile pays; below, the dotprod GEMV (a lesser ISA of the
// family: the dispatcher falls back to it) streams the weights once.
bool FcBatched(const internal::OpDesc& d) { return d.batch >= 4; }
}  // namespace

void AppendKernels(std::vector<Kernel>* table) {
  using Gemm = driver::GemmConvRow<kGemmConv>;
  const Isa isa = Isa::kI8mm;
  const DataType s8 = DataType::kInt8;
  const Kernel rows[] = {
      {isa, OpKind::kConv2D, s8, "qs8_conv_1x1_4x16c8__i8mm", Gemm::Pointwise, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, OpKind::kConv2D, s8, "qs8_conv_igemm_4x16c8__i8mm", Gemm::Image, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, OpKind::kConv2D, s8, "qs8_conv_im2col_4x16c8__i8mm", Gemm::Always, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
      {isa, OpKind::kFullyConnected, s8, "qs8_fc_4x16c8__i8mm", FcBatched, Gemm::Pack,
       Gemm::Workspace, Gemm::Run},
  };
  table->insert(table->end(), std::begin(rows), std::end(rows));
}

}  // namespace i8mm
}  // namespace qk
