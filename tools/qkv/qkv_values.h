// Internal to qk_qkv: typed value-list reading with counts and ranges, and shape helpers.
#ifndef QKERNELS_TOOLS_QKV_QKV_VALUES_H_
#define QKERNELS_TOOLS_QKV_QKV_VALUES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "qkv/qkv.h"
#include "qkv/qkv_lex.h"

namespace qk {
namespace qkv {
namespace values {

struct Range {
  int64_t lo, hi;
};

constexpr int64_t kInt32Min = -(int64_t{1} << 31);
constexpr int64_t kInt32Max = (int64_t{1} << 31) - 1;
constexpr int64_t kMultiplierMin = int64_t{1} << 30;  // nonzero multipliers are in [2^30, 2^31-1]

inline Range ActivationRange(ActivationType t) {
  switch (t) {
    case ActivationType::kUInt8: return {0, 255};
    case ActivationType::kInt16: return {-32768, 32767};
    default: return {-128, 127};
  }
}

inline std::string RangeText(Range r) {
  return "[" + std::to_string(r.lo) + ", " + std::to_string(r.hi) + "]";
}

inline std::string ShapeText(const std::vector<int>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

// Product of the dimensions, or -1 if it exceeds kMaxElements (dims are <= kMaxDim, so each step
// stays far below int64 overflow).
inline int64_t Elements(const std::vector<int>& shape) {
  int64_t n = 1;
  for (int d : shape) {
    n *= d;
    if (n > kMaxElements) return -1;
  }
  return n;
}

// Reads exactly `count` integers (count < 0: any number) in `range` into `out`; the count is
// checked before anything is allocated. `why` explains the expected count in the message.
template <typename T>
bool ReadInts(const char* field, std::string_view text, int64_t count, const std::string& why,
              Range range, const char* type, std::vector<T>* out, std::string* error) {
  lex::Tokens tokens(text);
  const size_t n = tokens.Count();
  if (count >= 0 && n != static_cast<size_t>(count)) {
    *error = std::string(field) + ": expected " + std::to_string(count) + " value" +
             (count == 1 ? "" : "s") + why + ", got " + std::to_string(n);
    return false;
  }
  out->clear();
  out->reserve(n);
  std::string_view token;
  for (size_t i = 0; tokens.Next(&token); ++i) {
    int64_t v = 0;
    if (!lex::ParseInt64(token, &v)) {
      *error = std::string(field) + ": value[" + std::to_string(i) + "] " + lex::Quote(token) +
               " is not a decimal integer";
      return false;
    }
    if (v < range.lo || v > range.hi) {
      *error = std::string(field) + ": value[" + std::to_string(i) + "] = " + std::to_string(v) +
               " is out of range " + RangeText(range) + " for " + type;
      return false;
    }
    out->push_back(static_cast<T>(v));
  }
  return true;
}

// Reads one integer in `range`.
inline bool ReadInt(const char* field, std::string_view text, Range range, const char* type,
                    int64_t* value, std::string* error) {
  std::vector<int64_t> v;
  if (!ReadInts(field, text, 1, "", range, type, &v, error)) return false;
  *value = v[0];
  return true;
}

}  // namespace values
}  // namespace qkv
}  // namespace qk

#endif  // QKERNELS_TOOLS_QKV_QKV_VALUES_H_
