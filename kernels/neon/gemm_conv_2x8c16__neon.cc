// The plain NEON (Armv8.0) int8 microkernel of the GEMM-conv driver for weights in [-127, 127]
// (every TFLite int8 filter made by its converter: symmetric, -128 never produced): 2 rows x 8
// columns, K in groups of 16. Per row and column, a 16-deep step is
//   smull  p.8h, b.8b, a.8b      products of depth 0..7, int8 x int8 -> int16
//   smlal2 p.8h, b.16b, a.16b    + products of depth 8..15: each lane holds the sum of 2 products
//   sadalp c.4s, p.8h            pairwise-added into the int32 accumulator of that column
// Exact: |x * w| <= 128 * 127 = 16256, so the sum of two products is at most 32512 < 2^15 (with
// a weight of -128 it could be 2 * 16384 = 2^15 and wrap: those filters keep the int16 path of
// gemm_conv_4x8c1__neon.cc, chosen at pack time in neon_table.cc). 16 MACs for 3 instructions
// instead of 4 MACs per smlal-by-element. A is the raw input bytes (AFormat::kRawBytes) and the
// driver folds -input_zp * sum w into the bias, like sdot; a padded tap holds input_zp and
// contributes w * zp - zp * w = 0. Accumulators hold 4 partial sums per column, added pairwise
// (addp) once per tile. The smull / smlal2 / sadalp pattern is XNNPACK's qs8 "c16 neon-mlal"
// GEMM (src/qs8-gemm/c16-neon-mlal.c.in, github.com/google/XNNPACK); the tile, the panel
// layout and the code here are this project's.
//
// Tile: 2 x 8 = 16 accumulators, 2 A and 8 B registers and the int16 products: 32 NEON
// registers at most, 48 vector instructions per 256 MACs. On out-of-order cores the multiplies
// (one pipe on Cortex-A72/A76 and N1) bound it at 8 MACs/cycle; the sadalp go to the other pipe.
#include <arm_neon.h>

#include "kernels/arm/gemm_tiles_arm.h"
#include "kernels/neon/neon_kernels.h"

namespace qk {
namespace neon {
namespace {

// Panel layout: for each 16-deep step, 8 columns x 16 bytes (128 bytes), column j's 16 weights
// contiguous (one q register).
struct MullPairs2x8 {
  static constexpr int kMR = 2, kNV = 2;
  static inline void Accumulate(const driver::GemmTiles& t, const uint8_t* const (&a)[2],
                                const uint8_t* b, int32x4_t (&acc)[2][2]) {
    int32x4_t c[2][8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) c[0][j] = c[1][j] = vdupq_n_s32(0);
    const int8_t* w = reinterpret_cast<const int8_t*>(b);
    for (int run = 0; run < t.runs; ++run) {
      const int64_t at = t.run_offset[run];
      const int8_t* r0 = reinterpret_cast<const int8_t*>(a[0] + at);
      const int8_t* r1 = reinterpret_cast<const int8_t*>(a[1] + at);
      for (int k = 0; k < t.run_elems; k += 16, w += 128) {
        const int8x16_t a0 = vld1q_s8(r0 + k);
        const int8x16_t a1 = vld1q_s8(r1 + k);
#pragma GCC unroll 8
        for (int j = 0; j < 8; ++j) {
          const int8x16_t bj = vld1q_s8(w + 16 * j);
          int16x8_t p0 = vmull_s8(vget_low_s8(bj), vget_low_s8(a0));
          int16x8_t p1 = vmull_s8(vget_low_s8(bj), vget_low_s8(a1));
          p0 = vmlal_high_s8(p0, bj, a0);
          p1 = vmlal_high_s8(p1, bj, a1);
          c[0][j] = vpadalq_s16(c[0][j], p0);
          c[1][j] = vpadalq_s16(c[1][j], p1);
        }
      }
    }
    // Column j's sum is the sum of c[r][j]'s 4 lanes: two rounds of pairwise adds give columns
    // 4v..4v+3 in order.
#pragma GCC unroll 2
    for (int r = 0; r < 2; ++r) {
      acc[r][0] = vpaddq_s32(vpaddq_s32(c[r][0], c[r][1]), vpaddq_s32(c[r][2], c[r][3]));
      acc[r][1] = vpaddq_s32(vpaddq_s32(c[r][4], c[r][5]), vpaddq_s32(c[r][6], c[r][7]));
    }
  }
};

// The microkernel, named by the kernel grammar (scripts/arm-mca.sh finds it by that name).
[[gnu::noinline]] void qs8_gemm_2x8c16__neon(const driver::GemmTiles& t) {
  arm::RunGemmTiles<MullPairs2x8>(t);
}

}  // namespace

const driver::GemmConvConfig kGemmConvPairs = {
    /*mr=*/2, /*nr=*/8, /*kr=*/16, /*k_align=*/16, driver::AFormat::kRawBytes,
    driver::WFormat::kInt8, /*reads_input=*/true, /*padded_image=*/true,
    /*a_block_bytes=*/64 * 1024, /*max_block_rows=*/int64_t{1} << 40, /*small_k_bytes=*/0,
    /*small_k_max_n=*/0, driver::PackColumnParams, /*pack_extra=*/nullptr, qs8_gemm_2x8c16__neon,
    /*convert=*/nullptr};

}  // namespace neon
}  // namespace qk
