// The AVX2 microkernels of the GEMM-conv driver (kernels/driver/gemm_conv_driver.h): conv2d and
// fully connected, int8, uint8 and int16x8, 6 rows x 16 channels per register tile, K in pairs.
//
// A holds activations widened to int16 with the input zero point subtracted (AFormat::
// kInt16MinusZp, so padded taps are zeros); B holds w - filter_zp as int16, [K / 2][16][2] per
// panel. vpmaddwd multiplies a broadcast A pair by 8 B pairs and adds each pair into an int32
// lane: exact, because |w - wzp| <= 255 and |x - zp| <= 255 (or 128 * 32768 for int16x8) keep a
// pair sum < 2^31, and vpaddd then wraps like the reference's WrappingAdd. (vpmaddubsw would
// saturate.) The requantization runs on the accumulator registers of each finished tile.
#include <algorithm>
#include <cstring>

#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/requantize64_avx2.h"

namespace qk {
namespace avx2 {
namespace {

using driver::GemmGeometry;
using driver::GemmTiles;

constexpr int kMR = 6;   // rows per register tile (12 accumulators + 2 B + 1 A broadcast)
constexpr int kNR = 16;  // columns per panel: two ymm of 8 int32 lanes

QK_AVX2_INLINE int32_t LoadPair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// acc[i][j] (rows i < MR, columns 8j..8j+7) = sum over `pairs` K pairs of A row a[i] * B panel.
template <int MR>
QK_AVX2_INLINE void GemmAccumulate(int pairs, const int16_t* const (&a)[MR], const int16_t* b,
                                   __m256i (&acc)[MR][2]) {
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  for (int k = 0; k < pairs; ++k) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 16));
    b += 32;
    for (int i = 0; i < MR; ++i) {
      const __m256i av = _mm256_set1_epi32(LoadPair(a[i] + 2 * k));
      acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(av, b0));
      acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(av, b1));
    }
  }
}

