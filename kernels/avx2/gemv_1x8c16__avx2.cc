// The AVX2 microkernel of the GEMV driver (kernels/driver/gemv_driver.h): fully connected for
// small batches (int8 and uint8), streaming the weights once. The weights stay int8/uint8 in
// memory (the op is memory-bound) and are widened to int16 in registers; the driver widens each
// input row once into the workspace with its zero point subtracted (AFormat::kInt16MinusZp), and
// vpmaddwd + vpaddd accumulate exactly (|w - wzp|, |x - zp| <= 255: a pair sum < 2^17).
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/requantize_avx2.h"

namespace qk {
namespace avx2 {
namespace {

constexpr int kRows = 8;    // outputs per block: one int32 lane each after the reduction
constexpr int kDepth = 16;  // inputs per step: one ymm of int16

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

// Output channels [o_begin, o_end) of every batch row, 8 at a time: each block of 8 weight rows
// is read once and serves every batch row.
template <typename T>
void GemvTyped(const driver::GemvRows& r) {
  const OpDesc& d = *r.desc;
  const int dp = r.kp;
  const ChannelParams cp = GetChannelParams(d, *r.data);
  const Epilogue e(d, cp);
  const T* weights = r.data->packed.as<T>();
  const __m256i wzp = _mm256_set1_epi16(static_cast<int16_t>(d.filter_zp));
  for (int o0 = r.o_begin; o0 < r.o_end; o0 += kRows) {
    const T* w = weights + size_t(o0) * dp;  // rows past out_c are zero padding in the pack
    for (int b = 0; b < d.batch; ++b) {
      const int16_t* x = reinterpret_cast<const int16_t*>(r.x + b * r.x_stride);
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
      T* out = reinterpret_cast<T*>(r.out + b * r.out_stride);
      Store8(out + o0, v, std::min(kRows, r.o_end - o0));
    }
  }
}

void GemvRowsAvx2(const driver::GemvRows& r) {
  if (r.desc->type == DataType::kUInt8) {
    GemvTyped<uint8_t>(r);
  } else {
    GemvTyped<int8_t>(r);
  }
}

// n input elements widened to int16 minus the zero point.
void ConvertRun(const void* src, int64_t n, DataType type, driver::AFormat, int32_t zp,
                void* dst) {
  int16_t* out = static_cast<int16_t*>(dst);
  if (type == DataType::kUInt8) {
    WidenSubtract(static_cast<const uint8_t*>(src), zp, static_cast<int>(n), out);
  } else {
    WidenSubtract(static_cast<const int8_t*>(src), zp, static_cast<int>(n), out);
  }
}

}  // namespace

void PackGemvWeights(const OpDesc& d, PackedData* data) {
  const int dp = (d.in_c + kDepth - 1) / kDepth * kDepth;
  const int rows = (d.out_c + kRows - 1) / kRows * kRows;
  data->packed.Resize(size_t(rows) * dp);
  int8_t* packed = data->packed.as<int8_t>();
  for (int o = 0; o < d.out_c; ++o) {
    std::memcpy(packed + size_t(o) * dp, data->filter.data() + size_t(o) * d.in_c, d.in_c);
  }
  PackChannelParams(d, data);
}

const driver::GemvConfig kGemv = {kRows, kDepth, driver::AFormat::kInt16MinusZp, GemvRowsAvx2,
                                  ConvertRun};

}  // namespace avx2
}  // namespace qk
