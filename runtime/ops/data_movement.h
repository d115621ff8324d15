// Type-agnostic data movement (any element size): TRANSPOSE (reference_ops::Transpose),
// CONCATENATION (reference_ops::Concatenation: a plain copy, as TFLite Micro does for int8) and
// PAD / PADV2 (reference_ops::PadImpl).
#ifndef QKERNELS_RUNTIME_OPS_DATA_MOVEMENT_H_
#define QKERNELS_RUNTIME_OPS_DATA_MOVEMENT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qk {
namespace rt {
namespace ops {

// output dims[i] = input dims[perm[i]]. perm is a permutation of 0..rank-1 (checked by caller).
void Transpose(const std::vector<int>& input_dims, const std::vector<int>& perm,
               size_t element_size, const void* input, void* output);

// Concatenates inputs (all of the same rank, equal dims except `axis`) along `axis`.
void Concatenate(const std::vector<std::vector<int>>& input_dims, const std::vector<const void*>& inputs,
                 int axis, size_t element_size, void* output);

// Pads each dimension i with before[i] / after[i] copies of `pad_value` (element_size bytes).
void Pad(const std::vector<int>& input_dims, const std::vector<int>& before,
         const std::vector<int>& after, size_t element_size, const void* pad_value,
         const void* input, void* output);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_DATA_MOVEMENT_H_
