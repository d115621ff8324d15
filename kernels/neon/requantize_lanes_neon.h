// A test hook into the Arm vector requantization (kernels/arm/requantize_arm.h), lane by lane.
// No ISA code here: the definition is compiled with the NEON flags.
#ifndef QKERNELS_KERNELS_NEON_REQUANTIZE_LANES_NEON_H_
#define QKERNELS_KERNELS_NEON_REQUANTIZE_LANES_NEON_H_

#include <cstdint>

#include "qkernels/requantize.h"

namespace qk {
namespace neon {

// out[i] = MultiplyByQuantizedMultiplier(x[i], multiplier[i], shift[i]) as the Arm output stage
// computes it, 4 lanes at a time (any n: the tail is staged through a 4-lane array).
void MultiplyByQuantizedMultiplierN(const int32_t* x, const int32_t* multiplier,
                                    const int32_t* shift, int n, Rounding rounding, int32_t* out);

}  // namespace neon
}  // namespace qk

#endif  // QKERNELS_KERNELS_NEON_REQUANTIZE_LANES_NEON_H_
