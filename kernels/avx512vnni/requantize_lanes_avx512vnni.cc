#include "kernels/avx512vnni/requantize_lanes_avx512vnni.h"

#include "kernels/avx512vnni/requantize_avx512vnni.h"

namespace qk {
namespace avx512vnni {

void ScaleLanes(const int32_t* acc, const int32_t* multiplier, const int32_t* shift, int n,
                Rounding rounding, ScaledLanes* result) {
  for (int i = 0; i + 16 <= n; i += 16) {
    const Requant16 q = MakeRequant16(multiplier + i, shift + i, rounding);
    const Requant16* qs[1] = {&q};
    const __m512i x = _mm512_loadu_si512(acc + i);
    __m512i y;
    ScaleVectors<1>(&x, qs, q.estimate, &y);
    _mm512_storeu_si512(result->out + i, y);
    __mmask16 undecided = 0;
    __m512i estimate = _mm512_setzero_si512();
    if (q.estimate) estimate = ScaleEstimate(x, q, &undecided);
    _mm512_storeu_si512(result->estimate + i, estimate);
    const bool estimated = q.estimate && undecided == 0;
    for (int lane = 0; lane < 16; ++lane) {
      result->undecided[i + lane] = (undecided >> lane) & 1;
      result->estimated[i + lane] = estimated;
    }
    if (estimated) {
      ++result->vectors_estimated;
    } else {
      ++result->vectors_exact;
    }
  }
}

}  // namespace avx512vnni
}  // namespace qk
