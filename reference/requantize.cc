// Scalar requantization primitives, written after gemmlowp's fixedpoint.h and TFLite's
// quantization_util.cc / common.h; these define what every SIMD variant must reproduce.
#include "qkernels/requantize.h"

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace qk {

// TFLite's QuantizeMultiplier (tensorflow/lite/kernels/internal/quantization_util.cc). Independent
// of the floating-point environment: frexp and the scaling by 2^31 are exact, std::round rounds
// halves away from zero "regardless of the current rounding direction" (C11 7.12.9.6), and the
// only inputs DAZ could change (subnormals) give {0, 0} either way.
QuantizedMultiplier QuantizeMultiplier(double real_multiplier, Rounding rounding) {
  if (!(real_multiplier > 0.0) || std::isinf(real_multiplier)) return {0, 0};
  int exponent = 0;
  const double q = std::frexp(real_multiplier, &exponent);  // q in [0.5, 1)
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(1LL << 31)));
  if (q_fixed == (1LL << 31)) {  // q rounded up to 1.0: renormalise to 0.5 * 2^(e+1)
    q_fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) return {0, 0};  // below int32 resolution: TFLite flushes to zero
  if (rounding == Rounding::kSingle && exponent > 30) {
    return {std::numeric_limits<int32_t>::max(), 30};
  }
  return {static_cast<int32_t>(q_fixed), exponent};
}

namespace {

// TFLite derives its multipliers at Prepare time under the default floating-point environment
// (round to nearest, no FTZ/DAZ); a caller whose thread runs in another mode must still get those
// values. The products and quotient below round, so they run under FE_DFL_ENV and the caller's
// environment (mode and flags) is restored afterwards. The operands and the result pass through
// volatile objects: the compiler may not move the arithmetic across fesetenv (GCC does not honour
// FENV_ACCESS), and volatile accesses stay between the two calls.
class DefaultFpEnvironment {
 public:
  DefaultFpEnvironment() {
    saved_ok_ = std::fegetenv(&saved_) == 0;
    std::fesetenv(FE_DFL_ENV);
  }
  ~DefaultFpEnvironment() {
    if (saved_ok_) std::fesetenv(&saved_);
  }
  DefaultFpEnvironment(const DefaultFpEnvironment&) = delete;
  DefaultFpEnvironment& operator=(const DefaultFpEnvironment&) = delete;

 private:
  std::fenv_t saved_;
  bool saved_ok_ = false;
};

}  // namespace

// Rule D: TFLite's PopulateConvolutionQuantizationParams (tensorflow/lite/kernels/kernel_util.cc)
// and the per-channel branch of CalculateOpDataFullyConnected (micro/kernels/
// fully_connected_common.cc): double(input_scale) * double(filter_scale) / double(output_scale).
double EffectiveScalePerChannel(float input_scale, float filter_scale, float output_scale) {
  volatile double result = 0.0;
  {
    DefaultFpEnvironment env;
    volatile float in = input_scale, w = filter_scale, out = output_scale;
    result = static_cast<double>(in) * static_cast<double>(w) / static_cast<double>(out);
  }
  return result;
}

// Rule F: TFLite's GetQuantizedConvolutionMultipler (kernel_util.cc):
// double(input_scale * filter_scale) / double(output_scale), the product rounded to float.
double EffectiveScalePerTensor(float input_scale, float filter_scale, float output_scale) {
  volatile double result = 0.0;
  {
    DefaultFpEnvironment env;
    volatile float in = input_scale, w = filter_scale, out = output_scale;
    const float product = in * w;  // rounded to float, as TFLite does
    result = static_cast<double>(product) / static_cast<double>(out);
  }
  return result;
}

int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && b == a) {
    return std::numeric_limits<int32_t>::max();  // (-1) * (-1) = +1 is not representable in Q31
  }
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  // gemmlowp: add a nudge of +-2^30 and divide by 2^31 truncating toward zero; this equals
  // floor((ab + 2^30) / 2^31), i.e. round(ab / 2^31) with ties toward +inf.
  const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return static_cast<int32_t>((ab + nudge) / (1LL << 31));
}

int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  if (exponent < 0) exponent = 0;
  if (exponent > 31) exponent = 31;
  const int64_t mask = (1LL << exponent) - 1;
  const int64_t remainder = static_cast<int64_t>(x) & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);  // ties round away from zero
  return static_cast<int32_t>((static_cast<int64_t>(x) >> exponent) +
                              (remainder > threshold ? 1 : 0));
}

int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift,
                                      Rounding rounding) {
  // Out-of-contract shifts are clamped so that no shift below is undefined.
  if (shift < -31) shift = -31;
  if (shift > 30) shift = 30;
  if (rounding == Rounding::kSingle) {
    // round(x * M0 * 2^(shift-31)), ties toward +inf, in one 64-bit step (|x*M0| < 2^62).
    const int total_shift = 31 - shift;
    const int64_t round = int64_t{1} << (total_shift - 1);
    const int64_t result = (static_cast<int64_t>(x) * multiplier + round) >> total_shift;
    return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(result)));
  }
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  // x * 2^left_shift: inside the contract it fits int32; outside it wraps (never UB).
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(shifted, multiplier), right_shift);
}

int32_t MultiplyByQuantizedMultiplier(int64_t x, int32_t multiplier, int shift) {
  // TFLite reduces the Q31 multiplier to Q15 (rounding), saturating at 0x7FFF.
  const int64_t reduced =
      multiplier < 0x7FFF0000 ? (static_cast<int64_t>(multiplier) + (1 << 15)) >> 16 : 0x7FFF;
  if (shift < -31) shift = -31;
  if (shift > 7) shift = 7;
  const int total_shift = 15 - shift;
  const uint64_t round = uint64_t{1} << (total_shift - 1);
  // Unsigned arithmetic: inside the contract (|x| < 2^47) nothing wraps; outside, no UB.
  const uint64_t sum = static_cast<uint64_t>(x) * static_cast<uint64_t>(reduced) + round;
  const int64_t result = static_cast<int64_t>(sum) >> total_shift;
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(result)));
}

}  // namespace qk
