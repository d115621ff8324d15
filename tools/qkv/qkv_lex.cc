#include "qkv/qkv_lex.h"

#include <cerrno>
#include <cfenv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace qk {
namespace qkv {
namespace lex {

bool BufferLineSource::Next(std::string_view* line, bool* terminated) {
  if (pos_ >= size_) return false;
  const char* start = data_ + pos_;
  const void* nl = std::memchr(start, '\n', size_ - pos_);
  if (nl == nullptr) {
    *line = std::string_view(start, size_ - pos_);
    *terminated = false;
    pos_ = size_;
  } else {
    const size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
    *line = std::string_view(start, len);
    *terminated = true;
    pos_ += len + 1;
  }
  return true;
}

FileLineSource::~FileLineSource() { std::free(buffer_); }

bool FileLineSource::Next(std::string_view* line, bool* terminated) {
  errno = 0;
  const ssize_t n = getline(&buffer_, &capacity_, file_);
  if (n < 0) {
    if (std::ferror(file_)) error_ = std::string("read error: ") + std::strerror(errno);
    return false;
  }
  size_t len = static_cast<size_t>(n);
  *terminated = len > 0 && buffer_[len - 1] == '\n';
  if (*terminated) --len;
  *line = std::string_view(buffer_, len);
  return true;
}

namespace {

std::string DescribeChar(unsigned char c) {
  switch (c) {
    case '\r': return "a CR character (lines must end with LF only)";
    case '\t': return "a tab character";
    case '\0': return "a NUL byte";
    default: break;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "the byte 0x%02X (only printable ASCII is allowed)", c);
  return buf;
}

}  // namespace

bool CheckLine(std::string_view line, std::string* what) {
  if (line.empty()) {
    *what = "empty line";
    return false;
  }
  const bool comment = line[0] == '#';
  for (size_t i = 0; i < line.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    const bool bad = comment ? (c < 0x20 || c == 0x7F) : (c < 0x20 || c >= 0x7F);
    if (bad) {
      *what = "column " + std::to_string(i + 1) + ": " + DescribeChar(c);
      return false;
    }
  }
  if (comment) return true;
  if (line.front() == ' ') {
    *what = "leading space";
    return false;
  }
  if (line.back() == ' ') {
    *what = "trailing space";
    return false;
  }
  const size_t dbl = line.find("  ");
  if (dbl != std::string_view::npos) {
    *what = "column " + std::to_string(dbl + 2) + ": more than one space between tokens";
    return false;
  }
  return true;
}

void SplitKey(std::string_view line, std::string_view* key, std::string_view* rest) {
  const size_t sp = line.find(' ');
  if (sp == std::string_view::npos) {
    *key = line;
    *rest = std::string_view();
  } else {
    *key = line.substr(0, sp);
    *rest = line.substr(sp + 1);
  }
}

size_t Tokens::Count() const {
  if (text_.empty()) return 0;
  size_t n = 1;
  for (char c : text_) n += c == ' ';
  return n;
}

bool Tokens::Next(std::string_view* token) {
  if (pos_ >= text_.size()) return false;
  const size_t sp = text_.find(' ', pos_);
  const size_t end = sp == std::string_view::npos ? text_.size() : sp;
  *token = text_.substr(pos_, end - pos_);
  pos_ = end + 1;
  return true;
}

bool ParseInt64(std::string_view token, int64_t* value) {
  size_t i = 0;
  const bool negative = !token.empty() && token[0] == '-';
  if (negative) i = 1;
  if (i >= token.size()) return false;
  // Accumulate the magnitude in uint64 with an exact bound: 2^63 for negatives, 2^63-1 else.
  const uint64_t limit = negative ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  uint64_t magnitude = 0;
  for (; i < token.size(); ++i) {
    const char c = token[i];
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (limit - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  if (negative) {
    // -(2^63) has no positive int64 counterpart: build it without overflow.
    *value = magnitude == (uint64_t{1} << 63) ? INT64_MIN : -static_cast<int64_t>(magnitude);
  } else {
    *value = static_cast<int64_t>(magnitude);
  }
  return true;
}

namespace {

// Copies a short token into a NUL-terminated buffer for strtof/strtod; false if it is too long to
// be a number we accept.
bool ToCString(std::string_view token, char (&buf)[64]) {
  if (token.empty() || token.size() >= sizeof buf) return false;
  std::memcpy(buf, token.data(), token.size());
  buf[token.size()] = '\0';
  return true;
}

// strtof/strtod round the decimal value in the thread's current rounding mode (C11 7.22.1.3);
// the files' scales are the values a round-to-nearest conversion gives (TFLite's, printed with
// %.9g / %.17g), so the conversions run under FE_TONEAREST and the caller's mode is restored.
class NearestRounding {
 public:
  NearestRounding() : saved_(std::fegetround()) {
    if (saved_ != FE_TONEAREST) std::fesetround(FE_TONEAREST);
  }
  ~NearestRounding() {
    if (saved_ != FE_TONEAREST && saved_ >= 0) std::fesetround(saved_);
  }
  NearestRounding(const NearestRounding&) = delete;
  NearestRounding& operator=(const NearestRounding&) = delete;

 private:
  int saved_;
};

bool AllOf(std::string_view token, const char* allowed) {
  for (char c : token) {
    if (std::strchr(allowed, c) == nullptr || c == '\0') return false;
  }
  return true;
}

}  // namespace

bool ParseFloat32(std::string_view token, float* value) {
  char buf[64];
  if (!AllOf(token, "0123456789.eE+-") || !ToCString(token, buf)) return false;
  char* end = nullptr;
  errno = 0;
  NearestRounding nearest;
  const float v = std::strtof(buf, &end);
  if (end != buf + token.size() || !std::isfinite(v)) return false;
  *value = v;
  return true;
}

bool ParseHexDouble(std::string_view token, double* value) {
  char buf[64];
  std::string_view body = token;
  if (!body.empty() && body[0] == '-') body.remove_prefix(1);
  if (body.size() < 3 || body[0] != '0' || (body[1] != 'x' && body[1] != 'X')) return false;
  if (!AllOf(body.substr(2), "0123456789abcdefABCDEF.pP+-") || !ToCString(token, buf)) return false;
  char* end = nullptr;
  NearestRounding nearest;
  const double v = std::strtod(buf, &end);
  if (end != buf + token.size() || !std::isfinite(v)) return false;
  *value = v;
  return true;
}

bool ParseDecimalDouble(std::string_view token, double* value) {
  char buf[64];
  if (!AllOf(token, "0123456789.eE+-") || !ToCString(token, buf)) return false;
  char* end = nullptr;
  NearestRounding nearest;
  const double v = std::strtod(buf, &end);
  if (end != buf + token.size() || !std::isfinite(v)) return false;
  *value = v;
  return true;
}

std::string Quote(std::string_view token) {
  std::string out = "'";
  if (token.size() > 40) {
    out.append(token.substr(0, 37));
    out += "...";
  } else {
    out.append(token);
  }
  out += "'";
  return out;
}

}  // namespace lex
}  // namespace qkv
}  // namespace qk
