// The non-packed operators: shared checks, then AVERAGE_POOL_2D, MAX_POOL_2D, SOFTMAX, QUANTIZE,
// DEQUANTIZE and ADD on the scalar code in runtime/ops/ (data movement: build_shape_ops.cc). The
// 8-bit pooling, ADD and requantizing QUANTIZE run the vector ops (ops/simd.h) instead when the
// interpreter's ISA has them; --isa scalar runs the scalar reference everywhere.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include "qkernels/requantize.h"
#include "runtime/op_builder.h"
#include "runtime/ops/add.h"
#include "runtime/ops/pooling.h"
#include "runtime/ops/quantize.h"
#include "runtime/ops/simd.h"
#include "runtime/ops/softmax.h"

namespace qk {
namespace rt {
namespace internal {

bool Fail(std::string* error, const std::string& message) {
  if (error != nullptr) *error = message;
  return false;
}

std::string BuildInputs::where() const {
  return "operator " + std::to_string(index) + " (" + op->name + "): ";
}

bool IsEightBit(TensorType t) { return t == TensorType::kInt8 || t == TensorType::kUInt8; }

bool CheckInputCount(const BuildInputs& in, size_t min_count, size_t max_count,
                     std::string* error) {
  const size_t n = in.op->inputs.size();
  if (n < min_count || n > max_count) {
    return Fail(error, in.where() + std::to_string(n) + " inputs, expected " +
                           std::to_string(min_count) +
                           (max_count != min_count ? " to " + std::to_string(max_count) : ""));
  }
  for (size_t i = 0; i < min_count; ++i) {
    if (in.op->inputs[i] < 0) return Fail(error, in.where() + "required input absent");
  }
  if (in.op->outputs.size() != 1) return Fail(error, in.where() + "expected one output");
  return true;
}

bool CheckPerTensorQuant(const BuildInputs& in, int tensor, std::string* error) {
  const Tensor& t = in.tensor(tensor);
  if (t.scales.size() != 1 || !(t.scales[0] > 0.f) || !std::isfinite(t.scales[0])) {
    return Fail(error, in.where() + "tensor " + std::to_string(tensor) +
                           " needs one positive quantization scale");
  }
  const int64_t zp = t.zero_point();
  const bool u8 = t.type == TensorType::kUInt8;
  if ((u8 && (zp < 0 || zp > 255)) || (t.type == TensorType::kInt8 && (zp < -128 || zp > 127)) ||
      (t.type == TensorType::kInt16 && (zp < -32768 || zp > 32767))) {
    return Fail(error, in.where() + "tensor " + std::to_string(tensor) +
                           " zero point outside its type's range");
  }
  return true;
}

bool ActivationRange(const BuildInputs& in, Activation act, const Tensor& output,
                     int32_t* act_min, int32_t* act_max, std::string* error) {
  int32_t qmin, qmax;
  switch (output.type) {
    case TensorType::kInt8: qmin = -128, qmax = 127; break;
    case TensorType::kUInt8: qmin = 0, qmax = 255; break;
    case TensorType::kInt16: qmin = -32768, qmax = 32767; break;
    default: return Fail(error, in.where() + "activation range of a non-integer output");
  }
  // TFLite Quantize() helper of CalculateActivationRangeQuantized: float division and rounding.
  bool ok = true;
  auto quantize = [&](float f) {
    const float tmp = std::round(f / output.scale());
    if (!(tmp >= -2147483648.f && tmp <= 2147483520.f)) {
      ok = false;
      return 0;
    }
    const int64_t q = int64_t(output.zero_point()) + int64_t(tmp);
    if (q < INT32_MIN || q > INT32_MAX) {
      ok = false;
      return 0;
    }
    return int32_t(q);
  };
  *act_min = qmin;
  *act_max = qmax;
  switch (act) {
    case Activation::kRelu: *act_min = std::max(qmin, quantize(0.f)); break;
    case Activation::kRelu6:
      *act_min = std::max(qmin, quantize(0.f));
      *act_max = std::min(qmax, quantize(6.f));
      break;
    case Activation::kReluN1To1:
      *act_min = std::max(qmin, quantize(-1.f));
      *act_max = std::min(qmax, quantize(1.f));
      break;
    case Activation::kNone:
    case Activation::kTanh:  // TFLite's range helper leaves these at the full range
    case Activation::kSignBit: break;
    default:
      return Fail(error, in.where() + "unknown fused activation " + std::to_string(int(act)));
  }
  if (!ok) return Fail(error, in.where() + "activation bound overflows int32");
  if (*act_min > *act_max) return Fail(error, in.where() + "empty activation range");
  return true;
}

namespace {

bool SameElements(const BuildInputs& in, int a, int b, std::string* error) {
  if (in.tensor(a).elements() != in.tensor(b).elements()) {
    return Fail(error, in.where() + "input and output sizes differ");
  }
  return true;
}

// The vector ops for this interpreter's ISA (nullptr: scalar), named in the op's kernel string.
const ops::VecOps* UseVecOps(const BuildInputs& in, bool eligible, BuiltOp* out) {
  const ops::VecOps* vec = eligible ? ops::VecOpsFor(in.options->isa) : nullptr;
  if (vec != nullptr) out->kernel = std::string(vec->name) + ":" + in.op->name;
  return vec;
}

bool BuildPool(const BuildInputs& in, bool average, BuiltOp* out, std::string* error) {
  if (!CheckInputCount(in, 1, 1, error)) return false;
  const int input = in.op->inputs[0], output = in.op->outputs[0];
  const Tensor& ti = in.tensor(input);
  const Tensor& to = in.tensor(output);
  const TensorType type = ti.type;
  if ((type != TensorType::kInt8 && type != TensorType::kInt16 && type != TensorType::kUInt8) ||
      to.type != type) {
    return Fail(error, in.where() + "input and output must be both int8, int16 or uint8");
  }
  // PoolingPrepare: the values are not rescaled, so the quantization must agree.
  if (!(double(std::fabs(ti.scale() - to.scale())) <= 1.0e-6) ||
      ti.zero_point() != to.zero_point()) {
    return Fail(error, in.where() + "input and output quantization differ");
  }
  if (ti.shape.size() != 4 || to.shape.size() != 4) {
    return Fail(error, in.where() + "input and output must be 4-D");
  }
  const OpOptions& o = in.op->options;
  if (!o.has_options) return Fail(error, in.where() + "missing Pool2DOptions");
  constexpr int kMaxWindow = 1 << 16;
  if (o.stride_h <= 0 || o.stride_w <= 0 || o.filter_h <= 0 || o.filter_w <= 0 ||
      o.stride_h > kMaxWindow || o.stride_w > kMaxWindow || o.filter_h > kMaxWindow ||
      o.filter_w > kMaxWindow) {
    return Fail(error, in.where() + "strides and filter size must be in [1, 65536]");
  }
  if (ti.shape[1] > kMaxWindow * 256 || ti.shape[2] > kMaxWindow * 256) {
    return Fail(error, in.where() + "input too large");
  }
  ops::PoolParams p;
  p.batch = ti.shape[0];
  p.in_h = ti.shape[1];
  p.in_w = ti.shape[2];
  p.channels = ti.shape[3];
  p.filter_h = o.filter_h;
  p.filter_w = o.filter_w;
  p.stride_h = o.stride_h;
  p.stride_w = o.stride_w;
  // TFLite ComputePaddingHeightWidth (dilation 1).
  auto out_size = [&](int in_size, int filter, int stride) {
    return o.padding == Padding::kSame ? (in_size + stride - 1) / stride
                                       : (in_size - filter + stride) / stride;
  };
  p.out_h = out_size(p.in_h, p.filter_h, p.stride_h);
  p.out_w = out_size(p.in_w, p.filter_w, p.stride_w);
  p.pad_h = std::max((p.out_h - 1) * p.stride_h + p.filter_h - p.in_h, 0) / 2;
  p.pad_w = std::max((p.out_w - 1) * p.stride_w + p.filter_w - p.in_w, 0) / 2;
  if (p.out_h <= 0 || p.out_w <= 0 || to.shape[0] != p.batch || to.shape[1] != p.out_h ||
      to.shape[2] != p.out_w || to.shape[3] != p.channels) {
    return Fail(error, in.where() + "output shape does not match the pooling geometry");
  }
  if (!ActivationRange(in, o.activation, to, &p.act_min, &p.act_max, error)) return false;
  const int32_t max_abs =
      type == TensorType::kInt16 ? 32768 : type == TensorType::kInt8 ? 128 : 255;
  if (average && !ops::AveragePoolFitsInt32(p, max_abs)) {
    return Fail(error, in.where() + "pooling window too large for TFLite's int32 accumulator");
  }
  RunContext* ctx = in.ctx;
  const std::string where = in.where();
  const ops::VecOps* vec = UseVecOps(in, IsEightBit(type), out);
  out->run = [ctx, p, input, output, type, average, where, vec](std::string* err) {
    const void* x = ctx->data[input];
    void* y = ctx->data[output];
    bool ok = true;
    if (vec != nullptr && type == TensorType::kInt8) {
      if (average) ok = vec->average_pool_s8(p, (const int8_t*)x, (int8_t*)y);
      else vec->max_pool_s8(p, (const int8_t*)x, (int8_t*)y);
    } else if (vec != nullptr) {
      if (average) ok = vec->average_pool_u8(p, (const uint8_t*)x, (uint8_t*)y);
      else vec->max_pool_u8(p, (const uint8_t*)x, (uint8_t*)y);
    } else if (type == TensorType::kInt8) {
      if (average) ok = ops::AveragePool(p, (const int8_t*)x, (int8_t*)y);
      else ops::MaxPool(p, (const int8_t*)x, (int8_t*)y);
    } else if (type == TensorType::kInt16) {
      if (average) ok = ops::AveragePool(p, (const int16_t*)x, (int16_t*)y);
      else ops::MaxPool(p, (const int16_t*)x, (int16_t*)y);
    } else {
      if (average) ok = ops::AveragePool(p, (const uint8_t*)x, (uint8_t*)y);
      else ops::MaxPool(p, (const uint8_t*)x, (uint8_t*)y);
    }
    return ok || Fail(err, where + "a pooling window lies entirely in the padding");
  };
  return true;
}

// CalculateSoftmaxParams' output quantization: int8 scale exactly 1/256 and zero point -128;
// int16 (from int8) scale 1/65536 within 0.1% and zero point -32768; uint8 (full TFLite) 1/256, 0.
bool CheckSoftmaxOutput(const BuildInputs& in, const Tensor& ti, const Tensor& to,
                        std::string* error) {
  const int32_t zp = to.zero_point();
  bool ok = false;
  if (ti.type == TensorType::kInt8 && to.type == TensorType::kInt8) {
    ok = zp == -128 && to.scale() == 1.f / 256;
  } else if (ti.type == TensorType::kInt8 && to.type == TensorType::kInt16) {
    const float delta = std::fabs(to.scale() - 1.f / 65536);
    ok = zp == -32768 && delta <= 0.001f * 1.f / 65536;
  } else if (ti.type == TensorType::kUInt8 && to.type == TensorType::kUInt8) {
    ok = zp == 0 && to.scale() == 1.f / 256;
  } else if (ti.type == TensorType::kInt16) {
    return Fail(error, in.where() + "int16 softmax is not supported");
  } else {
    return Fail(error, in.where() + "input/output types must be int8/int8, int8/int16 or "
                                    "uint8/uint8");
  }
  if (!ok) {
    return Fail(error, in.where() + "output quantization must be scale 1/256, zero point -128 "
                                    "(int8); 1/65536, -32768 (int16); 1/256, 0 (uint8)");
  }
  return true;
}

bool BuildSoftmax(const BuildInputs& in, BuiltOp* out, std::string* error) {
  if (!CheckInputCount(in, 1, 1, error)) return false;
  const int input = in.op->inputs[0], output = in.op->outputs[0];
  const Tensor& ti = in.tensor(input);
  const Tensor& to = in.tensor(output);
  if (!CheckSoftmaxOutput(in, ti, to, error) || !CheckPerTensorQuant(in, input, error) ||
      !CheckPerTensorQuant(in, output, error) || !SameElements(in, input, output, error)) {
    return false;
  }
  if (ti.shape.empty()) return Fail(error, in.where() + "input must have at least one dimension");
  ops::SoftmaxParams p;
  if (!ops::PrepareSoftmax(in.op->options.beta, ti.scale(), &p, error)) {
    return Fail(error, in.where() + *error);
  }
  p.depth = ti.shape.back();
  p.outer = p.depth > 0 ? int(ti.elements() / size_t(p.depth)) : 0;
  RunContext* ctx = in.ctx;
  const TensorType it = ti.type, ot = to.type;
  const std::string where = in.where();
  out->run = [ctx, p, input, output, it, ot, where](std::string* err) {
    const void* x = ctx->data[input];
    void* y = ctx->data[output];
    bool ok;
    if (it == TensorType::kUInt8) ok = ops::Softmax(p, (const uint8_t*)x, (uint8_t*)y);
    else if (ot == TensorType::kInt16) ok = ops::Softmax(p, (const int8_t*)x, (int16_t*)y);
    else ok = ops::Softmax(p, (const int8_t*)x, (int8_t*)y);
    return ok || Fail(err, where + "sum of exponentials too large for the output shift "
                                   "(TFLite aborts here)");
  };
  return true;
}

bool IsQuantizedInt(TensorType t) {
  return t == TensorType::kInt8 || t == TensorType::kUInt8 || t == TensorType::kInt16;
}

// Calls fn(const In*, Out*) with the tensors' element types for the integer pairs QUANTIZE runs
// (quantize.h); returns false for any other pair.
template <typename Fn>
bool DispatchRequantize(TensorType it, TensorType ot, const void* x, void* y, Fn fn) {
  using T = TensorType;
  if (it == T::kInt8 && ot == T::kInt8) return fn((const int8_t*)x, (int8_t*)y), true;
  if (it == T::kInt8 && ot == T::kUInt8) return fn((const int8_t*)x, (uint8_t*)y), true;
  if (it == T::kInt8 && ot == T::kInt16) return fn((const int8_t*)x, (int16_t*)y), true;
  if (it == T::kInt8 && ot == T::kInt32) return fn((const int8_t*)x, (int32_t*)y), true;
  if (it == T::kUInt8 && ot == T::kInt8) return fn((const uint8_t*)x, (int8_t*)y), true;
  if (it == T::kUInt8 && ot == T::kUInt8) return fn((const uint8_t*)x, (uint8_t*)y), true;
  if (it == T::kInt16 && ot == T::kInt8) return fn((const int16_t*)x, (int8_t*)y), true;
  if (it == T::kInt16 && ot == T::kInt16) return fn((const int16_t*)x, (int16_t*)y), true;
  if (it == T::kInt16 && ot == T::kInt32) return fn((const int16_t*)x, (int32_t*)y), true;
  if (it == T::kInt32 && ot == T::kInt8) return fn((const int32_t*)x, (int8_t*)y), true;
  if (it == T::kInt32 && ot == T::kInt16) return fn((const int32_t*)x, (int16_t*)y), true;
  return false;
}

bool BuildQuantize(const BuildInputs& in, BuiltOp* out, std::string* error) {
  if (!CheckInputCount(in, 1, 1, error)) return false;
  const int input = in.op->inputs[0], output = in.op->outputs[0];
  const Tensor& ti = in.tensor(input);
  const Tensor& to = in.tensor(output);
  if (!SameElements(in, input, output, error)) return false;
  if (!CheckPerTensorQuant(in, output, error)) return false;
  RunContext* ctx = in.ctx;
  const size_t n = ti.elements();
  const TensorType it = ti.type, ot = to.type;
  const float out_scale = to.scale();
  const int32_t out_zp = to.zero_point();
  if (it == TensorType::kFloat32) {
    if (!IsQuantizedInt(ot)) return Fail(error, in.where() + "float32 input needs an int8, "
                                                             "uint8 or int16 output");
    out->run = [ctx, n, ot, out_scale, out_zp, input, output](std::string*) {
      const float* x = reinterpret_cast<const float*>(ctx->data[input]);
      void* y = ctx->data[output];
      if (ot == TensorType::kInt8) ops::AffineQuantize(x, n, out_scale, out_zp, (int8_t*)y);
      if (ot == TensorType::kUInt8) ops::AffineQuantize(x, n, out_scale, out_zp, (uint8_t*)y);
      if (ot == TensorType::kInt16) ops::AffineQuantize(x, n, out_scale, out_zp, (int16_t*)y);
      return true;
    };
    return true;
  }
  const auto noop = [](const auto*, auto*) {};
  if (!DispatchRequantize(it, ot, nullptr, nullptr, noop)) {
    return Fail(error, in.where() + "unsupported requantization " + TensorTypeName(it) + " -> " +
                           TensorTypeName(ot));
  }
  if (!CheckPerTensorQuant(in, input, error)) return false;
  const QuantizedMultiplier m = QuantizeMultiplier(double(ti.scale()) / double(to.scale()));
  if (m.shift > 30) return Fail(error, in.where() + "input scale / output scale too large");
  const int32_t in_zp = ti.zero_point();
  const ops::VecOps* vec = UseVecOps(in, IsEightBit(it) && IsEightBit(ot), out);
  out->run = [ctx, n, it, ot, m, in_zp, out_zp, input, output, vec](std::string*) {
    const void* x = ctx->data[input];
    void* y = ctx->data[output];
    if (vec != nullptr) {
      const bool s8_in = it == TensorType::kInt8, s8_out = ot == TensorType::kInt8;
      if (s8_in && s8_out) {
        vec->requantize_s8_s8((const int8_t*)x, n, m.multiplier, m.shift, in_zp, out_zp,
                              (int8_t*)y);
      } else if (s8_in) {
        vec->requantize_s8_u8((const int8_t*)x, n, m.multiplier, m.shift, in_zp, out_zp,
                              (uint8_t*)y);
      } else if (s8_out) {
        vec->requantize_u8_s8((const uint8_t*)x, n, m.multiplier, m.shift, in_zp, out_zp,
                              (int8_t*)y);
      } else {
        vec->requantize_u8_u8((const uint8_t*)x, n, m.multiplier, m.shift, in_zp, out_zp,
                              (uint8_t*)y);
      }
      return true;
    }
    DispatchRequantize(it, ot, x, y, [&](auto* xt, auto* yt) {
      ops::Requantize(xt, n, m.multiplier, m.shift, in_zp, out_zp, yt);
    });
    return true;
  };
  return true;
}

bool BuildDequantize(const BuildInputs& in, BuiltOp* out, std::string* error) {
  if (!CheckInputCount(in, 1, 1, error)) return false;
  const int input = in.op->inputs[0], output = in.op->outputs[0];
  const Tensor& ti = in.tensor(input);
  const Tensor& to = in.tensor(output);
  if (!IsQuantizedInt(ti.type) || to.type != TensorType::kFloat32) {
    return Fail(error, in.where() + "needs an int8/uint8/int16 input and a float32 output");
  }
  if (!CheckPerTensorQuant(in, input, error) || !SameElements(in, input, output, error)) {
    return false;
  }
  RunContext* ctx = in.ctx;
  const size_t n = ti.elements();
  const TensorType it = ti.type;
  const float scale = ti.scale();
  const int32_t zp = ti.zero_point();
  out->run = [ctx, n, it, scale, zp, input, output](std::string*) {
    const void* x = ctx->data[input];
    float* y = reinterpret_cast<float*>(ctx->data[output]);
    if (it == TensorType::kInt8) ops::Dequantize((const int8_t*)x, n, scale, zp, y);
    if (it == TensorType::kUInt8) ops::Dequantize((const uint8_t*)x, n, scale, zp, y);
    if (it == TensorType::kInt16) ops::Dequantize((const int16_t*)x, n, scale, zp, y);
    return true;
  };
  return true;
}

// An ADD below this many output elements per thread stays on fewer threads.
constexpr double kAddPartElements = 2048;

void AddOn(const ops::VecOps* vec, const ops::AddParams& p, const int8_t* x, const int8_t* y,
           int8_t* z) {
  if (vec != nullptr) vec->add_s8(p, x, y, z);
  else ops::Add(p, x, y, z);
}
void AddOn(const ops::VecOps* vec, const ops::AddParams& p, const uint8_t* x, const uint8_t* y,
           uint8_t* z) {
  if (vec != nullptr) vec->add_u8(p, x, y, z);
  else ops::Add(p, x, y, z);
}
void AddOn(const ops::VecOps*, const ops::AddParams& p, const int16_t* x, const int16_t* y,
           int16_t* z) {
  ops::Add(p, x, y, z);
}

// One thread's slice of an ADD (ops::SliceAdd), on the vector ops when there are some.
template <typename T>
void RunAddSlice(const ops::AddSlice& s, const ops::VecOps* vec, const void* x, const void* y,
                 void* z) {
  AddOn(vec, s.params, static_cast<const T*>(x) + s.offset1, static_cast<const T*>(y) + s.offset2,
        static_cast<T*>(z) + s.offset_out);
}

bool BuildAdd(const BuildInputs& in, BuiltOp* out, std::string* error) {
  if (!CheckInputCount(in, 2, 2, error)) return false;
  const int a = in.op->inputs[0], b = in.op->inputs[1], output = in.op->outputs[0];
  const Tensor& ta = in.tensor(a);
  const Tensor& tb = in.tensor(b);
  const Tensor& to = in.tensor(output);
  const TensorType type = to.type;
  if (!IsQuantizedInt(type) || ta.type != type || tb.type != type) {
    return Fail(error, in.where() + "inputs and output must be all int8, all int16 or all uint8");
  }
  if (!CheckPerTensorQuant(in, a, error) || !CheckPerTensorQuant(in, b, error) ||
      !CheckPerTensorQuant(in, output, error)) {
    return false;
  }
  ops::AddParams p;
  std::string e;
  const int left_shift = type == TensorType::kInt16 ? 15 : 20;
  if (!ops::PrepareAddQuantization(ta.scale(), ta.zero_point(), tb.scale(), tb.zero_point(),
                                   to.scale(), to.zero_point(), left_shift, &p, &e) ||
      !ops::PrepareBroadcast(ta.shape, tb.shape, to.shape, &p, &e)) {
    return Fail(error, in.where() + e);
  }
  if (!ActivationRange(in, in.op->options.activation, to, &p.act_min, &p.act_max, error)) {
    return false;
  }
  // The threads' slices, fixed here: ranges of the outermost dimension above size 1 (of the flat
  // arrays in 64-element steps when the shapes are equal), each at least kAddPartElements.
  const int dim = ops::AddSplitDimension(p);
  const int extent = p.dims[dim];
  const size_t elements = to.elements();
  const int parts = ::qk::internal::PartsFor(ParallelOf(in.ctx), double(elements),
                                             kAddPartElements);
  auto slices = std::make_shared<std::vector<ops::AddSlice>>();
  for (int i = 0; i < parts; ++i) {
    int64_t begin, end;
    ::qk::internal::PartRange(extent, parts, i, dim == ops::kMaxBroadcastRank - 1 ? 64 : 1, &begin,
                              &end);
    if (begin < end) slices->push_back(ops::SliceAdd(p, int(begin), int(end)));
  }
  RunContext* ctx = in.ctx;
  const ops::VecOps* vec = UseVecOps(in, IsEightBit(type), out);
  out->run = [ctx, slices, a, b, output, type, vec](std::string*) {
    const void* x = ctx->data[a];
    const void* y = ctx->data[b];
    void* z = ctx->data[output];
    ::qk::internal::ParallelFor(ParallelOf(ctx), slices->size(), [&](size_t i) {
      const ops::AddSlice& s = (*slices)[i];
      if (type == TensorType::kInt8) RunAddSlice<int8_t>(s, vec, x, y, z);
      else if (type == TensorType::kInt16) RunAddSlice<int16_t>(s, nullptr, x, y, z);
      else RunAddSlice<uint8_t>(s, vec, x, y, z);
    });
    return true;
  };
  return true;
}

}  // namespace

bool BuildScalarOp(const BuildInputs& in, BuiltOp* out, std::string* error) {
  out->kernel = "reference:" + in.op->name;
  switch (static_cast<OpCode>(in.op->builtin_code)) {
    case OpCode::kAveragePool2D: return BuildPool(in, true, out, error);
    case OpCode::kMaxPool2D: return BuildPool(in, false, out, error);
    case OpCode::kSoftmax: return BuildSoftmax(in, out, error);
    case OpCode::kQuantize: return BuildQuantize(in, out, error);
    case OpCode::kDequantize: return BuildDequantize(in, out, error);
    case OpCode::kAdd: return BuildAdd(in, out, error);
    default: return BuildShapeOp(in, out, error);
  }
}

}  // namespace internal
}  // namespace rt
}  // namespace qk
