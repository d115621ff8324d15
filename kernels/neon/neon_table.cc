// The plain NEON (Armv8.0) rows of the kernel table. Every op and data type has a row:
// int8/uint8 conv and fully connected through the 4x8c8 GEMM (pointwise ops with K % 8 == 0 read
// the input in place: the conv1x1 rows), int8/uint8 depthwise, int16x8 conv and FC, int16x8
// depthwise with depth multiplier 1 (a larger multiplier falls back to scalar there).
#include <vector>

#include "kernels/neon/arm_gemm.h"
#include "kernels/neon/neon_kernels.h"

namespace qk {
namespace neon {
namespace {

using internal::Kernel;
using internal::OpDesc;
using internal::OpKind;
using internal::PackedData;

constexpr GemmKernel kQs8Gemm = {4, 8, 1, 2, qs8_gemm_4x8c8__neon};
constexpr GemmKernel kQu8Gemm = {4, 8, 1, 2, qu8_gemm_4x8c8__neon};

template <const GemmKernel& K>
void PackGemm(const OpDesc& d, PackedData* data) { PackGemmWeights(d, K, data); }
template <const GemmKernel& K>
size_t GemmWorkspace(const OpDesc& d) { return GemmWorkspaceBytes(d, K); }
template <const GemmKernel& K>
void RunGemm(const OpDesc& d, const PackedData& p, const void* in, void* out, void* ws) {
  RunGemmConv(d, p, K, in, out, ws);
}

bool Always(const OpDesc&) { return true; }

}  // namespace

void AppendKernels(std::vector<Kernel>* table) {
  const Isa isa = Isa::kNeon;
  table->push_back({isa, OpKind::kConv2D, DataType::kInt8, "qs8_conv1x1_4x8c8__neon",
                    GemmUsesDirectRows, PackGemm<kQs8Gemm>, GemmWorkspace<kQs8Gemm>,
                    RunGemm<kQs8Gemm>});
  table->push_back({isa, OpKind::kConv2D, DataType::kInt8, "qs8_conv_4x8c8__neon", Always,
                    PackGemm<kQs8Gemm>, GemmWorkspace<kQs8Gemm>, RunGemm<kQs8Gemm>});
  table->push_back({isa, OpKind::kConv2D, DataType::kUInt8, "qu8_conv1x1_4x8c8__neon",
                    GemmUsesDirectRows, PackGemm<kQu8Gemm>, GemmWorkspace<kQu8Gemm>,
                    RunGemm<kQu8Gemm>});
  table->push_back({isa, OpKind::kConv2D, DataType::kUInt8, "qu8_conv_4x8c8__neon", Always,
                    PackGemm<kQu8Gemm>, GemmWorkspace<kQu8Gemm>, RunGemm<kQu8Gemm>});
  table->push_back({isa, OpKind::kConv2D, DataType::kInt16, "qs16x8_conv_c8__neon", Always,
                    PackConvInt16, nullptr, RunConvInt16});
  table->push_back({isa, OpKind::kDepthwiseConv2D, DataType::kInt8, "qs8_dwconv_8c__neon",
                    AlwaysApplies, PackDepthwise, nullptr, RunDepthwise});
  table->push_back({isa, OpKind::kDepthwiseConv2D, DataType::kUInt8, "qu8_dwconv_8c__neon",
                    AlwaysApplies, PackDepthwise, nullptr, RunDepthwise});
  table->push_back({isa, OpKind::kDepthwiseConv2D, DataType::kInt16, "qs16x8_dwconv_4c__neon",
                    DepthMultiplierIsOne, PackDepthwise, nullptr, RunDepthwiseInt16});
  table->push_back({isa, OpKind::kFullyConnected, DataType::kInt8, "qs8_fc_4x8c8__neon", Always,
                    PackGemm<kQs8Gemm>, GemmWorkspace<kQs8Gemm>, RunGemm<kQs8Gemm>});
  table->push_back({isa, OpKind::kFullyConnected, DataType::kUInt8, "qu8_fc_4x8c8__neon", Always,
                    PackGemm<kQu8Gemm>, GemmWorkspace<kQu8Gemm>, RunGemm<kQu8Gemm>});
  table->push_back({isa, OpKind::kFullyConnected, DataType::kInt16, "qs16x8_fc_c8__neon", Always,
                    PackConvInt16, nullptr, RunConvInt16});
}

}  // namespace neon
}  // namespace qk
