// A test hook into the AVX-512 requantization (requantize_avx512vnni.h), lane by lane. No ISA
// code here: call it only when IsaSupported(Isa::kAvx512Vnni).
#ifndef QKERNELS_KERNELS_AVX512VNNI_REQUANTIZE_LANES_AVX512VNNI_H_
#define QKERNELS_KERNELS_AVX512VNNI_REQUANTIZE_LANES_AVX512VNNI_H_

#include <cstdint>

#include "qkernels/requantize.h"

namespace qk {
namespace avx512vnni {

struct ScaledLanes {
  int32_t* out;        // n lanes: what the kernels' epilogue computes (ScaleVectors)
  int32_t* estimate;   // n lanes: the raw float estimate (0 where not usable)
  uint8_t* undecided;  // n lanes: 1 where the estimate reported the lane undecided
  uint8_t* estimated;  // n lanes: 1 where `out` is the estimate (its vector had no undecided lane)
  int vectors_estimated = 0;  // vectors whose final result came from the estimate
  int vectors_exact = 0;      // vectors computed by the exact integer route
};

// MultiplyByQuantizedMultiplier of n lanes (n a multiple of 16), 16 at a time, each vector with
// its own 16 (multiplier, shift) pairs, as the GEMM and small-K epilogues do: exact from the
// integer route; from the estimate exact where -256 < t < 256 and otherwise the same after any
// 8-bit output stage (kernels/x86/requantize_estimate.h, E5 to E7).
void ScaleLanes(const int32_t* acc, const int32_t* multiplier, const int32_t* shift, int n,
                Rounding rounding, ScaledLanes* result);

}  // namespace avx512vnni
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX512VNNI_REQUANTIZE_LANES_AVX512VNNI_H_
