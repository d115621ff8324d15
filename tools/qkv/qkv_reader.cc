// The file level of the qkv reader: header, comments, case blocks vs rows, the file kind, and the
// public entry points.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include "qkv/qkv.h"
#include "qkv/qkv_case.h"
#include "qkv/qkv_lex.h"
#include "qkv/qkv_values.h"

namespace qk {
namespace qkv {

const char* OpName(Op op) {
  switch (op) {
    case Op::kConv2D: return "conv2d";
    case Op::kDepthwiseConv2D: return "depthwise_conv2d";
    case Op::kFullyConnected: return "fully_connected";
  }
  return "?";
}

const char* ActivationTypeName(ActivationType type) {
  switch (type) {
    case ActivationType::kInt8: return "int8";
    case ActivationType::kUInt8: return "uint8";
    case ActivationType::kInt16: return "int16";
  }
  return "?";
}

const char* FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kCases: return "cases";
    case FileKind::kRequantize: return "requantize rows";
    case FileKind::kRequantizeInt64: return "requantize_int64 rows";
    case FileKind::kQuantizeMultiplier: return "quantize_multiplier rows";
  }
  return "?";
}

namespace {

using values::kInt32Max;
using values::kInt32Min;
using values::kMultiplierMin;
using values::Range;
using values::ReadInts;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// The kind implied by the file name, if any.
bool KindFromName(const std::string& path, FileKind* kind) {
  std::string_view base(path);
  const size_t slash = base.find_last_of('/');
  if (slash != std::string_view::npos) base.remove_prefix(slash + 1);
  if (StartsWith(base, "quantize_multiplier")) {
    *kind = FileKind::kQuantizeMultiplier;
    return true;
  }
  if (StartsWith(base, "requantize")) {
    *kind = base.find("int64") != std::string_view::npos ? FileKind::kRequantizeInt64
                                                          : FileKind::kRequantize;
    return true;
  }
  return false;
}

class Parser {
 public:
  Parser(const std::string& name, Handler* handler) : name_(name), handler_(handler) {
    kind_known_ = KindFromName(name, &kind_);
  }

  bool Run(lex::LineSource* source) {
    std::string_view line;
    bool terminated = true;
    while (source->Next(&line, &terminated)) {
      ++line_no_;
      if (!terminated) return Fail(line_no_, "the last line does not end with LF");
      if (!Line(line)) return false;
    }
    if (!source->read_error().empty()) return Fail(line_no_ + 1, source->read_error());
    if (line_no_ == 0) return Fail(1, "empty file: line 1 must be exactly 'qkv 1'");
    if (in_case_) {
      return Fail(line_no_, "end of file inside case " + lex::Quote(cases_.id()) +
                                " (started at line " + std::to_string(cases_.start_line()) +
                                "): missing 'end'");
    }
    if (records_ == 0) return Fail(line_no_, "no cases or rows in the file");
    return true;
  }

  const std::string& error() const { return error_; }
  FileKind kind() const { return kind_; }
  long declared_count() const { return declared_count_; }

 private:
  bool Fail(long line, const std::string& message) {
    error_ = name_ + ":" + std::to_string(line) + ": " + message;
    return false;
  }

  bool Line(std::string_view line) {
    std::string what;
    if (line_no_ == 1) {
      if (line != "qkv 1") {
        const bool lexical = lex::CheckLine(line, &what);
        return Fail(1, "line 1 must be exactly 'qkv 1' (the format version), found " +
                           lex::Quote(line) + (lexical ? "" : " with " + what));
      }
      return true;
    }
    if (!lex::CheckLine(line, &what)) return Fail(line_no_, what);
    if (line[0] == '#') {
      Comment(line);
      return true;
    }
    std::string_view key, rest;
    lex::SplitKey(line, &key, &rest);
    if (in_case_) {
      bool done = false;
      if (!cases_.Line(key, rest, line_no_, &done, &what)) {
        return Fail(cases_.error_line(), what);
      }
      if (done) {
        if (!seen_ids_.insert(cases_.id()).second) {
          return Fail(cases_.start_line(), "case: duplicated case id " + lex::Quote(cases_.id()));
        }
        in_case_ = false;
        ++records_;
        handler_->OnCase(std::move(cases_.current()));
      }
      return true;
    }
    if (key == "case") {
      if (!SetKind(FileKind::kCases, "case")) return false;
      if (!cases_.Begin(rest, line_no_, &what)) return Fail(line_no_, what);
      in_case_ = true;
      return true;
    }
    if (key == "row") return Row(rest);
    if (key == "end") return Fail(line_no_, "'end' outside a case block");
    return Fail(line_no_, "unknown key " + lex::Quote(key) + " outside a case block (expected " +
                              "'case' or 'row')");
  }

