#include "kernels/avx2/requantize_lanes_avx2.h"

#include "kernels/avx2/requantize_avx2.h"

namespace qk {
namespace avx2 {

bool RequantizeLanes(const int32_t* acc, const int32_t* multiplier, const int32_t* shift, int n,
                     Rounding rounding, int32_t output_zp, int32_t act_min, int32_t act_max,
                     int32_t* out, uint8_t* fast) {
  internal::OpDesc d;
  d.type = act_min < 0 ? DataType::kInt8 : DataType::kUInt8;
  d.in_c = 1;
  d.out_c = n;
  d.output_zp = output_zp;
  d.act_min = act_min;
  d.act_max = act_max;
  d.rounding = rounding;
  internal::PackedData data;
  data.multiplier.assign(multiplier, multiplier + n);
  data.shift.assign(shift, shift + n);
  data.bias32.assign(n, 0);
  PackChannelParams(d, &data);
  const ChannelParams cp = GetChannelParams(d, data);
  const Epilogue e(d, cp);
  for (int i = 0; i + 8 <= n; i += 8) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + i));
    const ChannelVec v = LoadChannelVec(cp, size_t(i), e.single_rounding);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), Requantize8(x, v, e));
    if (fast != nullptr) {  // Requantize8's own test (bias 0): the estimate, unless undecided
      __m256i scaled;
      fast[i / 8] = e.estimate && RequantizeEstimate(x, v, &scaled);
    }
  }
  return cp.estimate;
}

}  // namespace avx2
}  // namespace qk
