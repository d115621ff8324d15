// int8 MEAN: TFLite Micro EvalMeanHelper's three paths (see mean.h).
#include "runtime/ops/mean.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "qkernels/requantize.h"

namespace qk {
namespace rt {
namespace ops {

bool PrepareMean(const std::vector<int>& dims, const std::vector<int32_t>& axis, bool /*keep_dims*/,
                 float input_scale, int32_t input_zp, float output_scale, int32_t output_zp,
                 size_t output_elements, MeanParams* p, std::string* error) {
  const int rank = int(dims.size());
  p->input_dims = dims;
  p->reduced.assign(rank, false);
  // reference_ops::ResolveAxis.
  for (int32_t a : axis) {
    const int current = a < 0 ? a + rank : a;
    if (current < 0 || current >= rank) {
      *error = "mean: axis " + std::to_string(a) + " out of range for rank " + std::to_string(rank);
      return false;
    }
    p->reduced[current] = true;
  }
  p->num_outputs = 1;
  p->num_elements_in_axis = 1;
  for (int i = 0; i < rank; ++i) {
    if (p->reduced[i]) {
      p->num_elements_in_axis *= dims[i];
    } else {
      p->num_outputs *= size_t(dims[i]);
    }
  }
  if (p->num_outputs != output_elements) {
    *error = "mean: output tensor has " + std::to_string(output_elements) + " elements, expected " +
             std::to_string(p->num_outputs);
    return false;
  }
  if (p->num_elements_in_axis <= 0 || p->num_elements_in_axis > (int64_t(1) << 23)) {
    *error = "mean: reduced element count out of range";
    return false;
  }
  p->input_zp = input_zp;
  p->output_zp = output_zp;
  if (input_zp == output_zp && input_scale == output_scale) {
    p->path = MeanParams::Path::kSameScale;
    return true;
  }
  p->path = MeanParams::Path::kRescale;
  const QuantizedMultiplier q = QuantizeMultiplier(double(input_scale) / double(output_scale));
  // QuantizedMeanOrSum: fold 1/count into the multiplier, shift <= 32 and shift - 31 <= out shift.
  const uint64_t n = uint64_t(p->num_elements_in_axis);
  int shift = 63 - __builtin_clzll(n);
  shift = std::min(shift, 32);
  shift = std::max(0, std::min(shift, 31 + q.shift));
  p->multiplier = int32_t((int64_t(q.multiplier) << shift) / int64_t(n));
  p->shift = q.shift - shift;
  return true;
}

void Mean(const MeanParams& p, const int8_t* input, int8_t* output, int32_t* sum) {
  // Sum every input element into its output position (reference_ops::ReduceSumImpl order).
  const int rank = int(p.input_dims.size());
  std::fill(sum, sum + p.num_outputs, 0);
  size_t in_count = 1;
  for (int d : p.input_dims) in_count *= size_t(d);
  std::vector<size_t> out_stride(rank, 0);
  size_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    if (!p.reduced[i]) {
      out_stride[i] = s;
      s *= size_t(p.input_dims[i]);
    }
  }
  std::vector<int> index(rank, 0);
  size_t out_offset = 0;
  for (size_t i = 0; i < in_count; ++i) {
    sum[out_offset] = int32_t(uint32_t(sum[out_offset]) + uint32_t(int32_t(input[i])));
    for (int d = rank - 1; d >= 0; --d) {  // next index, row-major
      out_offset += out_stride[d];
      if (++index[d] < p.input_dims[d]) break;
      out_offset -= out_stride[d] * size_t(index[d]);
      index[d] = 0;
    }
  }
  const int64_t n = p.num_elements_in_axis;
  constexpr int32_t kMin = std::numeric_limits<int8_t>::min();
  constexpr int32_t kMax = std::numeric_limits<int8_t>::max();
  for (size_t o = 0; o < p.num_outputs; ++o) {
    if (p.path == MeanParams::Path::kSameScale) {
      // reference_ops::Mean: integer division, truncating; the cast wraps like TFLite's.
      output[o] = int8_t(sum[o] / int32_t(n));
    } else {
      // reference_ops::QuantizedMeanOrSum, compute_sum = false.
      const int32_t shifted_sum = int32_t(int64_t(sum[o]) - int64_t(p.input_zp) * n);
      int32_t v = MultiplyByQuantizedMultiplier(shifted_sum, p.multiplier, p.shift) + p.output_zp;
      output[o] = int8_t(std::min(std::max(v, kMin), kMax));
    }
  }
}

}  // namespace ops
}  // namespace rt
}  // namespace qk
