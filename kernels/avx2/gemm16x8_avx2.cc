// AVX2 int16x8 conv2d and fully connected: int16 activations, int8 weights, int64 accumulators.
// The same int16 GEMM panels as int8 (gemm_avx2.h); vpmaddwd pair sums are at most
// 2 * 32768 * 128 = 2^23, so K is cut into chunks of 128 pairs whose int32 sums (<= 2^30) are
// exact before being widened into int64 accumulators: the int64 total equals the reference's.
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/gemm_avx2.h"
#include "kernels/avx2/requantize64_avx2.h"

namespace qk {
namespace avx2 {
namespace {

constexpr int kChunkPairs = 128;

struct Int64Tiler {
  int kp;
  Params64 p;
  __m256i lo, hi;  // act_min, act_max (no output zero point in int16x8)
  template <int MR, typename OutT>
  QK_AVX2_INLINE void Run(const int16_t* a, int lda, const int16_t* b, size_t n0, OutT* out,
                          size_t ldo, int n) const {
    __m256i acc64[MR][4];
    for (int i = 0; i < MR; ++i) {
      for (int j = 0; j < 4; ++j) acc64[i][j] = Load64(p.bias + n0 + 4 * j);
    }
    for (int k0 = 0; k0 < kp; k0 += kChunkPairs) {
      __m256i acc[MR][2];
      GemmAccumulate<MR>(std::min(kChunkPairs, kp - k0), a + 2 * k0, lda,
                         b + size_t(k0) * 2 * kGemmNR, acc);
      for (int i = 0; i < MR; ++i) {
        for (int j = 0; j < 2; ++j) {
          const __m256i v = acc[i][j];
          acc64[i][2 * j] = _mm256_add_epi64(
              acc64[i][2 * j], _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)));
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

template <template <typename> class Fill>
void Run16x8(const OpDesc& d, const PackedData& data, const void* input, void* output,
             void* workspace) {
  const Int64Tiler tiler{GetGemmShape(d).kp, GetParams64(d, data), _mm256_set1_epi32(d.act_min),
                         _mm256_set1_epi32(d.act_max)};
  GemmDriver(d, data, static_cast<int16_t*>(output), static_cast<int16_t*>(workspace),
             Fill<int16_t>{d, static_cast<const int16_t*>(input)}, tiler);
}

}  // namespace

void PackGemm16x8Weights(const OpDesc& d, PackedData* data) {
  PackGemmWeights(d, data);
  AppendParams64(d, data);
}

void ConvIgemm16x8Run(const OpDesc& d, const PackedData& data, const void* input, void* output,
                      void* workspace) {
  Run16x8<Im2colFill>(d, data, input, output, workspace);
}

void PointwiseGemm16x8Run(const OpDesc& d, const PackedData& data, const void* input,
                          void* output, void* workspace) {
  Run16x8<PointwiseFill>(d, data, input, output, workspace);
}

}  // namespace avx2
}  // namespace qk
