// qkernels model runner, C++ API: a small move-only class over the C API of qkernels/model.h
// (header-only; link qkernels::runtime). Errors come back as qk::Status with qk_last_error()'s
// message.
//
//   qk::Model model;
//   qk::Status s = qk::Model::Load("model.tflite", &model);
//   if (s.ok()) s = model.SetInput(0, pixels.data(), pixels.size());
//   if (s.ok()) s = model.Invoke();
//   std::vector<int8_t> scores;
//   if (s.ok()) s = model.GetOutput(0, &scores);
#ifndef QKERNELS_MODEL_HPP_
#define QKERNELS_MODEL_HPP_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "qkernels/isa.h"
#include "qkernels/model.h"
#include "qkernels/status.h"

namespace qk {

class Model {
 public:
  Model() = default;
  // Takes ownership of a model from qk_model_load_file / qk_model_load_buffer.
  explicit Model(qk_model* adopted) : model_(adopted) {}

  // threads: what the kernels are split over (1: the calling thread; 0: one per logical CPU).
  static Status Load(const std::string& path, Model* out, Isa isa = Isa::kAuto, int threads = 1) {
    qk_model* m = nullptr;
    const qk_status s = qk_model_load_file_threads(path.c_str(), ToC(isa), threads, &m);
    if (out != nullptr) *out = Model(m);
    return ToStatus(s);
  }
  static Status LoadBuffer(const void* data, size_t bytes, Model* out, Isa isa = Isa::kAuto,
                           int threads = 1) {
    qk_model* m = nullptr;
    const qk_status s = qk_model_load_buffer_threads(data, bytes, ToC(isa), threads, &m);
    if (out != nullptr) *out = Model(m);
    return ToStatus(s);
  }

  bool loaded() const { return model_ != nullptr; }
  // The C handle, for the functions this class does not wrap (operators, observers).
  qk_model* get() const { return model_.get(); }

  int threads() const { return qk_model_threads(get()); }
  int num_inputs() const { return qk_model_num_inputs(get()); }
  int num_outputs() const { return qk_model_num_outputs(get()); }
  Status InputInfo(int index, qk_tensor_info* info) const {
    return ToStatus(qk_model_input_info(get(), index, info));
  }
  Status OutputInfo(int index, qk_tensor_info* info) const {
    return ToStatus(qk_model_output_info(get(), index, info));
  }

  Status SetInput(int index, const void* data, size_t bytes) {
    return ToStatus(qk_model_set_input(get(), index, data, bytes));
  }
  template <typename T>
  Status SetInput(int index, const std::vector<T>& values) {
    return SetInput(index, values.data(), values.size() * sizeof(T));
  }
  Status Invoke() { return ToStatus(qk_model_invoke(get())); }
  Status GetOutput(int index, void* data, size_t bytes) const {
    return ToStatus(qk_model_get_output(get(), index, data, bytes));
  }
  // Resizes *values to the output's bytes / sizeof(T) and fills it.
  template <typename T>
  Status GetOutput(int index, std::vector<T>* values) const {
    qk_tensor_info info;
    Status s = OutputInfo(index, &info);
    if (!s.ok()) return s;
    if (values == nullptr || info.bytes % sizeof(T) != 0) {
      return Status(StatusCode::kInvalidArgument,
                    "GetOutput: values is null or its element size does not divide the output");
    }
    values->resize(info.bytes / sizeof(T));
    return GetOutput(index, values->data(), info.bytes);
  }

 private:
  struct Free {
    void operator()(qk_model* m) const { qk_model_free(m); }
  };
  static qk_isa ToC(Isa isa) { return static_cast<qk_isa>(static_cast<int>(isa)); }
  // qk_status and StatusCode share their values.
  static Status ToStatus(qk_status s) {
    return s == QK_OK ? Status() : Status(static_cast<StatusCode>(s), qk_last_error());
  }

  std::unique_ptr<qk_model, Free> model_;
};

}  // namespace qk

#endif  // QKERNELS_MODEL_HPP_