  void Comment(std::string_view line) {
    if (records_ == 0 && !in_case_ && line.find("int64") != std::string_view::npos) {
      header_mentions_int64_ = true;
    }
    for (std::string_view prefix : {"# cases: ", "# rows: "}) {
      if (declared_count_ < 0 && StartsWith(line, prefix)) {
        std::string_view digits = line.substr(prefix.size());
        digits = digits.substr(0, digits.find(' '));
        int64_t n = 0;
        if (lex::ParseInt64(digits, &n) && n >= 0 && n <= kInt32Max) declared_count_ = long(n);
      }
    }
  }

  bool SetKind(FileKind kind, const char* what) {
    if (!kind_known_) {
      kind_ = kind;
      kind_known_ = true;
      return true;
    }
    if (kind_ == kind) return true;
    return Fail(line_no_, std::string("'") + what + "' line in a file of " +
                              FileKindName(kind_) + " (decided by the file name or its first " +
                              "record)");
  }

  bool Row(std::string_view rest) {
    lex::Tokens tokens(rest);
    const size_t n = tokens.Count();
    if (!kind_known_) {
      FileKind kind = FileKind::kRequantize;
      if (n == 6) kind = FileKind::kQuantizeMultiplier;
      else if (header_mentions_int64_) kind = FileKind::kRequantizeInt64;
      if (!SetKind(kind, "row")) return false;
    }
    if (kind_ == FileKind::kCases) return SetKind(FileKind::kRequantize, "row");
    std::string what;
    const bool ok = kind_ == FileKind::kQuantizeMultiplier ? QuantizeRow(rest, &what)
                                                           : RequantizeRow(rest, &what);
    if (!ok) return Fail(line_no_, what);
    ++records_;
    return true;
  }

  bool RequantizeRow(std::string_view rest, std::string* what) {
    const bool wide = kind_ == FileKind::kRequantizeInt64;
    std::vector<int64_t> v;
    if (!ReadInts("row", rest, 5, " (x multiplier shift expected_double expected_single)",
                  Range{INT64_MIN, INT64_MAX}, "int64", &v, what)) {
      return false;
    }
    const Range x_range = wide ? Range{-(int64_t{1} << 47), (int64_t{1} << 47) - 1}
                               : Range{kInt32Min, kInt32Max};
    if (!InRange("x", v[0], x_range, what) ||
        !Multiplier("multiplier", v[1], what) ||
        !InRange("shift", v[2], Range{-31, wide ? 7 : 30}, what) ||
        !InRange("expected_double", v[3], Range{kInt32Min, kInt32Max}, what) ||
        !InRange("expected_single", v[4], Range{kInt32Min, kInt32Max}, what)) {
      return false;
    }
    qkv::RequantizeRow row;
    row.line = line_no_;
    row.x = v[0];
    row.multiplier = static_cast<int32_t>(v[1]);
    row.shift = static_cast<int32_t>(v[2]);
    row.expected_double = static_cast<int32_t>(v[3]);
    row.expected_single = static_cast<int32_t>(v[4]);
    handler_->OnRequantizeRow(row);
    return true;
  }

