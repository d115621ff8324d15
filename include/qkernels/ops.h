// qkernels: the operations (conv2d, depthwise conv2d, fully connected), their parameters, weight
// packing and execution.
//
// Usage: describe the op in a *Params struct, pack the weights once (Pack*), keep the PackedOp,
// ask it for workspace_size(), then call Run() as often as needed; Run() allocates nothing when it
// is given a workspace of at least workspace_size() bytes. Every entry point validates its
// arguments and returns a Status whose message names the offending field.
//
// Layouts (dense, row-major, last dimension fastest):
//   conv2d            input N,H,W,C   filter O,KH,KW,C/groups   output N,OH,OW,O
//   depthwise conv2d  input N,H,W,C   filter 1,KH,KW,C*M        output N,OH,OW,C*M
//   fully connected   input B,D       filter O,D                output B,O
// Buffers are exact-sized: kernels never read or write outside the element counts above.
#ifndef QKERNELS_OPS_H_
#define QKERNELS_OPS_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "qkernels/isa.h"
#include "qkernels/requantize.h"
#include "qkernels/status.h"
#include "qkernels/types.h"

struct pthreadpool;  // pthreadpool.h's pthreadpool_t is `struct pthreadpool*`

namespace qk {

// A pool of threads Run() splits an op over: a pthreadpool (the pool XNNPACK and PyTorch use),
// owned, or the caller's, shared. Any number of threads gives the same output bytes. A pool runs
// one Run() at a time (concurrent calls on one pool wait for each other inside pthreadpool).
class ThreadPool {
 public:
  // A pool of `threads` threads in all (the calling thread and threads - 1 workers); 0 means one
  // per logical CPU. If the threads cannot be created, the pool runs everything on the caller
  // (threads() == 1).
  explicit ThreadPool(int threads);
  // Wraps the caller's pool without owning it: `shared` must outlive this object. nullptr: one
  // thread.
  explicit ThreadPool(pthreadpool* shared);
  ~ThreadPool();
  ThreadPool(ThreadPool&& other) noexcept;
  ThreadPool& operator=(ThreadPool&& other) noexcept;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const;        // >= 1
  pthreadpool* get() const;  // nullptr when single-threaded

