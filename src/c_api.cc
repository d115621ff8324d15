// The C API: thin wrappers over the C++ one, translating structs and keeping the last error
// message per thread.
#include "qkernels/qkernels.h"

#include <cstring>
#include <new>
#include <string>

#include "qkernels/ops.h"
#include "src/c_api_error.h"
#include "src/packed_op_impl.h"

struct qk_packed_op {
  qk::PackedOp op;
};

struct qk_threadpool {
  qk::ThreadPool pool;
};

std::string& qk::internal::CApiLastError() {
  thread_local std::string message;
  return message;
}

namespace {

qk_status Report(const qk::Status& s) {
  qk::internal::CApiLastError() = s.message();
  return static_cast<qk_status>(s.code());
}

qk_status InvalidNull(const char* what) {
  return Report(qk::Status(qk::StatusCode::kInvalidArgument, std::string(what) + ": null pointer"));
}

// The C enums' values as ints. A C caller may store any int in an enum field; in C++, loading an
// enum whose value lies outside its enumerators' range is undefined (UBSan: -fsanitize=enum), so
// the fields are read through their bytes and validated as qk:: enum classes (int-based).
template <typename E>
int RawEnum(const E& value) {
  static_assert(sizeof(E) == sizeof(int), "C enums are int-sized");
  int raw;
  std::memcpy(&raw, &value, sizeof raw);
  return raw;
}

qk::Isa ToIsa(const qk_isa& isa) { return static_cast<qk::Isa>(RawEnum(isa)); }

qk::Requantization ToCpp(const qk_requantization& q) {
  qk::Requantization r;
  r.input_zero_point = q.input_zero_point;
  r.filter_zero_point = q.filter_zero_point;
  r.output_zero_point = q.output_zero_point;
  r.output_multiplier = q.output_multiplier;
  r.output_shift = q.output_shift;
  r.num_channels = q.num_channels;
  r.activation_min = q.activation_min;
  r.activation_max = q.activation_max;
  r.rounding = static_cast<qk::Rounding>(RawEnum(q.rounding));
  return r;
}

template <typename P>
void CopyGeometry(const qk_conv_params& c, P* p) {
  p->type = static_cast<qk::DataType>(RawEnum(c.type));
  p->batch = c.batch;
  p->input_height = c.input_height;
  p->input_width = c.input_width;
  p->input_channels = c.input_channels;
  p->kernel_height = c.kernel_height;
  p->kernel_width = c.kernel_width;
  p->stride_height = c.stride_height;
  p->stride_width = c.stride_width;
  p->dilation_height = c.dilation_height;
  p->dilation_width = c.dilation_width;
  p->padding = static_cast<qk::Padding>(RawEnum(c.padding));
  p->pad_top = c.pad_top;
  p->pad_bottom = c.pad_bottom;
  p->pad_left = c.pad_left;
  p->pad_right = c.pad_right;
  p->quant = ToCpp(c.quant);
}

template <typename PackFn>
qk_status PackInto(qk_packed_op** out, PackFn pack) {
  if (out == nullptr) return InvalidNull("out");
  *out = nullptr;
  qk_packed_op* op = new (std::nothrow) qk_packed_op;
  if (op == nullptr) return Report(qk::Status(qk::StatusCode::kOutOfMemory, "out of memory"));
  const qk::Status s = pack(&op->op);
  if (!s.ok()) {
    delete op;
    return Report(s);
  }
  *out = op;
  return QK_OK;
}

void InitRequantization(qk_requantization* q) {
  *q = qk_requantization{};  // num_channels 0: required, the caller must set it
  q->activation_min = -128;
  q->activation_max = 127;
  q->rounding = QK_ROUNDING_DOUBLE;
}

}  // namespace

