// CaseParser: the geometry, quantization and data fields of a case block.
#include "qkv/qkv_case.h"
#include "qkv/qkv_lex.h"
#include "qkv/qkv_values.h"

namespace qk {
namespace qkv {

using values::ActivationRange;
using values::Elements;
using values::kInt32Max;
using values::kInt32Min;
using values::kMultiplierMin;
using values::Range;
using values::RangeText;
using values::ReadInt;
using values::ReadInts;
using values::ShapeText;

namespace {

// One spatial axis (FORMAT.md 3.2): output size (0 if VALID leaves nothing) and top/left pad.
void Axis(int64_t n, int64_t k, int64_t s, int64_t d, PaddingType padding, int64_t* out,
          int64_t* pad) {
  const int64_t e = (k - 1) * d + 1;
  if (padding == PaddingType::kSame) {
    *out = (n + s - 1) / s;
  } else {
    *out = n < e ? 0 : (n - e) / s + 1;
  }
  const int64_t total = *out < 1 ? 0 : (*out - 1) * s + e - n;
  *pad = total > 0 ? total / 2 : 0;
}

}  // namespace

bool CaseParser::CheckOutputGeometry() {
  const Case& c = case_;
  int64_t pad_h = 0, pad_w = 0;
  Axis(c.input_shape[1], c.filter_shape[1], c.stride_h, c.dilation_h, c.padding, &out_h_, &pad_h);
  Axis(c.input_shape[2], c.filter_shape[2], c.stride_w, c.dilation_w, c.padding, &out_w_, &pad_w);
  if (out_h_ < 1 || out_w_ < 1) {
    return Fail("padding: VALID leaves an empty output: the effective (dilated) kernel " +
                std::to_string((int64_t{c.filter_shape[1]} - 1) * c.dilation_h + 1) + "x" +
                std::to_string((int64_t{c.filter_shape[2]} - 1) * c.dilation_w + 1) +
                " does not fit the input " + std::to_string(c.input_shape[1]) + "x" +
                std::to_string(c.input_shape[2]));
  }
  if (out_h_ != c.output_shape[1] || out_w_ != c.output_shape[2]) {
    return FailAt(kOutputShape,
                  "output_shape: spatial size " + std::to_string(c.output_shape[1]) + "x" +
                      std::to_string(c.output_shape[2]) + " differs from " +
                      std::to_string(out_h_) + "x" + std::to_string(out_w_) +
                      " computed from input_shape, filter_shape, stride, dilation and padding " +
                      (c.padding == PaddingType::kSame ? "SAME" : "VALID") + " (line " +
                      std::to_string(line_) + ")");
  }
  return true;
}

bool CaseParser::HandleGeometry(int key, std::string_view text) {
  Case& c = case_;
  const char* field = KeyName(key);
  if (key == kStride || key == kDilation) {
    std::vector<int> v;
    if (!ReadInts(field, text, 2, " (height width)", Range{1, kMaxDim}, field, &v, error_)) {
      return Failed();
    }
    (key == kStride ? c.stride_h : c.dilation_h) = v[0];
    (key == kStride ? c.stride_w : c.dilation_w) = v[1];
    return true;
  }
  if (key == kPadding) {
    if (text == "SAME") c.padding = PaddingType::kSame;
    else if (text == "VALID") c.padding = PaddingType::kValid;
    else return Fail("padding: unknown padding " + lex::Quote(text) + " (SAME or VALID)");
    return CheckOutputGeometry();
  }
  if (key == kPad) {
    std::vector<int> v;
    if (!ReadInts(field, text, 2, " (top left)", Range{0, kMaxDim}, field, &v, error_)) {
      return Failed();
    }
    int64_t out = 0, pad_h = 0, pad_w = 0;
    Axis(c.input_shape[1], c.filter_shape[1], c.stride_h, c.dilation_h, c.padding, &out, &pad_h);
    Axis(c.input_shape[2], c.filter_shape[2], c.stride_w, c.dilation_w, c.padding, &out, &pad_w);
    if (v[0] != pad_h || v[1] != pad_w) {
      return Fail("pad: " + std::to_string(v[0]) + " " + std::to_string(v[1]) +
                  " differs from " + std::to_string(pad_h) + " " + std::to_string(pad_w) +
                  " required by the padding rule (floor(total / 2))");
    }
    c.pad_h = v[0];
    c.pad_w = v[1];
    return true;
  }
  // depth_multiplier
  int64_t m = 0;
  if (!ReadInt(field, text, Range{1, kMaxDim}, field, &m, error_)) return Failed();
  const int64_t channels = int64_t{c.input_shape[3]} * m;
  if (channels != c.filter_shape[3]) {
    return Fail("depth_multiplier: C*M = " + std::to_string(c.input_shape[3]) + "*" +
                std::to_string(m) + " differs from filter_shape's last dimension " +
                std::to_string(c.filter_shape[3]));
  }
  c.depth_multiplier = static_cast<int>(m);
  return true;
}

bool CaseParser::HandleQuantization(int key, std::string_view text) {
  Case& c = case_;
  const char* field = KeyName(key);
  const ActivationType type = c.activation_type;
  const char* type_name = ActivationTypeName(type);
  int64_t v = 0;
  switch (key) {
    case kInputZeroPoint:
    case kOutputZeroPoint: {
      const Range r = type == ActivationType::kInt16 ? Range{0, 0} : ActivationRange(type);
      if (!ReadInt(field, text, r, type_name, &v, error_)) return Failed();
      (key == kInputZeroPoint ? c.input_zero_point : c.output_zero_point) =
          static_cast<int32_t>(v);
      return true;
    }
    case kFilterZeroPoint: {
      const Range r = type == ActivationType::kUInt8 ? Range{0, 255} : Range{0, 0};
      if (!ReadInt(field, text, r, type == ActivationType::kUInt8 ? "uint8" : "int8 weights", &v,
                   error_)) {
        return Failed();
      }
      c.filter_zero_point = static_cast<int32_t>(v);
      return true;
    }
    case kInputScale:
    case kFilterScale:
    case kOutputScale: {
      lex::Tokens tokens(text);
      const size_t n = tokens.Count();
      const size_t channels = static_cast<size_t>(c.OutputChannels());
      if (key != kFilterScale && n != 1) {
        return Fail(std::string(field) + ": expected 1 value, got " + std::to_string(n));
      }
      if (key == kFilterScale) {
        if (type == ActivationType::kUInt8 && n != 1) {
          return Fail("filter_scale: uint8 is per-tensor: expected 1 value, got " +
                      std::to_string(n));
        }
        if (n != 1 && n != channels) {
          return Fail("filter_scale: expected 1 or " + std::to_string(channels) +
                      " (output channels) values, got " + std::to_string(n));
        }
      }
      std::vector<float> scales;
      scales.reserve(n);
      std::string_view token;
      for (size_t i = 0; tokens.Next(&token); ++i) {
        float s = 0.0f;
        if (!lex::ParseFloat32(token, &s)) {
          return Fail(std::string(field) + ": value[" + std::to_string(i) + "] " +
                      lex::Quote(token) + " is not a finite decimal float32");
        }
        if (!(s > 0.0f)) {
          return Fail(std::string(field) + ": value[" + std::to_string(i) + "] " +
                      lex::Quote(token) + " is not positive");
        }
        scales.push_back(s);
      }
      if (key == kInputScale) c.input_scale = scales[0];
      if (key == kOutputScale) c.output_scale = scales[0];
      if (key == kFilterScale) c.filter_scale = std::move(scales);
      return true;
    }
    case kOutputMultiplier:
    case kOutputShift: {
      const std::string why = " (as many as filter_scale)";
      const int64_t n = static_cast<int64_t>(c.filter_scale.size());
      if (key == kOutputShift) {
        const int64_t max_shift = type == ActivationType::kInt16 ? 7 : 30;
        return ReadInts(field, text, n, why, Range{-31, max_shift}, "a shift", &c.output_shift,
                        error_) ||
               Failed();
      }
      if (!ReadInts(field, text, n, why, Range{0, kInt32Max}, "int32", &c.output_multiplier,
                    error_)) {
        return Failed();
      }
      for (size_t i = 0; i < c.output_multiplier.size(); ++i) {
        const int32_t m = c.output_multiplier[i];
        if (m != 0 && m < kMultiplierMin) {
          return Fail("output_multiplier: value[" + std::to_string(i) + "] = " +
                      std::to_string(m) + " is neither 0 nor in [2^30, 2^31-1]");
        }
      }
      return true;
    }
    default: {  // activation_min, activation_max
      if (!ReadInt(field, text, ActivationRange(type), type_name, &v, error_)) return Failed();
      if (key == kActivationMin) {
        c.activation_min = static_cast<int32_t>(v);
      } else {
        c.activation_max = static_cast<int32_t>(v);
        if (c.activation_min > c.activation_max) {
          return Fail("activation_max: " + std::to_string(c.activation_max) +
                      " is below activation_min " + std::to_string(c.activation_min));
        }
      }
      return true;
    }
  }
}

bool CaseParser::HandleData(int key, std::string_view text) {
  Case& c = case_;
  const char* field = KeyName(key);
  const ActivationType type = c.activation_type;
  const char* type_name = ActivationTypeName(type);
  switch (key) {
    case kInput:
      return ReadInts(field, text, Elements(c.input_shape),
                      " (the product of input_shape " + ShapeText(c.input_shape) + ")",
                      ActivationRange(type), type_name, &c.input, error_) ||
             Failed();
    case kFilter: {
      const bool u8 = type == ActivationType::kUInt8;
      return ReadInts(field, text, Elements(c.filter_shape),
                      " (the product of filter_shape " + ShapeText(c.filter_shape) + ")",
                      u8 ? Range{0, 255} : Range{-128, 127}, u8 ? "uint8" : "int8", &c.filter,
                      error_) ||
             Failed();
    }
    case kBias: {
      const bool wide = type == ActivationType::kInt16;
      const Range r = wide ? Range{INT64_MIN, INT64_MAX} : Range{kInt32Min, kInt32Max};
      if (!ReadInts(field, text, -1, "", r, wide ? "int64" : "int32", &c.bias, error_)) {
        return Failed();
      }
      const size_t channels = static_cast<size_t>(c.OutputChannels());
      if (!c.bias.empty() && c.bias.size() != channels) {
        return Fail("bias: expected 0 (no bias) or " + std::to_string(channels) +
                    " (output channels) values, got " + std::to_string(c.bias.size()));
      }
      return true;
    }
    default: {  // output
      if (!ReadInts(field, text, Elements(c.output_shape),
                    " (the product of output_shape " + ShapeText(c.output_shape) + ")",
                    ActivationRange(type), type_name, &c.output, error_)) {
        return Failed();
      }
      const Range clamp{c.activation_min, c.activation_max};
      for (size_t i = 0; i < c.output.size(); ++i) {
        if (c.output[i] < clamp.lo || c.output[i] > clamp.hi) {
          return Fail("output: value[" + std::to_string(i) + "] = " + std::to_string(c.output[i]) +
                      " is outside [activation_min, activation_max] = " + RangeText(clamp));
        }
      }
      return true;
    }
  }
}

}  // namespace qkv
}  // namespace qk
