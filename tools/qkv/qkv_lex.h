// Internal to qk_qkv: line sources, the lexical rules of FORMAT.md section 2, and strict number
// parsing. Nothing here allocates in proportion to a value the input claims.
#ifndef QKERNELS_TOOLS_QKV_QKV_LEX_H_
#define QKERNELS_TOOLS_QKV_QKV_LEX_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace qk {
namespace qkv {
namespace lex {

// Yields the lines of a file or buffer without their LF. `terminated` is false for a last line
// that has no LF.
class LineSource {
 public:
  virtual ~LineSource() = default;
  // False at end of input or on a read error (then `read_error()` is non-empty).
  virtual bool Next(std::string_view* line, bool* terminated) = 0;
  virtual std::string read_error() const { return std::string(); }
};

class BufferLineSource : public LineSource {
 public:
  BufferLineSource(const char* data, size_t size) : data_(data), size_(size) {}
  bool Next(std::string_view* line, bool* terminated) override;

 private:
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Reads with getline(3): holds one line at a time.
class FileLineSource : public LineSource {
 public:
  explicit FileLineSource(std::FILE* file) : file_(file) {}
  ~FileLineSource() override;
  bool Next(std::string_view* line, bool* terminated) override;
  std::string read_error() const override { return error_; }

 private:
  std::FILE* file_;
  char* buffer_ = nullptr;
  size_t capacity_ = 0;
  std::string error_;
};

// Checks a non-comment line: printable ASCII only, single spaces between tokens, no leading or
// trailing space, not empty. Comments: no CR, tab or other control character. On failure sets
// `*what` and returns false.
bool CheckLine(std::string_view line, std::string* what);

// Splits off the first token (the key). `rest` gets what follows the separating space ("" if
// none).
void SplitKey(std::string_view line, std::string_view* key, std::string_view* rest);

// Iterates over the space-separated tokens of an already checked line.
class Tokens {
 public:
  explicit Tokens(std::string_view text) : text_(text) {}
  size_t Count() const;
  bool Next(std::string_view* token);

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// Plain decimal integer with an optional leading '-'.
bool ParseInt64(std::string_view token, int64_t* value);
// The three number parsers give the round-to-nearest value whatever the calling thread's
// rounding mode (they convert under FE_TONEAREST and restore the caller's mode).
// A decimal float32 (what %.9g prints), via strtof; rejects nan/inf/hex and overflow to inf.
bool ParseFloat32(std::string_view token, float* value);
// A C99 %a hex double ("0x1.8p-3"), via strtod.
bool ParseHexDouble(std::string_view token, double* value);
// A decimal double (what %.17g prints), via strtod.
bool ParseDecimalDouble(std::string_view token, double* value);

// Quotes a token for a message, shortened if long.
std::string Quote(std::string_view token);

}  // namespace lex
}  // namespace qkv
}  // namespace qk

#endif  // QKERNELS_TOOLS_QKV_QKV_LEX_H_
