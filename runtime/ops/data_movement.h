// Type-agnostic data movement (any element size), no arithmetic, as TFLite Micro 90b983c moves
// the values: TRANSPOSE (micro/kernels/transpose.cc -> reference_ops::Transpose,
// kernels/internal/reference/transpose.h: out[i0..in] = in at the permuted index), CONCATENATION
// (micro/kernels/concatenation.cc -> reference_ops::Concatenation, reference/concatenation.h: for
// every outer index, each input's block along `axis` in turn; int8/int16 values are copied
// unchanged) and PAD / PADV2 (micro/kernels/pad.cc -> reference_ops::PadImpl, reference/pad.h:
// `before` / `after` copies of the pad value around each dimension). RESHAPE is a plain copy
// (micro/kernels/reshape.cc) done by its builder.
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

// Threads split a PAD along its first output dimension of size above 1 (the dimensions before it
// have size 1 and no padding); PadRows writes output indices [begin, end) of dimension `d` (the
// PadSplitDimension) exactly as Pad writes them.
int PadSplitDimension(const std::vector<int>& input_dims, const std::vector<int>& before,
                      const std::vector<int>& after);
void PadRows(const std::vector<int>& input_dims, const std::vector<int>& before,
             const std::vector<int>& after, size_t element_size, const void* pad_value,
             const void* input, void* output, int d, int begin, int end);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_DATA_MOVEMENT_H_
