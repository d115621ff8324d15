// The standalone requantization (core/kernel.h: RequantizeRowsArgs, behind the API's
// RequantizeInt32ToInt8) with the AVX-512 kernels' own epilogue: Requant16 per 16 channels,
// ScaleVectors (the float estimate proven in kernels/x86/requantize_estimate.h, coarse channels
// included, with its exact integer fallback), then + zp, clamp and a narrowing store.
// 16 channels x a block of rows at a time, so the channel constants are prepared once per block.
#include <algorithm>
#include <cstring>

#include "core/kernel.h"
#include "kernels/avx512vnni/requantize_avx512vnni.h"
#include "kernels/x86/store_first_bytes.h"

namespace qk {
namespace avx512vnni {
namespace {

constexpr int kRowBlock = 32;

struct Stage {
  __m512i lo, hi, zp;  // clamp(scaled, act_min - zp, act_max - zp) + zp = clamp(scaled + zp)
};

// One block of 16 channels: the bias and the epilogue constants.
struct Channels16 {
  __m512i bias;
  Requant16 q;
};

Channels16 MakeChannels(const internal::RequantizeRowsArgs& a, int c, int n) {
  alignas(64) int32_t mult[16] = {}, shift[16] = {}, bias[16] = {};
  for (int i = 0; i < n; ++i) {
    const int k = a.per_channel ? c + i : 0;
    mult[i] = a.multiplier[k];
    // Validated to [-31, 30]; clamped like the scalar code for out-of-contract values.
    shift[i] = std::min(std::max(a.shift[k], -31), 30);
    if (a.bias != nullptr) bias[i] = a.bias[c + i];
  }
  // Padding lanes (M0 = 0) allow the estimate and are never stored.
  return {_mm512_load_si512(bias), MakeRequant16(mult, shift, a.rounding)};
}

// 16 int32 lanes, in range after the clamp, to int8 (vpmovsdb saturates; exact here).
inline void Store16(int8_t* out, __m512i scaled, const Stage& s, int n) {
  const __m512i v = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(scaled, s.lo), s.hi), s.zp);
  const __m128i b = _mm512_cvtsepi32_epi8(v);
  if (n == 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), b);
  } else {
    x86::StoreFirstBytes(out, b, size_t(n));
  }
}

inline __m512i Load16(const int32_t* src, int n) {
  if (n == 16) return _mm512_loadu_si512(src);
  alignas(64) int32_t tmp[16] = {};  // the last channels of a row: read only the n that exist
  std::memcpy(tmp, src, size_t(n) * sizeof(int32_t));
  return _mm512_load_si512(tmp);
}

// rows x channels accumulators with a row stride of `stride`, channel block by channel block;
// four rows share one ScaleVectors call (one estimate-or-exact decision per four vectors).
void Matrix(const internal::RequantizeRowsArgs& a, const int32_t* acc, int8_t* out, int rows,
            int channels, size_t stride, const Stage& s) {
  for (int c = 0; c < channels; c += 16) {
    const int n = std::min(16, channels - c);
    const Channels16 ch = MakeChannels(a, c, n);
    const Requant16* qs[4] = {&ch.q, &ch.q, &ch.q, &ch.q};
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      __m512i x[4], y[4];
      for (int i = 0; i < 4; ++i) {  // vpaddd wraps like the reference's WrappingAdd
        x[i] = _mm512_add_epi32(Load16(acc + size_t(r + i) * stride + size_t(c), n), ch.bias);
      }
      ScaleVectors<4>(x, qs, ch.q.estimate, y);
      for (int i = 0; i < 4; ++i) Store16(out + size_t(r + i) * stride + size_t(c), y[i], s, n);
    }
    for (; r < rows; ++r) {
      const __m512i x = _mm512_add_epi32(Load16(acc + size_t(r) * stride + size_t(c), n), ch.bias);
      __m512i y;
      ScaleVectors<1>(&x, qs, ch.q.estimate, &y);
      Store16(out + size_t(r) * stride + size_t(c), y, s, n);
    }
  }
}

}  // namespace

void RequantizeRows(const internal::RequantizeRowsArgs& a) {
  if (a.rows == 0) return;
  const Stage s{_mm512_set1_epi32(a.act_min - a.output_zp),
                _mm512_set1_epi32(a.act_max - a.output_zp), _mm512_set1_epi32(a.output_zp)};
  if (a.per_channel || a.bias != nullptr) {
    for (int r0 = 0; r0 < a.rows; r0 += kRowBlock) {
      const size_t offset = size_t(r0) * size_t(a.channels);
      Matrix(a, a.acc + offset, a.output + offset, std::min(kRowBlock, a.rows - r0), a.channels,
             size_t(a.channels), s);
    }
    return;
  }
  // Per-tensor without bias: every value has the same parameters, viewed as rows of 16.
  const size_t total = size_t(a.rows) * size_t(a.channels);
  const size_t full = total / 16 * 16;
  Matrix(a, a.acc, a.output, static_cast<int>(total / 16), 16, 16, s);
  if (full < total) {
    Matrix(a, a.acc + full, a.output + full, 1, static_cast<int>(total - full), 16, s);
  }
}

}  // namespace avx512vnni
}  // namespace qk
