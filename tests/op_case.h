// Test support: one op (conv2d, depthwise conv2d or fully connected) with its parameters and data,
// built from explicit shapes or drawn from a source of random numbers (a PRNG in the tests, the
// fuzzer's bytes in fuzz/), packed and run through the public API, and printed when it fails.
#ifndef QKERNELS_TESTS_OP_CASE_H_
#define QKERNELS_TESTS_OP_CASE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "qkernels/ops.h"
#include "core/op_desc.h"

namespace qk {
namespace test {

using internal::OpKind;

struct OpCase {
  OpKind op = OpKind::kConv2D;
  DataType type = DataType::kInt8;
  int batch = 1, in_h = 1, in_w = 1, in_c = 1;
  int out_c = 1;             // conv2d and fully connected (depthwise: in_c * depth_multiplier)
  int depth_multiplier = 1;  // depthwise only
  int kernel_h = 1, kernel_w = 1, groups = 1;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  Padding padding = Padding::kValid;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  Requantization quant;  // output_multiplier/output_shift are set from the vectors below
  std::vector<int32_t> multiplier, shift;  // quant.num_channels values
  // Raw bytes in the documented layouts: int8/uint8/int16 input, int8/uint8 filter, int32/int64
  // bias (empty: no bias).
  std::vector<uint8_t> input, filter, bias;
};

inline size_t ElementSize(DataType type) { return type == DataType::kInt16 ? 2 : 1; }
inline size_t BiasElementSize(DataType type) { return type == DataType::kInt16 ? 8 : 4; }

inline Requantization QuantWith(const OpCase& c, const int32_t* multiplier, const int32_t* shift) {
  Requantization q = c.quant;
  q.output_multiplier = multiplier;
  q.output_shift = shift;
  return q;
}

inline Conv2DParams ConvParams(const OpCase& c, const int32_t* m, const int32_t* s) {
  Conv2DParams p;
  p.type = c.type;
  p.batch = c.batch;
  p.input_height = c.in_h, p.input_width = c.in_w, p.input_channels = c.in_c;
  p.output_channels = c.out_c;
  p.kernel_height = c.kernel_h, p.kernel_width = c.kernel_w;
  p.groups = c.groups;
  p.stride_height = c.stride_h, p.stride_width = c.stride_w;
  p.dilation_height = c.dilation_h, p.dilation_width = c.dilation_w;
  p.padding = c.padding;
  p.pad_top = c.pad_top, p.pad_bottom = c.pad_bottom;
  p.pad_left = c.pad_left, p.pad_right = c.pad_right;
  p.quant = QuantWith(c, m, s);
  return p;
}

inline DepthwiseConv2DParams DepthwiseParams(const OpCase& c, const int32_t* m, const int32_t* s) {
  DepthwiseConv2DParams p;
  p.type = c.type;
  p.batch = c.batch;
  p.input_height = c.in_h, p.input_width = c.in_w, p.input_channels = c.in_c;
  p.depth_multiplier = c.depth_multiplier;
  p.kernel_height = c.kernel_h, p.kernel_width = c.kernel_w;
  p.stride_height = c.stride_h, p.stride_width = c.stride_w;
  p.dilation_height = c.dilation_h, p.dilation_width = c.dilation_w;
  p.padding = c.padding;
  p.pad_top = c.pad_top, p.pad_bottom = c.pad_bottom;
  p.pad_left = c.pad_left, p.pad_right = c.pad_right;
  p.quant = QuantWith(c, m, s);
  return p;
}

inline FullyConnectedParams FcParams(const OpCase& c, const int32_t* m, const int32_t* s) {
  FullyConnectedParams p;
  p.type = c.type;
  p.batch = c.batch;
  p.input_depth = c.in_c;
  p.output_depth = c.out_c;
  p.quant = QuantWith(c, m, s);
  return p;
}

// Packs the case with caller-provided buffers (the guard-page test places them).
inline Status PackCaseWith(const OpCase& c, const void* filter, const void* bias,
                           const int32_t* multiplier, const int32_t* shift, PackedOp* out,
                           Isa isa) {
  switch (c.op) {
    case OpKind::kConv2D:
      return PackConv2D(ConvParams(c, multiplier, shift), filter, bias, out, isa);
    case OpKind::kDepthwiseConv2D:
      return PackDepthwiseConv2D(DepthwiseParams(c, multiplier, shift), filter, bias, out, isa);
    case OpKind::kFullyConnected:
      return PackFullyConnected(FcParams(c, multiplier, shift), filter, bias, out, isa);
  }
  return Status(StatusCode::kInvalidArgument, "op");
}

inline Status PackCase(const OpCase& c, PackedOp* out, Isa isa) {
  return PackCaseWith(c, c.filter.data(), c.bias.empty() ? nullptr : c.bias.data(),
                      c.multiplier.data(), c.shift.data(), out, isa);
}

inline Status RunRaw(const PackedOp& op, const void* input, void* output, void* workspace,
                     size_t workspace_bytes, const ThreadPool* pool = nullptr) {
  switch (op.type()) {
    case DataType::kInt8:
      return Run(op, static_cast<const int8_t*>(input), static_cast<int8_t*>(output), workspace,
                 workspace_bytes, pool);
    case DataType::kUInt8:
      return Run(op, static_cast<const uint8_t*>(input), static_cast<uint8_t*>(output), workspace,
                 workspace_bytes, pool);
    case DataType::kInt16:
      return Run(op, static_cast<const int16_t*>(input), static_cast<int16_t*>(output), workspace,
                 workspace_bytes, pool);
  }
  return Status(StatusCode::kInvalidArgument, "type");
}

// Packs for `isa`, runs, and returns the output bytes (or the failing status).
// With a pool, the run is split over its threads (workspace_size(threads) bytes of workspace).
inline Status PackAndRun(const OpCase& c, Isa isa, std::vector<uint8_t>* output,
                         std::string* kernel_name = nullptr, const ThreadPool* pool = nullptr) {
  PackedOp op;
  Status s = PackCase(c, &op, isa);
  if (!s.ok()) return s;
  if (kernel_name) *kernel_name = op.kernel_name();
  output->assign(op.output_elements() * ElementSize(c.type), 0);
  std::vector<uint8_t> workspace(op.workspace_size(pool ? pool->threads() : 1));
  return RunRaw(op, c.input.data(), output->data(), workspace.data(), workspace.size(), pool);
}

// The resolved description (sizes) of the case's geometry, or an error.
inline Status ResolveCase(const OpCase& c, internal::OpDesc* desc) {
  static const int32_t kOne = 1 << 30, kZero = 0;
  int oh = 1, ow = 1;
  Status s;
  if (c.op == OpKind::kConv2D) {
    s = Conv2DOutputSize(ConvParams(c, &kOne, &kZero), &oh, &ow);
  } else if (c.op == OpKind::kDepthwiseConv2D) {
    s = DepthwiseConv2DOutputSize(DepthwiseParams(c, &kOne, &kZero), &oh, &ow);
  } else if (c.batch < 1 || c.in_c < 1 || c.out_c < 1) {
    s = Status(StatusCode::kInvalidArgument, "fully connected shape");
  }
  if (!s.ok()) return s;
  *desc = internal::OpDesc();
  desc->op = c.op;
  desc->type = c.type;
  desc->batch = c.batch;
  desc->in_h = c.op == OpKind::kFullyConnected ? 1 : c.in_h;
  desc->in_w = c.op == OpKind::kFullyConnected ? 1 : c.in_w;
  desc->in_c = c.in_c;
  desc->out_h = oh, desc->out_w = ow;
  desc->out_c = c.op == OpKind::kDepthwiseConv2D ? c.in_c * c.depth_multiplier : c.out_c;
  desc->kernel_h = c.op == OpKind::kFullyConnected ? 1 : c.kernel_h;
  desc->kernel_w = c.op == OpKind::kFullyConnected ? 1 : c.kernel_w;
  desc->groups = c.op == OpKind::kConv2D ? c.groups : 1;
  return s;
}

// Integer source over [lo, hi] backed by a seeded PRNG.
class RngSource {
 public:
  explicit RngSource(uint64_t seed) : rng_(seed) {}
  int64_t Range(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

 private:
  std::mt19937_64 rng_;
};

// A small random geometry (op, type, shapes, strides, dilations, padding, groups), always valid:
// when the drawn kernel does not fit the padded input, SAME padding (which always fits) is used.
template <typename Src>
void RandomGeometry(Src& src, OpCase* c) {
  c->op = static_cast<OpKind>(src.Range(0, 2));
  c->type = static_cast<DataType>(src.Range(0, 2));
  auto rarely = [&](int lo, int hi) { return src.Range(0, 3) == 0 ? int(src.Range(lo, hi)) : 1; };
  if (c->op == OpKind::kFullyConnected) {
    c->batch = static_cast<int>(src.Range(1, 8));
    c->in_c = static_cast<int>(src.Range(1, 150));
    c->out_c = static_cast<int>(src.Range(1, 80));
    return;
  }
  c->batch = rarely(2, 3);
  c->in_h = static_cast<int>(src.Range(1, 12));
  c->in_w = static_cast<int>(src.Range(1, 12));
  c->kernel_h = static_cast<int>(src.Range(1, 5));
  c->kernel_w = static_cast<int>(src.Range(1, 5));
  c->stride_h = rarely(2, 3), c->stride_w = rarely(2, 3);
  c->dilation_h = rarely(2, 3), c->dilation_w = rarely(2, 3);
  c->padding = static_cast<Padding>(src.Range(0, 2));
  if (c->padding == Padding::kExplicit) {
    c->pad_top = static_cast<int>(src.Range(0, 3));
    c->pad_bottom = static_cast<int>(src.Range(0, 3));
    c->pad_left = static_cast<int>(src.Range(0, 3));
    c->pad_right = static_cast<int>(src.Range(0, 3));
  }
  if (c->op == OpKind::kConv2D) {
    c->groups = rarely(2, 4);
    c->in_c = c->groups * static_cast<int>(src.Range(1, 24));
    c->out_c = c->groups * static_cast<int>(src.Range(1, 24));
  } else {
    c->in_c = static_cast<int>(src.Range(1, 48));
    c->depth_multiplier = rarely(2, 3);
  }
  internal::OpDesc d;
  if (!ResolveCase(*c, &d).ok()) c->padding = Padding::kSame;
}

// Fills quantization (zero points, multipliers, shifts, clamp, rounding), filter, bias and input
// for the case's geometry. `wild` draws multipliers/shifts/biases over their whole valid ranges
// (saturating and wrapping accumulators included); otherwise the real multiplier is scaled to
// the accumulator spread so that outputs are mostly unclamped.
template <typename Src>
void FillCase(Src& src, OpCase* c, bool wild) {
  internal::OpDesc d;
  if (!ResolveCase(*c, &d).ok()) return;
  const DataType t = c->type;
  Requantization& q = c->quant;
  const int32_t lo = t == DataType::kUInt8 ? 0 : t == DataType::kInt16 ? -32768 : -128;
  const int32_t hi = t == DataType::kUInt8 ? 255 : t == DataType::kInt16 ? 32767 : 127;
  q.input_zero_point = t == DataType::kInt16 ? 0 : static_cast<int32_t>(src.Range(lo, hi));
  q.output_zero_point = t == DataType::kInt16 ? 0 : static_cast<int32_t>(src.Range(lo, hi));
  q.filter_zero_point = t == DataType::kUInt8 ? static_cast<int32_t>(src.Range(0, 255)) : 0;
  q.rounding = src.Range(0, 1) ? Rounding::kSingle : Rounding::kDouble;
  q.num_channels = src.Range(0, 1) ? d.out_c : 1;
  q.activation_min = lo, q.activation_max = hi;
  if (src.Range(0, 3) == 0) {
    int32_t a = static_cast<int32_t>(src.Range(lo, hi));
    int32_t b = static_cast<int32_t>(src.Range(lo, hi));
    q.activation_min = std::min(a, b), q.activation_max = std::max(a, b);
  }
  const int max_shift = t == DataType::kInt16 ? 7 : 30;
  const int depth = d.KernelDepth();
  const double spread = std::sqrt(double(depth)) * (t == DataType::kInt16 ? 1.4e6 : 5.5e3);
  c->multiplier.resize(q.num_channels);
  c->shift.resize(q.num_channels);
  for (int i = 0; i < q.num_channels; ++i) {
    if (wild) {
      const int kind = static_cast<int>(src.Range(0, 7));
      c->multiplier[i] = kind == 0 ? 0 : kind == 1 ? INT32_MAX : kind == 2 ? (1 << 30)
                         : static_cast<int32_t>(src.Range(1 << 30, INT32_MAX));
      c->shift[i] = static_cast<int32_t>(src.Range(-31, max_shift));
    } else {
      const double real = (hi - lo) / 4.0 / spread * std::ldexp(1.0, int(src.Range(-2, 2)));
      const QuantizedMultiplier m = QuantizeMultiplier(real, q.rounding);
      c->multiplier[i] = m.multiplier;
      c->shift[i] = std::min(std::max(m.shift, -31), max_shift);
    }
  }
  const size_t in_elems = d.InputElements(), filter_elems = d.FilterElements();
  c->input.resize(in_elems * ElementSize(t));
  const int data_mode = static_cast<int>(src.Range(0, 7));  // 0: extremes only, else uniform
  for (size_t i = 0; i < in_elems; ++i) {
    const int32_t v = data_mode == 0 ? (src.Range(0, 1) ? lo : hi)
                                     : static_cast<int32_t>(src.Range(lo, hi));
    if (t == DataType::kInt16) {
      const int16_t v16 = static_cast<int16_t>(v);
      std::memcpy(&c->input[2 * i], &v16, 2);
    } else {
      c->input[i] = static_cast<uint8_t>(v);
    }
  }
  c->filter.resize(filter_elems);
  for (size_t i = 0; i < filter_elems; ++i) {
    const int extreme_lo = t == DataType::kUInt8 ? 0x00 : 0x80;  // -128 for int8
    const int extreme_hi = t == DataType::kUInt8 ? 0xFF : 0x7F;
    c->filter[i] = static_cast<uint8_t>(
        data_mode == 0 ? (src.Range(0, 1) ? extreme_lo : extreme_hi) : src.Range(0, 255));
  }
  c->bias.clear();
  if (src.Range(0, 3) != 0) {
    c->bias.resize(size_t(d.out_c) * BiasElementSize(t));
    for (int o = 0; o < d.out_c; ++o) {
      if (t == DataType::kInt16) {
        const int64_t limit = wild ? (int64_t{1} << 46) : int64_t(spread * 4);
        const int64_t b = src.Range(-limit, limit);
        std::memcpy(&c->bias[8 * o], &b, 8);
      } else {
        const int64_t limit = wild ? INT32_MAX : int64_t(spread * 4);
        const int32_t b = static_cast<int32_t>(src.Range(wild ? INT32_MIN : -limit, limit));
        std::memcpy(&c->bias[4 * o], &b, 4);
      }
    }
  }
}

inline std::string ValuesToString(const uint8_t* bytes, size_t n, size_t element_size,
                                  bool unsigned_bytes = false) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    int64_t v;
    if (element_size == 1) {
      v = unsigned_bytes ? int64_t{bytes[i]} : int64_t{static_cast<int8_t>(bytes[i])};
    } else if (element_size == 2) {
      int16_t x;
      std::memcpy(&x, bytes + 2 * i, 2);
      v = x;
    } else if (element_size == 4) {
      int32_t x;
      std::memcpy(&x, bytes + 4 * i, 4);
      v = x;
    } else {
      std::memcpy(&v, bytes + 8 * i, 8);
    }
    s += (i ? " " : "") + std::to_string(v);
  }
  return s;
}

// One line of geometry and quantization, e.g. for test names and failure messages.
inline std::string Shape(const OpCase& c) {
  std::string s = std::string(internal::OpKindName(c.op)) + " " + DataTypeName(c.type) +
                  " N" + std::to_string(c.batch);
  if (c.op == OpKind::kFullyConnected) {
    return s + " D" + std::to_string(c.in_c) + " O" + std::to_string(c.out_c);
  }
  s += " " + std::to_string(c.in_h) + "x" + std::to_string(c.in_w) + "x" + std::to_string(c.in_c);
  s += c.op == OpKind::kConv2D ? " O" + std::to_string(c.out_c) + " g" + std::to_string(c.groups)
                               : " M" + std::to_string(c.depth_multiplier);
  s += " k" + std::to_string(c.kernel_h) + "x" + std::to_string(c.kernel_w) + " s" +
       std::to_string(c.stride_h) + "x" + std::to_string(c.stride_w) + " d" +
       std::to_string(c.dilation_h) + "x" + std::to_string(c.dilation_w);
  const char* pad[] = {"VALID", "SAME", "EXPLICIT"};
  s += std::string(" ") + pad[static_cast<int>(c.padding) & 3];
  if (c.padding == Padding::kExplicit) {
    s += " pads " + std::to_string(c.pad_top) + "," + std::to_string(c.pad_bottom) + "," +
         std::to_string(c.pad_left) + "," + std::to_string(c.pad_right);
  }
  return s;
}

// The whole case (geometry, quantization and data), to reproduce a failure.
inline std::string Describe(const OpCase& c) {
  const Requantization& q = c.quant;
  std::string s = Shape(c) + "\n";
  s += "zero_points in " + std::to_string(q.input_zero_point) + " filter " +
       std::to_string(q.filter_zero_point) + " out " + std::to_string(q.output_zero_point) +
       " clamp [" + std::to_string(q.activation_min) + ", " + std::to_string(q.activation_max) +
       "] rounding " + (q.rounding == Rounding::kSingle ? "single" : "double") + "\n";
  s += "multiplier " + ValuesToString(reinterpret_cast<const uint8_t*>(c.multiplier.data()),
                                      c.multiplier.size(), 4) + "\n";
  s += "shift " + ValuesToString(reinterpret_cast<const uint8_t*>(c.shift.data()),
                                 c.shift.size(), 4) + "\n";
  const size_t es = ElementSize(c.type);
  const bool u8 = c.type == DataType::kUInt8;
  s += "input " + ValuesToString(c.input.data(), c.input.size() / es, es, u8) + "\n";
  s += "filter " + ValuesToString(c.filter.data(), c.filter.size(), 1, u8) + "\n";
  const size_t bs = BiasElementSize(c.type);
  s += "bias " + ValuesToString(c.bias.data(), c.bias.size() / bs, bs) + "\n";
  return s;
}

}  // namespace test
}  // namespace qk

#endif  // QKERNELS_TESTS_OP_CASE_H_
