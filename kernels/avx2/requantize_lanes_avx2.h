// A test hook into the AVX2 8-bit output stage (requantize_avx2.h: Requantize8, with its float
// estimate and exact fallback), lane by lane. No ISA code here: call it only when
// IsaSupported(Isa::kAvx2).
#ifndef QKERNELS_KERNELS_AVX2_REQUANTIZE_LANES_AVX2_H_
#define QKERNELS_KERNELS_AVX2_REQUANTIZE_LANES_AVX2_H_

#include <cstdint>

#include "qkernels/requantize.h"

namespace qk {
namespace avx2 {

// out[i] = clamp(MultiplyByQuantizedMultiplier(acc[i], multiplier[i], shift[i]) + output_zp,
// act_min, act_max) as the kernels compute it, for n lanes (n a multiple of 8) of one op whose
// output channels are the lanes (int8 when output_zp <= 127 and act_min >= -128, else uint8).
// Returns whether the op took the float estimate; fast (optional, n / 8 entries) receives, per
// vector of 8 lanes, 1 where Requantize8 kept the estimate and 0 where it computed exactly.
bool RequantizeLanes(const int32_t* acc, const int32_t* multiplier, const int32_t* shift, int n,
                     Rounding rounding, int32_t output_zp, int32_t act_min, int32_t act_max,
                     int32_t* out, uint8_t* fast = nullptr);

}  // namespace avx2
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX2_REQUANTIZE_LANES_AVX2_H_
