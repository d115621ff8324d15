// qkernels runtime: the .tflite reader. Turns the bytes of a TFLite flatbuffer into a Model, or
// refuses them with a message (never crashes, whatever the bytes: every offset, vector and index is
// bounds-checked before use; fuzzed under ASan/UBSan by qk-fuzz-tflite).
#ifndef QKERNELS_RUNTIME_TFLITE_READER_H_
#define QKERNELS_RUNTIME_TFLITE_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/model.h"

namespace qk {
namespace rt {

// Reads a .tflite model from `size` bytes at `data`. On success fills *out and returns true; on
// failure returns false and sets *error to a one-line reason (what is wrong and where, e.g.
// "tensor 12: buffer index 400 out of range (98 buffers)"). The reader checks the structure
// (flatbuffer verifier, file identifier, indices, buffer sizes against shapes and types,
// quantization parameter counts); whether the runtime supports the operators and types is checked
// later by Interpreter::Create. `data` need not stay alive after the call.
bool ReadModel(const uint8_t* data, size_t size, Model* out, std::string* error);

// Reads the file at `path` and calls ReadModel; the error is prefixed with the path.
bool ReadModelFile(const std::string& path, Model* out, std::string* error);

}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_TFLITE_READER_H_
