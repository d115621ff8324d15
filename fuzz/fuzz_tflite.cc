// qk-fuzz-tflite: the model API (qkernels/model.h) on arbitrary bytes, the way a user calls it.
// qk_model_load_buffer must refuse with a message or return a model (the reader, then the
// operator and tensor checks and the weight packing); an accepted model, when its activations are
// small, then runs once on zero inputs through the observer, reading every intermediate tensor,
// and its outputs are read back. No crash, leak or sanitizer report is acceptable at any step.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "qkernels/model.h"

namespace {

// A step that may refuse, but only with a message.
void RequireMessage(qk_status s, const char* step) {
  if (s != QK_OK && qk_last_error()[0] == '\0') {
    std::fprintf(stderr, "qk-fuzz-tflite: %s failed without a message\n", step);
    std::abort();
  }
}

// A step that cannot fail on a model that loaded (valid index, exact byte count).
void RequireOk(qk_status s, const char* step) {
  if (s != QK_OK) {
    std::fprintf(stderr, "qk-fuzz-tflite: %s failed: %s\n", step, qk_last_error());
    std::abort();
  }
}

void ReadOpOutputs(void* user_data, int op_index, qk_op_event event) {
  if (event != QK_OP_END) return;
  qk_model* model = static_cast<qk_model*>(user_data);
  qk_op_info op;
  RequireOk(qk_model_op_info(model, op_index, &op), "qk_model_op_info");
  for (int k = 0; k < op.num_outputs; ++k) {
    qk_tensor_info t;
    const qk_status s = qk_model_op_output_info(model, op_index, k, &t);
    RequireMessage(s, "qk_model_op_output_info");  // refused above QK_MODEL_MAX_DIMS dimensions
    if (s != QK_OK) continue;
    std::vector<unsigned char> data(t.bytes);
    RequireOk(qk_model_get_op_output(model, op_index, k, data.data(), data.size()),
              "qk_model_get_op_output in the QK_OP_END observer call");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qk_model* model = nullptr;
  const qk_status loaded = qk_model_load_buffer(data, size, QK_ISA_AUTO, &model);
  RequireMessage(loaded, "qk_model_load_buffer");
  if (loaded != QK_OK) return 0;
  if (qk_model_arena_bytes(model) <= (size_t{1} << 20)) {
    for (int i = 0; i < qk_model_num_inputs(model); ++i) {
      qk_tensor_info t;
      RequireOk(qk_model_input_info(model, i, &t), "qk_model_input_info");
      std::vector<unsigned char> zeros(t.bytes);
      RequireOk(qk_model_set_input(model, i, zeros.data(), zeros.size()), "qk_model_set_input");
    }
    const qk_status ran = qk_model_invoke_observed(model, ReadOpOutputs, model);
    RequireMessage(ran, "qk_model_invoke_observed");
    for (int i = 0; i < qk_model_num_outputs(model) && ran == QK_OK; ++i) {
      qk_tensor_info t;
      RequireOk(qk_model_output_info(model, i, &t), "qk_model_output_info");
      std::vector<unsigned char> out(t.bytes);
      RequireOk(qk_model_get_output(model, i, out.data(), out.size()), "qk_model_get_output");
    }
  }
  qk_model_free(model);
  return 0;
}
