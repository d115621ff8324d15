// Internal to the runtime: how Interpreter turns one Operator into a prepared step.
#ifndef QKERNELS_RUNTIME_OP_BUILDER_H_
#define QKERNELS_RUNTIME_OP_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace qk {
namespace rt {
namespace internal {

// Where the tensors live at run time; filled by the memory planner after every op is built.
struct RunContext {
  std::vector<uint8_t*> data;  // per tensor: constant data or its arena slot
  uint8_t* workspace = nullptr;
  size_t workspace_bytes = 0;
  const ThreadPool* pool = nullptr;  // what packed ops split over (nullptr: one thread)
  int threads = 1;                   // the pool's threads: the workspace holds their slices
};

// The kernels' thread split (core/parallel.h) for the runtime's own ops: the interpreter's pool.
inline ::qk::internal::Parallel ParallelOf(const RunContext* ctx) {
  ::qk::internal::Parallel par;
  par.pool = ctx->pool != nullptr ? ctx->pool->get() : nullptr;
  par.threads = ctx->threads;
  return par;
}

using Step = std::function<bool(std::string* error)>;

struct BuiltOp {
  Step run;
  size_t workspace_bytes = 0;  // scratch the step needs in RunContext::workspace
  std::string kernel;          // for verbose output
};

struct BuildInputs {
  const Model* model = nullptr;
  const Operator* op = nullptr;
  int index = 0;
  const InterpreterOptions* options = nullptr;
  RunContext* ctx = nullptr;
  const Tensor& tensor(int i) const { return model->tensors[i]; }
  // "operator 3 (CONV_2D): " prefix for messages.
  std::string where() const;
};

// CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED through the packed qkernels kernels.
bool BuildPackedOp(const BuildInputs& in, BuiltOp* out, std::string* error);
// Every other supported operator (runtime/ops/, scalar).
bool BuildScalarOp(const BuildInputs& in, BuiltOp* out, std::string* error);
// RESHAPE, PAD, PADV2, TRANSPOSE, CONCATENATION, MEAN (called by BuildScalarOp).
bool BuildShapeOp(const BuildInputs& in, BuiltOp* out, std::string* error);
// Reads a constant int32 (or int64) tensor's values; fails for a non-constant tensor.
bool ConstantInts(const BuildInputs& in, int tensor, std::vector<int32_t>* values,
                  std::string* error);

// Shared checks.
bool IsEightBit(TensorType t);
bool CheckInputCount(const BuildInputs& in, size_t min_count, size_t max_count, std::string* error);
// The tensor must be quantized per-tensor (one scale > 0, finite).
bool CheckPerTensorQuant(const BuildInputs& in, int tensor, std::string* error);
// TFLite CalculateActivationRangeQuantized for the output tensor's type, scale and zero point.
bool ActivationRange(const BuildInputs& in, Activation act, const Tensor& output, int32_t* act_min,
                     int32_t* act_max, std::string* error);
bool Fail(std::string* error, const std::string& message);

}  // namespace internal
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OP_BUILDER_H_
