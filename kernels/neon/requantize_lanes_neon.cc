#include "kernels/neon/requantize_lanes_neon.h"

#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/requantize_arm.h"

namespace qk {
namespace neon {

void MultiplyByQuantizedMultiplierN(const int32_t* x, const int32_t* multiplier,
                                    const int32_t* shift, int n, Rounding rounding, int32_t* out) {
  for (int i = 0; i < n; i += 4) {
    const int m = n - i < 4 ? n - i : 4;
    int32_t a[4] = {0, 0, 0, 0}, mu[4] = {0, 0, 0, 0}, sh[4] = {0, 0, 0, 0}, r[4];
    std::memcpy(a, x + i, m * sizeof(int32_t));
    std::memcpy(mu, multiplier + i, m * sizeof(int32_t));
    std::memcpy(sh, shift + i, m * sizeof(int32_t));
    vst1q_s32(r, arm::MultiplyByQuantizedMultiplier(vld1q_s32(a), vld1q_s32(mu), vld1q_s32(sh),
                                                    rounding));
    std::memcpy(out + i, r, m * sizeof(int32_t));
  }
}

}  // namespace neon
}  // namespace qk