extern "C" {

void qk_conv_params_init(qk_conv_params* p) {
  if (p == nullptr) return;
  *p = qk_conv_params{};
  p->type = QK_INT8;
  p->batch = 1;
  p->groups = 1;
  p->depth_multiplier = 1;
  p->stride_height = p->stride_width = 1;
  p->dilation_height = p->dilation_width = 1;
  p->padding = QK_PADDING_VALID;
  InitRequantization(&p->quant);
}

void qk_fully_connected_params_init(qk_fully_connected_params* p) {
  if (p == nullptr) return;
  *p = qk_fully_connected_params{};
  p->type = QK_INT8;
  p->batch = 1;
  InitRequantization(&p->quant);
}

qk_status qk_pack_conv2d(const qk_conv_params* params, const void* filter, const void* bias,
                         qk_isa isa, qk_packed_op** out) {
  if (params == nullptr) return InvalidNull("params");
  qk::Conv2DParams p;
  CopyGeometry(*params, &p);
  p.output_channels = params->output_channels;
  p.groups = params->groups;
  return PackInto(out, [&](qk::PackedOp* op) {
    return qk::PackConv2D(p, filter, bias, op, ToIsa(isa));
  });
}

qk_status qk_pack_depthwise_conv2d(const qk_conv_params* params, const void* filter,
                                   const void* bias, qk_isa isa, qk_packed_op** out) {
  if (params == nullptr) return InvalidNull("params");
  qk::DepthwiseConv2DParams p;
  CopyGeometry(*params, &p);
  p.depth_multiplier = params->depth_multiplier;
  return PackInto(out, [&](qk::PackedOp* op) {
    return qk::PackDepthwiseConv2D(p, filter, bias, op, ToIsa(isa));
  });
}

qk_status qk_pack_fully_connected(const qk_fully_connected_params* params, const void* filter,
                                  const void* bias, qk_isa isa, qk_packed_op** out) {
  if (params == nullptr) return InvalidNull("params");
  qk::FullyConnectedParams p;
  p.type = static_cast<qk::DataType>(RawEnum(params->type));
  p.batch = params->batch;
  p.input_depth = params->input_depth;
  p.output_depth = params->output_depth;
  p.quant = ToCpp(params->quant);
  return PackInto(out, [&](qk::PackedOp* op) {
    return qk::PackFullyConnected(p, filter, bias, op, ToIsa(isa));
  });
}

void qk_packed_op_free(qk_packed_op* op) { delete op; }

size_t qk_packed_op_workspace_size(const qk_packed_op* op) {
  return op ? op->op.workspace_size() : 0;
}
size_t qk_packed_op_output_elements(const qk_packed_op* op) {
  return op ? op->op.output_elements() : 0;
}
const char* qk_packed_op_kernel_name(const qk_packed_op* op) {
  return op ? op->op.kernel_name() : "none";
}

qk_status qk_run(const qk_packed_op* op, const void* input, void* output, void* workspace,
                 size_t workspace_bytes) {
  return qk_run_threaded(op, input, output, workspace, workspace_bytes, nullptr);
}

qk_threadpool* qk_threadpool_create(int threads) {
  if (threads < 0) return nullptr;
  return new (std::nothrow) qk_threadpool{qk::ThreadPool(threads)};
}
qk_threadpool* qk_threadpool_wrap(struct pthreadpool* pool) {
  return new (std::nothrow) qk_threadpool{qk::ThreadPool(pool)};
}
void qk_threadpool_free(qk_threadpool* pool) { delete pool; }
int qk_threadpool_threads(const qk_threadpool* pool) { return pool ? pool->pool.threads() : 1; }

size_t qk_packed_op_workspace_size_threads(const qk_packed_op* op, int threads) {
  return op ? op->op.workspace_size(threads) : 0;
}

qk_status qk_run_threaded(const qk_packed_op* op, const void* input, void* output,
                          void* workspace, size_t workspace_bytes, const qk_threadpool* pool) {
  if (op == nullptr) return InvalidNull("op");
  const qk::ThreadPool* p = pool ? &pool->pool : nullptr;
  switch (op->op.type()) {
    case qk::DataType::kInt8:
      return Report(qk::Run(op->op, static_cast<const int8_t*>(input),
                            static_cast<int8_t*>(output), workspace, workspace_bytes, p));
    case qk::DataType::kUInt8:
      return Report(qk::Run(op->op, static_cast<const uint8_t*>(input),
                            static_cast<uint8_t*>(output), workspace, workspace_bytes, p));
    case qk::DataType::kInt16:
      return Report(qk::Run(op->op, static_cast<const int16_t*>(input),
                            static_cast<int16_t*>(output), workspace, workspace_bytes, p));
  }
  return InvalidNull("op");
}

double qk_effective_scale_per_channel(float input_scale, float filter_scale, float output_scale) {
  return qk::EffectiveScalePerChannel(input_scale, filter_scale, output_scale);
}

double qk_effective_scale_per_tensor(float input_scale, float filter_scale, float output_scale) {
  return qk::EffectiveScalePerTensor(input_scale, filter_scale, output_scale);
}

void qk_quantize_multiplier(double real_multiplier, qk_rounding rounding, int32_t* multiplier,
                            int* shift) {
  const qk::QuantizedMultiplier q =
      qk::QuantizeMultiplier(real_multiplier, static_cast<qk::Rounding>(RawEnum(rounding)));
  if (multiplier) *multiplier = q.multiplier;
  if (shift) *shift = q.shift;
}

int32_t qk_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift,
                                            qk_rounding rounding) {
  return qk::MultiplyByQuantizedMultiplier(x, multiplier, shift,
                                           static_cast<qk::Rounding>(RawEnum(rounding)));
}

int32_t qk_multiply_by_quantized_multiplier_int64(int64_t x, int32_t multiplier, int shift) {
  return qk::MultiplyByQuantizedMultiplier(x, multiplier, shift);
}

qk_status qk_requantize_int32_to_int8(const int32_t* accumulators, const int32_t* bias, int rows,
                                      int channels, const qk_requantization* quant,
                                      int8_t* output) {
  if (quant == nullptr) return InvalidNull("quant");
  return Report(
      qk::RequantizeInt32ToInt8(accumulators, bias, rows, channels, ToCpp(*quant), output));
}

const char* qk_isa_name(qk_isa isa) { return qk::IsaName(ToIsa(isa)); }
int qk_isa_supported(qk_isa isa) { return qk::IsaSupported(ToIsa(isa)) ? 1 : 0; }
qk_isa qk_default_isa(void) { return static_cast<qk_isa>(qk::DefaultIsa()); }
qk_status qk_set_isa_override(qk_isa isa) {
  return Report(qk::SetIsaOverride(ToIsa(isa)));
}

const char* qk_last_error(void) { return qk::internal::CApiLastError().c_str(); }

}  // extern "C"
