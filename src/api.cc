// The C++ API: validate, choose a kernel from the table, pack once, run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "dispatch/cpu_features.h"
#include "dispatch/kernel_table.h"
#include "dispatch/requantize_rows.h"
#include "qkernels/ops.h"
#include "src/packed_op_impl.h"
#include "src/validate.h"

namespace qk {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kIsaUnavailable: return "ISA unavailable";
    case StatusCode::kOutOfMemory: return "out of memory";
    case StatusCode::kBufferTooSmall: return "buffer too small";
  }
  return "unknown";
}

const char* DataTypeName(DataType type) {
  switch (type) {
    case DataType::kInt8: return "int8";
    case DataType::kUInt8: return "uint8";
    case DataType::kInt16: return "int16x8";
  }
  return "unknown";
}

namespace internal {
const char* OpKindName(OpKind op) {
  switch (op) {
    case OpKind::kConv2D: return "conv2d";
    case OpKind::kDepthwiseConv2D: return "depthwise_conv2d";
    case OpKind::kFullyConnected: return "fully_connected";
  }
  return "unknown";
}
}  // namespace internal

PackedOp::PackedOp() = default;
PackedOp::~PackedOp() = default;
PackedOp::PackedOp(PackedOp&&) noexcept = default;
PackedOp& PackedOp::operator=(PackedOp&&) noexcept = default;
bool PackedOp::empty() const { return impl_ == nullptr; }
DataType PackedOp::type() const { return impl_ ? impl_->desc.type : DataType::kInt8; }
Isa PackedOp::isa() const { return impl_ ? impl_->kernel->isa : Isa::kScalar; }
const char* PackedOp::kernel_name() const { return impl_ ? impl_->kernel->name : "none"; }
size_t PackedOp::workspace_size() const { return workspace_size(1); }
size_t PackedOp::workspace_size(int threads) const {
  if (!impl_ || impl_->kernel->workspace_bytes == nullptr) return 0;
  const size_t bytes = threads <= 1 ? impl_->workspace_bytes
                                    : impl_->kernel->workspace_bytes(impl_->desc, threads);
  // The caller's workspace may have any alignment; Run() aligns it for the kernel.
  return bytes == 0 ? 0 : bytes + internal::kWorkspaceAlignment - 1;
}
size_t PackedOp::input_elements() const { return impl_ ? impl_->desc.InputElements() : 0; }
size_t PackedOp::output_elements() const { return impl_ ? impl_->desc.OutputElements() : 0; }
int PackedOp::output_height() const { return impl_ ? impl_->desc.out_h : 0; }
int PackedOp::output_width() const { return impl_ ? impl_->desc.out_w : 0; }
int PackedOp::output_channels() const { return impl_ ? impl_->desc.out_c : 0; }

