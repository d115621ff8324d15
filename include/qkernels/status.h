// qkernels: status values returned by every public entry point.
#ifndef QKERNELS_STATUS_H_
#define QKERNELS_STATUS_H_

#include <string>
#include <utility>

namespace qk {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument = 1,  // a parameter is out of its documented range; message names it
  kUnsupported = 2,      // valid, but not implemented (e.g. an op/type pair we lack)
  kIsaUnavailable = 3,   // the requested ISA is not compiled in or this CPU lacks it
  kOutOfMemory = 4,      // packing could not allocate
  kBufferTooSmall = 5,   // the caller's workspace is smaller than the reported size
};

// A status code and, when not ok, a message naming the offending field.
class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

const char* StatusCodeName(StatusCode code);

}  // namespace qk

#endif  // QKERNELS_STATUS_H_
