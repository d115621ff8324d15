// Internal to qk_qkv: the state machine that reads one case block (FORMAT.md section 3), checking
// key order and every field against the ones before it.
#ifndef QKERNELS_TOOLS_QKV_QKV_CASE_H_
#define QKERNELS_TOOLS_QKV_QKV_CASE_H_

#include <string>
#include <string_view>

#include "qkv/qkv.h"

namespace qk {
namespace qkv {

class CaseParser {
 public:
  // The keys of a case block, in their required order.
  enum Key {
    kCase, kOp, kActivationType, kRounding, kInputShape, kFilterShape, kOutputShape, kStride,
    kDilation, kPadding, kPad, kDepthMultiplier, kInputZeroPoint, kFilterZeroPoint,
    kOutputZeroPoint, kInputScale, kFilterScale, kOutputScale, kOutputMultiplier, kOutputShift,
    kActivationMin, kActivationMax, kInput, kFilter, kBias, kOutput, kEnd, kNumKeys
  };
  static const char* KeyName(int key);

  // Starts a case from the values of its `case <id>` line.
  bool Begin(std::string_view values, long line, std::string* error);
  // One `key values...` line inside the case. Sets *done when `end` has completed the case.
  // On failure sets *error (the message) and error_line().
  bool Line(std::string_view key, std::string_view values, long line, bool* done,
            std::string* error);

  // The line an error refers to (usually the current line; an earlier key's line when a later
  // key shows that the earlier value is inconsistent).
  long error_line() const { return error_line_; }
  Case& current() { return case_; }
  const std::string& id() const { return case_.id; }
  long start_line() const { return case_.line; }

 private:
  bool Applies(int key) const;
  bool Handle(int key, std::string_view values);
  bool HandleShapes(int key, std::string_view values);
  bool HandleGeometry(int key, std::string_view values);
  bool HandleQuantization(int key, std::string_view values);
  bool HandleData(int key, std::string_view values);
  bool CheckOutputGeometry();
  bool Fail(const std::string& message);
  bool Failed();  // *error_ already set
  bool FailAt(int key, const std::string& message);

  Case case_;
  int next_ = kOp;
  long key_line_[kNumKeys] = {};
  long line_ = 0;
  long error_line_ = 0;
  int64_t out_h_ = 0, out_w_ = 0;  // output size computed from the geometry
  std::string* error_ = nullptr;
};

}  // namespace qkv
}  // namespace qk

#endif  // QKERNELS_TOOLS_QKV_QKV_CASE_H_
