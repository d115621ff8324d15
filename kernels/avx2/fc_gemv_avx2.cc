// AVX2 fully connected for small batches (int8 and uint8): a GEMV that streams the weights once.
// The weights stay int8/uint8 in memory (the op is memory-bound) and are widened to int16 in
// registers; each input row is widened once into the workspace with its zero point subtracted,
// and vpmaddwd + vpaddd accumulate exactly (|w - wzp|, |x - zp| <= 255: a pair sum < 2^17).
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/requantize_avx2.h"

namespace qk {
namespace avx2 {
namespace {

constexpr int kRows = 8;    // outputs per block: one int32 lane each after the reduction
constexpr int kDepth = 16;  // inputs per step: one ymm of int16

int PaddedDepth(const OpDesc& d) { return (d.in_c + kDepth - 1) / kDepth * kDepth; }

// Sums each of the 8 vectors horizontally: lane j of the result is the sum of v[j].
// vphaddd wraps (it is not the saturating vphaddsw), like the scalar WrappingAdd.
QK_AVX2_INLINE __m256i Reduce8(const __m256i (&v)[kRows]) {
  const __m256i h01 = _mm256_hadd_epi32(v[0], v[1]), h23 = _mm256_hadd_epi32(v[2], v[3]);
  const __m256i h45 = _mm256_hadd_epi32(v[4], v[5]), h67 = _mm256_hadd_epi32(v[6], v[7]);
  const __m256i lo = _mm256_hadd_epi32(h01, h23), hi = _mm256_hadd_epi32(h45, h67);
  return _mm256_add_epi32(_mm256_permute2x128_si256(lo, hi, 0x20),
                          _mm256_permute2x128_si256(lo, hi, 0x31));
}

template <typename T>
QK_AVX2_INLINE __m256i LoadWeights16(const T* w) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
  return std::is_signed<T>::value ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v);
}

template <typename T>
void Gemv(const OpDesc& d, const PackedData& data, const T* input, T* output, int16_t* xs) {
  const int dp = PaddedDepth(d);
  const ChannelParams cp = GetChannelParams(d, data);
  const Epilogue e(d, cp);
  const T* weights = data.packed.as<T>();
  const __m256i wzp = _mm256_set1_epi16(static_cast<int16_t>(d.filter_zp));
  for (int b = 0; b < d.batch; ++b) {
    int16_t* x = xs + size_t(b) * dp;
    WidenSubtract(input + size_t(b) * d.in_c, d.input_zp, d.in_c, x);
    std::fill(x + d.in_c, x + dp, int16_t{0});  // padding weights then multiply zeros
  }
  for (int o0 = 0; o0 < d.out_c; o0 += kRows) {
    const T* w = weights + size_t(o0) * dp;  // rows past out_c are zero padding in the pack
    for (int b = 0; b < d.batch; ++b) {
      const int16_t* x = xs + size_t(b) * dp;
      __m256i acc[kRows];
      for (int j = 0; j < kRows; ++j) acc[j] = _mm256_setzero_si256();
      for (int k = 0; k < dp; k += kDepth) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + k));
#pragma GCC unroll 8
        for (int j = 0; j < kRows; ++j) {
          __m256i wv = LoadWeights16(w + size_t(j) * dp + k);
          if (!std::is_signed<T>::value) wv = _mm256_sub_epi16(wv, wzp);  // int8: filter_zp == 0
          acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(wv, xv));
        }
      }
      const __m256i v = Requantize8(Reduce8(acc), cp, size_t(o0), e);
      Store8(output + size_t(b) * d.out_c + o0, v, std::min(kRows, d.out_c - o0));
    }
  }
}

}  // namespace

void PackGemvWeights(const OpDesc& d, PackedData* data) {
  const int dp = PaddedDepth(d);
  const int rows = (d.out_c + kRows - 1) / kRows * kRows;
  data->packed.Resize(size_t(rows) * dp);
  int8_t* packed = data->packed.as<int8_t>();
  for (int o = 0; o < d.out_c; ++o) {
    std::memcpy(packed + size_t(o) * dp, data->filter.data() + size_t(o) * d.in_c, d.in_c);
  }
  PackChannelParams(d, data);
}

size_t GemvWorkspaceBytes(const OpDesc& d) {
  return size_t(d.batch) * PaddedDepth(d) * sizeof(int16_t);
}

void GemvRun(const OpDesc& d, const PackedData& data, const void* input, void* output,
             void* workspace) {
  int16_t* xs = static_cast<int16_t*>(workspace);
  if (d.type == DataType::kUInt8) {
    Gemv(d, data, static_cast<const uint8_t*>(input), static_cast<uint8_t*>(output), xs);
  } else {
    Gemv(d, data, static_cast<const int8_t*>(input), static_cast<int8_t*>(output), xs);
  }
}

}  // namespace avx2
}  // namespace qk
