// The plain NEON int8 microkernel for in-order cores (Cortex-A53/A55 class), weights in
// [-127, 127]: the arithmetic of gemm_conv_2x8c16__neon.cc (smull + smlal2 on int8 pairs, then
// sadalp into int32; exact, see there), on a 4 x 4 tile scheduled for a core that issues in
// program order. neon_table.cc picks it at pack time when the op is packed for an in-order core.
//
// Why a different tile and a hand-ordered loop: an in-order core stalls on the first instruction
// whose operand is not ready, so the order the instructions are written in is the order they
// run in. LLVM 16's Cortex-A53/A55 models issue one instruction a cycle in this loop (a q-register
// load takes a cycle of its own; smull, smlal2 and sadalp have a 6-cycle latency), so the cost is
// the instruction count, provided no instruction waits. Per 256 MACs:
//   - 2x8c16 (the out-of-order tile): 48 multiply/add + 10 loads (2 A, 8 B), and the compiler's
//     order leaves dependent instructions adjacent: 3.0 MACs/cycle on A53;
//   - 4x4c16 (here): 48 multiply/add + 8 loads (4 A, 4 B) + 2 adds, every dependent pair at
//     least 6 instructions apart: 4.2 MACs/cycle on A53, 4.4 on A55 (scripts/arm-mca.sh).
// 5 MACs/cycle is out of reach in that model: 48 instructions per 256 MACs alone cap it at 5.33,
// and a tile with few enough loads to stay under 51 cycles needs ~100 accumulators.
//
// The loop (two copies of one 16-deep step per iteration, entered at the second for an odd
// number of steps; column j of row r is pair (j, r)):
//   M(j)  4 x smull   t[j%2][r]  = B[j].lo * A[r].lo        (products of depth 0..7)
//   S(j)  4 x smlal2  t[j%2][r] += B[j].hi * A[r].hi        (depth 8..15)
//   P(j)  4 x sadalp  c[r][j]   += pairwise(t[j%2][r])
// in the order  loads, P(3) of the previous step, M(0), S(0), M(1), P(0), S(1), M(2), P(1), S(2),
// M(3), P(2), S(3): two temporary sets (j even / odd) let P(j-1) run between M(j) and S(j), so
// each product waits 6+ instructions for its input, and the previous step's P(3) fills the
// latency of this step's loads. Before the loop t[1] is zeroed (the first P(3) adds nothing);
// after it the last P(3) is drained. The B loads of columns 1..3 sit among the multiplies.
// This ordering is what XNNPACK's Cortex-A53 assembly kernels do by hand
// (src/qs8-gemm/gen/*-aarch64-neon-mlal-*-cortex-a53.S, github.com/google/XNNPACK); the tile and
// the code here are this project's. Inline assembly, because GCC reorders intrinsics for its
// generic tuning and the order is the point.
#include <arm_neon.h>

#include "kernels/arm/gemm_tiles_arm.h"
#include "kernels/neon/neon_kernels.h"

