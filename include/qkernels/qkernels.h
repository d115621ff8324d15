/* qkernels: TFLite-exact int8 neural-network kernels, C API.
 *
 * The same ops as the C++ API (qkernels/ops.h), for C callers. Every function returns a qk_status;
 * on failure qk_last_error() gives a message naming the bad field (thread-local, valid until the
 * next qkernels call on the same thread). The errors are those of the C++ entry points (listed in
 * qkernels/ops.h), plus QK_INVALID_ARGUMENT for a NULL params/out/op/quant pointer and for an enum
 * field holding a value that is not one of its enumerators (QK_ISA_UNAVAILABLE for an isa). */
#ifndef QKERNELS_QKERNELS_H_
#define QKERNELS_QKERNELS_H_

#include <stddef.h>
#include <stdint.h>

#include "qkernels/version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  QK_OK = 0,
  QK_INVALID_ARGUMENT = 1,
  QK_UNSUPPORTED = 2,
  QK_ISA_UNAVAILABLE = 3,
  QK_OUT_OF_MEMORY = 4,
  QK_BUFFER_TOO_SMALL = 5
} qk_status;

typedef enum { QK_INT8 = 0, QK_UINT8 = 1, QK_INT16 = 2 } qk_data_type;
typedef enum { QK_PADDING_VALID = 0, QK_PADDING_SAME = 1, QK_PADDING_EXPLICIT = 2 } qk_padding;
typedef enum { QK_ROUNDING_DOUBLE = 0, QK_ROUNDING_SINGLE = 1 } qk_rounding;
typedef enum {
  QK_ISA_AUTO = -1,
  QK_ISA_SCALAR = 0,
  QK_ISA_AVX2 = 1,
  QK_ISA_AVX512VNNI = 2,
  QK_ISA_NEON = 3,
  QK_ISA_NEONDOT = 4,
  QK_ISA_I8MM = 5
} qk_isa;

/* See qk::Requantization: clamp(MulQ(acc + bias, multiplier[c], shift[c]) + output_zero_point). */
typedef struct {
  int32_t input_zero_point;
  int32_t filter_zero_point;
  int32_t output_zero_point;
  const int32_t* output_multiplier; /* num_channels values */
  const int32_t* output_shift;      /* num_channels values, positive = left */
  int num_channels; /* required: 1 or the number of output channels (0, "not set", is refused) */
  int32_t activation_min;
  int32_t activation_max;
  qk_rounding rounding;
} qk_requantization;

typedef struct {
  qk_data_type type;
  int batch, input_height, input_width, input_channels;
  int output_channels, kernel_height, kernel_width;
  int groups; /* conv2d: >= 1 */
  int depth_multiplier; /* depthwise: >= 1 (output channels = input_channels * depth_multiplier) */
  int stride_height, stride_width, dilation_height, dilation_width;
  qk_padding padding;
  int pad_top, pad_bottom, pad_left, pad_right; /* QK_PADDING_EXPLICIT only */
  qk_requantization quant;
} qk_conv_params;

typedef struct {
  qk_data_type type;
  int batch, input_depth, output_depth;
  qk_requantization quant;
} qk_fully_connected_params;

typedef struct qk_packed_op qk_packed_op;

/* Fills *params with defaults: int8, batch 1, groups 1, depth_multiplier 1, strides and dilations 1,
 * VALID padding, activation range [-128, 127], double rounding. quant.num_channels is left 0 (not
 * set): Pack* refuses it until the caller sets 1 (per-tensor) or the output channel count. */
void qk_conv_params_init(qk_conv_params* params);
void qk_fully_connected_params_init(qk_fully_connected_params* params);

/* Filter/bias layouts and types as in qkernels/ops.h; bias may be NULL. *out must be released
 * with qk_packed_op_free. conv2d ignores depth_multiplier; depthwise ignores output_channels and
 * groups. */
qk_status qk_pack_conv2d(const qk_conv_params* params, const void* filter, const void* bias,
                         qk_isa isa, qk_packed_op** out);
qk_status qk_pack_depthwise_conv2d(const qk_conv_params* params, const void* filter,
                                   const void* bias, qk_isa isa, qk_packed_op** out);
