// Pack-time per-channel epilogue parameters and the activation widening used by the AVX2 kernels.
#include "kernels/avx2/requantize_avx2.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qk {
namespace avx2 {

void PackChannelParams(const internal::OpDesc& d, internal::PackedData* data) {
  const size_t stride = ChannelParamsStride(d.out_c);
  data->packed_bias.assign(7 * stride + 3, 0);
  int32_t* bias = data->packed_bias.data();
  int32_t* mult = bias + stride;
  int32_t* a = mult + stride;
  int32_t* b = a + stride;
  int32_t* m = b + stride;
  int32_t* c_pos = m + stride;
  int32_t* c_neg = c_pos + stride;
  int32_t* flags = c_neg + stride;
  auto bits = [](double v) {
    const float f = static_cast<float>(v);
    int32_t i;
    std::memcpy(&i, &f, 4);
    return i;
  };
  bool estimate = d.type != DataType::kInt16;
  for (size_t c = 0; c < stride; ++c) {  // padding channels (M0 = 0) included
    const int32_t multiplier = int(c) < d.out_c ? data->multiplier[c] : 0;
    const int e = multiplier == 0 ? 1 : -data->shift[c];  // M0 = 0 gives 0 for any e
    if (e < 1 || e > common::kMaxEstimateE) {
      estimate = false;
      break;
    }
    // m = fl(M0) / 2^(31+e) (fl in the caller's rounding mode: E2 allows any); c + d =
    // 1/2 + d +- 2^-(e+1), exact in float (all bits in [2^-23, 2^-1]), with the offset d of
    // requantize_estimate.h: 3 eps on coarse channels (E6), else eps (E5).
    const bool single = d.rounding == Rounding::kSingle;
    m[c] = bits(std::ldexp(static_cast<double>(static_cast<float>(multiplier)), -(31 + e)));
    const double half_step = single ? 0.0 : std::ldexp(1.0, -(e + 1));
    const double offset = common::CoarseGrid(multiplier, e, single) ? common::kCoarseOffset
                                                                     : kEstimateEps;
    c_pos[c] = bits(0.5 + offset + half_step);
    c_neg[c] = bits(0.5 + offset - half_step);
  }
  for (int c = 0; c < d.out_c; ++c) {
    bias[c] = d.has_bias ? data->bias32[c] : 0;
    mult[c] = data->multiplier[c];
    // The scalar code clamps out-of-contract shifts the same way.
    const int shift = std::min(std::max(data->shift[c], -31), 30);
    if (d.rounding == Rounding::kSingle) {
      b[c] = 31 - shift;
    } else {
      a[c] = shift > 0 ? shift : 0;
      b[c] = shift > 0 ? 0 : -shift;
    }
    if (a[c] != 0) flags[0] = 1;                          // any_left_shift
    if (mult[c] == INT32_MIN) flags[1] = 1;               // any_min_multiplier
  }
  flags[2] = estimate ? 1 : 0;
}

ChannelParams GetChannelParams(const internal::OpDesc& d, const internal::PackedData& data) {
  const size_t stride = ChannelParamsStride(d.out_c);
  const int32_t* base = data.packed_bias.data();
  const int32_t* flags = base + 7 * stride;
  return ChannelParams{base,
                       base + stride,
                       base + 2 * stride,
                       base + 3 * stride,
                       base + 4 * stride,
                       base + 5 * stride,
                       base + 6 * stride,
                       flags[0] != 0,
                       flags[1] != 0,
                       flags[2] != 0};
}

void WidenSubtract(const int8_t* src, int32_t zp, int n, int16_t* dst) {
  const __m256i z = _mm256_set1_epi16(static_cast<int16_t>(zp));
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i v = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_sub_epi16(v, z));
  }
  for (; i < n; ++i) dst[i] = static_cast<int16_t>(src[i] - zp);
}

void WidenSubtract(const uint8_t* src, int32_t zp, int n, int16_t* dst) {
  const __m256i z = _mm256_set1_epi16(static_cast<int16_t>(zp));
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i v = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_sub_epi16(v, z));
  }
  for (; i < n; ++i) dst[i] = static_cast<int16_t>(src[i] - zp);
}

// int16x8 activations have no zero point (validated to be 0): a plain copy.
void WidenSubtract(const int16_t* src, int32_t, int n, int16_t* dst) {
  std::copy(src, src + n, dst);
}

}  // namespace avx2
}  // namespace qk
