// qkv: a strict reader for the `qkv 1` conformance-vector format (../shared/conformance/FORMAT.md).
//
// Case files (conv2d / depthwise_conv2d / fully_connected cases) and the three row files
// (requantize.qkv, requantize_int64.qkv, quantize_multiplier.qkv) are parsed into typed records.
// Every lexical, structural and consistency rule of FORMAT.md is checked; the first violation is
// reported as `file:line: field: what is wrong` and parsing stops. Any input, however broken, gives
// either a File or such an error: no crash, no undefined behaviour, no allocation driven by a
// claimed size (value lines are counted before anything is reserved).
#ifndef QKERNELS_TOOLS_QKV_QKV_H_
#define QKERNELS_TOOLS_QKV_QKV_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qk {
namespace qkv {

enum class Op { kConv2D, kDepthwiseConv2D, kFullyConnected };
enum class ActivationType { kInt8, kUInt8, kInt16 };
enum class RoundingMode { kDouble, kSingle };
enum class PaddingType { kNone, kSame, kValid };  // kNone: fully_connected
enum class FileKind { kCases, kRequantize, kRequantizeInt64, kQuantizeMultiplier };

const char* OpName(Op op);
const char* ActivationTypeName(ActivationType type);
const char* FileKindName(FileKind kind);

// Largest accepted dimension / stride / dilation, and largest element count of one tensor.
constexpr int64_t kMaxDim = int64_t{1} << 24;
constexpr int64_t kMaxElements = int64_t{1} << 26;

// One case block. Shapes are as in the file (conv/dw: NHWC, OHWI or 1,KH,KW,C*M; fc: B,D / O,D).
struct Case {
  std::string id;
  long line = 0;  // line of `case <id>`
  Op op = Op::kConv2D;
  ActivationType activation_type = ActivationType::kInt8;
  RoundingMode rounding = RoundingMode::kDouble;
  std::vector<int> input_shape, filter_shape, output_shape;
  int stride_h = 1, stride_w = 1;      // conv/dw only
  int dilation_h = 1, dilation_w = 1;  // conv/dw only
  PaddingType padding = PaddingType::kNone;
  int pad_h = 0, pad_w = 0;            // top / left padding (TFLite's padding_values)
  int depth_multiplier = 1;            // depthwise only
  int groups = 1;                      // conv2d: input channels / filter input channels (derived)
  int32_t input_zero_point = 0, filter_zero_point = 0, output_zero_point = 0;
  float input_scale = 0.0f;
  std::vector<float> filter_scale;  // 1 (per-tensor) or output-channel values
  float output_scale = 0.0f;
  std::vector<int32_t> output_multiplier, output_shift;  // same count as filter_scale
  int32_t activation_min = 0, activation_max = 0;
  std::vector<int32_t> input;   // int8 / uint8 / int16 values
  std::vector<int32_t> filter;  // int8 or uint8 values
  std::vector<int64_t> bias;    // empty: no bias; else output-channel values (int32, int64 for int16)
  std::vector<int32_t> output;  // expected output

  int OutputChannels() const { return output_shape.empty() ? 0 : output_shape.back(); }
};

// requantize.qkv / requantize_int64.qkv: `row x multiplier shift expected_double expected_single`.
struct RequantizeRow {
  long line = 0;
  int64_t x = 0;  // int32 range in requantize.qkv, [-2^47, 2^47) in requantize_int64.qkv
  int32_t multiplier = 0;
  int32_t shift = 0;
  int32_t expected_double = 0, expected_single = 0;
};

// quantize_multiplier.qkv:
// `row scale_hex scale_decimal multiplier_double shift_double multiplier_single shift_single`.
struct QuantizeMultiplierRow {
  long line = 0;
  double scale = 0.0;
  int32_t multiplier_double = 0, shift_double = 0;
  int32_t multiplier_single = 0, shift_single = 0;
};

struct File {
  std::string name;  // as given to the parser (used in messages)
  FileKind kind = FileKind::kCases;
  long declared_count = -1;  // from a `# cases: N` / `# rows: N` comment, -1 when absent
  std::vector<Case> cases;
  std::vector<RequantizeRow> requantize_rows;           // kRequantize, kRequantizeInt64
  std::vector<QuantizeMultiplierRow> quantize_rows;     // kQuantizeMultiplier
  // Number of cases or rows.
  size_t count() const { return cases.size() + requantize_rows.size() + quantize_rows.size(); }
};

// Receives records as they are parsed (streaming); the records are complete and valid.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void OnCase(Case&& c) = 0;
  virtual void OnRequantizeRow(const RequantizeRow& row) = 0;
  virtual void OnQuantizeMultiplierRow(const QuantizeMultiplierRow& row) = 0;
};

// Parses a file, line by line (only the current case is held), into `handler`. `kind_out`, when
// not null, receives the file kind and `declared_count` the `# cases:`/`# rows:` comment value.
// On failure returns false and sets `*error` to "file:line: message".
// The file kind: a file whose name (without directories) starts with `quantize_multiplier` holds
// quantize_multiplier rows, `requantize...int64...` int64 requantize rows, `requantize...` int32
// rows; any other name is decided by the content (`case` blocks, or rows with 6 values =
// quantize_multiplier, rows with 5 values = requantize, int64 when a header comment says int64).
bool ParseFileStreaming(const std::string& path, Handler* handler, std::string* error,
                        FileKind* kind_out = nullptr, long* declared_count = nullptr);

// Whole-file conveniences.
bool ParseFile(const std::string& path, File* out, std::string* error);
// `name` is used in messages and for the file kind (as above).
bool ParseBuffer(const char* data, size_t size, const std::string& name, File* out,
                 std::string* error);

}  // namespace qkv
}  // namespace qk

#endif  // QKERNELS_TOOLS_QKV_QKV_H_
