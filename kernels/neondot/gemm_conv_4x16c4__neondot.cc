// The Armv8.2 dotprod microkernel of the GEMM-conv driver: int8 conv2d and fully connected,
// 4 rows x 16 columns, K in groups of 4. Each sdot-by-element multiplies 4 int8 weights of 4
// columns (16 bytes of the panel) by 4 int8 activations (one 32-bit lane of an A row) and adds the
// 4 sums into 4 int32 lanes: 16 MACs. Raw int8 x int8 (AFormat::kRawBytes) with wrapping int32
// accumulation is exact; the driver folds -input_zp * sum w into the bias, and padded taps hold
// input_zp, so they contribute w * zp - zp * w = 0.
#include <arm_neon.h>

#include "kernels/arm/gemm_tiles_arm.h"
#include "kernels/neondot/neondot_kernels.h"

namespace qk {
namespace neondot {
namespace {

// Panel layout: for each 4-deep step, 16 columns x 4 bytes (64 bytes). The 4 vectors are loaded
// through two pointers, w and w16 = w + 16, each 32 bytes apart: single-register loads (ldr q),
// never fused into load pairs. On Cortex-A76 / Neoverse-N1 an ldp of two q registers costs 3
// micro-ops against ldr's 1 (LLVM's model of them: 3-wide dispatch), and with 8 ldp the 52
// micro-ops of an 8-deep iteration took 17.3 cycles of dispatch where the 32 sdot need 16 of
// the two ASIMD pipes; with 16 ldr q it is 48 micro-ops, and the sdot pipes are the bound.
#define QK_SDOT_STEP(L)                     \
  do {                                      \
    const int8x16_t b0 = vld1q_s8(w);       \
    const int8x16_t b1 = vld1q_s8(w16);     \
    const int8x16_t b2 = vld1q_s8(w + 32);  \
    const int8x16_t b3 = vld1q_s8(w16 + 32); \
    w += 64;                                \
    w16 += 64;                              \
    c00 = vdotq_lane_s32(c00, b0, a0, L); \
    c01 = vdotq_lane_s32(c01, b1, a0, L); \
    c02 = vdotq_lane_s32(c02, b2, a0, L); \
    c03 = vdotq_lane_s32(c03, b3, a0, L); \
    c10 = vdotq_lane_s32(c10, b0, a1, L); \
    c11 = vdotq_lane_s32(c11, b1, a1, L); \
    c12 = vdotq_lane_s32(c12, b2, a1, L); \
    c13 = vdotq_lane_s32(c13, b3, a1, L); \
    c20 = vdotq_lane_s32(c20, b0, a2, L); \
    c21 = vdotq_lane_s32(c21, b1, a2, L); \
    c22 = vdotq_lane_s32(c22, b2, a2, L); \
    c23 = vdotq_lane_s32(c23, b3, a2, L); \
    c30 = vdotq_lane_s32(c30, b0, a3, L); \
    c31 = vdotq_lane_s32(c31, b1, a3, L); \
    c32 = vdotq_lane_s32(c32, b2, a3, L); \
    c33 = vdotq_lane_s32(c33, b3, a3, L); \
  } while (0)

struct Sdot4x16 {
  static constexpr int kMR = 4, kNV = 4;
  static inline void Accumulate(const driver::GemmTiles& t, const uint8_t* const (&a)[4],
                                const uint8_t* b, int32x4_t (&acc)[4][4]) {
    int32x4_t c00 = vdupq_n_s32(0), c01 = c00, c02 = c00, c03 = c00;
    int32x4_t c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    int32x4_t c20 = c00, c21 = c00, c22 = c00, c23 = c00;
    int32x4_t c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    const int8_t* w = reinterpret_cast<const int8_t*>(b);
    const int8_t* w16 = w + 16;
    for (int run = 0; run < t.runs; ++run) {
      const int64_t at = t.run_offset[run];
      const int8_t* r0 = reinterpret_cast<const int8_t*>(a[0] + at);
      const int8_t* r1 = reinterpret_cast<const int8_t*>(a[1] + at);
      const int8_t* r2 = reinterpret_cast<const int8_t*>(a[2] + at);
      const int8_t* r3 = reinterpret_cast<const int8_t*>(a[3] + at);
      for (int k = 0; k < t.run_elems; k += 8) {
        const int8x8_t a0 = vld1_s8(r0 + k), a1 = vld1_s8(r1 + k);
        const int8x8_t a2 = vld1_s8(r2 + k), a3 = vld1_s8(r3 + k);
        QK_SDOT_STEP(0);  // depth k .. k+3
        QK_SDOT_STEP(1);  // depth k+4 .. k+7
        // w16 is w + 16, but the compiler must not know it: it would address all 4 vectors from
        // one register and fuse neighbours into ldp (an empty asm: no instruction, no barrier).
        asm("" : "+r"(w16));
      }
    }
    acc[0][0] = c00, acc[0][1] = c01, acc[0][2] = c02, acc[0][3] = c03;
    acc[1][0] = c10, acc[1][1] = c11, acc[1][2] = c12, acc[1][3] = c13;
    acc[2][0] = c20, acc[2][1] = c21, acc[2][2] = c22, acc[2][3] = c23;
    acc[3][0] = c30, acc[3][1] = c31, acc[3][2] = c32, acc[3][3] = c33;
  }
};
#undef QK_SDOT_STEP

// The microkernel, named by the kernel grammar (scripts/arm-mca.sh finds it by that name).
void qs8_gemm_4x16c4__neondot(const driver::GemmTiles& t) { arm::RunGemmTiles<Sdot4x16>(t); }

}  // namespace

const driver::GemmConvConfig kGemmConv = {
    /*mr=*/4, /*nr=*/16, /*kr=*/4, /*k_align=*/8, driver::AFormat::kRawBytes,
    driver::WFormat::kInt8, /*reads_input=*/true, /*padded_image=*/true,
    /*a_block_bytes=*/64 * 1024, /*max_block_rows=*/int64_t{1} << 40, /*small_k_bytes=*/0,
    /*small_k_max_n=*/0, driver::PackColumnParams, /*pack_extra=*/nullptr, qs8_gemm_4x16c4__neondot,
    /*convert=*/nullptr};

}  // namespace neondot
}  // namespace qk
