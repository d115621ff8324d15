// The Armv8.6 i8mm microkernel of the GEMM-conv driver: int8 conv2d and fully connected, 4 rows x
// 16 columns, K in groups of 8. smmla multiplies a 2x8 int8 block of A (two rows, 8 deep) by the
// transpose of a 2x8 block of B (two columns, 8 deep) into a 2x2 int32 tile: 32 MACs per
// instruction. Exact: int8 x int8 products summed in wrapping int32; the driver folds
// -input_zp * sum w into the bias and padded taps hold input_zp (AFormat::kRawBytes).
#include <arm_neon.h>

#include "kernels/arm/gemm_tiles_arm.h"
#include "kernels/i8mm/i8mm_kernels.h"

namespace qk {
namespace i8mm {
namespace {

// Panel layout: for each 8-deep step, 16 columns x 8 bytes (128 bytes); 16 bytes = one column
// pair, the right operand of one smmla.
struct Smmla4x16 {
  static constexpr int kMR = 4, kNV = 4;
  // One 8-deep step: rows 0-1 (a01) and 2-3 (a23) against the 8 column pairs at w.
  static inline void Step(int8x16_t a01, int8x16_t a23, const int8_t* w, int32x4_t (&c)[2][8]) {
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      const int8x16_t bj = vld1q_s8(w + 16 * j);
      c[0][j] = vmmlaq_s32(c[0][j], a01, bj);
      c[1][j] = vmmlaq_s32(c[1][j], a23, bj);
    }
  }

  static inline void Accumulate(const driver::GemmTiles& t, const uint8_t* const (&a)[4],
                                const uint8_t* b, int32x4_t (&acc)[4][4]) {
    // c[i][j] = {row 2i col 2j, row 2i col 2j+1, row 2i+1 col 2j, row 2i+1 col 2j+1}
    int32x4_t c[2][8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) c[0][j] = c[1][j] = vdupq_n_s32(0);
    const int8_t* w = reinterpret_cast<const int8_t*>(b);
    for (int run = 0; run < t.runs; ++run) {
      const int64_t at = t.run_offset[run];
      const int8_t* r0 = reinterpret_cast<const int8_t*>(a[0] + at);
      const int8_t* r1 = reinterpret_cast<const int8_t*>(a[1] + at);
      const int8_t* r2 = reinterpret_cast<const int8_t*>(a[2] + at);
      const int8_t* r3 = reinterpret_cast<const int8_t*>(a[3] + at);
      int k = 0;
      // 16 deep per iteration: one whole-register load per A row, and the row pairs of depth
      // 0..7 and 8..15 made by zip1 / zip2 of 64-bit lanes (2 ASIMD instructions per 16 smmla,
      // off the critical path; the 8-deep step below inserts a half register per row pair).
      for (; k + 16 <= t.run_elems; k += 16) {
        const int64x2_t q0 = vreinterpretq_s64_s8(vld1q_s8(r0 + k));
        const int64x2_t q1 = vreinterpretq_s64_s8(vld1q_s8(r1 + k));
        const int64x2_t q2 = vreinterpretq_s64_s8(vld1q_s8(r2 + k));
        const int64x2_t q3 = vreinterpretq_s64_s8(vld1q_s8(r3 + k));
        Step(vreinterpretq_s8_s64(vzip1q_s64(q0, q1)), vreinterpretq_s8_s64(vzip1q_s64(q2, q3)),
             w, c);
        Step(vreinterpretq_s8_s64(vzip2q_s64(q0, q1)), vreinterpretq_s8_s64(vzip2q_s64(q2, q3)),
             w + 128, c);
        w += 256;
      }
      if (k < t.run_elems) {  // runs are whole multiples of 8 (k_align): one 8-deep step left
        Step(vcombine_s8(vld1_s8(r0 + k), vld1_s8(r1 + k)),
             vcombine_s8(vld1_s8(r2 + k), vld1_s8(r3 + k)), w, c);
        w += 128;
      }
    }
    // Row 2i, columns 4v..4v+3 = the low halves of c[i][2v] and c[i][2v+1]; row 2i+1 the high.
#pragma GCC unroll 2
    for (int i = 0; i < 2; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) {
        const int64x2_t lo = vreinterpretq_s64_s32(c[i][2 * v]);
        const int64x2_t hi = vreinterpretq_s64_s32(c[i][2 * v + 1]);
        acc[2 * i][v] = vreinterpretq_s32_s64(vzip1q_s64(lo, hi));
        acc[2 * i + 1][v] = vreinterpretq_s32_s64(vzip2q_s64(lo, hi));
      }
    }
  }
};

// The microkernel, named by the kernel grammar (scripts/arm-mca.sh finds it by that name).
void qs8_gemm_4x16c8__i8mm(const driver::GemmTiles& t) { arm::RunGemmTiles<Smmla4x16>(t); }

}  // namespace

const driver::GemmConvConfig kGemmConv = {
    /*mr=*/4, /*nr=*/16, /*kr=*/8, /*k_align=*/8, driver::AFormat::kRawBytes,
    driver::WFormat::kInt8, /*reads_input=*/true, /*padded_image=*/true,
    /*a_block_bytes=*/64 * 1024, /*max_block_rows=*/int64_t{1} << 40, /*small_k_bytes=*/0,
    /*small_k_max_n=*/0, driver::PackColumnParams, /*pack_extra=*/nullptr, qs8_gemm_4x16c8__i8mm,
    /*convert=*/nullptr};

}  // namespace i8mm
}  // namespace qk
