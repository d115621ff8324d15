// Reference conv2d (TFLite reference_integer_ops::ConvPerChannel for int8 and int16x8,
// reference_ops::Conv for uint8), with groups: output channel oc reads the input channels of its
// group g = oc / (O / groups).
#include "reference/reference_kernels.h"

namespace qk {
namespace reference {
namespace {

// InputT: int8_t / uint8_t / int16_t; FilterT: int8_t or uint8_t.
template <typename InputT, typename FilterT>
void ConvTyped(const OpDesc& d, const PackedData& p, const InputT* input, InputT* output) {
  const FilterT* filter = reinterpret_cast<const FilterT*>(p.filter.data());
  const int group_in_c = d.in_c / d.groups;
  const int group_out_c = d.out_c / d.groups;
  for (int b = 0; b < d.batch; ++b) {
    for (int oy = 0; oy < d.out_h; ++oy) {
      for (int ox = 0; ox < d.out_w; ++ox) {
        for (int oc = 0; oc < d.out_c; ++oc) {
          const int in_c0 = (oc / group_out_c) * group_in_c;
          int32_t acc32 = 0;
          int64_t acc64 = 0;
          for (int ky = 0; ky < d.kernel_h; ++ky) {
            const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
            if (iy < 0 || iy >= d.in_h) continue;  // outside taps contribute nothing
            for (int kx = 0; kx < d.kernel_w; ++kx) {
              const int ix = ox * d.stride_w - d.pad_left + kx * d.dilation_w;
              if (ix < 0 || ix >= d.in_w) continue;
              const InputT* in = input + ((size_t(b) * d.in_h + iy) * d.in_w + ix) * d.in_c + in_c0;
              const FilterT* f =
                  filter + ((size_t(oc) * d.kernel_h + ky) * d.kernel_w + kx) * group_in_c;
              for (int i = 0; i < group_in_c; ++i) {
                if (d.type == DataType::kInt16) {
                  acc64 += int64_t{f[i]} * in[i];
                } else {
                  acc32 = WrappingAdd(acc32, (f[i] - d.filter_zp) * (in[i] - d.input_zp));
                }
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

void Conv2D(const OpDesc& d, const PackedData& p, const void* input, void* output, void*) {
  switch (d.type) {
    case DataType::kInt8:
      ConvTyped<int8_t, int8_t>(d, p, static_cast<const int8_t*>(input),
                                static_cast<int8_t*>(output));
      break;
    case DataType::kUInt8:
      ConvTyped<uint8_t, uint8_t>(d, p, static_cast<const uint8_t*>(input),
                                  static_cast<uint8_t*>(output));
      break;
    case DataType::kInt16:
      ConvTyped<int16_t, int8_t>(d, p, static_cast<const int16_t*>(input),
                                 static_cast<int16_t*>(output));
      break;
  }
}

}  // namespace reference
}  // namespace qk
