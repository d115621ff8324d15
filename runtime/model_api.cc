// The model runner's C API (qkernels/model.h) over the runtime's reader and Interpreter. Errors go
// to the C API's thread-local message (qk_last_error()); no exception leaves a C entry point.
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "qkernels/isa.h"
#include "qkernels/model.h"
#include "runtime/interpreter.h"
#include "runtime/model_api_internal.h"
#include "runtime/tflite_reader.h"
#include "src/c_api_error.h"

struct qk_model {
  std::unique_ptr<qk::rt::Interpreter> interp;
  qk_isa isa = QK_ISA_SCALAR;
  bool outputs_valid = false;  // a successful invoke has run (and no failed one since)
  bool invoking = false;       // inside qk_model_invoke*: observers may only query
  int finished_op = -1;        // the operator whose QK_OP_END observer call is running
};

namespace {

using qk::rt::Interpreter;
using qk::rt::Tensor;
using qk::rt::TensorType;

qk_status Fail(qk_status code, const std::string& message) {
  qk::internal::CApiLastError() = message;
  return code;
}

qk_status Ok() {
  qk::internal::CApiLastError().clear();
  return QK_OK;
}

qk_status Null(const char* function, const char* what) {
  return Fail(QK_INVALID_ARGUMENT, std::string(function) + ": " + what + " is a null pointer");
}

qk_status FromStatus(const qk::Status& s) {
  return s.ok() ? Ok() : Fail(static_cast<qk_status>(s.code()), s.message());
}

// Runs `body` (returning qk_status), turning an allocation failure or any other exception from
// the C++ runtime into an error code: nothing may unwind through a C caller.
template <typename Body>
qk_status Guarded(const char* function, Body body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(QK_OUT_OF_MEMORY, std::string(function) + ": out of memory");
  } catch (const std::exception& e) {
    return Fail(QK_UNSUPPORTED, std::string(function) + ": " + e.what());
  }
}

qk_tensor_type ToCType(TensorType t) {
  switch (t) {
    case TensorType::kFloat32:
      return QK_TENSOR_FLOAT32;
    case TensorType::kFloat16:
      return QK_TENSOR_FLOAT16;
    case TensorType::kInt32:
      return QK_TENSOR_INT32;
    case TensorType::kUInt8:
      return QK_TENSOR_UINT8;
    case TensorType::kInt64:
      return QK_TENSOR_INT64;
    case TensorType::kBool:
      return QK_TENSOR_BOOL;
    case TensorType::kInt16:
      return QK_TENSOR_INT16;
    case TensorType::kInt8:
      return QK_TENSOR_INT8;
    case TensorType::kString:
      break;
  }
  return static_cast<qk_tensor_type>(0);
}

// A tensor qk_tensor_info can describe: a type the runtime stores, at most QK_MODEL_MAX_DIMS dims.
bool Describable(const Tensor& t) {
  return ToCType(t.type) != 0 && t.shape.size() <= QK_MODEL_MAX_DIMS;
}

void Describe(const Tensor& t, int index, qk_tensor_info* info) {
  *info = qk_tensor_info{};
  info->name = t.name.c_str();
  info->index = index;
  info->type = ToCType(t.type);
  info->num_dims = int(t.shape.size());
  for (size_t d = 0; d < t.shape.size(); ++d) info->dims[d] = t.shape[d];
  info->bytes = t.bytes();
  info->scale = t.scale();
  info->zero_point = t.zero_point();
}

