// QUANTIZE / DEQUANTIZE: TFLite's reference_ops::Requantize, AffineQuantize and Dequantize
// (see quantize.h).
#include "runtime/ops/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "qkernels/requantize.h"

namespace qk {
namespace rt {
namespace ops {

template <typename In, typename Out>
void Requantize(const In* input, size_t n, int32_t multiplier, int shift, int32_t input_zp,
                int32_t output_zp, Out* output) {
  // TFLite's uint8<->int8 "xor 0x80" fast path gives the same bytes as this general path
  // (multiplier 2^30, shift 1 is exactly x1). int32 tensors: the subtraction and the addition of
  // the zero points wrap, as TFLite's int32 arithmetic does in practice.
  constexpr int32_t kMin = std::numeric_limits<Out>::min();
  constexpr int32_t kMax = std::numeric_limits<Out>::max();
  for (size_t i = 0; i < n; ++i) {
    const int32_t x = int32_t(uint32_t(int32_t(input[i])) - uint32_t(input_zp));
    const int32_t y = int32_t(uint32_t(MultiplyByQuantizedMultiplier(x, multiplier, shift)) +
                              uint32_t(output_zp));
    output[i] = Out(std::max(std::min(y, kMax), kMin));
  }
}

template <typename Out>
void AffineQuantize(const float* input, size_t n, float scale, int32_t zero_point, Out* output) {
  constexpr int32_t kMin = std::numeric_limits<Out>::min();
  constexpr int32_t kMax = std::numeric_limits<Out>::max();
  for (size_t i = 0; i < n; ++i) {
    const float q = std::round(input[i] / scale);
    // Saturate before the int conversion (TFLite's cast is UB outside int32; results agree
    // wherever TFLite's is defined).
    int32_t unclamped;
    if (!(q > -2147483648.f)) {
      unclamped = std::numeric_limits<int32_t>::min();
    } else if (!(q < 2147483648.f)) {
      unclamped = std::numeric_limits<int32_t>::max();
    } else {
      unclamped = int32_t(q);
    }
    const int64_t v = int64_t(unclamped) + zero_point;
    output[i] = Out(std::max<int64_t>(std::min<int64_t>(v, kMax), kMin));
  }
}

template <typename In>
void Dequantize(const In* input, size_t n, float scale, int32_t zero_point, float* output) {
  const double s = double(scale);
  for (size_t i = 0; i < n; ++i) {
    output[i] = float(s * double(int32_t(input[i]) - zero_point));
  }
}

#define QK_REQUANTIZE(In, Out) \
  template void Requantize<In, Out>(const In*, size_t, int32_t, int, int32_t, int32_t, Out*);
QK_REQUANTIZE(int8_t, int8_t)
QK_REQUANTIZE(int8_t, uint8_t)
QK_REQUANTIZE(int8_t, int16_t)
QK_REQUANTIZE(int8_t, int32_t)
QK_REQUANTIZE(uint8_t, int8_t)
QK_REQUANTIZE(uint8_t, uint8_t)
QK_REQUANTIZE(int16_t, int8_t)
QK_REQUANTIZE(int16_t, int16_t)
QK_REQUANTIZE(int16_t, int32_t)
QK_REQUANTIZE(int32_t, int8_t)
QK_REQUANTIZE(int32_t, int16_t)
#undef QK_REQUANTIZE
template void AffineQuantize<int8_t>(const float*, size_t, float, int32_t, int8_t*);
template void AffineQuantize<uint8_t>(const float*, size_t, float, int32_t, uint8_t*);
template void AffineQuantize<int16_t>(const float*, size_t, float, int32_t, int16_t*);
template void Dequantize<int8_t>(const int8_t*, size_t, float, int32_t, float*);
template void Dequantize<uint8_t>(const uint8_t*, size_t, float, int32_t, float*);
template void Dequantize<int16_t>(const int16_t*, size_t, float, int32_t, float*);

}  // namespace ops
}  // namespace rt
}  // namespace qk
