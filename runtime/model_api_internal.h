// Internal to the build (not installed): the model API's loader with the runtime's full options,
// for qk-run's --naive-requant comparison, which the public C API deliberately does not offer.
#ifndef QKERNELS_RUNTIME_MODEL_API_INTERNAL_H_
#define QKERNELS_RUNTIME_MODEL_API_INTERNAL_H_

#include <string>

#include "qkernels/model.h"
#include "runtime/interpreter.h"

namespace qk {
namespace rt {

// qk_model_load_file with every InterpreterOptions field (options.isa as qk_model_load_file's isa).
qk_status LoadModelFile(const std::string& path, const InterpreterOptions& options, qk_model** out);

}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_MODEL_API_INTERNAL_H_