namespace qk {
namespace neon {
namespace {

// Registers: A rows v0-v3, B columns v4-v7, temporaries t[0] = v8-v11, t[1] = v12-v15, the 16
// accumulators c[r][j] anywhere in v16-v31 (asm operands). x9 counts runs, x11-x14 point at the
// run in rows 0-3, x15 is the byte offset into the run, %[w] the panel pointer (64 bytes a step).
#define QK_STEP_ASM                                                                           \
  "ldr q4, [%[w]]\n ldr q0, [x11, x15]\n ldr q1, [x12, x15]\n"                        \
  "ldr q2, [x13, x15]\n ldr q3, [x14, x15]\n"                                         \
  "sadalp %[c03].4s, v12.8h\n sadalp %[c13].4s, v13.8h\n"                                   \
  "smull v8.8h, v4.8b, v0.8b\n smull v9.8h, v4.8b, v1.8b\n"                                 \
  "smull v10.8h, v4.8b, v2.8b\n smull v11.8h, v4.8b, v3.8b\n"                               \
  "sadalp %[c23].4s, v14.8h\n sadalp %[c33].4s, v15.8h\n ldr q5, [%[w], 16]\n"              \
  "smlal2 v8.8h, v4.16b, v0.16b\n smlal2 v9.8h, v4.16b, v1.16b\n"                           \
  "smlal2 v10.8h, v4.16b, v2.16b\n smlal2 v11.8h, v4.16b, v3.16b\n"                         \
  "smull v12.8h, v5.8b, v0.8b\n smull v13.8h, v5.8b, v1.8b\n"                               \
  "smull v14.8h, v5.8b, v2.8b\n smull v15.8h, v5.8b, v3.8b\n"                               \
  "sadalp %[c00].4s, v8.8h\n sadalp %[c10].4s, v9.8h\n"                                     \
  "sadalp %[c20].4s, v10.8h\n sadalp %[c30].4s, v11.8h\n ldr q6, [%[w], 32]\n"              \
  "smlal2 v12.8h, v5.16b, v0.16b\n smlal2 v13.8h, v5.16b, v1.16b\n"                         \
  "smlal2 v14.8h, v5.16b, v2.16b\n smlal2 v15.8h, v5.16b, v3.16b\n"                         \
  "smull v8.8h, v6.8b, v0.8b\n smull v9.8h, v6.8b, v1.8b\n"                                 \
  "smull v10.8h, v6.8b, v2.8b\n smull v11.8h, v6.8b, v3.8b\n"                               \
  "sadalp %[c01].4s, v12.8h\n sadalp %[c11].4s, v13.8h\n"                                   \
  "sadalp %[c21].4s, v14.8h\n sadalp %[c31].4s, v15.8h\n ldr q7, [%[w], 48]\n"              \
  "add %[w], %[w], 64\n"                                                                    \
  "smlal2 v8.8h, v6.16b, v0.16b\n smlal2 v9.8h, v6.16b, v1.16b\n"                           \
  "smlal2 v10.8h, v6.16b, v2.16b\n smlal2 v11.8h, v6.16b, v3.16b\n"                         \
  "smull v12.8h, v7.8b, v0.8b\n smull v13.8h, v7.8b, v1.8b\n"                               \
  "smull v14.8h, v7.8b, v2.8b\n smull v15.8h, v7.8b, v3.8b\n"                               \
  "sadalp %[c02].4s, v8.8h\n sadalp %[c12].4s, v9.8h\n"                                     \
  "sadalp %[c22].4s, v10.8h\n sadalp %[c32].4s, v11.8h\n add x15, x15, 16\n"                \
  "smlal2 v12.8h, v7.16b, v0.16b\n smlal2 v13.8h, v7.16b, v1.16b\n"                         \
  "smlal2 v14.8h, v7.16b, v2.16b\n smlal2 v15.8h, v7.16b, v3.16b\n"

// Panel layout: for each 16-deep step, 4 columns x 16 bytes, column j's weights contiguous.
// One asm statement holds the loops over runs and K (so the accumulators are its outputs only:
// GCC allows 30 operands, and an in-out operand counts twice).
struct MullPairs4x4InOrder {
  static constexpr int kMR = 4, kNV = 1;
  static inline void Accumulate(const driver::GemmTiles& t, const uint8_t* const (&a)[4],
                                const uint8_t* b, int32x4_t (&acc)[4][1]) {
    if (t.runs <= 0 || t.run_elems <= 0) {
      for (auto& row : acc) row[0] = vdupq_n_s32(0);
      return;
    }
    int32x4_t c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
    const uint8_t* w = b;
    const int64_t runs = t.runs, end = t.run_elems;  // end: a multiple of 16 (k_align)
    __asm__ volatile(
        "movi %[c00].16b, 0\n movi %[c01].16b, 0\n movi %[c02].16b, 0\n movi %[c03].16b, 0\n"
        "movi %[c10].16b, 0\n movi %[c11].16b, 0\n movi %[c12].16b, 0\n movi %[c13].16b, 0\n"
        "movi %[c20].16b, 0\n movi %[c21].16b, 0\n movi %[c22].16b, 0\n movi %[c23].16b, 0\n"
        "movi %[c30].16b, 0\n movi %[c31].16b, 0\n movi %[c32].16b, 0\n movi %[c33].16b, 0\n"
        "mov x9, 0\n"
        "2:\n"
        "ldr x10, [%[offsets], x9, lsl 3]\n add x11, %[a0], x10\n add x12, %[a1], x10\n"
        "add x13, %[a2], x10\n add x14, %[a3], x10\n mov x15, 0\n"
        "movi v12.16b, 0\n movi v13.16b, 0\n movi v14.16b, 0\n movi v15.16b, 0\n"
        "tbnz %[end], 4, 3f\n"  // an odd number of steps: enter at the second copy
        "1:\n" QK_STEP_ASM "3:\n" QK_STEP_ASM
        "cmp x15, %[end]\n b.lt 1b\n"
        "sadalp %[c03].4s, v12.8h\n sadalp %[c13].4s, v13.8h\n"
        "sadalp %[c23].4s, v14.8h\n sadalp %[c33].4s, v15.8h\n"
        "add x9, x9, 1\n cmp x9, %[runs]\n b.lt 2b\n"
        : [c00] "=&w"(c00), [c01] "=&w"(c01), [c02] "=&w"(c02), [c03] "=&w"(c03),
          [c10] "=&w"(c10), [c11] "=&w"(c11), [c12] "=&w"(c12), [c13] "=&w"(c13),
          [c20] "=&w"(c20), [c21] "=&w"(c21), [c22] "=&w"(c22), [c23] "=&w"(c23),
          [c30] "=&w"(c30), [c31] "=&w"(c31), [c32] "=&w"(c32), [c33] "=&w"(c33), [w] "+r"(w)
        : [a0] "r"(a[0]), [a1] "r"(a[1]), [a2] "r"(a[2]), [a3] "r"(a[3]),
          [offsets] "r"(t.run_offset), [runs] "r"(runs), [end] "r"(end)
        : "cc", "memory", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "v0", "v1", "v2", "v3",
          "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15");
    // Column j's sum is the sum of c[r][j]'s 4 lanes: two rounds of pairwise adds.
    acc[0][0] = vpaddq_s32(vpaddq_s32(c00, c01), vpaddq_s32(c02, c03));
    acc[1][0] = vpaddq_s32(vpaddq_s32(c10, c11), vpaddq_s32(c12, c13));
    acc[2][0] = vpaddq_s32(vpaddq_s32(c20, c21), vpaddq_s32(c22, c23));
    acc[3][0] = vpaddq_s32(vpaddq_s32(c30, c31), vpaddq_s32(c32, c33));
  }
};

#undef QK_STEP_ASM

// The microkernel, named by the kernel grammar (scripts/arm-mca.sh finds it by that name).
[[gnu::noinline]] void qs8_gemm_4x4c16__neon(const driver::GemmTiles& t) {
  arm::RunGemmTiles<MullPairs4x4InOrder>(t);
}

}  // namespace

const driver::GemmConvConfig kGemmConvPairsInOrder = {
    /*mr=*/4, /*nr=*/4, /*kr=*/16, /*k_align=*/16, driver::AFormat::kRawBytes,
    driver::WFormat::kInt8, /*reads_input=*/true, /*padded_image=*/true,
    /*a_block_bytes=*/64 * 1024, /*max_block_rows=*/int64_t{1} << 40, /*small_k_bytes=*/0,
    /*small_k_max_n=*/0, driver::PackColumnParams, /*pack_extra=*/nullptr, qs8_gemm_4x4c16__neon,
    /*convert=*/nullptr};

}  // namespace neon
}  // namespace qk
