// int8 GEMM microkernel for Armv8.2 dotprod: 4 rows x 16 columns, 4-deep packing. Each
// sdot-by-element multiplies 4 int8 weights of 4 columns (16 bytes of the panel) by 4 int8
// activations (one 32-bit lane of an A row) and adds the 4 sums into 4 int32 lanes: 16 MACs.
// Raw int8 x int8 with wrapping int32 accumulation is exact; the input zero point is folded into
// the packed bias (-input_zp * sum w) by PackGemmWeights, so a_zero_point is unused here.
#include <arm_neon.h>

#include "kernels/neon/arm_gemm.h"
#include "kernels/neondot/neondot_kernels.h"

namespace qk {
namespace neondot {

// Panel layout: for each 4-deep step, 16 columns x 4 bytes (64 bytes).
#define QK_SDOT_STEP(L)                                        \
  do {                                                         \
    const int8x16_t b0 = vld1q_s8(w);                          \
    const int8x16_t b1 = vld1q_s8(w + 16);                     \
    const int8x16_t b2 = vld1q_s8(w + 32);                     \
    const int8x16_t b3 = vld1q_s8(w + 48);                     \
    w += 64;                                                   \
    c00 = vdotq_lane_s32(c00, b0, a0, L);                      \
    c01 = vdotq_lane_s32(c01, b1, a0, L);                      \
    c02 = vdotq_lane_s32(c02, b2, a0, L);                      \
    c03 = vdotq_lane_s32(c03, b3, a0, L);                      \
    c10 = vdotq_lane_s32(c10, b0, a1, L);                      \
    c11 = vdotq_lane_s32(c11, b1, a1, L);                      \
    c12 = vdotq_lane_s32(c12, b2, a1, L);                      \
    c13 = vdotq_lane_s32(c13, b3, a1, L);                      \
    c20 = vdotq_lane_s32(c20, b0, a2, L);                      \
    c21 = vdotq_lane_s32(c21, b1, a2, L);                      \
    c22 = vdotq_lane_s32(c22, b2, a2, L);                      \
    c23 = vdotq_lane_s32(c23, b3, a2, L);                      \
    c30 = vdotq_lane_s32(c30, b0, a3, L);                      \
    c31 = vdotq_lane_s32(c31, b1, a3, L);                      \
    c32 = vdotq_lane_s32(c32, b2, a3, L);                      \
    c33 = vdotq_lane_s32(c33, b3, a3, L);                      \
  } while (0)

void qs8_gemm_4x16c4__neondot(size_t kpad, const void* const* a_rows, const void* b_panel,
                              int32_t /*a_zero_point*/, int32_t* acc) {
  int32x4_t c00 = vdupq_n_s32(0), c01 = c00, c02 = c00, c03 = c00;
  int32x4_t c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  int32x4_t c20 = c00, c21 = c00, c22 = c00, c23 = c00;
  int32x4_t c30 = c00, c31 = c00, c32 = c00, c33 = c00;
  const int8_t* r0 = static_cast<const int8_t*>(a_rows[0]);
  const int8_t* r1 = static_cast<const int8_t*>(a_rows[1]);
  const int8_t* r2 = static_cast<const int8_t*>(a_rows[2]);
  const int8_t* r3 = static_cast<const int8_t*>(a_rows[3]);
  const int8_t* w = static_cast<const int8_t*>(b_panel);
  for (size_t k = 0; k < kpad; k += 8) {
    const int8x8_t a0 = vld1_s8(r0 + k), a1 = vld1_s8(r1 + k);
    const int8x8_t a2 = vld1_s8(r2 + k), a3 = vld1_s8(r3 + k);
    QK_SDOT_STEP(0);  // depth k .. k+3
    QK_SDOT_STEP(1);  // depth k+4 .. k+7
  }
  int32_t* o = acc;
  vst1q_s32(o, c00), vst1q_s32(o + 4, c01), vst1q_s32(o + 8, c02), vst1q_s32(o + 12, c03);
  o += 16;
  vst1q_s32(o, c10), vst1q_s32(o + 4, c11), vst1q_s32(o + 8, c12), vst1q_s32(o + 12, c13);
  o += 16;
  vst1q_s32(o, c20), vst1q_s32(o + 4, c21), vst1q_s32(o + 8, c22), vst1q_s32(o + 12, c23);
  o += 16;
  vst1q_s32(o, c30), vst1q_s32(o + 4, c31), vst1q_s32(o + 8, c32), vst1q_s32(o + 12, c33);
}
#undef QK_SDOT_STEP

}  // namespace neondot
}  // namespace qk