// The ISA to pack for. An explicit one must run here; QK_ISA_AUTO is the dispatcher's default, and
// is refused when QK_ISA holds an unusable value (as every Pack* call with Isa::kAuto is).
qk_status ResolveIsa(qk::Isa wanted, qk::Isa* isa) {
  if (wanted == qk::Isa::kAuto) {
    const qk::Status s = qk::DefaultIsaStatus();
    if (!s.ok()) return FromStatus(s);
    *isa = qk::DefaultIsa();
    return QK_OK;
  }
  if (!qk::IsaSupported(wanted)) {
    const char* name = qk::IsaName(wanted);
    const std::string what = std::strcmp(name, "unknown") == 0
                                 ? std::to_string(int(wanted)) + " is not a qk_isa value"
                                 : std::string("'") + name + "' is not " +
                                       (qk::IsaCompiledIn(wanted) ? "supported by this CPU"
                                                                  : "compiled into this build");
    return Fail(QK_ISA_UNAVAILABLE, "isa: " + what);
  }
  *isa = wanted;
  return QK_OK;
}

// Turns a read model into a qk_model: builds the interpreter for options.isa (already resolved,
// never kAuto), checks that every input and output can be described. `what` prefixes the
// messages (the path, or "model").
qk_status Prepare(qk::rt::Model model, const qk::rt::InterpreterOptions& options,
                  const std::string& what, qk_model** out) {
  std::unique_ptr<qk_model> m(new qk_model);
  std::string error;
  if (!Interpreter::Create(std::move(model), options, &m->interp, &error)) {
    return Fail(QK_UNSUPPORTED, what + ": " + error);
  }
  const qk::rt::Model& mm = m->interp->model();
  for (int io = 0; io < 2; ++io) {
    const std::vector<int>& list = io == 0 ? mm.inputs : mm.outputs;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!Describable(mm.tensors[list[i]])) {
        return Fail(QK_UNSUPPORTED, what + ": " + (io == 0 ? "input " : "output ") +
                                        std::to_string(i) + " (tensor " + std::to_string(list[i]) +
                                        ") has a type or more than " +
                                        std::to_string(QK_MODEL_MAX_DIMS) +
                                        " dimensions that qk_tensor_info cannot describe");
      }
    }
  }
  m->isa = static_cast<qk_isa>(static_cast<int>(options.isa));
  *out = m.release();
  return Ok();
}

qk::Isa FromCIsa(const qk_isa& isa) {
  int raw;  // a C caller may store any int in the enum: read it as an int (see src/c_api.cc)
  std::memcpy(&raw, &isa, sizeof raw);
  return static_cast<qk::Isa>(raw);
}

// Checks model and index for the input/output functions; fills *tensor.
qk_status IoTensor(const qk_model* model, int index, bool input, const char* function,
                   int* tensor) {
  if (model == nullptr) return Null(function, "model");
  const qk::rt::Model& m = model->interp->model();
  const std::vector<int>& list = input ? m.inputs : m.outputs;
  if (index < 0 || size_t(index) >= list.size()) {
    return Fail(QK_INVALID_ARGUMENT, std::string(function) + ": index " + std::to_string(index) +
                                         " out of range (the model has " +
                                         std::to_string(list.size()) +
                                         (input ? " inputs)" : " outputs)"));
  }
  *tensor = list[size_t(index)];
  return QK_OK;
}

// Checks a caller's buffer against the tensor's size.
qk_status CheckBuffer(const char* function, const std::string& which, const Tensor& t,
                      const void* data, size_t bytes) {
  if (bytes != t.bytes()) {
    return Fail(QK_INVALID_ARGUMENT, std::string(function) + ": " + which + " ('" + t.name + "', " +
                                         qk::rt::TensorTypeName(t.type) + ") has " +
                                         std::to_string(t.bytes()) + " bytes, got " +
                                         std::to_string(bytes));
  }
  if (data == nullptr && bytes > 0) return Null(function, "data");
  return QK_OK;
}

qk_status CheckOpIndex(const qk_model* model, int op_index, const char* function) {
  if (model == nullptr) return Null(function, "model");
  const size_t count = model->interp->model().operators.size();
  if (op_index < 0 || size_t(op_index) >= count) {
    return Fail(QK_INVALID_ARGUMENT,
                std::string(function) + ": operator " + std::to_string(op_index) +
                    " out of range (the model has " + std::to_string(count) + " operators)");
  }
  return QK_OK;
}

