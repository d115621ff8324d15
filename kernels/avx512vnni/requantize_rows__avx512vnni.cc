// The standalone requantization (core/kernel.h: RequantizeRowsArgs, behind the API's
// RequantizeInt32ToInt8) with the AVX-512 kernels' own epilogue (requantize_avx512vnni.h):
// ScaleVectors (the float estimate proven in kernels/x86/requantize_estimate.h, with its exact
// fallback) and the byte output stage, 64 channels of a row at a time with masked loads and
// stores at the end of a row.
#include <algorithm>
#include <vector>

#include "kernels/avx512vnni/requantize_avx512vnni.h"
#include "core/kernel.h"

namespace qk {
namespace avx512vnni {
namespace {

// rows x channels accumulators with a row stride of `stride` elements; mult, shift and bias hold
// `channels` values padded with zeros to a multiple of 64.
void Matrix(const int32_t* acc, int8_t* out, int rows, int channels, size_t stride,
            const int32_t* mult, const int32_t* shift, const int32_t* bias, Rounding rounding,
            const OutputStage& o) {
  for (int c = 0; c < channels; c += 64) {
    const int n = std::min(64, channels - c);
    Requant16 q[4];
    const Requant16* qp[4];
    __m512i b[4];
    __mmask16 load[4];
    bool estimate = true;
    for (int v = 0; v < 4; ++v) {
      q[v] = MakeRequant16(mult + c + 16 * v, shift + c + 16 * v, rounding);
      qp[v] = &q[v];
      estimate = estimate && q[v].estimate;
      b[v] = _mm512_loadu_si512(bias + c + 16 * v);
      const int lanes = std::min(16, std::max(0, n - 16 * v));
      load[v] = static_cast<__mmask16>((1u << lanes) - 1);
    }
    const __mmask64 store = FirstBytes(n);
    for (int r = 0; r < rows; ++r) {
      const int32_t* src = acc + size_t(r) * stride + size_t(c);
      __m512i x[4], y[4];
      for (int v = 0; v < 4; ++v) {
        // Masked-off lanes are not read (no fault past the end); the add wraps like WrappingAdd.
        x[v] = _mm512_add_epi32(_mm512_maskz_loadu_epi32(load[v], src + 16 * v), b[v]);
      }
      ScaleVectors<4>(x, qp, estimate, y);
      const __m512i bytes = InLaneToLinear(RequantizedBytesInLane(y[0], y[1], y[2], y[3], o));
      _mm512_mask_storeu_epi8(out + size_t(r) * stride + size_t(c), store, bytes);
    }
  }
}

}  // namespace

void RequantizeRows(const internal::RequantizeRowsArgs& a) {
  if (a.rows == 0) return;
  // Per-tensor without bias, every value has the same parameters: viewed as rows of 64.
  const bool flat = !a.per_channel && a.bias == nullptr;
  const int channels = flat ? 64 : a.channels;
  const size_t padded = (size_t(channels) + 63) / 64 * 64;
  std::vector<int32_t> mult(padded, 0), shift(padded, 0), bias(padded, 0);  // M0 = 0: estimable
  for (int c = 0; c < channels; ++c) {
    mult[size_t(c)] = a.multiplier[a.per_channel ? c : 0];
    shift[size_t(c)] = a.shift[a.per_channel ? c : 0];
    if (a.bias != nullptr) bias[size_t(c)] = a.bias[c];
  }
  const OutputStage o = MakeOutputStage(a.output_zp, a.act_min, a.act_max, /*u8=*/false);
  if (!flat) {
    Matrix(a.acc, a.output, a.rows, a.channels, size_t(a.channels), mult.data(), shift.data(),
           bias.data(), a.rounding, o);
    return;
  }
  const size_t total = size_t(a.rows) * size_t(a.channels);
  const size_t full = total / 64 * 64;
  Matrix(a.acc, a.output, static_cast<int>(total / 64), 64, 64, mult.data(), shift.data(),
         bias.data(), a.rounding, o);
  if (full < total) {
    Matrix(a.acc + full, a.output + full, 1, static_cast<int>(total - full), 64, mult.data(),
           shift.data(), bias.data(), a.rounding, o);
  }
}

}  // namespace avx512vnni
}  // namespace qk