qk_status qk_pack_fully_connected(const qk_fully_connected_params* params, const void* filter,
                                  const void* bias, qk_isa isa, qk_packed_op** out);
void qk_packed_op_free(qk_packed_op* op);

size_t qk_packed_op_workspace_size(const qk_packed_op* op);
size_t qk_packed_op_output_elements(const qk_packed_op* op);
const char* qk_packed_op_kernel_name(const qk_packed_op* op);

/* input/output element types follow the op's type (int8_t, uint8_t or int16_t). workspace may be
 * NULL (the call then allocates). */
qk_status qk_run(const qk_packed_op* op, const void* input, void* output, void* workspace,
                 size_t workspace_bytes);

/* Threads: a pool (pthreadpool) that qk_run_threaded splits an op over; the output bytes do not
 * depend on the number of threads. threads: the calling thread included; 0 = one per logical
 * CPU. Never NULL for threads >= 0 (a pool whose threads cannot be created runs on the caller);
 * NULL when threads < 0 or out of memory. qk_threadpool_wrap shares the caller's pthreadpool_t
 * (not owned: it must outlive the wrapper). */
typedef struct qk_threadpool qk_threadpool;
struct pthreadpool;
qk_threadpool* qk_threadpool_create(int threads);
qk_threadpool* qk_threadpool_wrap(struct pthreadpool* pool);
void qk_threadpool_free(qk_threadpool* pool);
int qk_threadpool_threads(const qk_threadpool* pool); /* 1 for NULL */

/* Workspace bytes of a run on `threads` threads (qk_packed_op_workspace_size is threads = 1). */
size_t qk_packed_op_workspace_size_threads(const qk_packed_op* op, int threads);

/* qk_run on the threads of `pool` (NULL: the calling thread). workspace: NULL, or at least
 * qk_packed_op_workspace_size_threads(op, qk_threadpool_threads(pool)) bytes. */
qk_status qk_run_threaded(const qk_packed_op* op, const void* input, void* output,
                          void* workspace, size_t workspace_bytes, const qk_threadpool* pool);

/* Requantization primitives (see qkernels/requantize.h). */

/* The real multiplier M = S_in * S_w / S_out of an op, as TFLite computes it. Which one to use:
 *   qk_effective_scale_per_channel (rule D): CONV_2D and DEPTHWISE_CONV_2D (int8 and int16x8,
 *     per-channel or one filter scale), FULLY_CONNECTED with per-channel filter scales;
 *   qk_effective_scale_per_tensor (rule F): FULLY_CONNECTED with one filter scale (int8, uint8,
 *     int16x8) and every uint8 op; the product S_in * S_w is rounded to float first.
 * Both give TFLite's value (the default floating-point environment's) in any rounding mode or
 * FTZ/DAZ setting of the calling thread, which they leave as they found it. */
double qk_effective_scale_per_channel(float input_scale, float filter_scale, float output_scale);
double qk_effective_scale_per_tensor(float input_scale, float filter_scale, float output_scale);
/* M -> (multiplier, shift) as TFLite's QuantizeMultiplier; exact, the same in any floating-point
 * environment. */
void qk_quantize_multiplier(double real_multiplier, qk_rounding rounding, int32_t* multiplier,
                            int* shift);
int32_t qk_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift,
                                            qk_rounding rounding);
int32_t qk_multiply_by_quantized_multiplier_int64(int64_t x, int32_t multiplier, int shift);
/* rows x channels int32 accumulators (+ optional bias) -> int8 (see qk::RequantizeInt32ToInt8). */
qk_status qk_requantize_int32_to_int8(const int32_t* accumulators, const int32_t* bias, int rows,
                                      int channels, const qk_requantization* quant,
                                      int8_t* output);

const char* qk_isa_name(qk_isa isa);
int qk_isa_supported(qk_isa isa);
/* The ISA QK_ISA_AUTO resolves to; qk_set_isa_override(QK_ISA_AUTO) clears the override. */
qk_isa qk_default_isa(void);
qk_status qk_set_isa_override(qk_isa isa);

const char* qk_last_error(void);

/* The library's version, "MAJOR.MINOR.PATCH" (QKERNELS_VERSION_STRING of the build). */
const char* qk_version(void);

#ifdef __cplusplus
}
#endif

#endif /* QKERNELS_QKERNELS_H_ */