// The tensor index of an operator's k-th output (or input, with `inputs`).
qk_status OpTensor(const qk_model* model, int op_index, int k, const char* function, int* tensor,
                   bool inputs = false) {
  const qk_status s = CheckOpIndex(model, op_index, function);
  if (s != QK_OK) return s;
  const qk::rt::Operator& op = model->interp->model().operators[size_t(op_index)];
  const std::vector<int>& list = inputs ? op.inputs : op.outputs;
  const std::string what = inputs ? "input" : "output";
  if (k < 0 || size_t(k) >= list.size()) {
    return Fail(QK_INVALID_ARGUMENT, std::string(function) + ": " + what + " " +
                                         std::to_string(k) + " out of range (operator " +
                                         std::to_string(op_index) + " has " +
                                         std::to_string(list.size()) + " " + what + "s)");
  }
  *tensor = list[size_t(k)];
  return QK_OK;
}

qk_status OpOutputTensor(const qk_model* model, int op_index, int k, const char* function,
                         int* tensor) {
  return OpTensor(model, op_index, k, function, tensor);
}

// Fills *info with tensor t (checked describable).
qk_status DescribeTensor(const qk_model* model, int t, const char* fn, qk_tensor_info* info) {
  if (info == nullptr) return Null(fn, "info");
  const Tensor& tensor = model->interp->model().tensors[size_t(t)];
  if (!Describable(tensor)) {
    return Fail(QK_UNSUPPORTED, std::string(fn) + ": tensor " + std::to_string(t) +
                                    " has more than " + std::to_string(QK_MODEL_MAX_DIMS) +
                                    " dimensions");
  }
  Describe(tensor, t, info);
  return Ok();
}

}  // namespace

namespace qk {
namespace rt {

qk_status LoadModelFile(const std::string& path, const InterpreterOptions& options,
                        qk_model** out) {
  if (out == nullptr) return Null("qk_model_load_file", "out");
  *out = nullptr;
  InterpreterOptions resolved = options;
  const qk_status s = ResolveIsa(options.isa, &resolved.isa);
  if (s != QK_OK) return s;
  return Guarded("qk_model_load_file", [&]() {
    Model model;
    std::string error;
    if (!ReadModelFile(path, &model, &error)) return Fail(QK_INVALID_ARGUMENT, error);
    return Prepare(std::move(model), resolved, path, out);
  });
}

}  // namespace rt
}  // namespace qk

