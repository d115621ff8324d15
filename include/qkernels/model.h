/* qkernels model runner, C API: load an int8/uint8 TensorFlow Lite model (.tflite), run it with the
 * qkernels kernels, get TFLite's output bytes exactly. Shaped like TFLite's own C API
 * (TfLiteModelCreate / TfLiteInterpreterInvoke / TfLiteTensorCopyToBuffer), in one object:
 *
 *   qk_model* m;
 *   if (qk_model_load_file("model.tflite", QK_ISA_AUTO, &m) != QK_OK) puts(qk_last_error());
 *   qk_model_set_input(m, 0, pixels, 784);         (the byte count must be the tensor's)
 *   qk_model_invoke(m);
 *   qk_model_get_output(m, 0, scores, 10);
 *   qk_model_free(m);
 *
 * Link with qkernels::runtime (CMake) or `pkg-config --static --libs qkernels-runtime`.
 *
 * Errors: every qk_status function returns QK_OK or an error code, and qk_last_error() then gives
 * a one-line message naming what is wrong (the same thread-local message as the rest of the C API):
 *   QK_INVALID_ARGUMENT  a NULL pointer, an index out of range, a byte count that is not the
 *                        tensor's, or bytes that are not a well-formed TFLite model;
 *   QK_UNSUPPORTED       a well-formed model this runtime cannot run (the message names the
 *                        operator or tensor), or a call made at the wrong time (see each function);
 *   QK_ISA_UNAVAILABLE   the isa asked for (or QK_ISA's) is not compiled in or not on this CPU;
 *   QK_OUT_OF_MEMORY     an allocation failed.
 * Malformed model files are refused with a message, never a crash: the reader bounds-checks every
 * offset, index and size before use.
 *
 * Threads: a qk_model is used by one thread at a time; different models are independent. */
#ifndef QKERNELS_MODEL_H_
#define QKERNELS_MODEL_H_

#include <stddef.h>
#include <stdint.h>

#include "qkernels/qkernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qk_model qk_model;

/* Tensor element types, numbered like TFLite's TfLiteType. */
typedef enum {
  QK_TENSOR_FLOAT32 = 1,
  QK_TENSOR_INT32 = 2,
  QK_TENSOR_UINT8 = 3,
  QK_TENSOR_INT64 = 4,
  QK_TENSOR_BOOL = 6,
  QK_TENSOR_INT16 = 7,
  QK_TENSOR_INT8 = 9,
  QK_TENSOR_FLOAT16 = 10
} qk_tensor_type;

/* "float32", "int8", ... ("unknown" for another value). */
const char* qk_tensor_type_name(qk_tensor_type type);

#define QK_MODEL_MAX_DIMS 8

typedef struct {
  const char* name; /* the tensor's name in the model; valid until qk_model_free */
  int index;        /* the tensor's index in the model's tensor list */
  qk_tensor_type type;
  int num_dims; /* 0 for a scalar */
  int dims[QK_MODEL_MAX_DIMS];
  size_t bytes; /* elements x element size: what set_input / get_output take */
  /* real = scale * (q - zero_point); scale 0 = not quantized. For a tensor quantized per channel,
   * the first channel's values. */
  float scale;
  int32_t zero_point;
} qk_tensor_info;

/* Reads the model and prepares it: checks every operator and tensor, packs the weights once for
 * `isa` (QK_ISA_AUTO: qk_default_isa(), which honours QK_ISA) and plans its activation memory.
 * load_buffer copies what it needs: `data` may be freed after the call. *out must be released with
 * qk_model_free. On failure *out is NULL. */
qk_status qk_model_load_file(const char* path, qk_isa isa, qk_model** out);
qk_status qk_model_load_buffer(const void* data, size_t bytes, qk_isa isa, qk_model** out);
/* The same, with the conv / depthwise / fully-connected kernels split over `threads` threads (a
 * thread pool the model owns; 1 = the calling thread only, 0 = one per logical CPU; < 0:
 * QK_INVALID_ARGUMENT). The outputs are byte-identical for any thread count. */
qk_status qk_model_load_file_threads(const char* path, qk_isa isa, int threads, qk_model** out);
qk_status qk_model_load_buffer_threads(const void* data, size_t bytes, qk_isa isa, int threads,
                                       qk_model** out);
/* NULL is accepted. */
void qk_model_free(qk_model* model);
/* The threads the model runs on (1 for NULL). */
int qk_model_threads(const qk_model* model);

/* 0 for a NULL model. */
int qk_model_num_inputs(const qk_model* model);
int qk_model_num_outputs(const qk_model* model);
qk_status qk_model_input_info(const qk_model* model, int index, qk_tensor_info* info);
qk_status qk_model_output_info(const qk_model* model, int index, qk_tensor_info* info);

/* Copies `bytes` bytes (exactly the input tensor's, in its row-major layout) into input `index`.
 * Inputs keep their values across invokes; an input never set holds zero bytes. */
qk_status qk_model_set_input(qk_model* model, int index, const void* data, size_t bytes);
/* Runs every operator in order. Allocates nothing. */
qk_status qk_model_invoke(qk_model* model);
/* Copies output `index` (exactly the tensor's bytes) after a successful invoke; QK_UNSUPPORTED
 * before the first one or after a failed one. */
qk_status qk_model_get_output(const qk_model* model, int index, void* data, size_t bytes);

/* What the model was prepared with: the ISA of its kernels, and the bytes of its activation
 * arena and of its kernels' scratch (weights not counted). */
qk_isa qk_model_isa(const qk_model* model);
size_t qk_model_arena_bytes(const qk_model* model);
size_t qk_model_workspace_bytes(const qk_model* model);

/* Operators, in execution order. */
typedef struct {
  const char* name;   /* TFLite's operator name: "CONV_2D", "SOFTMAX", ... */
  const char* kernel; /* what runs it: a qkernels kernel name, or "reference:<NAME>" */
  int num_outputs;
  int num_inputs; /* including optional inputs the model leaves absent */
} qk_op_info;
int qk_model_num_ops(const qk_model* model);
qk_status qk_model_op_info(const qk_model* model, int op_index, qk_op_info* info);
/* The `k`-th output tensor of an operator. */
qk_status qk_model_op_output_info(const qk_model* model, int op_index, int k, qk_tensor_info* info);
/* The `k`-th input tensor of an operator (activations and constants: filter, bias, ...), e.g. to
 * derive a layer's multiplier from its scales; QK_UNSUPPORTED for an optional input the model
 * leaves absent. */
qk_status qk_model_op_input_info(const qk_model* model, int op_index, int k, qk_tensor_info* info);

/* Invoke with an observer called before (QK_OP_BEGIN) and after (QK_OP_END) each operator, for
 * timing and for reading intermediate tensors. In the observer, the model may only be queried
 * (info functions, qk_model_get_op_output); set_input, invoke and free are refused or forbidden. */
typedef enum { QK_OP_BEGIN = 0, QK_OP_END = 1 } qk_op_event;
typedef void (*qk_op_observer)(void* user_data, int op_index, qk_op_event event);
qk_status qk_model_invoke_observed(qk_model* model, qk_op_observer observer, void* user_data);
/* Copies the `k`-th output of operator `op_index` (exactly its bytes). Only inside that operator's
 * QK_OP_END observer call: activations share memory, so later the bytes may belong to another
 * tensor (QK_UNSUPPORTED otherwise). */
qk_status qk_model_get_op_output(const qk_model* model, int op_index, int k, void* data,
                                 size_t bytes);

#ifdef __cplusplus
}
#endif

#endif /* QKERNELS_MODEL_H_ */