namespace {

using internal::OpDesc;
using PackedOpImpl = PackedOpAccess::Impl;

bool Verbose() {
  static const bool verbose = [] {
    const char* v = std::getenv("QK_VERBOSE");
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  }();
  return verbose;
}

Status ResolveIsa(Isa requested, Isa* resolved) {
  if (requested == Isa::kAuto) {
    // An unusable QK_ISA is reported at every call that relies on it, not silently replaced.
    Status env = DefaultIsaStatus();
    if (!env.ok()) return env;
    *resolved = DefaultIsa();
    return Status::Ok();
  }
  if (!IsaCompiledIn(requested)) {
    return Status(StatusCode::kIsaUnavailable,
                  std::string("isa: '") + IsaName(requested) + "' is not compiled into this build");
  }
  if (!IsaSupported(requested)) {
    return Status(StatusCode::kIsaUnavailable,
                  std::string("isa: '") + IsaName(requested) + "' is not supported by this CPU");
  }
  *resolved = requested;
  return Status::Ok();
}

Status Pack(const OpDesc& desc, const Requantization& quant, const void* filter, const void* bias,
            PackedOp* out, Isa requested) {
  if (out == nullptr) return Status(StatusCode::kInvalidArgument, "out: null PackedOp pointer");
  if (filter == nullptr) return Status(StatusCode::kInvalidArgument, "filter: null pointer");
  if (desc.type == DataType::kInt16 && bias != nullptr) {
    // The int64 accumulator contract is |acc| < 2^47; a larger bias could overflow int64.
    constexpr int64_t kBiasLimit = int64_t{1} << 47;
    const int64_t* bias64 = static_cast<const int64_t*>(bias);
    for (int c = 0; c < desc.out_c; ++c) {
      if (bias64[c] <= -kBiasLimit || bias64[c] >= kBiasLimit) {
        return Status(StatusCode::kInvalidArgument,
                      "bias[" + std::to_string(c) + "] = " + std::to_string(bias64[c]) +
                          " is outside (-2^47, 2^47) for int16x8");
      }
    }
  }
  Isa isa = Isa::kScalar;
  Status s = ResolveIsa(requested, &isa);
  if (!s.ok()) return s;
  const internal::Kernel* kernel = internal::SelectKernel(desc, isa);
  if (kernel == nullptr) {
    return Status(StatusCode::kUnsupported, std::string("no kernel for ") +
                                                internal::OpKindName(desc.op) + " " +
                                                DataTypeName(desc.type));
  }
  try {
    auto impl = std::make_unique<PackedOpImpl>();
    impl->desc = desc;
    impl->desc.has_bias = bias != nullptr;
    impl->kernel = kernel;
    internal::PackedData& data = impl->data;
    const size_t out_c = static_cast<size_t>(desc.out_c);
    data.multiplier.resize(out_c);
    data.shift.resize(out_c);
    for (size_t c = 0; c < out_c; ++c) {
      const size_t q = quant.num_channels == 1 ? 0 : c;
      data.multiplier[c] = quant.output_multiplier[q];
      data.shift[c] = quant.output_shift[q];
    }
    if (desc.type == DataType::kInt16) {
      data.bias64.assign(out_c, 0);
      if (bias) std::memcpy(data.bias64.data(), bias, out_c * sizeof(int64_t));
    } else {
      data.bias32.assign(out_c, 0);
      if (bias) std::memcpy(data.bias32.data(), bias, out_c * sizeof(int32_t));
    }
    data.filter.resize(desc.FilterElements());
    std::memcpy(data.filter.data(), filter, data.filter.size());
    data.core_class = internal::GetCpuFeatures().in_order ? internal::CoreClass::kInOrder
                                                          : internal::CoreClass::kOutOfOrder;
    if (kernel->pack) kernel->pack(impl->desc, &data);
    if (kernel->workspace_bytes) impl->workspace_bytes = kernel->workspace_bytes(impl->desc, 1);
    if (Verbose()) {
      std::fprintf(stderr, "qkernels: %s %s (isa %s) -> %s\n", internal::OpKindName(desc.op),
                   DataTypeName(desc.type), IsaName(isa), kernel->name);
    }
    PackedOpAccess::Reset(out, std::move(impl));
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kOutOfMemory, "packing: out of memory");
  }
  return Status::Ok();
}

template <typename T>
Status RunTyped(const PackedOp& op, DataType expected, const T* input, T* output, void* workspace,
                size_t workspace_bytes, const ThreadPool* pool) {
  const PackedOpImpl* impl = PackedOpAccess::Get(op);
  if (impl == nullptr) return Status(StatusCode::kInvalidArgument, "op: empty PackedOp");
  if (impl->desc.type != expected) {
    return Status(StatusCode::kInvalidArgument,
                  std::string("input/output: element type does not match the op's type ") +
                      DataTypeName(impl->desc.type));
  }
  if (input == nullptr) return Status(StatusCode::kInvalidArgument, "input: null pointer");
  if (output == nullptr) return Status(StatusCode::kInvalidArgument, "output: null pointer");
  internal::Parallel par;
  if (pool != nullptr && pool->threads() > 1) {
    par.pool = pool->get();
    par.threads = pool->threads();
  }
  const size_t needed = op.workspace_size(par.threads);
  std::vector<unsigned char> owned;
  if (needed > 0) {
    if (workspace == nullptr) {
      try {
        owned.resize(needed);
      } catch (const std::bad_alloc&) {
        return Status(StatusCode::kOutOfMemory, "workspace: out of memory");
      }
      workspace = owned.data();
    } else if (workspace_bytes < needed) {
      return Status(StatusCode::kBufferTooSmall,
                    "workspace_bytes = " + std::to_string(workspace_bytes) + " < workspace_size(" +
                        std::to_string(par.threads) + ") = " + std::to_string(needed));
    }
  }
  if (workspace != nullptr) {
    const uintptr_t address = reinterpret_cast<uintptr_t>(workspace);
    const uintptr_t aligned = (address + internal::kWorkspaceAlignment - 1) &
                              ~uintptr_t{internal::kWorkspaceAlignment - 1};
    workspace = static_cast<unsigned char*>(workspace) + (aligned - address);
  }
  impl->kernel->run(impl->desc, impl->data, input, output, workspace, par);
  return Status::Ok();
}

}  // namespace

Status Conv2DOutputSize(const Conv2DParams& params, int* output_height, int* output_width) {
  OpDesc desc;
  Status s = internal::ResolveConv2D(params, &desc, /*check_quant=*/false);
  if (!s.ok()) return s;
  if (output_height) *output_height = desc.out_h;
  if (output_width) *output_width = desc.out_w;
  return s;
}

