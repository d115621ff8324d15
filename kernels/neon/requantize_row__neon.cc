// The vectorized output stage of every Arm kernel: bias, requantization (both rounding modes),
// zero point, clamp, narrowing store. Tails are staged through small local arrays, so exactly n
// entries are read from each input array and exactly n outputs are written.
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/requantize_arm.h"
#include "kernels/neon/neon_kernels.h"

namespace qk {
namespace neon {
namespace {

using arm::MultiplyByQuantizedMultiplier;

// clamp(scaled + zp, lo, hi) == clamp(scaled, lo - zp, hi - zp) + zp without any overflow:
// the reference adds in 64 bits; here the clamp comes first and the sum is within [lo, hi].
template <typename OutT>
void Store4(int32x4_t scaled, int32x4_t lo_minus_zp, int32x4_t hi_minus_zp, int32x4_t zp,
            OutT* out, int n) {
  const int32x4_t v = vaddq_s32(vminq_s32(vmaxq_s32(scaled, lo_minus_zp), hi_minus_zp), zp);
  int32_t lanes[4];
  vst1q_s32(lanes, v);
  for (int i = 0; i < n; ++i) out[i] = static_cast<OutT>(lanes[i]);
}

template <typename OutT>  // int8_t or uint8_t
void RequantizeRowTyped(const internal::OpDesc& d, const int32_t* acc, const int32_t* bias,
                        const int32_t* multiplier, const int32_t* shift, int n, OutT* out) {
  const int32x4_t zp = vdupq_n_s32(d.output_zp);
  const int32x4_t lo = vdupq_n_s32(d.act_min - d.output_zp);
  const int32x4_t hi = vdupq_n_s32(d.act_max - d.output_zp);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const int32x4_t a0 = vaddq_s32(vld1q_s32(acc + i), vld1q_s32(bias + i));  // wraps
    const int32x4_t a1 = vaddq_s32(vld1q_s32(acc + i + 4), vld1q_s32(bias + i + 4));
    int32x4_t s0 = MultiplyByQuantizedMultiplier(a0, vld1q_s32(multiplier + i),
                                                 vld1q_s32(shift + i), d.rounding);
    int32x4_t s1 = MultiplyByQuantizedMultiplier(a1, vld1q_s32(multiplier + i + 4),
                                                 vld1q_s32(shift + i + 4), d.rounding);
    s0 = vaddq_s32(vminq_s32(vmaxq_s32(s0, lo), hi), zp);
    s1 = vaddq_s32(vminq_s32(vmaxq_s32(s1, lo), hi), zp);
    // The values fit OutT (int8 or uint8): keeping the low 8 bits is exact.
    const int8x8_t s8 = vmovn_s16(vcombine_s16(vmovn_s32(s0), vmovn_s32(s1)));
    vst1_u8(reinterpret_cast<uint8_t*>(out + i), vreinterpret_u8_s8(s8));
  }
  for (; i < n; i += 4) {
    const int m = n - i < 4 ? n - i : 4;
    int32_t a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0}, mu[4] = {0, 0, 0, 0}, sh[4] = {0, 0, 0, 0};
    std::memcpy(a, acc + i, m * sizeof(int32_t));
    std::memcpy(b, bias + i, m * sizeof(int32_t));
    std::memcpy(mu, multiplier + i, m * sizeof(int32_t));
    std::memcpy(sh, shift + i, m * sizeof(int32_t));
    const int32x4_t s = MultiplyByQuantizedMultiplier(vaddq_s32(vld1q_s32(a), vld1q_s32(b)),
                                                      vld1q_s32(mu), vld1q_s32(sh), d.rounding);
    Store4(s, lo, hi, zp, out + i, m);
  }
}

}  // namespace

void RequantizeRow(const internal::OpDesc& d, const int32_t* acc, const int32_t* bias,
                   const int32_t* multiplier, const int32_t* shift, int n, void* out) {
  if (d.type == DataType::kUInt8) {
    RequantizeRowTyped(d, acc, bias, multiplier, shift, n, static_cast<uint8_t*>(out));
  } else {
    RequantizeRowTyped(d, acc, bias, multiplier, shift, n, static_cast<int8_t*>(out));
  }
}

}  // namespace neon
}  // namespace qk
