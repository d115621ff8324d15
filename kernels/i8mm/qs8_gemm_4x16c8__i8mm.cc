// int8 GEMM microkernel for Armv8.6 i8mm: 4 rows x 16 columns, 8-deep packing. smmla multiplies a
// 2x8 int8 block of A (two rows, 8 deep) by the transpose of a 2x8 block of B (two columns,
// 8 deep) into a 2x2 int32 tile: 32 MACs per instruction. Exact: int8 x int8 products summed in
// wrapping int32; the input zero point is folded into the packed bias by PackGemmWeights.
#include <arm_neon.h>

#include "kernels/i8mm/i8mm_kernels.h"

namespace qk {
namespace i8mm {
namespace {

// Stores a 2x2 tile {r0c0, r0c1, r1c0, r1c1} of column pair `pair` into rows r and r+1.
inline void StoreTile(int32x4_t t, int32_t* acc, int r, int pair) {
  vst1_s32(acc + r * 16 + 2 * pair, vget_low_s32(t));
  vst1_s32(acc + (r + 1) * 16 + 2 * pair, vget_high_s32(t));
}

}  // namespace

// Panel layout: for each 8-deep step, 16 columns x 8 bytes (128 bytes); 16 bytes = one column
// pair, the right operand of one smmla.
void qs8_gemm_4x16c8__i8mm(size_t kpad, const void* const* a_rows, const void* b_panel,
                           int32_t /*a_zero_point*/, int32_t* acc) {
  int32x4_t c[2][8];
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 8; ++j) c[i][j] = vdupq_n_s32(0);
  }
  const int8_t* r0 = static_cast<const int8_t*>(a_rows[0]);
  const int8_t* r1 = static_cast<const int8_t*>(a_rows[1]);
  const int8_t* r2 = static_cast<const int8_t*>(a_rows[2]);
  const int8_t* r3 = static_cast<const int8_t*>(a_rows[3]);
  const int8_t* w = static_cast<const int8_t*>(b_panel);
  for (size_t k = 0; k < kpad; k += 8) {
    const int8x16_t a01 = vcombine_s8(vld1_s8(r0 + k), vld1_s8(r1 + k));
    const int8x16_t a23 = vcombine_s8(vld1_s8(r2 + k), vld1_s8(r3 + k));
    for (int j = 0; j < 8; ++j) {  // fully unrolled by the compiler
      const int8x16_t b = vld1q_s8(w + 16 * j);
      c[0][j] = vmmlaq_s32(c[0][j], a01, b);
      c[1][j] = vmmlaq_s32(c[1][j], a23, b);
    }
    w += 128;
  }
  for (int j = 0; j < 8; ++j) {
    StoreTile(c[0][j], acc, 0, j);
    StoreTile(c[1][j], acc, 2, j);
  }
}

}  // namespace i8mm
}  // namespace qk