Status DepthwiseConv2DOutputSize(const DepthwiseConv2DParams& params, int* output_height,
                                 int* output_width) {
  OpDesc desc;
  Status s = internal::ResolveDepthwiseConv2D(params, &desc, /*check_quant=*/false);
  if (!s.ok()) return s;
  if (output_height) *output_height = desc.out_h;
  if (output_width) *output_width = desc.out_w;
  return s;
}

Status PackConv2D(const Conv2DParams& params, const void* filter, const void* bias, PackedOp* out,
                  Isa isa) {
  OpDesc desc;
  Status s = internal::ResolveConv2D(params, &desc);
  return s.ok() ? Pack(desc, params.quant, filter, bias, out, isa) : s;
}

Status PackDepthwiseConv2D(const DepthwiseConv2DParams& params, const void* filter,
                           const void* bias, PackedOp* out, Isa isa) {
  OpDesc desc;
  Status s = internal::ResolveDepthwiseConv2D(params, &desc);
  return s.ok() ? Pack(desc, params.quant, filter, bias, out, isa) : s;
}

Status PackFullyConnected(const FullyConnectedParams& params, const void* filter, const void* bias,
                          PackedOp* out, Isa isa) {
  OpDesc desc;
  Status s = internal::ResolveFullyConnected(params, &desc);
  return s.ok() ? Pack(desc, params.quant, filter, bias, out, isa) : s;
}

Status Run(const PackedOp& op, const int8_t* input, int8_t* output, void* workspace,
           size_t workspace_bytes) {
  return RunTyped(op, DataType::kInt8, input, output, workspace, workspace_bytes, nullptr);
}
Status Run(const PackedOp& op, const int8_t* input, int8_t* output, void* workspace,
           size_t workspace_bytes, const ThreadPool* pool) {
  return RunTyped(op, DataType::kInt8, input, output, workspace, workspace_bytes, pool);
}
Status Run(const PackedOp& op, const uint8_t* input, uint8_t* output, void* workspace,
           size_t workspace_bytes) {
  return RunTyped(op, DataType::kUInt8, input, output, workspace, workspace_bytes, nullptr);
}
Status Run(const PackedOp& op, const uint8_t* input, uint8_t* output, void* workspace,
           size_t workspace_bytes, const ThreadPool* pool) {
  return RunTyped(op, DataType::kUInt8, input, output, workspace, workspace_bytes, pool);
}
Status Run(const PackedOp& op, const int16_t* input, int16_t* output, void* workspace,
           size_t workspace_bytes) {
  return RunTyped(op, DataType::kInt16, input, output, workspace, workspace_bytes, nullptr);
}
Status Run(const PackedOp& op, const int16_t* input, int16_t* output, void* workspace,
           size_t workspace_bytes, const ThreadPool* pool) {
  return RunTyped(op, DataType::kInt16, input, output, workspace, workspace_bytes, pool);
}

Status RequantizeInt32ToInt8(const int32_t* accumulators, const int32_t* bias, int rows,
                             int channels, const Requantization& quant, int8_t* output) {
  if (rows < 0) return Status(StatusCode::kInvalidArgument, "rows: negative");
  if (channels < 1) return Status(StatusCode::kInvalidArgument, "channels: must be >= 1");
  if (int64_t{rows} * channels > internal::kMaxTensorElements) {
    return Status(StatusCode::kInvalidArgument, "rows*channels: exceeds 2^31-1");
  }
  Requantization checked = quant;
  checked.input_zero_point = 0;
  checked.filter_zero_point = 0;
  Status s = internal::ValidateRequantization(checked, DataType::kInt8, channels);
  if (!s.ok()) return s;
  if (rows > 0 && (accumulators == nullptr || output == nullptr)) {
    return Status(StatusCode::kInvalidArgument, "accumulators/output: null pointer");
  }
  // The ISA's own exact epilogue (Isa::kAuto's choice: QK_ISA / SetIsaOverride are honoured).
  s = DefaultIsaStatus();
  if (!s.ok()) return s;
  internal::RequantizeRowsArgs args;
  args.acc = accumulators;
  args.bias = bias;
  args.rows = rows;
  args.channels = channels;
  args.multiplier = quant.output_multiplier;
  args.shift = quant.output_shift;
  args.per_channel = quant.num_channels != 1;
  args.rounding = quant.rounding;
  args.output_zp = quant.output_zero_point;
  args.act_min = quant.activation_min;
  args.act_max = quant.activation_max;
  args.output = output;
  internal::SelectRequantizeRows(DefaultIsa())(args);
  return Status::Ok();
}

}  // namespace qk
