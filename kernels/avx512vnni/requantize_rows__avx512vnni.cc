// The standalone requantization (core/kernel.h: RequantizeRowsArgs, behind the API's
// RequantizeInt32ToInt8) with the AVX-512 kernels' own epilogue (requantize_avx512vnni.h):
// ScaleVectors (the float estimate proven in kernels/x86/requantize_estimate.h, with its exact
// fallback) and the byte output stage, 64 channels of a row at a time with masked loads and
// stores at the end of a row.
#include <algorithm>

#include "kernels/avx512vnni/requantize_avx512vnni.h"
#include "core/kernel.h"

namespace qk {
namespace avx512vnni {
namespace {

// Columns [c, c + n) (n <= 64) of rows x channels accumulators with a row stride of `stride`
// elements. Fixed-size arrays only: no library template is instantiated with this file's
// AVX-512 flags (a linker could pick such a copy for code that runs on any host).
void Columns(const internal::RequantizeRowsArgs& a, int rows, int c, int n, size_t stride,
             const int32_t* acc, int8_t* out, const OutputStage& o) {
  alignas(64) int32_t mult[64] = {}, shift[64] = {}, bias[64] = {};  // padding M0 = 0: estimable
  for (int i = 0; i < n; ++i) {
    mult[i] = a.multiplier[a.per_channel ? c + i : 0];
    shift[i] = a.shift[a.per_channel ? c + i : 0];
    if (a.bias != nullptr) bias[i] = a.bias[c + i];
  }
  Requant16 q[4];
  const Requant16* qp[4];
  __m512i b[4];
  __mmask16 load[4];
  bool estimate = true;
  for (int v = 0; v < 4; ++v) {
    q[v] = MakeRequant16(mult + 16 * v, shift + 16 * v, a.rounding);
    qp[v] = &q[v];
    estimate = estimate && q[v].estimate;
    b[v] = _mm512_load_si512(bias + 16 * v);
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

}  // namespace

void RequantizeRows(const internal::RequantizeRowsArgs& a) {
  if (a.rows == 0) return;
  const OutputStage o = MakeOutputStage(a.output_zp, a.act_min, a.act_max, /*u8=*/false);
  if (a.per_channel || a.bias != nullptr) {
    for (int c = 0; c < a.channels; c += 64) {
      Columns(a, a.rows, c, std::min(64, a.channels - c), size_t(a.channels), a.acc, a.output, o);
    }
    return;
  }
  // Per-tensor without bias, every value has the same parameters: viewed as rows of 64.
  const size_t total = size_t(a.rows) * size_t(a.channels);
  const size_t full = total / 64 * 64;
  Columns(a, static_cast<int>(total / 64), 0, 64, 64, a.acc, a.output, o);
  if (full < total) {
    Columns(a, 1, 0, static_cast<int>(total - full), 64, a.acc + full, a.output + full, o);
  }
}

}  // namespace avx512vnni
}  // namespace qk
