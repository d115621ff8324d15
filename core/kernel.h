// Internal: the kernel table row and the packed-op state every kernel reads.
//
// Each ISA folder contributes rows (kernels/<isa>/*_table.cc); dispatch/ orders them best first,
// scalar last, and the API, the tests and the benchmarks all pick from the same table.
#ifndef QKERNELS_CORE_KERNEL_H_
#define QKERNELS_CORE_KERNEL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/op_desc.h"
#include "core/parallel.h"
#include "qkernels/isa.h"
#include "qkernels/requantize.h"

namespace qk {
namespace internal {

// The kind of core an op is packed for (dispatch decides, from the CPU or QK_ARM_CORE_CLASS): a
// kernel may lay out its weights for a tile scheduled for in-order issue (Cortex-A53/A55).
enum class CoreClass { kOutOfOrder, kInOrder };

// What Pack* hands to a kernel's pack function, and what its run function reads.
struct PackedData {
  // Set by the API before the pack function runs.
  CoreClass core_class = CoreClass::kOutOfOrder;
  // Always expanded to out_c entries (per-tensor values are broadcast).
  std::vector<int32_t> multiplier;
  std::vector<int32_t> shift;
  // out_c entries, zero when the op has no bias. bias64 is used by kInt16 only.
  std::vector<int32_t> bias32;
  std::vector<int64_t> bias64;
  // The caller's filter, copied in its documented layout (uint8 weights stored as bytes).
  std::vector<int8_t> filter;
  // Kernel-specific: packed weights and a bias with folded zero-point compensation.
  AlignedBuffer packed;
  std::vector<int32_t> packed_bias;
  // Kernel-specific: which of its packings a pack function chose from the weights (0 unless the
  // kernel has more than one), for its run function.
  int pack_variant = 0;
};

// Run() hands kernels a workspace aligned to this (PackedOp::workspace_size() includes the slack).
constexpr size_t kWorkspaceAlignment = 64;

struct Kernel {
  Isa isa;
  OpKind op;
  DataType type;
  const char* name;
  // Can this kernel run `desc`? (e.g. a 1x1 direct kernel only takes pointwise convolutions)
  bool (*applies)(const OpDesc& desc);
  // Fills data->packed / data->packed_bias from data->filter / bias32 (may throw std::bad_alloc).
  // nullptr when the kernel reads the plain filter.
  void (*pack)(const OpDesc& desc, PackedData* data);
  // Scratch bytes `run` needs with up to `threads` threads (shared state plus one slice per
  // thread). nullptr means 0.
  size_t (*workspace_bytes)(const OpDesc& desc, int threads);
  // Computes the whole output, split over at most par.threads threads. input/output point to the
  // op's element type (any alignment); `workspace` is aligned to kWorkspaceAlignment and holds
  // workspace_bytes(desc, par.threads) bytes.
  void (*run)(const OpDesc& desc, const PackedData& data, const void* input, void* output,
              void* workspace, const Parallel& par);
};

// The standalone requantization behind the API's RequantizeInt32ToInt8: rows x channels int32
// accumulators (channel fastest, + bias[c] wrapping when bias is not null) -> int8
// clamp(MultiplyByQuantizedMultiplier(.) + output_zp, act_min, act_max). Arguments are validated
// by the API (multipliers 0 or in [2^30, 2^31), shifts in [-31, 30], -128 <= act_min <= act_max
// <= 127, output_zp in [-128, 127]). Each ISA provides one; dispatch/requantize_rows.cc picks it.
struct RequantizeRowsArgs {
  const int32_t* acc;
  const int32_t* bias;  // channels values, or nullptr
  int rows, channels;
  const int32_t* multiplier;  // channels values when per_channel, else 1
  const int32_t* shift;
  bool per_channel;
  Rounding rounding;
  int32_t output_zp, act_min, act_max;
  int8_t* output;
};
using RequantizeRowsFn = void (*)(const RequantizeRowsArgs& args);

}  // namespace internal
}  // namespace qk

#endif  // QKERNELS_CORE_KERNEL_H_
