// The scalar reference kernels: plain loops that define correct behaviour (FORMAT.md section 4).
// They read PackedData::filter (the caller's layout) and bias32/bias64 directly.
#ifndef QKERNELS_REFERENCE_REFERENCE_KERNELS_H_
#define QKERNELS_REFERENCE_REFERENCE_KERNELS_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "qkernels/requantize.h"
#include "core/kernel.h"

namespace qk {
namespace reference {

using internal::OpDesc;
using internal::PackedData;

// Sum of int32 terms with two's complement wrap-around: every term and partial sum fits int32
// inside TFLite's contract; outside it the result is defined (and equal to the SIMD kernels').
inline int32_t WrappingAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

// clamp(MultiplyByQuantizedMultiplier(acc, multiplier, shift) + zero_point, lo, hi).
// The sum is formed in 64 bits so that an out-of-contract accumulator saturates instead of
// overflowing; SIMD kernels get the same result by clamping to [lo - zp, hi - zp] before adding zp.
inline int32_t Requantize(int32_t acc, int32_t multiplier, int32_t shift, Rounding rounding,
                          int32_t zero_point, int32_t lo, int32_t hi) {
  const int64_t scaled = MultiplyByQuantizedMultiplier(acc, multiplier, shift, rounding);
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(scaled + zero_point, lo), hi));
}

// acc -> output value for channel c of an int8/uint8 op.
inline int32_t RequantizeAccumulator(int32_t acc, int c, const OpDesc& d, const PackedData& p) {
  return Requantize(acc, p.multiplier[c], p.shift[c], d.rounding, d.output_zp, d.act_min,
                    d.act_max);
}

// int16x8: int64 accumulator, the int64 MultiplyByQuantizedMultiplier, no output offset.
inline int32_t RequantizeAccumulator64(int64_t acc, int c, const OpDesc& d, const PackedData& p) {
  const int32_t scaled = MultiplyByQuantizedMultiplier(acc, p.multiplier[c], p.shift[c]);
  return std::min(std::max(scaled, d.act_min), d.act_max);
}

void Conv2D(const OpDesc& desc, const PackedData& data, const void* input, void* output,
            void* workspace);
void DepthwiseConv2D(const OpDesc& desc, const PackedData& data, const void* input, void* output,
                     void* workspace);
void FullyConnected(const OpDesc& desc, const PackedData& data, const void* input, void* output,
                    void* workspace);

// The standalone requantization, lane by lane with Requantize (core/kernel.h).
void RequantizeRows(const internal::RequantizeRowsArgs& args);

// The scalar rows of the kernel table.
void AppendKernels(std::vector<internal::Kernel>* table);

}  // namespace reference
}  // namespace qk

#endif  // QKERNELS_REFERENCE_REFERENCE_KERNELS_H_