// The full 6-row tile in inline assembly: GCC schedules the intrinsic form with all six
// broadcasts first and spills accumulators; here the 12 accumulators (ymm0-11), 2 B vectors
// (ymm12-13), the broadcast (ymm14) and one product (ymm15) fill the 16 ymm registers. The six
// rows are read at a[i] + off, one offset register for all of them. Same arithmetic as the
// generic loop above (accumulators start at zero).
template <>
QK_AVX2_INLINE void GemmAccumulate<6>(int pairs, const int16_t* const (&a)[6], const int16_t* b,
                                      __m256i (&acc)[6][2]) {
  size_t off = 0;
  size_t k2 = size_t(pairs) / 2;  // the loop does two K pairs per iteration
  const size_t odd = size_t(pairs) & 1;
#define QK_ROW(row, ao, x, y)                              \
  "vpbroadcastd " ao "(%[" row "],%[off],1), %%ymm14\n\t" \
  "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"                 \
  "vpaddd %%ymm15, %%" x ", %%" x "\n\t"                   \
  "vpmaddwd %%ymm13, %%ymm14, %%ymm14\n\t"                 \
  "vpaddd %%ymm14, %%" y ", %%" y "\n\t"
#define QK_STEP(b0, b1, ao)                                                             \
  "vmovdqa " b0 "(%[b]), %%ymm12\n\t"                                                   \
  "vmovdqa " b1 "(%[b]), %%ymm13\n\t"                                                   \
  QK_ROW("a0", ao, "ymm0", "ymm1") QK_ROW("a1", ao, "ymm2", "ymm3")                     \
  QK_ROW("a2", ao, "ymm4", "ymm5") QK_ROW("a3", ao, "ymm6", "ymm7")                     \
  QK_ROW("a4", ao, "ymm8", "ymm9") QK_ROW("a5", ao, "ymm10", "ymm11")
#define QK_ACC_ZERO(r) "vpxor %%" r ", %%" r ", %%" r "\n\t"
#define QK_ACC_ST(i, r) "vmovdqu %%" r ", " #i "*32(%[acc])\n\t"
  asm volatile(
      QK_ACC_ZERO("ymm0") QK_ACC_ZERO("ymm1") QK_ACC_ZERO("ymm2") QK_ACC_ZERO("ymm3")
      QK_ACC_ZERO("ymm4") QK_ACC_ZERO("ymm5") QK_ACC_ZERO("ymm6") QK_ACC_ZERO("ymm7")
      QK_ACC_ZERO("ymm8") QK_ACC_ZERO("ymm9") QK_ACC_ZERO("ymm10") QK_ACC_ZERO("ymm11")
      "test %[k2], %[k2]\n\t"
      "jz 2f\n\t"
      "1:\n\t"
      QK_STEP("0", "32", "0")
      QK_STEP("64", "96", "4")
      "add $128, %[b]\n\t"
      "add $8, %[off]\n\t"
      "dec %[k2]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      "test %[odd], %[odd]\n\t"
      "jz 3f\n\t"
      QK_STEP("0", "32", "0")
      "3:\n\t"
      QK_ACC_ST(0, "ymm0") QK_ACC_ST(1, "ymm1") QK_ACC_ST(2, "ymm2") QK_ACC_ST(3, "ymm3")
      QK_ACC_ST(4, "ymm4") QK_ACC_ST(5, "ymm5") QK_ACC_ST(6, "ymm6") QK_ACC_ST(7, "ymm7")
      QK_ACC_ST(8, "ymm8") QK_ACC_ST(9, "ymm9") QK_ACC_ST(10, "ymm10") QK_ACC_ST(11, "ymm11")
      : [off] "+r"(off), [b] "+r"(b), [k2] "+r"(k2)
      : [a0] "r"(a[0]), [a1] "r"(a[1]), [a2] "r"(a[2]), [a3] "r"(a[3]), [a4] "r"(a[4]),
        [a5] "r"(a[5]), [acc] "r"(&acc[0][0]), [odd] "r"(odd)
      : "cc", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
        "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#undef QK_ROW
#undef QK_STEP
#undef QK_ACC_ZERO
#undef QK_ACC_ST
}

// One MR x 16 tile of int8 / uint8 outputs: accumulate, requantize the accumulator registers,
// store the first n columns of MR output rows.
struct Int32Tiler {
  int pairs;
  ChannelParams cp;
  Epilogue e;
  template <int MR, typename OutT>
  QK_AVX2_INLINE void Run(const int16_t* const (&a)[MR], const int16_t* b, size_t n0, OutT* out,
                          size_t ldo, int n) const {
    __m256i acc[MR][2];
    GemmAccumulate<MR>(pairs, a, b, acc);
    const ChannelVec ch0 = LoadChannelVec(cp, n0, e.single_rounding);
    if (n <= 8) {  // the panel's right half is padding: skip its requantization
      for (int i = 0; i < MR; ++i) {
        Store8(out + size_t(i) * ldo, Requantize8(acc[i][0], ch0, e), n);
      }
      return;
    }
    const ChannelVec ch1 = LoadChannelVec(cp, n0 + 8, e.single_rounding);
    for (int i = 0; i < MR; ++i) {
      Store16(out + size_t(i) * ldo, Requantize8(acc[i][0], ch0, e),
              Requantize8(acc[i][1], ch1, e), n);
    }
  }
};

// int16x8: int64 accumulators. vpmaddwd pair sums are at most 2 * 32768 * 128 = 2^23, so K is
// cut into chunks of 128 pairs whose int32 sums (<= 2^30) are exact before being widened into
// the int64 accumulators: the int64 total equals the reference's.
constexpr int kChunkPairs = 128;

struct Int64Tiler {
  int pairs;
  Params64 p;
  __m256i lo, hi;  // act_min, act_max (no output zero point in int16x8)
  template <int MR, typename OutT>
  QK_AVX2_INLINE void Run(const int16_t* const (&a)[MR], const int16_t* b, size_t n0, OutT* out,
                          size_t ldo, int n) const {
    __m256i acc64[MR][4];
    for (int i = 0; i < MR; ++i) {
      for (int j = 0; j < 4; ++j) acc64[i][j] = Load64(p.bias + n0 + 4 * j);
    }
    for (int k0 = 0; k0 < pairs; k0 += kChunkPairs) {
      const int16_t* chunk[MR];
      for (int i = 0; i < MR; ++i) chunk[i] = a[i] + 2 * k0;
      __m256i acc[MR][2];
      GemmAccumulate<MR>(std::min(kChunkPairs, pairs - k0), chunk, b + size_t(k0) * 2 * kNR, acc);
      for (int i = 0; i < MR; ++i) {
        for (int j = 0; j < 2; ++j) {
          const __m256i v = acc[i][j];
          acc64[i][2 * j] = _mm256_add_epi64(acc64[i][2 * j],
                                             _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)));
          acc64[i][2 * j + 1] = _mm256_add_epi64(
              acc64[i][2 * j + 1], _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1)));
        }
      }
    }
    for (int i = 0; i < MR; ++i) {
      Store16(out + size_t(i) * ldo, Requantize64x8(acc64[i][0], acc64[i][1], p, n0, lo, hi),
              Requantize64x8(acc64[i][2], acc64[i][3], p, n0 + 8, lo, hi), n);
    }
  }
};

