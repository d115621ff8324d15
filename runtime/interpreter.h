// qkernels runtime: runs a Model. Create() checks every operator and tensor the graph uses, packs
// the conv / depthwise / fully-connected weights once with the kernels of the chosen ISA, and plans
// one arena for all activations; Invoke() then runs the operators in order without allocating.
#ifndef QKERNELS_RUNTIME_INTERPRETER_H_
#define QKERNELS_RUNTIME_INTERPRETER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "qkernels/isa.h"
#include "qkernels/ops.h"
#include "runtime/model.h"

namespace qk {
namespace rt {

struct InterpreterOptions {
  Isa isa = Isa::kAuto;  // the kernels' ISA (kAuto: qk::DefaultIsa())
  // Threads the conv / depthwise / fully-connected kernels are split over (a pthreadpool the
  // interpreter owns; 0: one per logical CPU). The outputs do not depend on it.
  int threads = 1;
  // The seed scenario's mistake, for comparison only: conv and fully-connected accumulators are
  // "divided by 256" (multiplier 2^30, shift -7 for every channel) instead of TFLite's
  // input_scale * filter_scale / output_scale multiplier.
  bool naive_requantization = false;
};

namespace internal {
struct RunContext;
struct BuiltOp;
}  // namespace internal

class Interpreter {
 public:
  // Takes the model; fails with a message naming the operator or tensor that cannot be run.
  static bool Create(Model model, const InterpreterOptions& options,
                     std::unique_ptr<Interpreter>* out, std::string* error);
  ~Interpreter();

  const Model& model() const { return model_; }
  size_t num_inputs() const { return model_.inputs.size(); }
  size_t num_outputs() const { return model_.outputs.size(); }
  // The model's i-th input / output tensor and its bytes (tensor.bytes() of them).
  const Tensor& input_tensor(size_t i) const { return model_.tensors[model_.inputs[i]]; }
  const Tensor& output_tensor(size_t i) const { return model_.tensors[model_.outputs[i]]; }
  uint8_t* input_data(size_t i) { return tensor_data(model_.inputs[i]); }
  const uint8_t* output_data(size_t i) const;
  // Any tensor's bytes. Activations share the arena: a tensor's bytes are valid from the operator
  // that writes it until its last reader has run (model outputs: until the next Invoke).
  uint8_t* tensor_data(int tensor);

  // Runs every operator in order. `after_op(op_index)` (optional) is called after each one, when
  // its outputs are valid, and `before_op(op_index)` (optional) before it starts (the model API's
  // observer: qk-run --dump and --time).
  bool Invoke(std::string* error, const std::function<void(int)>& after_op = nullptr,
              const std::function<void(int)>& before_op = nullptr);

  // The kernel each operator runs ("qs8_conv_..." for packed ops, "reference:<OP>" otherwise).
  const std::string& kernel_name(int op_index) const;
  size_t arena_bytes() const { return arena_bytes_; }
  size_t workspace_bytes() const { return workspace_bytes_; }
  int threads() const { return pool_ ? pool_->threads() : 1; }

 private:
  Interpreter();
  bool Build(const InterpreterOptions& options, std::string* error);
  bool PlanMemory(std::string* error);

  Model model_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<internal::RunContext> ctx_;
  std::vector<internal::BuiltOp> ops_;
  std::unique_ptr<uint8_t[]> arena_storage_;
  std::unique_ptr<uint8_t[]> workspace_storage_;
  size_t arena_bytes_ = 0;
  size_t workspace_bytes_ = 0;
};

}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_INTERPRETER_H_
