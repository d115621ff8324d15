// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: TFLite's multipliers and activation range, the
// weights packed once by qkernels for the chosen ISA, run through qk::Run. The parameters follow
// TFLite Micro 90b983c's Prepare code:
//   conv:      micro/kernels/conv_common.cc CalculateOpDataConv -> kernels/kernel_util.cc
//              PopulateConvolutionQuantizationParams; filter scales along dimension 0;
//   depthwise: micro/kernels/depthwise_conv_common.cc CalculateOpDataDepthwiseConv (the same
//              helper); filter scales along dimension 3; depth_multiplier from the options;
//   fully connected: micro/kernels/fully_connected_common.cc CalculateOpDataFullyConnected;
//              filter scales along dimension 0; the output's last dimension is the filter's rows;
// padding from kernels/padding.h ComputePaddingHeightWidth (qkernels' kSame/kValid), the fused
// activation from kernel_util.cc CalculateActivationRangeQuantized (ActivationRange). Multipliers
// (../shared/conformance/FORMAT.md section 5):
//   int8 conv / depthwise (per-channel or not) and per-channel fully connected: rule D,
//     QuantizeMultiplier(double(in) * double(filter[c]) / double(out)) for every channel;
//   per-tensor fully connected: rule F, GetQuantizedConvolutionMultipler:
//     double(float(in * filter)) / double(out), after its bias-scale check.
// The int8 kernels (reference_integer_ops::ConvPerChannel, DepthwiseConvPerChannel,
// FullyConnected[PerChannel]) assume symmetric int8 weights; qkernels refuses a nonzero int8
// filter zero point rather than ignore it. TFLite Micro has no uint8 conv, depthwise or fully
// connected; uint8 runs full TFLite's legacy path (rule F for all three, filter zero point
// honoured). int16x8 (TFLite Micro's int16 activations with int32 or int64 bias, some of which
// requantize in int32) is not supported.
#include <cmath>
#include <memory>

#include "qkernels/ops.h"
#include "qkernels/requantize.h"
#include "runtime/op_builder.h"

