// AVX2 int64 requantization for the int16x8 kernels of this folder: per-channel parameters
// appended to PackedData::packed at pack time, and TFLite's MultiplyByQuantizedMultiplier(int64)
// on 4 lanes, bit-identical to the scalar one.
#ifndef QKERNELS_KERNELS_AVX2_REQUANTIZE64_AVX2_H_
#define QKERNELS_KERNELS_AVX2_REQUANTIZE64_AVX2_H_

#include "kernels/avx2/requantize_avx2.h"

namespace qk {
namespace avx2 {

// Per-channel int64 parameters: [bias | reduced multiplier | total shift | rounding term], each
// ChannelParamsStride(out_c) long, stored at the end of PackedData::packed.
struct Params64 {
  const int64_t* bias;
  const int64_t* multiplier;
  const int64_t* total;
  const int64_t* round;
};

// Appends the Params64 arrays to data->packed (its weights are kept in front).
void AppendParams64(const internal::OpDesc& d, internal::PackedData* data);
Params64 GetParams64(const internal::OpDesc& d, const internal::PackedData& data);

QK_AVX2_INLINE __m256i Load64(const int64_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// MultiplyByQuantizedMultiplier(int64 x, M, shift) on 4 lanes: (x * rm + round) >> total, low
// 32 bits. The scalar code multiplies in uint64 (wrapping); x * rm mod 2^64 is
// lo32(x) * rm + (hi32(x) * rm << 32), with 0 <= rm <= 0x7FFF, and Sra64 is the exact
// arithmetic shift (floor, as the scalar >> of the int64 sum).
QK_AVX2_INLINE __m256i Requantize64x4(__m256i x, const Params64& p, size_t c) {
  const __m256i rm = Load64(p.multiplier + c);
  const __m256i lo = _mm256_mul_epu32(x, rm);
  const __m256i hi = _mm256_slli_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), rm), 32);
  const __m256i sum = _mm256_add_epi64(_mm256_add_epi64(lo, hi), Load64(p.round + c));
  return Sra64(sum, Load64(p.total + c));
}

// Low dwords of 2 x 4 int64 lanes -> 8 int32 in order (the scalar cast to int32).
QK_AVX2_INLINE __m256i Narrow64(__m256i a, __m256i b) {
  const __m256 s = _mm256_shuffle_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b),
                                     _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_permute4x64_epi64(_mm256_castps_si256(s), 0xD8);
}

// 8 int64 accumulators (channels c..c+7 in a, b) -> requantized and clamped int32.
QK_AVX2_INLINE __m256i Requantize64x8(__m256i a, __m256i b, const Params64& p, size_t c,
                                      __m256i lo, __m256i hi) {
  const __m256i r = Narrow64(Requantize64x4(a, p, c), Requantize64x4(b, p, c + 4));
  return _mm256_min_epi32(_mm256_max_epi32(r, lo), hi);
}

}  // namespace avx2
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX2_REQUANTIZE64_AVX2_H_
