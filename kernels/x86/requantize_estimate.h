// The constants of the float-estimate requantization shared by the x86 epilogues
// (kernels/avx512vnni/requantize_avx512vnni.h has the proof; kernels/avx2/requantize_avx2.h the
// 8-lane version). ISA-neutral: no intrinsics here.
#ifndef QKERNELS_KERNELS_X86_REQUANTIZE_ESTIMATE_H_
#define QKERNELS_KERNELS_X86_REQUANTIZE_ESTIMATE_H_

namespace qk {
namespace common {

// The estimate applies to channels with 1 <= e = -shift <= kMaxEstimateE (or M0 = 0): then the
// rounding offsets 1/2 +- 2^-(e+1) + eps are exact in float.
constexpr int kMaxEstimateE = 22;
// The margin: the float error, at most 3 (|t| + 1) 2^-24 <= 0.76 * 2^-13, stays below it while
// |t| < 512; lanes with frac(w) < 2 eps (1 in 4096 for spread-out accumulators) are recomputed
// exactly.
constexpr float kEstimateEps = 1.0f / 8192;  // 2^-13

}  // namespace common
}  // namespace qk

#endif  // QKERNELS_KERNELS_X86_REQUANTIZE_ESTIMATE_H_