 private:
  pthreadpool* pool_ = nullptr;
  bool owned_ = false;
};

// How int32 (int64 for kInt16) accumulators become output values (FORMAT.md section 4):
//   out = clamp(MultiplyByQuantizedMultiplier(acc + bias, multiplier[c], shift[c])
//               + output_zero_point, activation_min, activation_max)
// with acc = sum (filter - filter_zero_point) * (input - input_zero_point).
struct Requantization {
  int32_t input_zero_point = 0;   // int8: [-128, 127]; uint8: [0, 255]; int16: must be 0
  int32_t filter_zero_point = 0;  // uint8: [0, 255]; int8/int16: must be 0
  int32_t output_zero_point = 0;  // like input_zero_point
  // `num_channels` values each: 1 (per-tensor, broadcast) or the number of output channels
  // (for kUInt8 the per-channel form is a qkernels extension: TFLite's uint8 ops are per-tensor).
  // multiplier: 0 or in [2^30, 2^31-1]; shift: [-31, 30] ([-31, 7] for kInt16). The arrays are
  // copied by Pack*, so they need to live only for that call.
  const int32_t* output_multiplier = nullptr;
  const int32_t* output_shift = nullptr;
  // Required: 0 (the default, "not set") is refused with an error naming quant.num_channels, so
  // per-channel arrays are never silently reduced to their first value.
  int num_channels = 0;
  // Inclusive clamp, already including output_zero_point; within the output type's range.
  int32_t activation_min = -128;
  int32_t activation_max = 127;
  Rounding rounding = Rounding::kDouble;  // ignored for kInt16 (TFLite's int64 path has one mode)
};

struct Conv2DParams {
  DataType type = DataType::kInt8;
  int batch = 1;
  int input_height = 0, input_width = 0, input_channels = 0;
  int output_channels = 0;
  int kernel_height = 0, kernel_width = 0;
  int groups = 1;  // input_channels and output_channels must both be multiples of groups
  int stride_height = 1, stride_width = 1;
  int dilation_height = 1, dilation_width = 1;
  Padding padding = Padding::kValid;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;  // Padding::kExplicit only
  Requantization quant;
};

struct DepthwiseConv2DParams {
  DataType type = DataType::kInt8;
  int batch = 1;
  int input_height = 0, input_width = 0, input_channels = 0;
  int depth_multiplier = 1;  // output channels = input_channels * depth_multiplier
  int kernel_height = 0, kernel_width = 0;
  int stride_height = 1, stride_width = 1;
  int dilation_height = 1, dilation_width = 1;
  Padding padding = Padding::kValid;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  Requantization quant;
};

struct FullyConnectedParams {
  DataType type = DataType::kInt8;
  int batch = 1;
  int input_depth = 0;
  int output_depth = 0;
  Requantization quant;
};

// Output spatial size of a conv/depthwise description. Validates the geometry only (type,
// shapes, strides, dilations, padding, groups, sizes; errors as for Pack* below); `quant` is not
// read. The output pointers may be nullptr.
Status Conv2DOutputSize(const Conv2DParams& params, int* output_height, int* output_width);
Status DepthwiseConv2DOutputSize(const DepthwiseConv2DParams& params, int* output_height,
                                 int* output_width);

// Packed weights plus everything the op needs to run: opaque, movable, owned by the caller.
// A PackedOp is immutable after packing and may be run from many threads at once (each with its
// own workspace).
class PackedOp {
 public:
  PackedOp();
  ~PackedOp();
  PackedOp(PackedOp&&) noexcept;
  PackedOp& operator=(PackedOp&&) noexcept;
  PackedOp(const PackedOp&) = delete;
  PackedOp& operator=(const PackedOp&) = delete;

  bool empty() const;
  DataType type() const;
  Isa isa() const;                  // the ISA of the kernel that will run
  const char* kernel_name() const;  // e.g. "qs8_conv_igemm_6x64c4__avx512vnni"
  size_t workspace_size() const;    // bytes Run() needs as scratch (may be 0), one thread
  // Scratch bytes of a Run() on a pool of `threads` threads (the library carves one slice per
  // thread from it, plus what the threads share); workspace_size(1) == workspace_size().
  size_t workspace_size(int threads) const;
  size_t input_elements() const;    // documented input buffer size
  size_t output_elements() const;   // documented output buffer size
  int output_height() const;        // 1 for fully connected
  int output_width() const;         // 1 for fully connected
  int output_channels() const;


