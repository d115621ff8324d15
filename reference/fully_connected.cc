// Reference fully connected (TFLite reference_integer_ops::FullyConnected[PerChannel] for int8,
// reference_ops::FullyConnected for uint8, the int16x8 variant with int64 accumulators):
// output[b][o] = requantize(sum_d (filter[o][d] - filter_zp) * (input[b][d] - input_zp) + bias[o]).
#include "reference/reference_kernels.h"

namespace qk {
namespace reference {
namespace {

template <typename InputT, typename FilterT>
void FullyConnectedTyped(const OpDesc& d, const PackedData& p, const InputT* input,
                         InputT* output) {
  const FilterT* filter = reinterpret_cast<const FilterT*>(p.filter.data());
  const int depth = d.in_c;
  for (int b = 0; b < d.batch; ++b) {
    for (int o = 0; o < d.out_c; ++o) {
      const InputT* in = input + size_t(b) * depth;
      const FilterT* f = filter + size_t(o) * depth;
      int32_t value;
      if (d.type == DataType::kInt16) {
        int64_t acc = 0;
        for (int i = 0; i < depth; ++i) acc += int64_t{f[i]} * in[i];
        if (d.has_bias) acc += p.bias64[o];
        value = RequantizeAccumulator64(acc, o, d, p);
      } else {
        int32_t acc = 0;
        for (int i = 0; i < depth; ++i) {
          acc = WrappingAdd(acc, (f[i] - d.filter_zp) * (in[i] - d.input_zp));
        }
        if (d.has_bias) acc = WrappingAdd(acc, p.bias32[o]);
        value = RequantizeAccumulator(acc, o, d, p);
      }
      output[size_t(b) * d.out_c + o] = static_cast<InputT>(value);
    }
  }
}

}  // namespace

void FullyConnected(const OpDesc& d, const PackedData& p, const void* input, void* output,
                    void*) {
  switch (d.type) {
    case DataType::kInt8:
      FullyConnectedTyped<int8_t, int8_t>(d, p, static_cast<const int8_t*>(input),
                                          static_cast<int8_t*>(output));
      break;
    case DataType::kUInt8:
      FullyConnectedTyped<uint8_t, uint8_t>(d, p, static_cast<const uint8_t*>(input),
                                            static_cast<uint8_t*>(output));
      break;
    case DataType::kInt16:
      FullyConnectedTyped<int16_t, int8_t>(d, p, static_cast<const int16_t*>(input),
                                           static_cast<int16_t*>(output));
      break;
  }
}

}  // namespace reference
}  // namespace qk
