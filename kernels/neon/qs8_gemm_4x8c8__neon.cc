// GEMM microkernels for plain NEON (Armv8.0): 4 rows x 8 columns, A read 8 deep. A is widened to
// int16 with the input zero point subtracted (ssubl/usubl: exact, |x - zp| <= 255); the packed
// weights are int16 (w - filter_zp), so any zero points of int8 and uint8 are exact with no
// compensation term. Each smlal/smlal2 by element does 4 int16 x int16 -> int32 MACs into
// wrapping int32 accumulators (products <= 255 * 255 never overflow int16 x int16 -> int32).
#include <arm_neon.h>

#include "kernels/neon/arm_gemm.h"

namespace qk {
namespace neon {
namespace {

constexpr int kMr = 4;
constexpr int kNr = 8;

template <bool kUnsigned>
inline int16x8_t LoadMinusZeroPoint(const void* row, size_t k, int32_t zp) {
  if (kUnsigned) {
    const uint8x8_t x = vld1_u8(static_cast<const uint8_t*>(row) + k);
    return vreinterpretq_s16_u16(vsubl_u8(x, vdup_n_u8(static_cast<uint8_t>(zp))));
  }
  const int8x8_t x = vld1_s8(static_cast<const int8_t*>(row) + k);
  return vsubl_s8(x, vdup_n_s8(static_cast<int8_t>(zp)));
}

// One depth step k + L: 8 int16 weights (one row of the panel) against lane L of each A row.
#define QK_NEON_MLAL_STEP(L)                                       \
  do {                                                             \
    const int16x8_t vb = vld1q_s16(w);                             \
    w += kNr;                                                      \
    c00 = vmlal_laneq_s16(c00, vget_low_s16(vb), va0, L);          \
    c01 = vmlal_high_laneq_s16(c01, vb, va0, L);                   \
    c10 = vmlal_laneq_s16(c10, vget_low_s16(vb), va1, L);          \
    c11 = vmlal_high_laneq_s16(c11, vb, va1, L);                   \
    c20 = vmlal_laneq_s16(c20, vget_low_s16(vb), va2, L);          \
    c21 = vmlal_high_laneq_s16(c21, vb, va2, L);                   \
    c30 = vmlal_laneq_s16(c30, vget_low_s16(vb), va3, L);          \
    c31 = vmlal_high_laneq_s16(c31, vb, va3, L);                   \
  } while (0)

template <bool kUnsigned>
void Gemm4x8c8(size_t kpad, const void* const* a, const void* b_panel, int32_t a_zero_point,
               int32_t* acc) {
  int32x4_t c00 = vdupq_n_s32(0), c01 = c00, c10 = c00, c11 = c00;
  int32x4_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const int16_t* w = static_cast<const int16_t*>(b_panel);
  for (size_t k = 0; k < kpad; k += 8) {
    const int16x8_t va0 = LoadMinusZeroPoint<kUnsigned>(a[0], k, a_zero_point);
    const int16x8_t va1 = LoadMinusZeroPoint<kUnsigned>(a[1], k, a_zero_point);
    const int16x8_t va2 = LoadMinusZeroPoint<kUnsigned>(a[2], k, a_zero_point);
    const int16x8_t va3 = LoadMinusZeroPoint<kUnsigned>(a[3], k, a_zero_point);
    QK_NEON_MLAL_STEP(0);
    QK_NEON_MLAL_STEP(1);
    QK_NEON_MLAL_STEP(2);
    QK_NEON_MLAL_STEP(3);
    QK_NEON_MLAL_STEP(4);
    QK_NEON_MLAL_STEP(5);
    QK_NEON_MLAL_STEP(6);
    QK_NEON_MLAL_STEP(7);
  }
  vst1q_s32(acc + 0, c00);
  vst1q_s32(acc + 4, c01);
  vst1q_s32(acc + 8, c10);
  vst1q_s32(acc + 12, c11);
  vst1q_s32(acc + 16, c20);
  vst1q_s32(acc + 20, c21);
  vst1q_s32(acc + 24, c30);
  vst1q_s32(acc + 28, c31);
}
#undef QK_NEON_MLAL_STEP

}  // namespace

void qs8_gemm_4x8c8__neon(size_t kpad, const void* const* a, const void* b, int32_t zp,
                          int32_t* acc) {
  Gemm4x8c8<false>(kpad, a, b, zp, acc);
}

void qu8_gemm_4x8c8__neon(size_t kpad, const void* const* a, const void* b, int32_t zp,
                          int32_t* acc) {
  Gemm4x8c8<true>(kpad, a, b, zp, acc);
}

}  // namespace neon
}  // namespace qk
