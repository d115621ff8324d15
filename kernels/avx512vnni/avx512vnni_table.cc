// The AVX-512 VNNI rows of the kernel table (int8 and uint8; int16x8 falls back to a lesser ISA).
#include <vector>

#include "kernels/avx512vnni/conv_smallk_avx512vnni.h"
#include "kernels/avx512vnni/dwconv_avx512vnni.h"
#include "kernels/avx512vnni/gemm_avx512vnni.h"

namespace qk {
namespace avx512vnni {
namespace {

using internal::Kernel;
using internal::OpDesc;
using internal::OpKind;
using internal::PackedData;

bool Gemm8(const OpDesc& d) { return d.type == DataType::kInt8 || d.type == DataType::kUInt8; }
bool Pointwise(const OpDesc& d) { return Gemm8(d) && d.IsPointwise(); }

void RunDirect(const OpDesc& d, const PackedData& p, const void* in, void* out, void* ws) {
  RunGemm(d, p, in, out, ws, /*im2col=*/false);
}
void RunIm2col(const OpDesc& d, const PackedData& p, const void* in, void* out, void* ws) {
  RunGemm(d, p, in, out, ws, /*im2col=*/true);
}

}  // namespace

void AppendKernels(std::vector<Kernel>* table) {
  const Isa isa = Isa::kAvx512Vnni;
  table->push_back({isa, OpKind::kConv2D, DataType::kInt8,
                    "qs8_conv_smallk_direct_16x8p2_8x32__avx512vnni", SmallKConvApplies,
                    PackSmallKConv, SmallKConvWorkspaceBytes, RunSmallKConv});
  table->push_back({isa, OpKind::kConv2D, DataType::kInt8, "qs8_conv_1x1_gemm_6x64c4__avx512vnni",
                    Pointwise, PackGemm, GemmWorkspaceBytes, RunDirect});
  table->push_back({isa, OpKind::kConv2D, DataType::kInt8,
                    "qs8_conv_im2col_gemm_6x64c4__avx512vnni", Gemm8, PackGemm,
                    GemmWorkspaceBytes, RunIm2col});
  table->push_back({isa, OpKind::kConv2D, DataType::kUInt8,
                    "qu8_conv_1x1_gemm_6x64c4__avx512vnni", Pointwise, PackGemm,
                    GemmWorkspaceBytes, RunDirect});
  table->push_back({isa, OpKind::kConv2D, DataType::kUInt8,
                    "qu8_conv_im2col_gemm_6x64c4__avx512vnni", Gemm8, PackGemm,
                    GemmWorkspaceBytes, RunIm2col});
  table->push_back({isa, OpKind::kDepthwiseConv2D, DataType::kInt8,
                    "qs8_dwconv_64c4__avx512vnni", DwApplies, PackDw, nullptr, RunDw});
  table->push_back({isa, OpKind::kFullyConnected, DataType::kInt8,
                    "qs8_fc_gemm_6x64c4__avx512vnni", Gemm8, PackGemm, GemmWorkspaceBytes,
                    RunDirect});
  table->push_back({isa, OpKind::kFullyConnected, DataType::kUInt8,
                    "qu8_fc_gemm_6x64c4__avx512vnni", Gemm8, PackGemm, GemmWorkspaceBytes,
                    RunDirect});
}

}  // namespace avx512vnni
}  // namespace qk
