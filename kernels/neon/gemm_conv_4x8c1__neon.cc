// The plain NEON (Armv8.0) microkernel of the GEMM-conv driver: conv2d and fully connected, int8
// and uint8, 4 rows x 8 columns, A read 8 deep. A is the input's raw bytes (AFormat::kRawBytes),
// widened to int16 here with the input zero point subtracted (ssubl/usubl: exact, |x - zp| <=
// 255); the packed weights are int16 w - filter_zp, [K][8] per panel, so any zero points of int8
// and uint8 are exact with no compensation term. Each smlal/smlal2 by element does 4 int16 x
// int16 -> int32 MACs into wrapping int32 accumulators (|product| <= 255 * 255). Padded taps
// hold input_zp and contribute 0; K past the kernel depth meets zero weights.
#include <arm_neon.h>

#include "kernels/arm/gemm_tiles_arm.h"
#include "kernels/neon/neon_kernels.h"

namespace qk {
namespace neon {
namespace {

template <bool kUnsigned>
inline int16x8_t LoadMinusZeroPoint(const uint8_t* p, int32_t zp) {
  if (kUnsigned) return vreinterpretq_s16_u16(vsubl_u8(vld1_u8(p), vdup_n_u8(uint8_t(zp))));
  return vsubl_s8(vld1_s8(reinterpret_cast<const int8_t*>(p)), vdup_n_s8(int8_t(zp)));
}

// One depth step k + L: 8 int16 weights (one K row of the panel) against lane L of each A row.
#define QK_NEON_MLAL_STEP(L)                              \
  do {                                                    \
    const int16x8_t vb = vld1q_s16(w);                    \
    w += 8;                                               \
    c00 = vmlal_laneq_s16(c00, vget_low_s16(vb), va0, L); \
    c01 = vmlal_high_laneq_s16(c01, vb, va0, L);          \
    c10 = vmlal_laneq_s16(c10, vget_low_s16(vb), va1, L); \
    c11 = vmlal_high_laneq_s16(c11, vb, va1, L);          \
    c20 = vmlal_laneq_s16(c20, vget_low_s16(vb), va2, L); \
    c21 = vmlal_high_laneq_s16(c21, vb, va2, L);          \
    c30 = vmlal_laneq_s16(c30, vget_low_s16(vb), va3, L); \
    c31 = vmlal_high_laneq_s16(c31, vb, va3, L);          \
  } while (0)

template <bool kUnsigned>
struct Mlal4x8 {
  static constexpr int kMR = 4, kNV = 2;
  static inline void Accumulate(const driver::GemmTiles& t, const uint8_t* const (&a)[4],
                                const uint8_t* b, int32x4_t (&acc)[4][2]) {
    int32x4_t c00 = vdupq_n_s32(0), c01 = c00, c10 = c00, c11 = c00;
    int32x4_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    const int16_t* w = reinterpret_cast<const int16_t*>(b);
    const int32_t zp = t.desc->input_zp;
    for (int run = 0; run < t.runs; ++run) {
      const int64_t at = t.run_offset[run];
      const uint8_t *r0 = a[0] + at, *r1 = a[1] + at, *r2 = a[2] + at, *r3 = a[3] + at;
      for (int k = 0; k < t.run_elems; k += 8) {
        const int16x8_t va0 = LoadMinusZeroPoint<kUnsigned>(r0 + k, zp);
        const int16x8_t va1 = LoadMinusZeroPoint<kUnsigned>(r1 + k, zp);
        const int16x8_t va2 = LoadMinusZeroPoint<kUnsigned>(r2 + k, zp);
        const int16x8_t va3 = LoadMinusZeroPoint<kUnsigned>(r3 + k, zp);
        QK_NEON_MLAL_STEP(0);
        QK_NEON_MLAL_STEP(1);
        QK_NEON_MLAL_STEP(2);
        QK_NEON_MLAL_STEP(3);
        QK_NEON_MLAL_STEP(4);
        QK_NEON_MLAL_STEP(5);
        QK_NEON_MLAL_STEP(6);
        QK_NEON_MLAL_STEP(7);
      }
    }
    acc[0][0] = c00, acc[0][1] = c01, acc[1][0] = c10, acc[1][1] = c11;
    acc[2][0] = c20, acc[2][1] = c21, acc[3][0] = c30, acc[3][1] = c31;
  }
};
#undef QK_NEON_MLAL_STEP

// The microkernels, named by the kernel grammar (scripts/arm-mca.sh finds them by that name).
[[gnu::noinline]] void qs8_gemm_4x8c1__neon(const driver::GemmTiles& t) {
  arm::RunGemmTiles<Mlal4x8<false>>(t);
}
[[gnu::noinline]] void qu8_gemm_4x8c1__neon(const driver::GemmTiles& t) {
  arm::RunGemmTiles<Mlal4x8<true>>(t);
}

void GemmTilesNeon(const driver::GemmTiles& t) {
  if (t.desc->type == DataType::kUInt8) {
    qu8_gemm_4x8c1__neon(t);
  } else {
    qs8_gemm_4x8c1__neon(t);
  }
}

}  // namespace

const driver::GemmConvConfig kGemmConv = {
    /*mr=*/4, /*nr=*/8, /*kr=*/1, /*k_align=*/8, driver::AFormat::kRawBytes,
    driver::WFormat::kInt16MinusZp, /*reads_input=*/true, /*padded_image=*/true,
    /*a_block_bytes=*/64 * 1024, /*max_block_rows=*/int64_t{1} << 40, /*small_k_bytes=*/0,
    /*small_k_max_n=*/0, driver::PackColumnParams, /*pack_extra=*/nullptr, GemmTilesNeon,
    /*convert=*/nullptr};

}  // namespace neon
}  // namespace qk
