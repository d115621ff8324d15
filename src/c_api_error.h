// The C API's last-error message (qk_last_error()), one per thread, shared by every C entry point
// of the library and of the model runner (runtime/model_api.cc).
#ifndef QKERNELS_SRC_C_API_ERROR_H_
#define QKERNELS_SRC_C_API_ERROR_H_

#include <string>

namespace qk {
namespace internal {

// This thread's message: set it before returning an error, clear it on success.
std::string& CApiLastError();

}  // namespace internal
}  // namespace qk

#endif  // QKERNELS_SRC_C_API_ERROR_H_
