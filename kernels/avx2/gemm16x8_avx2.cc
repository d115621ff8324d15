// AVX2 int16x8 conv2d and fully connected: int16 activations, int8 weights, int64 accumulators.
// The same int16 GEMM panels as int8 (gemm_avx2.h); vpmaddwd pair sums are at most
// 2 * 32768 * 128 = 2^23, so K is cut into chunks of 128 pairs whose int32 sums (<= 2^30) are
// exact before being widened into int64 accumulators: the int64 total equals the reference's.
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/gemm_avx2.h"

namespace qk {
namespace avx2 {
namespace {

constexpr int kChunkPairs = 128;

// Per-channel int64 parameters: [bias | reduced multiplier | total shift | rounding term].
struct Params64 {
  const int64_t* bias;
  const int64_t* multiplier;
  const int64_t* total;
  const int64_t* round;
};

Params64 GetParams64(const OpDesc& d, const PackedData& data) {
  const size_t stride = ChannelParamsStride(d.out_c);
  const int64_t* base = reinterpret_cast<const int64_t*>(data.packed.as<char>() +
                                                         data.packed.size()) - 4 * stride;
  return Params64{base, base + stride, base + 2 * stride, base + 3 * stride};
}

QK_AVX2_INLINE __m256i Load64(const int64_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// MultiplyByQuantizedMultiplier(int64 x, M, shift) on 4 lanes: (x * rm + round) >> total, low
// 32 bits. The scalar code multiplies in uint64 (wrapping); x * rm mod 2^64 is
// lo32(x) * rm + (hi32(x) * rm << 32), with rm <= 0x7FFF, and Sra64 is the exact arithmetic shift.
QK_AVX2_INLINE __m256i Requantize64x4(__m256i x, const Params64& p, size_t c) {
  const __m256i rm = Load64(p.multiplier + c);
  const __m256i lo = _mm256_mul_epu32(x, rm);
  const __m256i hi = _mm256_slli_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), rm), 32);
  const __m256i sum = _mm256_add_epi64(_mm256_add_epi64(lo, hi), Load64(p.round + c));
  return Sra64(sum, Load64(p.total + c));
}

// Low dwords of 2 x 4 int64 lanes -> 8 int32 in order.
QK_AVX2_INLINE __m256i Narrow64(__m256i a, __m256i b) {
  const __m256 s = _mm256_shuffle_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b),
                                     _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_permute4x64_epi64(_mm256_castps_si256(s), 0xD8);
}

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
      for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
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
      __m256i v[2];
      for (int j = 0; j < 2; ++j) {
        const __m256i r = Narrow64(Requantize64x4(acc64[i][2 * j], p, n0 + 8 * j),
                                   Requantize64x4(acc64[i][2 * j + 1], p, n0 + 8 * j + 4));
        v[j] = _mm256_min_epi32(_mm256_max_epi32(r, lo), hi);
      }
      Store16(out + size_t(i) * ldo, v[0], v[1], n);
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

// The GEMM panels followed by the Params64 arrays (in the same 64-byte aligned buffer).
void PackGemm16x8Weights(const OpDesc& d, PackedData* data) {
  PackGemmWeights(d, data);
  const size_t stride = ChannelParamsStride(d.out_c);
  std::vector<int64_t> params(4 * stride, 0);
  for (int c = 0; c < d.out_c; ++c) {
    const int32_t m = data->multiplier[c];
    const int shift = std::min(std::max(data->shift[c], -31), 7);  // the scalar code's clamp
    params[c] = d.has_bias ? data->bias64[c] : 0;
    params[stride + c] = m < 0x7FFF0000 ? (int64_t{m} + (1 << 15)) >> 16 : 0x7FFF;
    params[2 * stride + c] = 15 - shift;
    params[3 * stride + c] = int64_t{1} << (15 - shift - 1);
  }
  internal::AlignedBuffer buffer;
  const size_t weights = data->packed.size();
  buffer.Resize(weights + params.size() * sizeof(int64_t));
  std::memcpy(buffer.as<char>(), data->packed.as<char>(), weights);
  std::memcpy(buffer.as<char>() + weights, params.data(), params.size() * sizeof(int64_t));
  data->packed = std::move(buffer);
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
