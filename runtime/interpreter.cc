// Interpreter: builds every operator, plans the activation arena, runs the graph.
#include "runtime/interpreter.h"

#include <algorithm>
#include <cstring>

#include "runtime/op_builder.h"

namespace qk {
namespace rt {

using internal::BuildInputs;
using internal::BuiltOp;
using internal::Fail;
using internal::RunContext;

namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kMaxArenaBytes = size_t(1) << 30;  // activations and scratch: refuse above

size_t AlignUp(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

bool IsPacked(int code) {
  return code == int(OpCode::kConv2D) || code == int(OpCode::kDepthwiseConv2D) ||
         code == int(OpCode::kFullyConnected);
}

bool IsSupported(int code) {
  switch (static_cast<OpCode>(code)) {
    case OpCode::kAdd:
    case OpCode::kAveragePool2D:
    case OpCode::kConcatenation:
    case OpCode::kConv2D:
    case OpCode::kDepthwiseConv2D:
    case OpCode::kDequantize:
    case OpCode::kFullyConnected:
    case OpCode::kMaxPool2D:
    case OpCode::kReshape:
    case OpCode::kSoftmax:
    case OpCode::kPad:
    case OpCode::kPadV2:
    case OpCode::kTranspose:
    case OpCode::kMean:
    case OpCode::kQuantize: return true;
    default: return false;
  }
}

// Returns a buffer of at least `bytes` bytes whose start is kAlignment-aligned.
uint8_t* AlignedAlloc(size_t bytes, std::unique_ptr<uint8_t[]>* storage) {
  storage->reset(new uint8_t[bytes + kAlignment]());
  const uintptr_t p = reinterpret_cast<uintptr_t>(storage->get());
  return reinterpret_cast<uint8_t*>((p + kAlignment - 1) / kAlignment * kAlignment);
}

}  // namespace

Interpreter::Interpreter() : ctx_(new RunContext) {}
Interpreter::~Interpreter() = default;

bool Interpreter::Create(Model model, const InterpreterOptions& options,
                         std::unique_ptr<Interpreter>* out, std::string* error) {
  std::unique_ptr<Interpreter> interp(new Interpreter);
  interp->model_ = std::move(model);
  if (!interp->Build(options, error) || !interp->PlanMemory(error)) return false;
  *out = std::move(interp);
  return true;
}

bool Interpreter::Build(const InterpreterOptions& options, std::string* error) {
  const Model& m = model_;
  if (m.inputs.empty() || m.outputs.empty()) return Fail(error, "model has no inputs or outputs");
  // Every tensor the graph touches must have a type the runtime can store.
  auto check_tensor = [&](int t, const char* role) {
    const Tensor& tensor = m.tensors[t];
    if (TensorTypeSize(tensor.type) == 0) {
      return Fail(error, std::string(role) + " tensor " + std::to_string(t) + " has unsupported type " +
                             std::to_string(int(tensor.type)));
    }
    if (tensor.is_variable) {
      return Fail(error, std::string(role) + " tensor " + std::to_string(t) +
                             " is a variable (state) tensor: not supported");
    }
    return true;
  };
  std::vector<bool> written(m.tensors.size(), false);
  for (int t : m.inputs) {
    if (!check_tensor(t, "input")) return false;
    if (m.tensors[t].is_constant()) return Fail(error, "model input " + std::to_string(t) + " is constant");
    written[t] = true;
  }
  if (options.threads != 1) {
    if (options.threads < 0) return Fail(error, "threads: negative");
    pool_.reset(new ThreadPool(options.threads));
    ctx_->pool = pool_.get();
    ctx_->threads = pool_->threads();
  }
  size_t workspace = 0;
  ops_.resize(m.operators.size());
  for (size_t i = 0; i < m.operators.size(); ++i) {
    const Operator& op = m.operators[i];
    BuildInputs in;
    in.model = &model_;
    in.op = &op;
    in.index = int(i);
    in.options = &options;
    in.ctx = ctx_.get();
    if (!IsSupported(op.builtin_code)) return Fail(error, in.where() + "unsupported operator");
    if (op.outputs.empty()) return Fail(error, in.where() + "no outputs");
    for (int t : op.inputs) {
      if (t < 0) continue;
      if (!check_tensor(t, "operator input")) return false;
      if (!m.tensors[t].is_constant() && !written[t]) {
        return Fail(error, in.where() + "reads tensor " + std::to_string(t) +
                               " before any operator writes it");
      }
    }
    for (int t : op.outputs) {
      if (!check_tensor(t, "operator output")) return false;
      if (m.tensors[t].is_constant() || written[t]) {
        return Fail(error, in.where() + "writes tensor " + std::to_string(t) +
                               ", which is constant or already written");
      }
      written[t] = true;
    }
    const bool ok = IsPacked(op.builtin_code) ? internal::BuildPackedOp(in, &ops_[i], error)
                                              : internal::BuildScalarOp(in, &ops_[i], error);
    if (!ok) return false;
    workspace = std::max(workspace, ops_[i].workspace_bytes);
  }
  for (int t : m.outputs) {
    if (!written[t] && !m.tensors[t].is_constant()) {
      return Fail(error, "model output " + std::to_string(t) + " is never written");
    }
  }
  if (workspace > kMaxArenaBytes) return Fail(error, "operator scratch above the 1 GiB limit");
  workspace_bytes_ = workspace;
  ctx_->workspace = workspace > 0 ? AlignedAlloc(workspace, &workspace_storage_) : nullptr;
  ctx_->workspace_bytes = workspace;
  return true;
}

// Greedy arena planning (like TFLite Micro's GreedyMemoryPlanner): each activation lives from the
// operator that writes it to its last reader (model inputs and outputs: the whole run); the largest are placed first, each at the lowest offset that overlaps no live neighbour.
bool Interpreter::PlanMemory(std::string* error) {
  const Model& m = model_;
  const int n = int(m.tensors.size());
  const int end = int(m.operators.size());
  std::vector<int> first(n, -2), last(n, -2);
  // Model inputs keep their slot for the whole run: callers may set them once and Invoke again.
  for (int t : m.inputs) {
    first[t] = -1;
    last[t] = end;
  }
  for (int i = 0; i < end; ++i) {
    for (int t : m.operators[i].inputs) {
      if (t >= 0 && !m.tensors[t].is_constant()) last[t] = std::max(last[t], i);
    }
    for (int t : m.operators[i].outputs) {
      first[t] = i;
      last[t] = std::max(last[t], i);
    }
  }
  for (int t : m.outputs) {
    if (!m.tensors[t].is_constant()) last[t] = end;
  }
  struct Item {
    int tensor;
    size_t size;
    size_t offset;
  };
  std::vector<Item> items;
  for (int t = 0; t < n; ++t) {
    if (first[t] != -2 && !m.tensors[t].is_constant()) {
      items.push_back({t, AlignUp(std::max<size_t>(m.tensors[t].bytes(), 1)), 0});
    }
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.size > b.size; });
  std::vector<Item> placed;
  size_t total = 0;
  for (Item& it : items) {
    std::vector<std::pair<size_t, size_t>> busy;  // [offset, offset + size) of live neighbours
    for (const Item& p : placed) {
      if (first[p.tensor] <= last[it.tensor] && first[it.tensor] <= last[p.tensor]) {
        busy.push_back({p.offset, p.offset + p.size});
      }
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& b : busy) {
      if (offset + it.size <= b.first) break;
      offset = std::max(offset, b.second);
    }
    it.offset = offset;
    total = std::max(total, offset + it.size);
    placed.push_back(it);
  }
  if (total > kMaxArenaBytes) {
    return Fail(error, "activations need " + std::to_string(total) + " bytes, above the 1 GiB limit");
  }
  arena_bytes_ = total;
  uint8_t* arena = AlignedAlloc(std::max<size_t>(total, 1), &arena_storage_);
  ctx_->data.assign(n, nullptr);
  for (int t = 0; t < n; ++t) {
    if (m.tensors[t].is_constant()) ctx_->data[t] = const_cast<uint8_t*>(m.tensors[t].data.data());
  }
  for (const Item& it : placed) ctx_->data[it.tensor] = arena + it.offset;
  return true;
}

const uint8_t* Interpreter::output_data(size_t i) const { return ctx_->data[model_.outputs[i]]; }

uint8_t* Interpreter::tensor_data(int tensor) {
  if (tensor < 0 || size_t(tensor) >= ctx_->data.size()) return nullptr;
  return ctx_->data[tensor];
}

bool Interpreter::Invoke(std::string* error, const std::function<void(int)>& after_op,
                         const std::function<void(int)>& before_op) {
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (before_op) before_op(int(i));
    if (!ops_[i].run(error)) return false;
    if (after_op) after_op(int(i));
  }
  return true;
}

const std::string& Interpreter::kernel_name(int op_index) const { return ops_[op_index].kernel; }

}  // namespace rt
}  // namespace qk