// Rows [r0, r0 + MR) of one panel; a partial tile's missing rows are never computed.
template <int MR, typename OutT, typename Tiler>
QK_AVX2_INLINE void Tile(const GemmTiles& t, const Tiler& tiler, int r0, const int16_t* b,
                         size_t n0, OutT* out, int n) {
  const int16_t* a[MR];
  for (int i = 0; i < MR; ++i) a[i] = reinterpret_cast<const int16_t*>(t.rows[r0 + i]);
  tiler.template Run<MR>(a, b, n0, out, size_t(t.out_stride), n);
}

// The panels of the range, each over every row tile (this panel's weights stay in L1 while the
// A block streams past them).
template <typename OutT, typename Tiler>
void RunTiles(const GemmTiles& t, const Tiler& tiler) {
  const GemmGeometry& g = *t.geometry;
  for (int p = t.panel_begin; p < t.panel_end; ++p) {
    const int16_t* b = reinterpret_cast<const int16_t*>(t.panels + size_t(p) * t.panel_bytes);
    const size_t n0 = size_t(t.group) * g.n + size_t(p) * kNR;  // the channel parameters' index
    const int n = std::min(kNR, g.n - p * kNR);
    OutT* out = reinterpret_cast<OutT*>(t.out) + p * kNR;
    int r0 = 0;
    for (; r0 + kMR <= t.m; r0 += kMR) Tile<kMR>(t, tiler, r0, b, n0, out + r0 * t.out_stride, n);
    OutT* rest = out + r0 * t.out_stride;
    switch (t.m - r0) {
      case 5: Tile<5>(t, tiler, r0, b, n0, rest, n); break;
      case 4: Tile<4>(t, tiler, r0, b, n0, rest, n); break;
      case 3: Tile<3>(t, tiler, r0, b, n0, rest, n); break;
      case 2: Tile<2>(t, tiler, r0, b, n0, rest, n); break;
      case 1: Tile<1>(t, tiler, r0, b, n0, rest, n); break;
      default: break;
    }
  }
}

void GemmTilesAvx2(const GemmTiles& t) {
  const internal::OpDesc& d = *t.desc;
  const int pairs = t.run_elems / 2;  // one run: the row's kp int16 elements
  if (d.type == DataType::kInt16) {
    const Int64Tiler tiler{pairs, GetParams64(d, *t.data), _mm256_set1_epi32(d.act_min),
                           _mm256_set1_epi32(d.act_max)};
    RunTiles<int16_t>(t, tiler);
    return;
  }
  const ChannelParams cp = GetChannelParams(d, *t.data);
  const Int32Tiler tiler{pairs, cp, Epilogue(d, cp)};
  if (d.type == DataType::kUInt8) {
    RunTiles<uint8_t>(t, tiler);
  } else {
    RunTiles<int8_t>(t, tiler);
  }
}

// The per-channel epilogue block (requantize_avx2.h); nothing is folded into the bias here.
void PackChannels(const internal::OpDesc& d, const GemmGeometry&, const int32_t*,
                  internal::PackedData* data) {
  if (d.type != DataType::kInt16) PackChannelParams(d, data);
}

void PackExtra(const internal::OpDesc& d, internal::PackedData* data) {
  if (d.type == DataType::kInt16) AppendParams64(d, data);
}

// n input elements widened to int16 minus the zero point.
void ConvertRun(const void* src, int64_t n, DataType type, driver::AFormat, int32_t zp,
                void* dst) {
  int16_t* out = static_cast<int16_t*>(dst);
  const int count = static_cast<int>(n);
  switch (type) {
    case DataType::kInt8: WidenSubtract(static_cast<const int8_t*>(src), zp, count, out); break;
    case DataType::kUInt8: WidenSubtract(static_cast<const uint8_t*>(src), zp, count, out); break;
    case DataType::kInt16: WidenSubtract(static_cast<const int16_t*>(src), zp, count, out); break;
  }
}

}  // namespace

const driver::GemmConvConfig kGemmConv = {
    kMR, kNR, /*kr=*/2, /*k_align=*/2, driver::AFormat::kInt16MinusZp,
    driver::WFormat::kInt16MinusZp, /*reads_input=*/false, /*padded_image=*/false,
    // The A block is kept near 128 KiB (L2-resident) while every B panel streams over it.
    /*a_block_bytes=*/128 * 1024, /*max_block_rows=*/16 * kMR, /*small_k_bytes=*/0,
    /*small_k_max_n=*/0, PackChannels, PackExtra, GemmTilesAvx2, ConvertRun};

}  // namespace avx2
}  // namespace qk
