// qkernels: the vocabulary of the op parameters, shared with the library's internal kernel ABI:
// the quantization scheme of an op and the padding modes.
#ifndef QKERNELS_TYPES_H_
#define QKERNELS_TYPES_H_

namespace qk {

// The quantization scheme of an op.
enum class DataType {
  kInt8,   // TFLite int8: int8 activations, int8 symmetric weights (zero point 0), int32 bias,
           // per-channel or per-tensor multipliers
  kUInt8,  // TFLite legacy uint8: asymmetric uint8 activations and weights (filter zero point),
           // int32 bias, a per-tensor multiplier (TFLite's only form, rule F). Extension: qkernels
           // also takes one multiplier per output channel here (the same formula per channel;
           // tests/uint8_per_channel_test.cc), which no TFLite uint8 model produces
  kInt16,  // TFLite int16x8: int16 activations (zero points 0), int8 weights, int64 bias,
           // per-channel multipliers, shifts in [-31, 7]
};
const char* DataTypeName(DataType type);

enum class Padding {
  kValid,     // no padding; out = floor((in - effective_kernel + stride) / stride)
  kSame,      // out = ceil(in / stride); pad_top/left = floor(total / 2) (TFLite's rule)
  kExplicit,  // pad_top/bottom/left/right as given
};

}  // namespace qk

#endif  // QKERNELS_TYPES_H_
