// The Armv8.2 dotprod rows: int8 conv (1x1 direct and im2col) and fully connected through the
// 4x16c4 sdot GEMM; the arithmetic outside the microkernel is the shared qk::neon driver.
// uint8, int16x8 and depthwise have no dotprod row: the dispatcher falls back to the NEON rows.
#include <vector>

#include "kernels/neon/arm_gemm.h"
#include "kernels/neondot/neondot_kernels.h"

namespace qk {
namespace neondot {
namespace {

using internal::Kernel;
using internal::OpDesc;
using internal::OpKind;
using internal::PackedData;

constexpr neon::GemmKernel kGemm = {4, 16, 4, 1, qs8_gemm_4x16c4__neondot};

void Pack(const OpDesc& d, PackedData* data) { neon::PackGemmWeights(d, kGemm, data); }
size_t Workspace(const OpDesc& d) { return neon::GemmWorkspaceBytes(d, kGemm); }
void Run(const OpDesc& d, const PackedData& p, const void* in, void* out, void* ws) {
  neon::RunGemmConv(d, p, kGemm, in, out, ws);
}
bool Always(const OpDesc&) { return true; }

}  // namespace

void AppendKernels(std::vector<Kernel>* table) {
  const Isa isa = Isa::kNeonDot;
  table->push_back({isa, OpKind::kConv2D, DataType::kInt8, "qs8_conv1x1_4x16c4__neondot",
                    neon::GemmUsesDirectRows, Pack, Workspace, Run});
  table->push_back({isa, OpKind::kConv2D, DataType::kInt8, "qs8_conv_4x16c4__neondot", Always,
                    Pack, Workspace, Run});
  table->push_back({isa, OpKind::kFullyConnected, DataType::kInt8, "qs8_fc_4x16c4__neondot",
                    Always, Pack, Workspace, Run});
}

}  // namespace neondot
}  // namespace qk
