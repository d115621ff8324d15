// qk-fuzz-tflite: the .tflite reader (runtime/) on arbitrary bytes. It must refuse with a message
// or return a model; an accepted model then goes through Interpreter::Create (operator and tensor
// checks, weight packing) and, when its activations are small, one Invoke on zero inputs. No
// crash, leak or sanitizer report is acceptable at any step.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "runtime/interpreter.h"
#include "runtime/tflite_reader.h"

namespace {

void RequireMessage(const std::string& error, const char* step) {
  if (error.empty()) {
    std::fprintf(stderr, "qk-fuzz-tflite: %s failed without a message\n", step);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qk::rt;
  Model model;
  std::string error;
  if (!ReadModel(data, size, &model, &error)) {
    RequireMessage(error, "ReadModel");
    return 0;
  }
  std::unique_ptr<Interpreter> interpreter;
  if (!Interpreter::Create(std::move(model), InterpreterOptions(), &interpreter, &error)) {
    RequireMessage(error, "Interpreter::Create");
    return 0;
  }
  if (interpreter->arena_bytes() > (size_t{1} << 20)) return 0;
  for (size_t i = 0; i < interpreter->num_inputs(); ++i) {
    std::memset(interpreter->input_data(i), 0, interpreter->input_tensor(i).bytes());
  }
  if (!interpreter->Invoke(&error)) RequireMessage(error, "Invoke");
  return 0;
}
