#include "conformance_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>

#include "qkernels/ops.h"
#include "qkernels/requantize.h"

namespace qk {
namespace conformance {
namespace {

DataType TypeOf(const qkv::Case& c) {
  switch (c.activation_type) {
    case qkv::ActivationType::kUInt8: return DataType::kUInt8;
    case qkv::ActivationType::kInt16: return DataType::kInt16;
    default: return DataType::kInt8;
  }
}

Rounding RoundingOf(qkv::RoundingMode mode) {
  return mode == qkv::RoundingMode::kSingle ? Rounding::kSingle : Rounding::kDouble;
}

Requantization QuantOf(const qkv::Case& c) {
  Requantization q;
  q.input_zero_point = c.input_zero_point;
  q.filter_zero_point = c.filter_zero_point;
  q.output_zero_point = c.output_zero_point;
  q.output_multiplier = c.output_multiplier.data();
  q.output_shift = c.output_shift.data();
  q.num_channels = static_cast<int>(c.output_multiplier.size());
  q.activation_min = c.activation_min;
  q.activation_max = c.activation_max;
  q.rounding = RoundingOf(c.rounding);
  return q;
}

// The file's padding rule (SAME/VALID) or, with `explicit_pads`, the same padding spelled out:
// top/left from the file's `pad`, bottom/right the rest of TFLite's total padding.
template <typename P>
void SetGeometry(const qkv::Case& c, bool explicit_pads, P* p) {
  p->type = TypeOf(c);
  p->batch = c.input_shape[0];
  p->input_height = c.input_shape[1];
  p->input_width = c.input_shape[2];
  p->input_channels = c.input_shape[3];
  p->kernel_height = c.filter_shape[1];
  p->kernel_width = c.filter_shape[2];
  p->stride_height = c.stride_h;
  p->stride_width = c.stride_w;
  p->dilation_height = c.dilation_h;
  p->dilation_width = c.dilation_w;
  p->padding = c.padding == qkv::PaddingType::kSame ? Padding::kSame : Padding::kValid;
  if (explicit_pads) {
    auto total = [](int64_t in, int64_t out, int64_t k, int64_t s, int64_t d) {
      const int64_t t = (out - 1) * s + (k - 1) * d + 1 - in;  // < 2^49: no overflow
      return static_cast<int>(std::min<int64_t>(std::max<int64_t>(t, 0), INT32_MAX));
    };
    p->padding = Padding::kExplicit;
    p->pad_top = c.pad_h;
    p->pad_left = c.pad_w;
    p->pad_bottom = total(c.input_shape[1], c.output_shape[1], c.filter_shape[1], c.stride_h,
                          c.dilation_h) - c.pad_h;
    p->pad_right = total(c.input_shape[2], c.output_shape[2], c.filter_shape[2], c.stride_w,
                         c.dilation_w) - c.pad_w;
  }
  p->quant = QuantOf(c);
}

std::string CheckSize(const Status& s, int oh, int ow, const qkv::Case& c) {
  if (!s.ok()) return "output size query failed: " + s.message();
  if (oh != c.output_shape[1] || ow != c.output_shape[2]) {
    return "library output size " + std::to_string(oh) + "x" + std::to_string(ow) +
           " differs from the file's " + std::to_string(c.output_shape[1]) + "x" +
           std::to_string(c.output_shape[2]);
  }
  return "";
}

// Asks the library for the output geometry, then packs.
std::string Pack(const qkv::Case& c, bool explicit_pads, const void* filter, const void* bias,
                 Isa isa, PackedOp* op) {
  Status s;
  std::string geometry;
  int oh = 0, ow = 0;
  if (c.op == qkv::Op::kConv2D) {
    Conv2DParams p;
    SetGeometry(c, explicit_pads, &p);
    p.output_channels = c.filter_shape[0];
    p.groups = c.groups;
    const Status size = Conv2DOutputSize(p, &oh, &ow);
    geometry = CheckSize(size, oh, ow, c);
    if (geometry.empty()) s = PackConv2D(p, filter, bias, op, isa);
  } else if (c.op == qkv::Op::kDepthwiseConv2D) {
    DepthwiseConv2DParams p;
    SetGeometry(c, explicit_pads, &p);
    p.depth_multiplier = c.depth_multiplier;
    const Status size = DepthwiseConv2DOutputSize(p, &oh, &ow);
    geometry = CheckSize(size, oh, ow, c);
    if (geometry.empty()) s = PackDepthwiseConv2D(p, filter, bias, op, isa);
  } else {
    FullyConnectedParams p;
    p.type = TypeOf(c);
    p.batch = c.input_shape[0];
    p.input_depth = c.input_shape[1];
    p.output_depth = c.filter_shape[0];
    p.quant = QuantOf(c);
    s = PackFullyConnected(p, filter, bias, op, isa);
  }
  if (!geometry.empty()) return geometry;
  if (!s.ok()) return std::string("packing failed (") + StatusCodeName(s.code()) + "): " +
                      s.message();
  if (op->output_elements() != c.output.size() || op->input_elements() != c.input.size()) {
    return "packed op reports " + std::to_string(op->input_elements()) + " input and " +
           std::to_string(op->output_elements()) + " output elements, the file has " +
           std::to_string(c.input.size()) + " and " + std::to_string(c.output.size());
  }
  return "";
}

// Guard elements around the output buffer catch out-of-bounds writes by a kernel.
constexpr size_t kGuard = 64;
constexpr int kGuardValue = 0x5A;

template <typename T, typename W, typename B>
std::string RunOnce(const qkv::Case& c, bool explicit_pads, const std::vector<T>& input,
                    const std::vector<W>& filter, const std::vector<B>& bias, Isa isa,
                    const ThreadPool* pool, std::string* kernel) {
  PackedOp op;
  std::string err =
      Pack(c, explicit_pads, filter.data(), bias.empty() ? nullptr : bias.data(), isa, &op);
  if (!op.empty()) *kernel = op.kernel_name();
  if (!err.empty()) return err;
  std::vector<T> output(c.output.size() + 2 * kGuard, static_cast<T>(kGuardValue));
  std::vector<unsigned char> workspace(op.workspace_size(pool ? pool->threads() : 1));
  const Status s = Run(op, input.data(), output.data() + kGuard,
                       workspace.empty() ? nullptr : workspace.data(), workspace.size(), pool);
  if (!s.ok()) return std::string("run failed (") + StatusCodeName(s.code()) + "): " + s.message();
  for (size_t i = 0; i < kGuard; ++i) {
    if (output[i] != static_cast<T>(kGuardValue) ||
        output[kGuard + c.output.size() + i] != static_cast<T>(kGuardValue)) {
      return "the kernel wrote outside the output buffer";
    }
  }
  for (size_t i = 0; i < c.output.size(); ++i) {
    const int32_t got = output[kGuard + i];
    if (got != c.output[i]) {
      return "index " + std::to_string(i) + ": expected " + std::to_string(c.output[i]) +
             ", got " + std::to_string(got);
    }
  }
  return "";
}

// Runs the case as the file states it and, for conv/depthwise, once more with the same padding
// given explicitly (Padding::kExplicit), which must give the same output.
template <typename T, typename W, typename B>
std::string RunTyped(const qkv::Case& c, Isa isa, const ThreadPool* pool, std::string* kernel) {
  const std::vector<T> input(c.input.begin(), c.input.end());  // values are range-checked
  const std::vector<W> filter(c.filter.begin(), c.filter.end());
  const std::vector<B> bias(c.bias.begin(), c.bias.end());
  std::string err = RunOnce(c, false, input, filter, bias, isa, pool, kernel);
  if (!err.empty() || c.op == qkv::Op::kFullyConnected) return err;
  std::string explicit_kernel;
  err = RunOnce(c, true, input, filter, bias, isa, pool, &explicit_kernel);
  if (!err.empty()) return "with the padding given explicitly (" + explicit_kernel + "): " + err;
  return "";
}

}  // namespace

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string CheckMultipliers(const qkv::Case& c) {
  // Rule F for uint8 and for per-tensor (single-scale) fully connected, else rule D.
  const bool rule_f = c.activation_type == qkv::ActivationType::kUInt8 ||
                      (c.op == qkv::Op::kFullyConnected && c.filter_scale.size() == 1);
  const Rounding rounding = RoundingOf(c.rounding);
  for (size_t i = 0; i < c.filter_scale.size(); ++i) {
    const double eff =
        rule_f ? EffectiveScalePerTensor(c.input_scale, c.filter_scale[i], c.output_scale)
               : EffectiveScalePerChannel(c.input_scale, c.filter_scale[i], c.output_scale);
    const QuantizedMultiplier q = QuantizeMultiplier(eff, rounding);
    if (q.multiplier != c.output_multiplier[i] || q.shift != c.output_shift[i]) {
      return "output_multiplier/output_shift[" + std::to_string(i) + "]: the file has " +
             std::to_string(c.output_multiplier[i]) + " " + std::to_string(c.output_shift[i]) +
             ", QuantizeMultiplier(rule " + (rule_f ? "F" : "D") + ") gives " +
             std::to_string(q.multiplier) + " " + std::to_string(q.shift);
    }
  }
  return "";
}

std::string CheckCase(const qkv::Case& c, Isa isa, std::string* kernel, const ThreadPool* pool) {
  kernel->clear();
  std::string err = CheckMultipliers(c);
  if (!err.empty()) return err;
  switch (c.activation_type) {
    case qkv::ActivationType::kUInt8: return RunTyped<uint8_t, uint8_t, int32_t>(c, isa, pool, kernel);
    case qkv::ActivationType::kInt16: return RunTyped<int16_t, int8_t, int64_t>(c, isa, pool, kernel);
    default: return RunTyped<int8_t, int8_t, int32_t>(c, isa, pool, kernel);
  }
}

std::string CheckRequantizeRow(const qkv::RequantizeRow& r, bool int64) {
  int32_t got_double = 0, got_single = 0;
  if (int64) {
    // One formula in both TFLite builds: both columns are checked against the int64 overload.
    got_double = got_single = MultiplyByQuantizedMultiplier(r.x, r.multiplier, r.shift);
  } else {
    const int32_t x = static_cast<int32_t>(r.x);
    got_double = MultiplyByQuantizedMultiplier(x, r.multiplier, r.shift, Rounding::kDouble);
    got_single = MultiplyByQuantizedMultiplier(x, r.multiplier, r.shift, Rounding::kSingle);
  }
  const std::string call = std::string("MultiplyByQuantizedMultiplier(") +
                           (int64 ? "int64 " : "int32 ") + std::to_string(r.x) + ", " +
                           std::to_string(r.multiplier) + ", " + std::to_string(r.shift);
  if (got_double != r.expected_double) {
    return call + (int64 ? ")" : ", kDouble)") + ": expected " +
           std::to_string(r.expected_double) + ", got " + std::to_string(got_double);
  }
  if (got_single != r.expected_single) {
    return call + (int64 ? ")" : ", kSingle)") + ": expected " +
           std::to_string(r.expected_single) + ", got " + std::to_string(got_single);
  }
  return "";
}

std::string CheckQuantizeMultiplierRow(const qkv::QuantizeMultiplierRow& r) {
  char scale[64];
  std::snprintf(scale, sizeof scale, "%a", r.scale);
  const QuantizedMultiplier d = QuantizeMultiplier(r.scale, Rounding::kDouble);
  const QuantizedMultiplier s = QuantizeMultiplier(r.scale, Rounding::kSingle);
  auto text = [](int32_t m, int shift) { return std::to_string(m) + " " + std::to_string(shift); };
  if (d.multiplier != r.multiplier_double || d.shift != r.shift_double) {
    return std::string("QuantizeMultiplier(") + scale + ", kDouble): expected " +
           text(r.multiplier_double, r.shift_double) + ", got " + text(d.multiplier, d.shift);
  }
  if (s.multiplier != r.multiplier_single || s.shift != r.shift_single) {
    return std::string("QuantizeMultiplier(") + scale + ", kSingle): expected " +
           text(r.multiplier_single, r.shift_single) + ", got " + text(s.multiplier, s.shift);
  }
  return "";
}

FileOutcome RunFile(const qkv::File& file, Isa isa, bool verbose, int threads) {
  FileOutcome out;
  const ThreadPool pool(threads);
  const auto start = std::chrono::steady_clock::now();
  const std::string base = BaseName(file.name);
  auto record = [&](const std::string& label, const std::string& err, const std::string& extra) {
    if (err.empty()) {
      ++out.passed;
      if (verbose) out.lines.push_back("  ok   " + label + extra);
    } else {
      ++out.failed;
      out.lines.push_back("  FAIL " + label + ": " + err + extra);
    }
  };
  std::map<std::string, long> kernels;
  for (const qkv::Case& c : file.cases) {
    std::string kernel;
    const std::string err = CheckCase(c, isa, &kernel, threads > 1 ? &pool : nullptr);
    if (!kernel.empty()) ++kernels[kernel];
    record(c.id, err, verbose && !kernel.empty() ? "  [" + kernel + "]" : "");
  }
  const bool int64 = file.kind == qkv::FileKind::kRequantizeInt64;
  for (const qkv::RequantizeRow& r : file.requantize_rows) {
    const std::string err = CheckRequantizeRow(r, int64);
    if (!err.empty()) record(base + ":" + std::to_string(r.line), err, "");
    else ++out.passed;  // rows are not listed one by one, even with verbose
  }
  for (const qkv::QuantizeMultiplierRow& r : file.quantize_rows) {
    const std::string err = CheckQuantizeMultiplierRow(r);
    if (!err.empty()) record(base + ":" + std::to_string(r.line), err, "");
    else ++out.passed;
  }
  if (verbose) {
    for (const auto& [name, n] : kernels) {
      out.lines.push_back("  kernel " + name + ": " + std::to_string(n) + " cases");
    }
    if (!file.requantize_rows.empty() || !file.quantize_rows.empty()) {
      out.lines.push_back("  rows: scalar helpers (" + std::string(qkv::FileKindName(file.kind)) +
                          "), ISA-independent");
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace conformance
}  // namespace qk
