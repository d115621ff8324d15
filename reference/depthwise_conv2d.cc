// Reference depthwise conv2d (TFLite reference_integer_ops::DepthwiseConvPerChannel for int8 and
// int16x8, reference_ops::DepthwiseConv for uint8): output channel oc = c * M + m reads input
// channel c; the filter is 1 x KH x KW x (C*M).
#include "reference/reference_kernels.h"

namespace qk {
namespace reference {
namespace {

template <typename InputT, typename FilterT>
void DepthwiseTyped(const OpDesc& d, const PackedData& p, const InputT* input, InputT* output) {
  const FilterT* filter = reinterpret_cast<const FilterT*>(p.filter.data());
  for (int b = 0; b < d.batch; ++b) {
    for (int oy = 0; oy < d.out_h; ++oy) {
      for (int ox = 0; ox < d.out_w; ++ox) {
        for (int oc = 0; oc < d.out_c; ++oc) {
          const int ic = oc / d.depth_multiplier;
          int32_t acc32 = 0;
          int64_t acc64 = 0;
          for (int ky = 0; ky < d.kernel_h; ++ky) {
            const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
            if (iy < 0 || iy >= d.in_h) continue;
            for (int kx = 0; kx < d.kernel_w; ++kx) {
              const int ix = ox * d.stride_w - d.pad_left + kx * d.dilation_w;
              if (ix < 0 || ix >= d.in_w) continue;
              const InputT in = input[((size_t(b) * d.in_h + iy) * d.in_w + ix) * d.in_c + ic];
              const FilterT f = filter[(size_t(ky) * d.kernel_w + kx) * d.out_c + oc];
              if (d.type == DataType::kInt16) {
                acc64 += int64_t{f} * in;
              } else {
                acc32 = WrappingAdd(acc32, (f - d.filter_zp) * (in - d.input_zp));
              }
            }
          }
          int32_t value;
          if (d.type == DataType::kInt16) {
            if (d.has_bias) acc64 += p.bias64[oc];
            value = RequantizeAccumulator64(acc64, oc, d, p);
          } else {
            if (d.has_bias) acc32 = WrappingAdd(acc32, p.bias32[oc]);
            value = RequantizeAccumulator(acc32, oc, d, p);
          }
          output[((size_t(b) * d.out_h + oy) * d.out_w + ox) * d.out_c + oc] =
              static_cast<InputT>(value);
        }
      }
    }
  }
}

}  // namespace

void DepthwiseConv2D(const OpDesc& d, const PackedData& p, const void* input, void* output,
                     void*) {
  switch (d.type) {
    case DataType::kInt8:
      DepthwiseTyped<int8_t, int8_t>(d, p, static_cast<const int8_t*>(input),
                                     static_cast<int8_t*>(output));
      break;
    case DataType::kUInt8:
      DepthwiseTyped<uint8_t, uint8_t>(d, p, static_cast<const uint8_t*>(input),
                                       static_cast<uint8_t*>(output));
      break;
    case DataType::kInt16:
      DepthwiseTyped<int16_t, int8_t>(d, p, static_cast<const int16_t*>(input),
                                      static_cast<int16_t*>(output));
      break;
  }
}

}  // namespace reference
}  // namespace qk
