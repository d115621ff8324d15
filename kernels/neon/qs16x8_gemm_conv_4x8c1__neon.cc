// The plain NEON int16x8 microkernel of the GEMM-conv driver: conv2d and fully connected with
// int16 activations, int8 weights and int64 accumulators, 4 rows x 8 columns, A read 4 deep.
// A is int16 (AFormat::kInt16MinusZp; int16x8 has no zero points), the weights are int16,
// [K][8] per panel. smlal by element multiplies exactly (|x * w| <= 2^15 * 2^7 = 2^22), so int32
// partial sums over at most kChunk = 256 K values (<= 2^30) are exact; each chunk is widened into
// int64 lanes, which wrap like TFLite's 64-bit sums. The int64 requantization is TFLite's scalar
// one, applied to each int64 lane moved to a scalar.
#include <arm_neon.h>

#include <algorithm>
#include <cstring>

#include "kernels/neon/neon_kernels.h"
#include "qkernels/requantize.h"

namespace qk {
namespace neon {
namespace {

using driver::GemmTiles;

constexpr int kMR = 4;
constexpr int kNR = 8;
constexpr int kChunk = 256;  // K values per exact int32 partial sum

// One depth step k + L: 8 int16 weights (one K row of the panel) against lane L of each A row.
#define QK_MLAL16_STEP(L)                                     \
  do {                                                        \
    const int16x8_t vb = vld1q_s16(w);                        \
    w += kNR;                                                 \
    c[0][0] = vmlal_lane_s16(c[0][0], vget_low_s16(vb), a0, L); \
    c[0][1] = vmlal_high_lane_s16(c[0][1], vb, a0, L);        \
    c[1][0] = vmlal_lane_s16(c[1][0], vget_low_s16(vb), a1, L); \
    c[1][1] = vmlal_high_lane_s16(c[1][1], vb, a1, L);        \
    c[2][0] = vmlal_lane_s16(c[2][0], vget_low_s16(vb), a2, L); \
    c[2][1] = vmlal_high_lane_s16(c[2][1], vb, a2, L);        \
    c[3][0] = vmlal_lane_s16(c[3][0], vget_low_s16(vb), a3, L); \
    c[3][1] = vmlal_high_lane_s16(c[3][1], vb, a3, L);        \
  } while (0)

// acc[r][j]: row r, channels 2j, 2j + 1 of the tile (int64 lanes, bias not included).
inline void Accumulate(const GemmTiles& t, const int16_t* const (&a)[kMR], const int16_t* w,
                       int64x2_t (&acc)[kMR][4]) {
  for (int r = 0; r < kMR; ++r) {
    for (int j = 0; j < 4; ++j) acc[r][j] = vdupq_n_s64(0);
  }
  for (int k0 = 0; k0 < t.run_elems; k0 += kChunk) {
    int32x4_t c[kMR][2];
    for (int r = 0; r < kMR; ++r) c[r][0] = c[r][1] = vdupq_n_s32(0);
    const int k1 = std::min(t.run_elems, k0 + kChunk);
    for (int k = k0; k < k1; k += 4) {
      const int16x4_t a0 = vld1_s16(a[0] + k), a1 = vld1_s16(a[1] + k);
      const int16x4_t a2 = vld1_s16(a[2] + k), a3 = vld1_s16(a[3] + k);
      QK_MLAL16_STEP(0);
      QK_MLAL16_STEP(1);
      QK_MLAL16_STEP(2);
      QK_MLAL16_STEP(3);
    }
    for (int r = 0; r < kMR; ++r) {
      acc[r][0] = vaddw_s32(acc[r][0], vget_low_s32(c[r][0]));
      acc[r][1] = vaddw_high_s32(acc[r][1], c[r][0]);
      acc[r][2] = vaddw_s32(acc[r][2], vget_low_s32(c[r][1]));
      acc[r][3] = vaddw_high_s32(acc[r][3], c[r][1]);
    }
  }
}
#undef QK_MLAL16_STEP

// Requantizes row r's 8 lanes and stores its first n channels (channel0: the tile's first
// channel in the op's per-channel arrays).
inline void StoreRow(const GemmTiles& t, const int64x2_t (&acc)[4], int channel0, int n,
                     int16_t* out) {
  const internal::OpDesc& d = *t.desc;
  const internal::PackedData& p = *t.data;
  int64_t sums[kNR];
  for (int j = 0; j < 4; ++j) vst1q_s64(sums + 2 * j, acc[j]);
  for (int i = 0; i < n; ++i) {
    const int c = channel0 + i;
    const uint64_t total = static_cast<uint64_t>(sums[i]) + static_cast<uint64_t>(p.bias64[c]);
    const int32_t scaled =
        MultiplyByQuantizedMultiplier(static_cast<int64_t>(total), p.multiplier[c], p.shift[c]);
    out[i] = static_cast<int16_t>(std::min(std::max(scaled, d.act_min), d.act_max));
  }
}

// The microkernel, named by the kernel grammar (scripts/arm-mca.sh finds it by that name).
void qs16x8_gemm_4x8c1__neon(const GemmTiles& t) {
  const driver::GemmGeometry& g = *t.geometry;
  for (int p = t.panel_begin; p < t.panel_end; ++p) {
    const int n = std::min(kNR, g.n - p * kNR);
    const int channel0 = t.group * g.n + p * kNR;
    const int16_t* w = reinterpret_cast<const int16_t*>(t.panels + size_t(p) * t.panel_bytes);
    int16_t* out = reinterpret_cast<int16_t*>(t.out) + p * kNR;
    for (int r0 = 0; r0 < t.m; r0 += kMR) {
      const int rows = std::min(kMR, t.m - r0);
      const int16_t* a[kMR];
      for (int r = 0; r < kMR; ++r) {  // a partial tile repeats its last row, never stored
        a[r] = reinterpret_cast<const int16_t*>(t.rows[r0 + std::min(r, rows - 1)]);
      }
      int64x2_t acc[kMR][4];
      Accumulate(t, a, w, acc);
      for (int r = 0; r < rows; ++r) {
        StoreRow(t, acc[r], channel0, n, out + (r0 + r) * t.out_stride);
      }
    }
  }
}

// The per-channel values are read from PackedData (bias64, multiplier, shift) directly.
void PackNoChannels(const internal::OpDesc&, const driver::GemmGeometry&, const int32_t*,
                    internal::PackedData*) {}

}  // namespace

const driver::GemmConvConfig kGemmConv16 = {
    kMR, kNR, /*kr=*/1, /*k_align=*/4, driver::AFormat::kInt16MinusZp,
    driver::WFormat::kInt16MinusZp, /*reads_input=*/true, /*padded_image=*/false,
    /*a_block_bytes=*/64 * 1024, /*max_block_rows=*/int64_t{1} << 40, /*small_k_bytes=*/0,
    /*small_k_max_n=*/0, PackNoChannels, /*pack_extra=*/nullptr, qs16x8_gemm_4x8c1__neon,
    /*convert=*/nullptr};

}  // namespace neon
}  // namespace qk