extern "C" {

const char* qk_tensor_type_name(qk_tensor_type type) {
  int raw;
  std::memcpy(&raw, &type, sizeof raw);
  switch (raw) {
    case QK_TENSOR_FLOAT32:
      return "float32";
    case QK_TENSOR_INT32:
      return "int32";
    case QK_TENSOR_UINT8:
      return "uint8";
    case QK_TENSOR_INT64:
      return "int64";
    case QK_TENSOR_BOOL:
      return "bool";
    case QK_TENSOR_INT16:
      return "int16";
    case QK_TENSOR_INT8:
      return "int8";
    case QK_TENSOR_FLOAT16:
      return "float16";
    default:
      return "unknown";
  }
}

qk_status qk_model_load_file(const char* path, qk_isa isa, qk_model** out) {
  return qk_model_load_file_threads(path, isa, 1, out);
}

qk_status qk_model_load_file_threads(const char* path, qk_isa isa, int threads, qk_model** out) {
  if (out != nullptr) *out = nullptr;
  if (path == nullptr) return Null("qk_model_load_file", "path");
  if (threads < 0) return Fail(QK_INVALID_ARGUMENT, "threads: negative");
  qk::rt::InterpreterOptions options;
  options.isa = FromCIsa(isa);
  options.threads = threads;
  return qk::rt::LoadModelFile(path, options, out);
}

qk_status qk_model_load_buffer(const void* data, size_t bytes, qk_isa isa, qk_model** out) {
  return qk_model_load_buffer_threads(data, bytes, isa, 1, out);
}

qk_status qk_model_load_buffer_threads(const void* data, size_t bytes, qk_isa isa, int threads,
                                       qk_model** out) {
  if (out == nullptr) return Null("qk_model_load_buffer", "out");
  *out = nullptr;
  if (data == nullptr && bytes > 0) return Null("qk_model_load_buffer", "data");
  if (threads < 0) return Fail(QK_INVALID_ARGUMENT, "threads: negative");
  qk::rt::InterpreterOptions options;
  options.threads = threads;
  const qk_status s = ResolveIsa(FromCIsa(isa), &options.isa);
  if (s != QK_OK) return s;
  return Guarded("qk_model_load_buffer", [&]() {
    qk::rt::Model model;
    std::string error;
    if (!qk::rt::ReadModel(static_cast<const uint8_t*>(data), bytes, &model, &error)) {
      return Fail(QK_INVALID_ARGUMENT, "model: " + error);
    }
    return Prepare(std::move(model), options, "model", out);
  });
}

void qk_model_free(qk_model* model) { delete model; }

int qk_model_threads(const qk_model* model) { return model ? model->interp->threads() : 1; }

int qk_model_num_inputs(const qk_model* model) {
  return model ? int(model->interp->num_inputs()) : 0;
}

int qk_model_num_outputs(const qk_model* model) {
  return model ? int(model->interp->num_outputs()) : 0;
}

qk_status qk_model_input_info(const qk_model* model, int index, qk_tensor_info* info) {
  int t = 0;
  const qk_status s = IoTensor(model, index, true, "qk_model_input_info", &t);
  if (s != QK_OK) return s;
  if (info == nullptr) return Null("qk_model_input_info", "info");
  Describe(model->interp->model().tensors[size_t(t)], t, info);
  return Ok();
}

qk_status qk_model_output_info(const qk_model* model, int index, qk_tensor_info* info) {
  int t = 0;
  const qk_status s = IoTensor(model, index, false, "qk_model_output_info", &t);
  if (s != QK_OK) return s;
  if (info == nullptr) return Null("qk_model_output_info", "info");
  Describe(model->interp->model().tensors[size_t(t)], t, info);
  return Ok();
}

qk_status qk_model_set_input(qk_model* model, int index, const void* data, size_t bytes) {
  const char* fn = "qk_model_set_input";
  int t = 0;
  qk_status s = IoTensor(model, index, true, fn, &t);
  if (s != QK_OK) return s;
  if (model->invoking) return Fail(QK_UNSUPPORTED, std::string(fn) + ": called during invoke");
  s = CheckBuffer(fn, "input " + std::to_string(index), model->interp->model().tensors[size_t(t)],
                  data, bytes);
  if (s != QK_OK) return s;
  if (bytes > 0) std::memcpy(model->interp->tensor_data(t), data, bytes);
  return Ok();
}

qk_status qk_model_invoke(qk_model* model) {
  return qk_model_invoke_observed(model, nullptr, nullptr);
}

qk_status qk_model_invoke_observed(qk_model* model, qk_op_observer observer, void* user_data) {
  const char* fn = "qk_model_invoke";
  if (model == nullptr) return Null(fn, "model");
  if (model->invoking) return Fail(QK_UNSUPPORTED, std::string(fn) + ": called from an observer");
  return Guarded(fn, [&]() {
    struct Reset {  // leave the invoking state whatever happens
      qk_model* m;
      ~Reset() { m->invoking = false, m->finished_op = -1; }
    } reset{model};
    model->invoking = true;
    model->outputs_valid = false;
    std::function<void(int)> before, after;
    if (observer != nullptr) {
      before = [&](int op) { observer(user_data, op, QK_OP_BEGIN); };
      after = [&](int op) {
        model->finished_op = op;
        observer(user_data, op, QK_OP_END);
        model->finished_op = -1;
      };
    }
    std::string error;
    if (!model->interp->Invoke(&error, after, before)) {
      return Fail(QK_UNSUPPORTED, std::string(fn) + ": " + error);
    }
    model->outputs_valid = true;
    return Ok();
  });
}

qk_status qk_model_get_output(const qk_model* model, int index, void* data, size_t bytes) {
  const char* fn = "qk_model_get_output";
  int t = 0;
  qk_status s = IoTensor(model, index, false, fn, &t);
  if (s != QK_OK) return s;
  if (!model->outputs_valid) {
    return Fail(QK_UNSUPPORTED, std::string(fn) + ": no output: the model has not been " +
                                    "invoked successfully (or its last invoke failed)");
  }
  s = CheckBuffer(fn, "output " + std::to_string(index), model->interp->model().tensors[size_t(t)],
                  data, bytes);
  if (s != QK_OK) return s;
  if (bytes > 0) std::memcpy(data, model->interp->output_data(size_t(index)), bytes);
  return Ok();
}

qk_isa qk_model_isa(const qk_model* model) { return model ? model->isa : QK_ISA_AUTO; }

size_t qk_model_arena_bytes(const qk_model* model) {
  return model ? model->interp->arena_bytes() : 0;
}

size_t qk_model_workspace_bytes(const qk_model* model) {
  return model ? model->interp->workspace_bytes() : 0;
}

int qk_model_num_ops(const qk_model* model) {
  return model ? int(model->interp->model().operators.size()) : 0;
}

qk_status qk_model_op_info(const qk_model* model, int op_index, qk_op_info* info) {
  const char* fn = "qk_model_op_info";
  const qk_status s = CheckOpIndex(model, op_index, fn);
  if (s != QK_OK) return s;
  if (info == nullptr) return Null(fn, "info");
  const qk::rt::Operator& op = model->interp->model().operators[size_t(op_index)];
  info->name = op.name.c_str();
  info->kernel = model->interp->kernel_name(op_index).c_str();
  info->num_outputs = int(op.outputs.size());
  info->num_inputs = int(op.inputs.size());
  return Ok();
}

qk_status qk_model_op_output_info(const qk_model* model, int op_index, int k,
                                  qk_tensor_info* info) {
  const char* fn = "qk_model_op_output_info";
  int t = 0;
  const qk_status s = OpOutputTensor(model, op_index, k, fn, &t);
  if (s != QK_OK) return s;
  return DescribeTensor(model, t, fn, info);
}

qk_status qk_model_op_input_info(const qk_model* model, int op_index, int k,
                                 qk_tensor_info* info) {
  const char* fn = "qk_model_op_input_info";
  int t = 0;
  const qk_status s = OpTensor(model, op_index, k, fn, &t, /*inputs=*/true);
  if (s != QK_OK) return s;
  if (t < 0) {
    return Fail(QK_UNSUPPORTED, std::string(fn) + ": input " + std::to_string(k) + " of operator " +
                                    std::to_string(op_index) + " is absent (optional)");
  }
  return DescribeTensor(model, t, fn, info);
}

qk_status qk_model_get_op_output(const qk_model* model, int op_index, int k, void* data,
                                 size_t bytes) {
  const char* fn = "qk_model_get_op_output";
  int t = 0;
  qk_status s = OpOutputTensor(model, op_index, k, fn, &t);
  if (s != QK_OK) return s;
  if (model->finished_op != op_index) {
    return Fail(QK_UNSUPPORTED, std::string(fn) + ": operator " + std::to_string(op_index) +
                                    "'s outputs are readable only in its QK_OP_END observer call");
  }
  s = CheckBuffer(fn, "tensor " + std::to_string(t), model->interp->model().tensors[size_t(t)],
                  data, bytes);
  if (s != QK_OK) return s;
  if (bytes > 0) std::memcpy(data, model->interp->tensor_data(t), bytes);
  return Ok();
}

}  // extern "C"