 private:
  struct Impl;  // the library's state of a packed op
  friend struct PackedOpAccess;
  std::unique_ptr<Impl> impl_;
};

// Pack the weights for the kernel chosen for `isa` (kAuto: DefaultIsa()). The filter has the
// layout above and type int8_t (uint8_t for kUInt8). `bias` has output-channel values of type
// int32_t (int64_t for kInt16), or is nullptr for "no bias". Fails with kIsaUnavailable when `isa`
// is not supported on this CPU. Filter and bias are copied; they need not outlive the call.
//
// Errors (kInvalidArgument unless stated; the message starts with the field's name):
//   type                 not kInt8, kUInt8 or kInt16
//   batch, input_height/width/channels, output_channels/output_depth, input_depth,
//   kernel_height/width, stride_*, dilation_*, groups, depth_multiplier
//                        < 1 or > 2^24; explicit pad_* < 0 or > 2^24
//   padding              not kValid, kSame or kExplicit
//   groups               does not divide input_channels or output_channels
//   input_channels * depth_multiplier   > 2^24
//   output_height/width  the (dilated) kernel does not fit the padded input
//   input, output, filter  more than 2^31-1 elements (products are computed without overflow)
//   quant.input_zero_point/output_zero_point  outside the type's range (int16: must be 0)
//   quant.filter_zero_point  not 0 (int8, int16) or outside [0, 255] (uint8)
//   quant.num_channels   0 (not set), or neither 1 nor the number of output channels
//   quant.output_multiplier/output_shift  nullptr; multiplier not 0 and not in [2^30, 2^31-1];
//                        shift outside [-31, 30] ([-31, 7] for kInt16)
//   quant.activation_min/max  min > max, or outside the type's range
//   quant.rounding       not kDouble or kSingle
//   filter, out          nullptr
//   bias                 kInt16 only: a value outside (-2^47, 2^47) (the accumulator contract)
//   isa                  kIsaUnavailable: not compiled in, not supported by this CPU, or unknown
//   (kUnsupported when no kernel exists for the op/type; kOutOfMemory when packing cannot allocate)
Status PackConv2D(const Conv2DParams& params, const void* filter, const void* bias, PackedOp* out,
                  Isa isa = Isa::kAuto);
Status PackDepthwiseConv2D(const DepthwiseConv2DParams& params, const void* filter,
                           const void* bias, PackedOp* out, Isa isa = Isa::kAuto);
Status PackFullyConnected(const FullyConnectedParams& params, const void* filter, const void* bias,
                          PackedOp* out, Isa isa = Isa::kAuto);

// Runs a packed op. The element type must match the op's DataType (int8_t / uint8_t / int16_t),
// else kInvalidArgument. `workspace` must be at least workspace_size() bytes (kBufferTooSmall
// otherwise); if it is nullptr the call allocates its own (convenient, not for hot loops). Like
// every user buffer, the workspace may have any alignment.
// Errors: op empty (never packed or moved from), type mismatch, input or output nullptr:
// kInvalidArgument; workspace_bytes < workspace_size(): kBufferTooSmall; kOutOfMemory when
// workspace is nullptr and the allocation fails. Input and output must not overlap.
Status Run(const PackedOp& op, const int8_t* input, int8_t* output, void* workspace = nullptr,
           size_t workspace_bytes = 0);
Status Run(const PackedOp& op, const uint8_t* input, uint8_t* output, void* workspace = nullptr,
           size_t workspace_bytes = 0);
Status Run(const PackedOp& op, const int16_t* input, int16_t* output, void* workspace = nullptr,
           size_t workspace_bytes = 0);

// The same, split over the threads of `pool` (nullptr: the calling thread only). The output is
// byte-identical for any number of threads; small ops may use fewer threads than the pool has.
// `workspace` must hold workspace_size(pool->threads()) bytes (kBufferTooSmall otherwise), or be
// nullptr (the call allocates). Errors as above.
Status Run(const PackedOp& op, const int8_t* input, int8_t* output, void* workspace,
           size_t workspace_bytes, const ThreadPool* pool);
Status Run(const PackedOp& op, const uint8_t* input, uint8_t* output, void* workspace,
           size_t workspace_bytes, const ThreadPool* pool);
Status Run(const PackedOp& op, const int16_t* input, int16_t* output, void* workspace,
           size_t workspace_bytes, const ThreadPool* pool);

// Requantizes a rows x channels matrix of int32 accumulators (channel fastest) to int8, with the
// per-channel (num_channels == channels) or per-tensor (num_channels == 1) multipliers in `quant`:
// the step a hand-written int8 inference needs after its own convolution. `bias` (channels values)
// may be nullptr. input_zero_point/filter_zero_point are not used (the accumulators already hold
// the zero-point-corrected sums); quant.activation_min/max must lie in [-128, 127].
// Errors (kInvalidArgument): rows < 0, channels < 1, rows*channels > 2^31-1, any quant field
// invalid as for Pack* (with int8 ranges, num_channels 1 or `channels`), accumulators or output
// nullptr while rows > 0.
Status RequantizeInt32ToInt8(const int32_t* accumulators, const int32_t* bias, int rows,
                             int channels, const Requantization& quant, int8_t* output);

}  // namespace qk

#endif  // QKERNELS_OPS_H_
