// Parameter validation: every field of a public *Params is checked before any kernel sees it,
// with a message naming the field. Size arithmetic is done in int64 so it cannot overflow.
#include "src/validate.h"

#include <initializer_list>
#include <string>

namespace qk {
namespace internal {
namespace {

Status Invalid(const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message);
}

// Upper bound for any single dimension, stride, dilation or padding: large enough for any real
// network, small enough that products of a few of them stay far from int64 overflow.
constexpr int kMaxDim = 1 << 24;

Status CheckDim(const char* name, int value, int min_value = 1) {
  if (value < min_value || value > kMaxDim) {
    return Invalid(std::string(name) + " = " + std::to_string(value) + " is out of range [" +
                   std::to_string(min_value) + ", " + std::to_string(kMaxDim) + "]");
  }
  return Status::Ok();
}

// Product of non-negative factors, saturated at kMaxTensorElements + 1: dimensions are each
// below 2^27, but four of them multiplied would overflow even int64.
int64_t BoundedProduct(std::initializer_list<int64_t> factors) {
  constexpr int64_t kLimit = kMaxTensorElements + 1;
  int64_t product = 1;
  for (const int64_t f : factors) {
    if (f != 0 && product > kLimit / f) return kLimit;
    product *= f;
  }
  return product;
}

Status CheckElements(const char* name, std::initializer_list<int64_t> factors) {
  if (BoundedProduct(factors) > kMaxTensorElements) {
    return Invalid(std::string(name) + ": more than 2^31-1 elements");
  }
  return Status::Ok();
}

struct Range {
  int32_t lo, hi;
};

Range ActivationRange(DataType type) {
  switch (type) {
    case DataType::kUInt8: return {0, 255};
    case DataType::kInt16: return {-32768, 32767};
    default: return {-128, 127};
  }
}

bool ValidType(DataType type) {
  return type == DataType::kInt8 || type == DataType::kUInt8 || type == DataType::kInt16;
}

// One spatial axis: output size and leading padding, TFLite's ComputePaddingHeightWidth.
Status ResolveAxis(const char* axis, int in, int kernel, int stride, int dilation,
                   Padding padding, int pad_before, int pad_after, int* out, int* pad) {
  const int64_t effective = int64_t{kernel - 1} * dilation + 1;
  int64_t out_size = 0;
  switch (padding) {
    case Padding::kSame:
      out_size = (int64_t{in} + stride - 1) / stride;
      break;
    case Padding::kValid:
      out_size = (int64_t{in} - effective + stride) / stride;
      break;
    case Padding::kExplicit: {
      const int64_t padded = int64_t{in} + pad_before + pad_after;
      out_size = padded < effective ? 0 : (padded - effective) / stride + 1;
      break;
    }
    default:
      return Invalid("padding: not kValid, kSame or kExplicit");
  }
  if (out_size < 1) {
    return Invalid(std::string("output_") + axis + ": the effective kernel (" +
                   std::to_string(effective) + ") does not fit the padded input (" +
                   std::to_string(in) + ")");
  }
  if (padding == Padding::kExplicit) {
    *pad = pad_before;
  } else {
    const int64_t total = (out_size - 1) * stride + effective - in;
    *pad = static_cast<int>(total > 0 ? total / 2 : 0);
  }
  *out = static_cast<int>(out_size);
  return Status::Ok();
}

template <typename P>
Status ResolveSpatial(const P& p, OpDesc* d) {
  Status s;
  if (!(s = CheckDim("kernel_height", p.kernel_height)).ok()) return s;
  if (!(s = CheckDim("kernel_width", p.kernel_width)).ok()) return s;
  if (!(s = CheckDim("stride_height", p.stride_height)).ok()) return s;
  if (!(s = CheckDim("stride_width", p.stride_width)).ok()) return s;
  if (!(s = CheckDim("dilation_height", p.dilation_height)).ok()) return s;
  if (!(s = CheckDim("dilation_width", p.dilation_width)).ok()) return s;
  if (p.padding == Padding::kExplicit) {
    if (!(s = CheckDim("pad_top", p.pad_top, 0)).ok()) return s;
    if (!(s = CheckDim("pad_bottom", p.pad_bottom, 0)).ok()) return s;
    if (!(s = CheckDim("pad_left", p.pad_left, 0)).ok()) return s;
    if (!(s = CheckDim("pad_right", p.pad_right, 0)).ok()) return s;
  }
  d->kernel_h = p.kernel_height;
  d->kernel_w = p.kernel_width;
  d->stride_h = p.stride_height;
  d->stride_w = p.stride_width;
  d->dilation_h = p.dilation_height;
  d->dilation_w = p.dilation_width;
  if (!(s = ResolveAxis("height", d->in_h, d->kernel_h, d->stride_h, d->dilation_h, p.padding,
                        p.pad_top, p.pad_bottom, &d->out_h, &d->pad_top))
           .ok()) {
    return s;
  }
  return ResolveAxis("width", d->in_w, d->kernel_w, d->stride_w, d->dilation_w, p.padding,
                     p.pad_left, p.pad_right, &d->out_w, &d->pad_left);
}

Status ResolveImage(DataType type, int batch, int h, int w, int c, OpDesc* d) {
  if (!ValidType(type)) return Invalid("type: not kInt8, kUInt8 or kInt16");
  Status s;
  if (!(s = CheckDim("batch", batch)).ok()) return s;
  if (!(s = CheckDim("input_height", h)).ok()) return s;
  if (!(s = CheckDim("input_width", w)).ok()) return s;
  if (!(s = CheckDim("input_channels", c)).ok()) return s;
  d->type = type;
  d->batch = batch;
  d->in_h = h;
  d->in_w = w;
  d->in_c = c;
  return CheckElements("input (batch*input_height*input_width*input_channels)",
                       {batch, h, w, c});
}

Status CheckOutputAndFilter(const OpDesc& d) {
  Status s = CheckElements("output (batch*output_height*output_width*output_channels)",
                           {d.batch, d.out_h, d.out_w, d.out_c});
  if (!s.ok()) return s;
  const int64_t depth = d.op == OpKind::kDepthwiseConv2D ? 1 : d.in_c / d.groups;
  return CheckElements("filter", {d.kernel_h, d.kernel_w, depth, d.out_c});
}

void CopyQuant(const Requantization& q, OpDesc* d) {
  d->input_zp = q.input_zero_point;
  d->filter_zp = q.filter_zero_point;
  d->output_zp = q.output_zero_point;
  d->act_min = q.activation_min;
  d->act_max = q.activation_max;
  d->rounding = q.rounding;
}

}  // namespace

Status ValidateRequantization(const Requantization& q, DataType type, int out_c) {
  const Range range = ActivationRange(type);
  const bool int16 = type == DataType::kInt16;
  auto check_zp = [&](const char* name, int32_t zp, Range allowed) -> Status {
    if (zp < allowed.lo || zp > allowed.hi) {
      return Invalid(std::string("quant.") + name + " = " + std::to_string(zp) +
                     " is out of range [" + std::to_string(allowed.lo) + ", " +
                     std::to_string(allowed.hi) + "] for " + DataTypeName(type));
    }
    return Status::Ok();
  };
  const Range activation_zp = int16 ? Range{0, 0} : range;
  const Range filter_zp = type == DataType::kUInt8 ? Range{0, 255} : Range{0, 0};
  Status s;
  if (!(s = check_zp("input_zero_point", q.input_zero_point, activation_zp)).ok()) return s;
  if (!(s = check_zp("filter_zero_point", q.filter_zero_point, filter_zp)).ok()) return s;
  if (!(s = check_zp("output_zero_point", q.output_zero_point, activation_zp)).ok()) return s;
  if (q.num_channels == 0) {
    // Required: a default of 1 would silently broadcast the first of per-channel arrays.
    return Invalid("quant.num_channels is not set (0): set it to 1 for one per-tensor multiplier "
                   "or to the number of output channels (" + std::to_string(out_c) +
                   ") for per-channel arrays");
  }
  if (q.num_channels != 1 && q.num_channels != out_c) {
    return Invalid("quant.num_channels = " + std::to_string(q.num_channels) +
                   " must be 1 or the number of output channels (" + std::to_string(out_c) + ")");
  }
  if (q.output_multiplier == nullptr) return Invalid("quant.output_multiplier is null");
  if (q.output_shift == nullptr) return Invalid("quant.output_shift is null");
  const int max_shift = int16 ? 7 : 30;
  for (int c = 0; c < q.num_channels; ++c) {
    const int32_t m = q.output_multiplier[c];
    if (m != 0 && m < (int32_t{1} << 30)) {
      return Invalid("quant.output_multiplier[" + std::to_string(c) + "] = " + std::to_string(m) +
                     " must be 0 or in [2^30, 2^31-1]");
    }
    const int32_t sh = q.output_shift[c];
    if (sh < -31 || sh > max_shift) {
      return Invalid("quant.output_shift[" + std::to_string(c) + "] = " + std::to_string(sh) +
                     " is out of range [-31, " + std::to_string(max_shift) + "]");
    }
  }
  if (q.activation_min > q.activation_max) {
    return Invalid("quant.activation_min (" + std::to_string(q.activation_min) +
                   ") > quant.activation_max (" + std::to_string(q.activation_max) + ")");
  }
  if (q.activation_min < range.lo || q.activation_max > range.hi) {
    return Invalid("quant.activation_min/activation_max [" + std::to_string(q.activation_min) +
                   ", " + std::to_string(q.activation_max) + "] exceed the " +
                   DataTypeName(type) + " range");
  }
  if (q.rounding != Rounding::kDouble && q.rounding != Rounding::kSingle) {
    return Invalid("quant.rounding: not kDouble or kSingle");
  }
  return Status::Ok();
}

Status ResolveConv2D(const Conv2DParams& p, OpDesc* d, bool check_quant) {
  *d = OpDesc();
  d->op = OpKind::kConv2D;
  Status s = ResolveImage(p.type, p.batch, p.input_height, p.input_width, p.input_channels, d);
  if (!s.ok()) return s;
  if (!(s = CheckDim("output_channels", p.output_channels)).ok()) return s;
  if (!(s = CheckDim("groups", p.groups)).ok()) return s;
  if (p.input_channels % p.groups != 0) {
    return Invalid("groups = " + std::to_string(p.groups) + " does not divide input_channels = " +
                   std::to_string(p.input_channels));
  }
  if (p.output_channels % p.groups != 0) {
    return Invalid("groups = " + std::to_string(p.groups) + " does not divide output_channels = " +
                   std::to_string(p.output_channels));
  }
  d->out_c = p.output_channels;
  d->groups = p.groups;
  if (!(s = ResolveSpatial(p, d)).ok()) return s;
  if (!(s = CheckOutputAndFilter(*d)).ok()) return s;
  if (check_quant && !(s = ValidateRequantization(p.quant, p.type, d->out_c)).ok()) return s;
  CopyQuant(p.quant, d);
  return Status::Ok();
}

Status ResolveDepthwiseConv2D(const DepthwiseConv2DParams& p, OpDesc* d, bool check_quant) {
  *d = OpDesc();
  d->op = OpKind::kDepthwiseConv2D;
  Status s = ResolveImage(p.type, p.batch, p.input_height, p.input_width, p.input_channels, d);
  if (!s.ok()) return s;
  if (!(s = CheckDim("depth_multiplier", p.depth_multiplier)).ok()) return s;
  const int64_t out_c = int64_t{p.input_channels} * p.depth_multiplier;
  if (out_c > kMaxDim) {
    return Invalid("input_channels * depth_multiplier = " + std::to_string(out_c) +
                   " is out of range");
  }
  d->depth_multiplier = p.depth_multiplier;
  d->out_c = static_cast<int>(out_c);
  if (!(s = ResolveSpatial(p, d)).ok()) return s;
  if (!(s = CheckOutputAndFilter(*d)).ok()) return s;
  if (check_quant && !(s = ValidateRequantization(p.quant, p.type, d->out_c)).ok()) return s;
  CopyQuant(p.quant, d);
  return Status::Ok();
}

Status ResolveFullyConnected(const FullyConnectedParams& p, OpDesc* d) {
  *d = OpDesc();
  d->op = OpKind::kFullyConnected;
  if (!ValidType(p.type)) return Invalid("type: not kInt8, kUInt8 or kInt16");
  Status s;
  if (!(s = CheckDim("batch", p.batch)).ok()) return s;
  if (!(s = CheckDim("input_depth", p.input_depth)).ok()) return s;
  if (!(s = CheckDim("output_depth", p.output_depth)).ok()) return s;
  d->type = p.type;
  d->batch = p.batch;
  d->in_c = p.input_depth;
  d->out_c = p.output_depth;
  if (!(s = CheckElements("input (batch*input_depth)", {p.batch, p.input_depth})).ok()) {
    return s;
  }
  if (!(s = CheckOutputAndFilter(*d)).ok()) return s;
  if (!(s = ValidateRequantization(p.quant, p.type, d->out_c)).ok()) return s;
  CopyQuant(p.quant, d);
  return Status::Ok();
}

}  // namespace internal
}  // namespace qk
