// Test-only transcription of TFLite Micro 90b983c's reference_ops::QuantizedMeanOrSum
// (kernels/internal/reference/reduce.h, compute_sum = false) with the helpers it calls
// (ResolveAxis; Reduce through ReducedOutputOffset / NextIndex from kernels/internal/types.h;
// CountLeadingZeros from common.h), line by line, independent of runtime/ops/mean.cc.
#ifndef QKERNELS_TESTS_TFLM_REDUCE_H_
#define QKERNELS_TESTS_TFLM_REDUCE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "tests/tflm_arith.h"

namespace qk {
namespace tflm {

inline bool NextIndex(int num_dims, const int* dims, int* current) {
  if (num_dims == 0) return false;
  int carry = 1;
  for (int idx = num_dims - 1; idx >= 0; --idx) {
    const int current_val = current[idx] + carry;
    if (current_val >= dims[idx]) {
      current[idx] = 0;
    } else {
      current[idx] = current_val;
      carry = 0;
      break;
    }
  }
  return carry == 0;
}

inline size_t ReducedOutputOffset(int num_dims, const int* dims, const int* index,
                                  int num_axis, const int* axis) {
  if (num_dims == 0) return 0;
  size_t offset = 0;
  for (int idx = 0; idx < num_dims; ++idx) {
    bool is_axis = false;
    if (axis != nullptr) {
      for (int axis_idx = 0; axis_idx < num_axis; ++axis_idx) {
        if (idx == axis[axis_idx]) {
          is_axis = true;
          break;
        }
      }
    }
    if (!is_axis) offset = offset * size_t(dims[idx]) + size_t(index[idx]);
  }
  return offset;
}

inline bool ResolveAxis(int num_dims, const int* axis, int num_axis, int* out_axis,
                        int* out_num_axis) {
  *out_num_axis = 0;
  if (num_dims == 0) return true;
  for (int idx = 0; idx < num_axis; ++idx) {
    const int current = axis[idx] < 0 ? (axis[idx] + num_dims) : axis[idx];
    if (current < 0 || current >= num_dims) return false;
    bool is_dup = false;
    for (int j = 0; j < *out_num_axis; ++j) {
      if (out_axis[j] == current) {
        is_dup = true;
        break;
      }
    }
    if (!is_dup) out_axis[(*out_num_axis)++] = current;
  }
  return true;
}

inline int CountLeadingZeros(uint64_t integer_input) {
  if (integer_input == 0) return 64;
  const uint64_t one_in_leading_positive = uint64_t(1) << 63;
  int leading_zeros = 0;
  while (integer_input < one_in_leading_positive) {
    integer_input <<= 1;
    ++leading_zeros;
  }
  return leading_zeros;
}

// reference_ops::QuantizedMeanOrSum<T, int32_t>(..., compute_sum = false).
template <typename T>
inline bool QuantizedMean(const T* input_data, int32_t input_zero_point,
                          const std::vector<int>& in_dims, T* output_data,
                          int32_t output_multiplier, int output_shift, int32_t output_zero_point,
                          size_t num_outputs, const std::vector<int>& axis) {
  const int32_t kMinValue = std::numeric_limits<T>::min();
  const int32_t kMaxValue = std::numeric_limits<T>::max();
  const int input_num_dims = int(in_dims.size());
  const int* input_dims = in_dims.data();
  std::vector<int32_t> temp_sum(num_outputs);
  for (size_t idx = 0; idx < num_outputs; ++idx) {
    output_data[idx] = T();
    temp_sum[idx] = 0;
  }
  for (int i = 0; i < input_num_dims; ++i) {
    if (input_dims[i] == 0) return true;
  }
  std::vector<int> resolved_axis(axis.size() + 1);
  int num_resolved_axis = 0;
  if (!ResolveAxis(input_num_dims, axis.data(), int(axis.size()), resolved_axis.data(),
                   &num_resolved_axis)) {
    return false;
  }
  std::vector<int> input_iter(input_num_dims + 1, 0);
  do {  // ReduceSumImpl -> Reduce
    const size_t input_offset =
        ReducedOutputOffset(input_num_dims, input_dims, input_iter.data(), 0, nullptr);
    const size_t output_offset = ReducedOutputOffset(input_num_dims, input_dims, input_iter.data(),
                                                     num_resolved_axis, resolved_axis.data());
    temp_sum[output_offset] = WrapAdd(temp_sum[output_offset], input_data[input_offset]);
  } while (NextIndex(input_num_dims, input_dims, input_iter.data()));
  int64_t num_elements_in_axis = 1;  // CheckedReducedElementCount
  for (int idx = 0; idx < num_resolved_axis; ++idx) {
    num_elements_in_axis *= input_dims[resolved_axis[idx]];
  }
  if (num_elements_in_axis == 0) return true;
  int shift = 63 - CountLeadingZeros(static_cast<uint64_t>(num_elements_in_axis));
  shift = std::min(shift, 32);
  shift = std::min(shift, 31 + output_shift);
  output_multiplier = static_cast<int32_t>((static_cast<int64_t>(output_multiplier) << shift) /
                                           num_elements_in_axis);
  output_shift = output_shift - shift;
  for (size_t idx = 0; idx < num_outputs; ++idx) {
    const int32_t shifted_sum =
        static_cast<int32_t>(temp_sum[idx] - input_zero_point * num_elements_in_axis);
    int32_t output =
        MultiplyByQuantizedMultiplier(shifted_sum, output_multiplier, output_shift) +
        output_zero_point;
    output = std::min(std::max(output, kMinValue), kMaxValue);
    output_data[idx] = static_cast<T>(output);
  }
  return true;
}

}  // namespace tflm
}  // namespace qk

#endif  // QKERNELS_TESTS_TFLM_REDUCE_H_