namespace qk {
namespace rt {
namespace internal {
namespace {

struct QuantSetup {
  DataType type = DataType::kInt8;
  std::vector<int32_t> multipliers, shifts;
  Requantization quant;
};

// GetQuantizedConvolutionMultipler's check when there is a bias: TFLite refuses a bias scale that
// differs from input scale x filter scale by more than 2% of the output scale (an unquantized
// bias counts as scale 0).
bool CheckBiasScale(const BuildInputs& in, const Tensor& ti, const Tensor& tf, int bias,
                    const Tensor& to, std::string* error) {
  if (bias < 0) return true;
  const double input_product_scale = double(ti.scale()) * double(tf.scales[0]);
  const double bias_scale = double(in.tensor(bias).scale());
  if (!(std::abs(input_product_scale - bias_scale) / double(to.scale()) <= 0.02)) {
    return Fail(error, in.where() + "bias scale differs from input scale x filter scale");
  }
  return true;
}

// Fills quant (zero points, multipliers, activation range) for an op with output channels `out_c`
// whose filter scales run along the filter's quantized dimension.
bool SetupQuant(const BuildInputs& in, int input, int filter, int bias, int output, int out_c,
                int channel_dim, bool per_tensor_rule_f, QuantSetup* q, std::string* error) {
  const Tensor& ti = in.tensor(input);
  const Tensor& tf = in.tensor(filter);
  const Tensor& to = in.tensor(output);
  if (ti.type == TensorType::kInt8 && tf.type == TensorType::kInt8 &&
      to.type == TensorType::kInt8) {
    q->type = DataType::kInt8;
  } else if (ti.type == TensorType::kUInt8 && tf.type == TensorType::kUInt8 &&
             to.type == TensorType::kUInt8) {
    q->type = DataType::kUInt8;
  } else {
    return Fail(error, in.where() + "unsupported types: input " + TensorTypeName(ti.type) +
                           ", filter " + TensorTypeName(tf.type) + ", output " +
                           TensorTypeName(to.type) + " (int8 or uint8 throughout)");
  }
  if (!CheckPerTensorQuant(in, input, error) || !CheckPerTensorQuant(in, output, error)) {
    return false;
  }
  const size_t ns = tf.scales.size();
  if (ns != 1 && ns != size_t(out_c)) {
    return Fail(error, in.where() + "filter has " + std::to_string(ns) + " scales for " +
                           std::to_string(out_c) + " output channels");
  }
  if (ns > 1 && tf.quantized_dimension != channel_dim) {
    return Fail(error, in.where() + "filter scales must run along dimension " +
                           std::to_string(channel_dim));
  }
  if (q->type == DataType::kUInt8 && ns != 1) {
    return Fail(error, in.where() + "per-channel uint8 filters are not supported");
  }
  for (float s : tf.scales) {
    if (!(s > 0.f) || !std::isfinite(s)) return Fail(error, in.where() + "filter scale not > 0");
  }
  for (size_t i = 0; i < tf.zero_points.size(); ++i) {
    if (tf.zero_points[i] != tf.zero_points[0]) {
      return Fail(error, in.where() + "per-channel filter zero points differ");
    }
  }
  q->quant.input_zero_point = ti.zero_point();
  q->quant.filter_zero_point = tf.zero_point();
  q->quant.output_zero_point = to.zero_point();
  q->quant.rounding = Rounding::kDouble;
  const int n = int(ns);
  q->multipliers.resize(n);
  q->shifts.resize(n);
  const bool rule_f = q->type == DataType::kUInt8 || (per_tensor_rule_f && n == 1);
  if (rule_f && !CheckBiasScale(in, ti, tf, bias, to, error)) return false;
  for (int c = 0; c < n; ++c) {
    const double eff = rule_f ? EffectiveScalePerTensor(ti.scale(), tf.scales[c], to.scale())
                              : EffectiveScalePerChannel(ti.scale(), tf.scales[c], to.scale());
    QuantizedMultiplier m = QuantizeMultiplier(eff);
    if (in.options->naive_requantization) m = {int32_t(1) << 30, -7};  // acc / 256
    q->multipliers[c] = m.multiplier;
    q->shifts[c] = m.shift;
  }
  q->quant.output_multiplier = q->multipliers.data();
  q->quant.output_shift = q->shifts.data();
  q->quant.num_channels = n;
  return ActivationRange(in, in.op->options.activation, to, &q->quant.activation_min,
                         &q->quant.activation_max, error);
}

bool CheckBias(const BuildInputs& in, int bias, int out_c, const void** data, std::string* error) {
  *data = nullptr;
  if (bias < 0) return true;
  const Tensor& tb = in.tensor(bias);
  if (!tb.is_constant()) return Fail(error, in.where() + "bias must be a constant tensor");
  if (tb.type != TensorType::kInt32) {
    return Fail(error, in.where() + "bias of type " + TensorTypeName(tb.type) + ", need int32");
  }
  if (tb.elements() != size_t(out_c)) {
    return Fail(error, in.where() + "bias has " + std::to_string(tb.elements()) +
                           " values for " + std::to_string(out_c) + " output channels");
  }
  *data = tb.data.data();
  return true;
}

qk::Padding ToQkPadding(rt::Padding p) {
  return p == rt::Padding::kValid ? qk::Padding::kValid : qk::Padding::kSame;
}

bool Dims4(const BuildInputs& in, int tensor, const char* what, std::string* error) {
  if (in.tensor(tensor).shape.size() != 4) {
    return Fail(error, in.where() + what + " must be 4-D");
  }
  return true;
}

bool Finish(const BuildInputs& in, const Status& status, std::shared_ptr<PackedOp> packed,
            int input, int output, BuiltOp* out, std::string* error) {
  if (!status.ok()) return Fail(error, in.where() + "packing failed: " + status.message());
  if (packed->output_elements() != in.tensor(output).elements() ||
      packed->input_elements() != in.tensor(input).elements()) {
    return Fail(error, in.where() + "input/output tensor sizes do not match the operator");
  }
  out->workspace_bytes = packed->workspace_size(in.ctx->threads);
  out->kernel = packed->kernel_name();
  RunContext* ctx = in.ctx;
  const bool is_uint8 = packed->type() == DataType::kUInt8;
  const std::string where = in.where();
  out->run = [ctx, packed, input, output, is_uint8, where](std::string* err) {
    const Status s =
        is_uint8 ? Run(*packed, reinterpret_cast<const uint8_t*>(ctx->data[input]),
                       reinterpret_cast<uint8_t*>(ctx->data[output]), ctx->workspace,
                       ctx->workspace_bytes, ctx->pool)
                 : Run(*packed, reinterpret_cast<const int8_t*>(ctx->data[input]),
                       reinterpret_cast<int8_t*>(ctx->data[output]), ctx->workspace,
                       ctx->workspace_bytes, ctx->pool);
    if (!s.ok()) return Fail(err, where + s.message());
    return true;
  };
  return true;
}

// The operands CONV_2D and DEPTHWISE_CONV_2D share: input, constant filter, optional bias and
// output, all 4-D.
struct ConvOperands {
  int input, filter, bias, output;
};

bool GetConvOperands(const BuildInputs& in, ConvOperands* ops, std::string* error) {
  if (!CheckInputCount(in, 2, 3, error)) return false;
  ops->input = in.op->inputs[0];
  ops->filter = in.op->inputs[1];
  ops->bias = in.op->inputs.size() > 2 ? in.op->inputs[2] : -1;
  ops->output = in.op->outputs[0];
  if (ops->input < 0 || ops->filter < 0) return Fail(error, in.where() + "missing input or filter");
  if (!Dims4(in, ops->input, "input", error) || !Dims4(in, ops->filter, "filter", error) ||
      !Dims4(in, ops->output, "output", error)) {
    return false;
  }
  if (!in.tensor(ops->filter).is_constant()) {
    return Fail(error, in.where() + "filter must be a constant tensor");
  }
  return true;
}

// Strides, dilations and padding type from the op's options.
template <typename Params>
void SetSpatialOptions(const OpOptions& o, Params* p) {
  p->stride_height = o.stride_h;
  p->stride_width = o.stride_w;
  p->dilation_height = o.dilation_h;
  p->dilation_width = o.dilation_w;
  p->padding = ToQkPadding(o.padding);
}

bool BuildConv(const BuildInputs& in, BuiltOp* out, std::string* error) {
  ConvOperands ops;
  if (!GetConvOperands(in, &ops, error)) return false;
  const int input = ops.input, filter = ops.filter, bias = ops.bias, output = ops.output;
  const Tensor& ti = in.tensor(input);
  const Tensor& tf = in.tensor(filter);
  const Tensor& to = in.tensor(output);
  Conv2DParams p;
  SetSpatialOptions(in.op->options, &p);
  p.batch = ti.shape[0];
  p.input_height = ti.shape[1];
  p.input_width = ti.shape[2];
  p.input_channels = ti.shape[3];
  p.output_channels = tf.shape[0];
  p.kernel_height = tf.shape[1];
  p.kernel_width = tf.shape[2];
  if (tf.shape[3] <= 0 || p.input_channels % tf.shape[3] != 0) {
    return Fail(error, in.where() + "filter depth does not divide the input channels");
  }
  p.groups = p.input_channels / tf.shape[3];
  QuantSetup q;
  if (!SetupQuant(in, input, filter, bias, output, p.output_channels, 0, false, &q, error)) {
    return false;
  }
  p.type = q.type;
  p.quant = q.quant;
  const void* bias_data = nullptr;
  if (!CheckBias(in, bias, p.output_channels, &bias_data, error)) return false;
  int oh = 0, ow = 0;
  Status s = Conv2DOutputSize(p, &oh, &ow);
  if (!s.ok()) return Fail(error, in.where() + s.message());
  if (to.shape[0] != p.batch || to.shape[1] != oh || to.shape[2] != ow ||
      to.shape[3] != p.output_channels) {
    return Fail(error, in.where() + "output shape does not match the convolution");
  }
  auto packed = std::make_shared<PackedOp>();
  s = PackConv2D(p, tf.data.data(), bias_data, packed.get(), in.options->isa);
  return Finish(in, s, packed, input, output, out, error);
}

bool BuildDepthwise(const BuildInputs& in, BuiltOp* out, std::string* error) {
  ConvOperands ops;
  if (!GetConvOperands(in, &ops, error)) return false;
  const int input = ops.input, filter = ops.filter, bias = ops.bias, output = ops.output;
  const Tensor& ti = in.tensor(input);
  const Tensor& tf = in.tensor(filter);
  const Tensor& to = in.tensor(output);
  DepthwiseConv2DParams p;
  SetSpatialOptions(in.op->options, &p);
  p.batch = ti.shape[0];
  p.input_height = ti.shape[1];
  p.input_width = ti.shape[2];
  p.input_channels = ti.shape[3];
  const int out_c = tf.shape[3];
  if (tf.shape[0] != 1 || p.input_channels <= 0 || out_c % p.input_channels != 0) {
    return Fail(error, in.where() + "filter must be 1 x KH x KW x (input channels * multiplier)");
  }
  p.depth_multiplier = out_c / p.input_channels;
  // TFLite Micro's DepthwiseConvPerChannel loops over the option's depth_multiplier (full TFLite
  // infers it from the shapes); they must agree.
  if (in.op->options.depth_multiplier != p.depth_multiplier) {
    return Fail(error, in.where() + "depth_multiplier option " +
                           std::to_string(in.op->options.depth_multiplier) +
                           " does not match output channels / input channels = " +
                           std::to_string(p.depth_multiplier));
  }
  p.kernel_height = tf.shape[1];
  p.kernel_width = tf.shape[2];
  QuantSetup q;
  if (!SetupQuant(in, input, filter, bias, output, out_c, 3, false, &q, error)) return false;
  p.type = q.type;
  p.quant = q.quant;
  const void* bias_data = nullptr;
  if (!CheckBias(in, bias, out_c, &bias_data, error)) return false;
  int oh = 0, ow = 0;
  Status s = DepthwiseConv2DOutputSize(p, &oh, &ow);
  if (!s.ok()) return Fail(error, in.where() + s.message());
  if (to.shape[0] != p.batch || to.shape[1] != oh || to.shape[2] != ow || to.shape[3] != out_c) {
    return Fail(error, in.where() + "output shape does not match the depthwise convolution");
  }
  auto packed = std::make_shared<PackedOp>();
  s = PackDepthwiseConv2D(p, tf.data.data(), bias_data, packed.get(), in.options->isa);
  return Finish(in, s, packed, input, output, out, error);
}

bool BuildFullyConnected(const BuildInputs& in, BuiltOp* out, std::string* error) {
  if (!CheckInputCount(in, 2, 3, error)) return false;
  const int input = in.op->inputs[0], filter = in.op->inputs[1];
  const int bias = in.op->inputs.size() > 2 ? in.op->inputs[2] : -1;
  const int output = in.op->outputs[0];
  if (input < 0 || filter < 0) return Fail(error, in.where() + "missing input or filter");
  const Tensor& ti = in.tensor(input);
  const Tensor& tf = in.tensor(filter);
  const Tensor& to = in.tensor(output);
  if (in.op->options.weights_format != 0) {
    return Fail(error, in.where() + "only the DEFAULT weights format is supported");
  }
  if (!tf.is_constant() || tf.shape.size() != 2) {
    return Fail(error, in.where() + "filter must be a constant 2-D tensor");
  }
  FullyConnectedParams p;
  p.output_depth = tf.shape[0];
  p.input_depth = tf.shape[1];
  if (p.input_depth <= 0 || ti.elements() % size_t(p.input_depth) != 0) {
    return Fail(error, in.where() + "input size is not a multiple of the filter depth");
  }
  p.batch = int(ti.elements() / size_t(p.input_depth));
  // reference_integer_ops::FullyConnected takes the output depth from the output's last
  // dimension and the batch from the rest.
  if (to.shape.empty() || to.shape.back() != p.output_depth ||
      to.elements() != size_t(p.batch) * size_t(p.output_depth)) {
    return Fail(error, in.where() + "output shape is not batch x " +
                           std::to_string(p.output_depth) + " (the filter's rows)");
  }
  QuantSetup q;
  if (!SetupQuant(in, input, filter, bias, output, p.output_depth, 0, true, &q, error)) {
    return false;
  }
  p.type = q.type;
  p.quant = q.quant;
  const void* bias_data = nullptr;
  if (!CheckBias(in, bias, p.output_depth, &bias_data, error)) return false;
  auto packed = std::make_shared<PackedOp>();
  const Status s =
      PackFullyConnected(p, tf.data.data(), bias_data, packed.get(), in.options->isa);
  return Finish(in, s, packed, input, output, out, error);
}

}  // namespace

bool BuildPackedOp(const BuildInputs& in, BuiltOp* out, std::string* error) {
  switch (static_cast<OpCode>(in.op->builtin_code)) {
    case OpCode::kConv2D: return BuildConv(in, out, error);
    case OpCode::kDepthwiseConv2D: return BuildDepthwise(in, out, error);
    case OpCode::kFullyConnected: return BuildFullyConnected(in, out, error);
    default: return Fail(error, in.where() + "not a packed operator");
  }
}

}  // namespace internal
}  // namespace rt
}  // namespace qk
