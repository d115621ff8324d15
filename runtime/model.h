// qkernels runtime: an in-memory TFLite model, as ReadModel() returns it. Self-contained: constant
// tensor data is copied out of the file, so a Model outlives the bytes it was read from. Only the
// first subgraph (TFLite's main graph) is kept.
#ifndef QKERNELS_RUNTIME_MODEL_H_
#define QKERNELS_RUNTIME_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qk {
namespace rt {

// TFLite TensorType values (schema enum).
enum class TensorType : int {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUInt8 = 3,
  kInt64 = 4,
  kString = 5,
  kBool = 6,
  kInt16 = 7,
  kInt8 = 9,
};
const char* TensorTypeName(TensorType type);
// Bytes per element, or 0 for a type the runtime cannot hold (string, ...).
size_t TensorTypeSize(TensorType type);

// TFLite BuiltinOperator values for the operators the reader knows by name.
enum class OpCode : int {
  kAdd = 0,
  kAveragePool2D = 1,
  kConcatenation = 2,
  kConv2D = 3,
  kDepthwiseConv2D = 4,
  kDequantize = 6,
  kFullyConnected = 9,
  kMaxPool2D = 17,
  kReshape = 22,
  kSoftmax = 25,
  kSvdf = 27,
  kPad = 34,
  kTranspose = 39,
  kMean = 40,
  kPadV2 = 60,
  kQuantize = 114,
};
// "CONV_2D", ... for every builtin code below 128 the reader knows; "CUSTOM:<name>" is built by the
// reader for custom ops; "BUILTIN_<n>" otherwise.
std::string OpCodeName(int builtin_code);

enum class Padding { kSame = 0, kValid = 1 };
// TFLite ActivationFunctionType values.
enum class Activation { kNone = 0, kRelu = 1, kReluN1To1 = 2, kRelu6 = 3, kTanh = 4, kSignBit = 5 };
const char* ActivationName(Activation act);

struct Tensor {
  std::string name;
  TensorType type = TensorType::kFloat32;
  std::vector<int> shape;  // may be empty (a scalar)
  // Quantization: empty scales = not quantized. One scale = per-tensor; more = per-channel along
  // quantized_dimension (zero_points has the same count, or one value).
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int quantized_dimension = 0;
  bool is_variable = false;
  // Constant data (the tensor's buffer), exactly elements * TensorTypeSize bytes; empty when the
  // tensor is not constant.
  std::vector<uint8_t> data;
  bool is_constant() const { return !data.empty(); }
  size_t elements() const;  // product of shape (1 for a scalar)
  size_t bytes() const { return elements() * TensorTypeSize(type); }
  float scale() const { return scales.empty() ? 0.f : scales[0]; }
  int32_t zero_point() const { return zero_points.empty() ? 0 : int32_t(zero_points[0]); }
};

// Builtin options, flattened: only the fields of the op's own option table are meaningful; the
// others keep these defaults. has_options says whether the file carried the table at all.
struct OpOptions {
  bool has_options = false;
  Padding padding = Padding::kSame;
  int stride_w = 1, stride_h = 1;
  int dilation_w = 1, dilation_h = 1;
  int depth_multiplier = 1;
  int filter_w = 1, filter_h = 1;
  Activation activation = Activation::kNone;
  int weights_format = 0;       // FULLY_CONNECTED: 0 = DEFAULT
  bool keep_num_dims = false;   // FULLY_CONNECTED
  bool asymmetric_quantize_inputs = false;
  float beta = 1.f;             // SOFTMAX
  int axis = 0;                 // CONCATENATION
  bool keep_dims = false;       // MEAN
  bool pot_scale_int16 = true;  // ADD
  bool has_new_shape = false;   // RESHAPE
  std::vector<int> new_shape;
};

struct Operator {
  int builtin_code = 0;  // TFLite BuiltinOperator (OpCode for the ones the runtime knows)
  std::string name;      // OpCodeName(builtin_code), or CUSTOM:<custom_code>
  int version = 1;
  std::vector<int> inputs;   // tensor indices; -1 = optional input absent
  std::vector<int> outputs;  // tensor indices
  OpOptions options;
};

struct Model {
  uint32_t version = 0;
  std::string description;
  std::vector<Tensor> tensors;
  std::vector<Operator> operators;  // in execution order
  std::vector<int> inputs;          // tensor indices of the model inputs
  std::vector<int> outputs;         // tensor indices of the model outputs
};

}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_MODEL_H_
