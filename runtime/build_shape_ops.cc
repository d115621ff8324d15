// RESHAPE, PAD, PADV2, TRANSPOSE, CONCATENATION and MEAN: shape checks against the model's tensor
// shapes, then the scalar code in runtime/ops/.
#include <cstring>
#include <memory>

#include "runtime/op_builder.h"
#include "runtime/ops/data_movement.h"
#include "runtime/ops/mean.h"

namespace qk {
namespace rt {
namespace internal {

bool ConstantInts(const BuildInputs& in, int tensor, std::vector<int32_t>* values,
                  std::string* error) {
  values->clear();
  const Tensor& t = in.tensor(tensor);
  if (!t.is_constant()) {
    return Fail(error, in.where() + "tensor " + std::to_string(tensor) + " must be constant");
  }
  if (t.type == TensorType::kInt32) {
    values->resize(t.elements());
    std::memcpy(values->data(), t.data.data(), t.data.size());
  } else if (t.type == TensorType::kInt64) {
    for (size_t i = 0; i < t.elements(); ++i) {
      int64_t v;
      std::memcpy(&v, t.data.data() + 8 * i, 8);
      if (v < INT32_MIN || v > INT32_MAX) return Fail(error, in.where() + "value outside int32");
      values->push_back(int32_t(v));
    }
  } else {
    return Fail(error, in.where() + "tensor " + std::to_string(tensor) + " must be int32");
  }
  return true;
}

namespace {

constexpr int kMaxRank = 6;

bool CheckActivationType(const BuildInputs& in, const Tensor& t, std::string* error) {
  if (TensorTypeSize(t.type) == 0) {
    return Fail(error, in.where() + "unsupported tensor type " + std::to_string(int(t.type)));
  }
  return true;
}

// TFLite Micro compares the per-tensor scale (as double) and zero point.
bool SameQuant(const Tensor& a, const Tensor& b) {
  return double(a.scale()) == double(b.scale()) && a.zero_point() == b.zero_point();
}

bool BuildReshape(const BuildInputs& in, BuiltOp* out, std::string* error) {
  if (!CheckInputCount(in, 1, 2, error)) return false;
  const int input = in.op->inputs[0], output = in.op->outputs[0];
  const Tensor& ti = in.tensor(input);
  const Tensor& to = in.tensor(output);
  if (ti.type != to.type) return Fail(error, in.where() + "input and output types differ");
  if (!CheckActivationType(in, ti, error)) return false;
  if (ti.elements() != to.elements()) {
    return Fail(error, in.where() + "input has " + std::to_string(ti.elements()) +
                           " elements, output " + std::to_string(to.elements()));
  }
  RunContext* ctx = in.ctx;
  const size_t bytes = ti.bytes();
  out->run = [ctx, input, output, bytes](std::string*) {
    if (ctx->data[output] != ctx->data[input]) {
      std::memmove(ctx->data[output], ctx->data[input], bytes);
    }
    return true;
  };
  return true;
}

// A PAD below this many output bytes per thread stays on fewer threads.
constexpr double kPadPartBytes = 32768;

bool BuildPad(const BuildInputs& in, bool v2, BuiltOp* out, std::string* error) {
  if (!CheckInputCount(in, 2, v2 ? 3 : 2, error)) return false;
  const int input = in.op->inputs[0], output = in.op->outputs[0];
  const Tensor& ti = in.tensor(input);
  const Tensor& to = in.tensor(output);
  if (ti.type != to.type) return Fail(error, in.where() + "input and output types differ");
  if (!CheckActivationType(in, ti, error)) return false;
  // TFLite Micro copies the input values unchanged whatever the two quantizations are.
  const int rank = int(ti.shape.size());
  if (rank > kMaxRank || int(to.shape.size()) != rank) {
    return Fail(error, in.where() + "rank mismatch or above 6");
  }
  std::vector<int32_t> pads;
  if (!ConstantInts(in, in.op->inputs[1], &pads, error)) return false;
  if (pads.size() != size_t(2 * rank)) {
    return Fail(error, in.where() + "paddings must be a rank x 2 tensor");
  }
  std::vector<int> before(rank), after(rank);
  for (int d = 0; d < rank; ++d) {
    before[d] = pads[2 * d];
    after[d] = pads[2 * d + 1];
    if (before[d] < 0 || after[d] < 0 || int64_t(before[d]) + ti.shape[d] + after[d] != to.shape[d]) {
      return Fail(error, in.where() + "paddings do not match the output shape");
    }
  }
  // The pad value (TFLite Micro pad.cc PadEval): PADV2's constant, else the output zero point for
  // int8 (and uint8, as full TFLite does), else 0 (int16, int32, float32).
  auto value = std::make_shared<std::vector<uint8_t>>(TensorTypeSize(ti.type), 0);
  if (v2 && in.op->inputs.size() > 2 && in.op->inputs[2] >= 0) {
    const Tensor& tc = in.tensor(in.op->inputs[2]);
    if (!tc.is_constant() || tc.type != ti.type || tc.elements() != 1) {
      return Fail(error, in.where() + "constant_values must be a constant scalar of the input type");
    }
    // PadPrepare: an int8 constant must be quantized like the output.
    if (ti.type == TensorType::kInt8 && (tc.zero_point() != to.zero_point() ||
                                         double(tc.scale()) != double(to.scale()))) {
      return Fail(error, in.where() + "constant_values quantized unlike the output");
    }
    *value = tc.data;
  } else if (IsEightBit(ti.type)) {
    const int32_t zp = to.zero_point();
    const bool u8 = ti.type == TensorType::kUInt8;
    if (zp < (u8 ? 0 : -128) || zp > (u8 ? 255 : 127)) {
      return Fail(error, in.where() + "output zero point outside the output type's range");
    }
    (*value)[0] = uint8_t(zp);
  }
  RunContext* ctx = in.ctx;
  const std::vector<int> dims = ti.shape;
  const size_t es = TensorTypeSize(ti.type);
  // Threads take ranges of the first output dimension above size 1 (rows, for a batch of one),
  // each at least kPadPartBytes of output.
  if (rank == 0) {
    out->run = [ctx, es, value, input, output](std::string*) {
      ops::Pad({}, {}, {}, es, value->data(), ctx->data[input], ctx->data[output]);
      return true;
    };
    return true;
  }
  const int d = ops::PadSplitDimension(dims, before, after);
  const int extent = before[d] + dims[d] + after[d];
  const int parts = ::qk::internal::PartsFor(ParallelOf(ctx), double(to.bytes()), kPadPartBytes);
  out->run = [ctx, dims, before, after, es, value, input, output, d, extent,
              parts](std::string*) {
    ::qk::internal::ParallelFor(ParallelOf(ctx), size_t(parts), [&](size_t i) {
      int64_t begin, end;
      ::qk::internal::PartRange(extent, parts, int(i), 1, &begin, &end);
      ops::PadRows(dims, before, after, es, value->data(), ctx->data[input], ctx->data[output], d,
                   int(begin), int(end));
    });
    return true;
  };
  return true;
}

bool BuildTranspose(const BuildInputs& in, BuiltOp* out, std::string* error) {
  if (!CheckInputCount(in, 2, 2, error)) return false;
  const int input = in.op->inputs[0], output = in.op->outputs[0];
  const Tensor& ti = in.tensor(input);
  const Tensor& to = in.tensor(output);
  if (ti.type != to.type) return Fail(error, in.where() + "input and output types differ");
  if (!CheckActivationType(in, ti, error)) return false;
  const int rank = int(ti.shape.size());
  std::vector<int32_t> perm32;
  if (!ConstantInts(in, in.op->inputs[1], &perm32, error)) return false;
  if (rank > kMaxRank || int(perm32.size()) != rank || int(to.shape.size()) != rank) {
    return Fail(error, in.where() + "permutation size does not match the rank (max 6)");
  }
  std::vector<int> perm(rank);
  std::vector<bool> seen(rank, false);
  for (int i = 0; i < rank; ++i) {
    const int p = perm32[i];
    if (p < 0 || p >= rank || seen[p]) return Fail(error, in.where() + "invalid permutation");
    seen[p] = true;
    perm[i] = p;
    if (to.shape[i] != ti.shape[p]) {
      return Fail(error, in.where() + "output shape does not match the permutation");
    }
  }
  RunContext* ctx = in.ctx;
  const std::vector<int> dims = ti.shape;
  const size_t es = TensorTypeSize(ti.type);
  out->run = [ctx, dims, perm, es, input, output](std::string*) {
    ops::Transpose(dims, perm, es, ctx->data[input], ctx->data[output]);
    return true;
  };
  return true;
}

bool BuildConcatenation(const BuildInputs& in, BuiltOp* out, std::string* error) {
  const size_t n = in.op->inputs.size();
  if (n < 1 || in.op->outputs.size() != 1) return Fail(error, in.where() + "bad input count");
  const int output = in.op->outputs[0];
  const Tensor& to = in.tensor(output);
  if (!CheckActivationType(in, to, error)) return false;
  const int rank = int(to.shape.size());
  int axis = in.op->options.axis;
  if (axis < 0) axis += rank;
  if (rank == 0 || axis < 0 || axis >= rank) return Fail(error, in.where() + "axis out of range");
  if (in.op->options.activation != Activation::kNone) {
    return Fail(error, in.where() + "fused activation is not supported");
  }
  std::vector<std::vector<int>> dims;
  std::vector<int> inputs;
  int64_t axis_total = 0;
  for (int t : in.op->inputs) {
    if (t < 0) return Fail(error, in.where() + "absent input");
    const Tensor& ti = in.tensor(t);
    if (ti.type != to.type || int(ti.shape.size()) != rank) {
      return Fail(error, in.where() + "inputs must match the output type and rank");
    }
    // ConcatenationPrepare: int8 inputs must be quantized like the output (the bytes are copied
    // unchanged) and int16 zero points must be 0. uint8 (not in TFLite Micro; full TFLite
    // rescales inputs quantized unlike the output): only equal quantization is supported.
    if (IsEightBit(to.type) && !SameQuant(ti, to)) {
      return Fail(error, in.where() + "inputs must be quantized like the output");
    }
    if (to.type == TensorType::kInt16 && (ti.zero_point() != 0 || to.zero_point() != 0)) {
      return Fail(error, in.where() + "int16 zero points must be 0");
    }
    for (int d = 0; d < rank; ++d) {
      if (d != axis && ti.shape[d] != to.shape[d]) {
        return Fail(error, in.where() + "input shapes do not match the output");
      }
    }
    axis_total += ti.shape[axis];
    dims.push_back(ti.shape);
    inputs.push_back(t);
  }
  if (axis_total != to.shape[axis]) {
    return Fail(error, in.where() + "input sizes along the axis do not add up to the output");
  }
  RunContext* ctx = in.ctx;
  const size_t es = TensorTypeSize(to.type);
  out->run = [ctx, dims, inputs, axis, es, output](std::string*) {
    std::vector<const void*> ptrs(inputs.size());
    for (size_t k = 0; k < inputs.size(); ++k) ptrs[k] = ctx->data[inputs[k]];
    ops::Concatenate(dims, ptrs, axis, es, ctx->data[output]);
    return true;
  };
  return true;
}

bool BuildMean(const BuildInputs& in, BuiltOp* out, std::string* error) {
  if (!CheckInputCount(in, 2, 2, error)) return false;
  const int input = in.op->inputs[0], output = in.op->outputs[0];
  const Tensor& ti = in.tensor(input);
  const Tensor& to = in.tensor(output);
  const bool i16 = ti.type == TensorType::kInt16;
  if ((ti.type != TensorType::kInt8 && !i16) || to.type != ti.type) {
    return Fail(error, in.where() + "input and output must be both int8 or both int16");
  }
  if (!CheckPerTensorQuant(in, input, error) || !CheckPerTensorQuant(in, output, error)) {
    return false;
  }
  // TFLite Micro's PrepareSimple requires an int32 axis tensor.
  if (in.tensor(in.op->inputs[1]).type != TensorType::kInt32) {
    return Fail(error, in.where() + "axis tensor must be int32");
  }
  std::vector<int32_t> axis;
  if (!ConstantInts(in, in.op->inputs[1], &axis, error)) return false;
  auto p = std::make_shared<ops::MeanParams>();
  std::string e;
  if (!ops::PrepareMean(ti.shape, axis, ti.scale(), ti.zero_point(), to.scale(), to.zero_point(),
                        to.elements(), p.get(), &e)) {
    return Fail(error, in.where() + e);
  }
  RunContext* ctx = in.ctx;
  out->workspace_bytes = p->num_outputs * sizeof(int32_t);
  out->run = [ctx, p, input, output, i16](std::string*) {
    int32_t* scratch = reinterpret_cast<int32_t*>(ctx->workspace);
    if (i16) {
      ops::Mean(*p, reinterpret_cast<const int16_t*>(ctx->data[input]),
                reinterpret_cast<int16_t*>(ctx->data[output]), scratch);
    } else {
      ops::Mean(*p, reinterpret_cast<const int8_t*>(ctx->data[input]),
                reinterpret_cast<int8_t*>(ctx->data[output]), scratch);
    }
    return true;
  };
  return true;
}

}  // namespace

bool BuildShapeOp(const BuildInputs& in, BuiltOp* out, std::string* error) {
  switch (static_cast<OpCode>(in.op->builtin_code)) {
    case OpCode::kReshape: return BuildReshape(in, out, error);
    case OpCode::kPad: return BuildPad(in, false, out, error);
    case OpCode::kPadV2: return BuildPad(in, true, out, error);
    case OpCode::kTranspose: return BuildTranspose(in, out, error);
    case OpCode::kConcatenation: return BuildConcatenation(in, out, error);
    case OpCode::kMean: return BuildMean(in, out, error);
    default: return Fail(error, in.where() + "unsupported operator");
  }
}

}  // namespace internal
}  // namespace rt
}  // namespace qk
