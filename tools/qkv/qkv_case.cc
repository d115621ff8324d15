// CaseParser: key order, and the op, type, rounding and shape fields of a case block.
#include "qkv/qkv_case.h"

#include "qkv/qkv_lex.h"
#include "qkv/qkv_values.h"

namespace qk {
namespace qkv {

using values::Elements;
using values::Range;
using values::ReadInts;
using values::ShapeText;

const char* CaseParser::KeyName(int key) {
  static const char* const kNames[kNumKeys] = {
      "case", "op", "activation_type", "rounding", "input_shape", "filter_shape",
      "output_shape", "stride", "dilation", "padding", "pad", "depth_multiplier",
      "input_zero_point", "filter_zero_point", "output_zero_point", "input_scale",
      "filter_scale", "output_scale", "output_multiplier", "output_shift", "activation_min",
      "activation_max", "input", "filter", "bias", "output", "end"};
  return key >= 0 && key < kNumKeys ? kNames[key] : "?";
}

bool CaseParser::Fail(const std::string& message) {
  error_line_ = line_;
  *error_ = message;
  return false;
}

bool CaseParser::Failed() {
  error_line_ = line_;
  return false;
}

bool CaseParser::FailAt(int key, const std::string& message) {
  error_line_ = key_line_[key];
  *error_ = message;
  return false;
}

bool CaseParser::Applies(int key) const {
  if (key >= kStride && key <= kPad) return case_.op != Op::kFullyConnected;
  if (key == kDepthMultiplier) return case_.op == Op::kDepthwiseConv2D;
  return true;
}

bool CaseParser::Begin(std::string_view values, long line, std::string* error) {
  case_ = Case();
  next_ = kOp;
  for (long& l : key_line_) l = 0;
  key_line_[kCase] = line;
  line_ = line;
  error_ = error;
  lex::Tokens tokens(values);
  const size_t n = tokens.Count();
  if (n != 1) {
    return Fail("case: expected 1 value (the case id), got " + std::to_string(n));
  }
  case_.id = std::string(values);
  case_.line = line;
  return true;
}

bool CaseParser::Line(std::string_view key, std::string_view values, long line, bool* done,
                      std::string* error) {
  line_ = line;
  error_ = error;
  *done = false;
  int k = 0;
  while (k < kNumKeys && key != KeyName(k)) ++k;
  const std::string name = lex::Quote(key);
  if (k == kNumKeys) return Fail("unknown key " + name);
  if (k == kCase) {
    return Fail("case " + lex::Quote(values) + " starts before case " + lex::Quote(case_.id) +
                " (line " + std::to_string(case_.line) + ") has its 'end'");
  }
  if (key_line_[k] != 0) {
    return Fail("duplicated key " + name + " (first at line " + std::to_string(key_line_[k]) +
                ")");
  }
  if (!Applies(k)) {
    return Fail("key " + name + " is not allowed for op " + OpName(case_.op));
  }
  int expected = next_;
  while (!Applies(expected)) ++expected;
  if (k != expected) {
    return Fail("key " + name + " out of order: expected '" + KeyName(expected) +
                "' here (missing or misplaced)");
  }
  key_line_[k] = line;
  next_ = k + 1;
  if (!Handle(k, values)) return false;
  *done = k == kEnd;
  return true;
}

bool CaseParser::Handle(int key, std::string_view values) {
  if (key == kEnd) {
    if (!values.empty()) return Fail("end: takes no values");
    return true;
  }
  if (key == kOp || key == kActivationType || key == kRounding || key == kPadding) {
    lex::Tokens tokens(values);
    if (tokens.Count() != 1) {
      return Fail(std::string(KeyName(key)) + ": expected 1 value, got " +
                  std::to_string(tokens.Count()));
    }
  }
  switch (key) {
    case kOp:
      if (values == "conv2d") case_.op = Op::kConv2D;
      else if (values == "depthwise_conv2d") case_.op = Op::kDepthwiseConv2D;
      else if (values == "fully_connected") case_.op = Op::kFullyConnected;
      else return Fail("op: unknown op " + lex::Quote(values) +
                       " (conv2d, depthwise_conv2d or fully_connected)");
      if (case_.op != Op::kConv2D) case_.groups = 1;
      return true;
    case kActivationType:
      if (values == "int8") case_.activation_type = ActivationType::kInt8;
      else if (values == "uint8") case_.activation_type = ActivationType::kUInt8;
      else if (values == "int16") case_.activation_type = ActivationType::kInt16;
      else return Fail("activation_type: unknown type " + lex::Quote(values) +
                       " (int8, uint8 or int16)");
      return true;
    case kRounding:
      if (values == "double") case_.rounding = RoundingMode::kDouble;
      else if (values == "single") case_.rounding = RoundingMode::kSingle;
      else return Fail("rounding: unknown mode " + lex::Quote(values) + " (double or single)");
      return true;
    case kInputShape:
    case kFilterShape:
    case kOutputShape:
      return HandleShapes(key, values);
    case kStride:
    case kDilation:
    case kPadding:
    case kPad:
    case kDepthMultiplier:
      return HandleGeometry(key, values);
    case kInput:
    case kFilter:
    case kBias:
    case kOutput:
      return HandleData(key, values);
    default:
      return HandleQuantization(key, values);
  }
}

bool CaseParser::HandleShapes(int key, std::string_view values) {
  const bool fc = case_.op == Op::kFullyConnected;
  const int rank = fc ? 2 : 4;
  const char* field = KeyName(key);
  std::vector<int> shape;
  const std::string why = fc ? " (fully_connected shapes have rank 2)" : " (rank 4)";
  if (!ReadInts(field, values, rank, why, Range{1, kMaxDim}, "a dimension", &shape, error_)) {
    return Failed();
  }
  if (Elements(shape) < 0) {
    return Fail(std::string(field) + ": " + ShapeText(shape) + " has more than 2^26 elements");
  }
  const std::vector<int>& in = case_.input_shape;
  const int C = in.empty() ? 0 : in.back();
  if (key == kInputShape) {
    case_.input_shape = shape;
    return true;
  }
  if (key == kFilterShape) {
    case_.filter_shape = shape;
    if (fc) {
      if (shape[1] != in[1]) {
        return Fail("filter_shape: depth D = " + std::to_string(shape[1]) +
                    " differs from input_shape depth " + std::to_string(in[1]));
      }
    } else if (case_.op == Op::kDepthwiseConv2D) {
      if (shape[0] != 1) return Fail("filter_shape: depthwise filters have first dimension 1");
      if (shape[3] % C != 0) {
        return Fail("filter_shape: C*M = " + std::to_string(shape[3]) +
                    " is not a multiple of the input channels " + std::to_string(C));
      }
    } else {
      const int I = shape[3];
      if (I > C || C % I != 0) {
        return Fail("filter_shape: filter input channels I = " + std::to_string(I) +
                    " does not divide the input channels C = " + std::to_string(C));
      }
      case_.groups = C / I;
      if (shape[0] % case_.groups != 0) {
        return Fail("filter_shape: output channels O = " + std::to_string(shape[0]) +
                    " is not a multiple of groups = C / I = " + std::to_string(case_.groups));
      }
    }
    return true;
  }
  case_.output_shape = shape;
  const int expected_c = fc ? case_.filter_shape[0]
                            : (case_.op == Op::kDepthwiseConv2D ? case_.filter_shape[3]
                                                                : case_.filter_shape[0]);
  if (shape[0] != in[0]) {
    return Fail("output_shape: batch " + std::to_string(shape[0]) + " differs from input_shape's " +
                std::to_string(in[0]));
  }
  if (shape.back() != expected_c) {
    return Fail("output_shape: channels " + std::to_string(shape.back()) +
                " differ from the filter's output channels " + std::to_string(expected_c));
  }
  return true;
}

}  // namespace qkv
}  // namespace qk