  bool QuantizeRow(std::string_view rest, std::string* what) {
    lex::Tokens tokens(rest);
    const size_t n = tokens.Count();
    if (n != 6) {
      *what = "row: expected 6 values (scale_hex scale_decimal multiplier_double shift_double "
              "multiplier_single shift_single), got " + std::to_string(n);
      return false;
    }
    std::string_view hex, dec;
    tokens.Next(&hex);
    tokens.Next(&dec);
    QuantizeMultiplierRow row;
    row.line = line_no_;
    double decimal = 0.0;
    if (!lex::ParseHexDouble(hex, &row.scale)) {
      *what = "row: scale_hex " + lex::Quote(hex) + " is not a finite %a hex double";
      return false;
    }
    if (!lex::ParseDecimalDouble(dec, &decimal)) {
      *what = "row: scale_decimal " + lex::Quote(dec) + " is not a finite decimal double";
      return false;
    }
    if (!(row.scale >= 0.0)) {
      *what = "row: scale_hex " + lex::Quote(hex) + " is negative";
      return false;
    }
    if (decimal != row.scale) {
      *what = "row: scale_decimal " + lex::Quote(dec) + " differs from scale_hex " +
              lex::Quote(hex);
      return false;
    }
    std::vector<int64_t> v;
    const size_t skip = hex.size() + dec.size() + 2;
    if (!ReadInts("row", rest.substr(skip), 4, "", Range{INT64_MIN, INT64_MAX}, "int64", &v,
                  what) ||
        !Multiplier("multiplier_double", v[0], what) ||
        !InRange("shift_double", v[1], Range{-31, 1100}, what) ||
        !Multiplier("multiplier_single", v[2], what) ||
        !InRange("shift_single", v[3], Range{-31, 30}, what)) {
      return false;
    }
    row.multiplier_double = static_cast<int32_t>(v[0]);
    row.shift_double = static_cast<int32_t>(v[1]);
    row.multiplier_single = static_cast<int32_t>(v[2]);
    row.shift_single = static_cast<int32_t>(v[3]);
    handler_->OnQuantizeMultiplierRow(row);
    return true;
  }

  static bool InRange(const char* column, int64_t v, Range r, std::string* what) {
    if (v >= r.lo && v <= r.hi) return true;
    *what = std::string("row: ") + column + " = " + std::to_string(v) + " is out of range " +
            values::RangeText(r);
    return false;
  }

  static bool Multiplier(const char* column, int64_t v, std::string* what) {
    if (v == 0 || (v >= kMultiplierMin && v <= kInt32Max)) return true;
    *what = std::string("row: ") + column + " = " + std::to_string(v) +
            " is neither 0 nor in [2^30, 2^31-1]";
    return false;
  }

  std::string name_;
  Handler* handler_;
  FileKind kind_ = FileKind::kCases;
  bool kind_known_ = false;
  bool header_mentions_int64_ = false;
  long declared_count_ = -1;
  long line_no_ = 0;
  long records_ = 0;
  bool in_case_ = false;
  CaseParser cases_;
  std::set<std::string> seen_ids_;
  std::string error_;
};

class Collector : public Handler {
 public:
  explicit Collector(File* file) : file_(file) {}
  void OnCase(Case&& c) override { file_->cases.push_back(std::move(c)); }
  void OnRequantizeRow(const RequantizeRow& r) override { file_->requantize_rows.push_back(r); }
  void OnQuantizeMultiplierRow(const QuantizeMultiplierRow& r) override {
    file_->quantize_rows.push_back(r);
  }

 private:
  File* file_;
};

bool Finish(const Parser& parser, bool ok, FileKind* kind, long* declared, std::string* error) {
  if (!ok) {
    *error = parser.error();
    return false;
  }
  if (kind) *kind = parser.kind();
  if (declared) *declared = parser.declared_count();
  return true;
}

}  // namespace

bool ParseFileStreaming(const std::string& path, Handler* handler, std::string* error,
                        FileKind* kind_out, long* declared_count) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = path + ":0: cannot open: " + std::strerror(errno);
    return false;
  }
  Parser parser(path, handler);
  bool ok = false;
  {
    lex::FileLineSource source(f);
    ok = parser.Run(&source);
  }
  std::fclose(f);
  return Finish(parser, ok, kind_out, declared_count, error);
}

bool ParseFile(const std::string& path, File* out, std::string* error) {
  *out = File();
  out->name = path;
  Collector collector(out);
  return ParseFileStreaming(path, &collector, error, &out->kind, &out->declared_count);
}

bool ParseBuffer(const char* data, size_t size, const std::string& name, File* out,
                 std::string* error) {
  *out = File();
  out->name = name;
  Collector collector(out);
  Parser parser(name, &collector);
  lex::BufferLineSource source(data, data == nullptr ? 0 : size);
  const bool ok = parser.Run(&source);
  return Finish(parser, ok, &out->kind, &out->declared_count, error);
}

}  // namespace qkv
}  // namespace qk
