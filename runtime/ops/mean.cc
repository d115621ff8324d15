// int8/int16 MEAN: TFLite Micro's reference_ops::QuantizedMeanOrSum (see mean.h).
#include "runtime/ops/mean.h"

#include <algorithm>
#include <limits>

#include "qkernels/requantize.h"

namespace qk {
namespace rt {
namespace ops {
namespace {

// reference_ops::ResolveAxis: marks the reduced dimensions; a scalar ignores the axes.
bool ResolveAxis(int rank, const std::vector<int32_t>& axis, std::vector<bool>* reduced,
                 std::string* error) {
  reduced->assign(rank, false);
  if (rank == 0) return true;
  for (int32_t a : axis) {
    const int64_t current = a < 0 ? int64_t(a) + rank : a;
    if (current < 0 || current >= rank) {
      *error = "mean: axis " + std::to_string(a) + " out of range for rank " + std::to_string(rank);
      return false;
    }
    (*reduced)[current] = true;
  }
  return true;
}

// QuantizedMeanOrSum's "readapt output rescaling": folds 1/n into multiplier and shift.
void FoldCount(int64_t n, int32_t* multiplier, int* shift) {
  int s = 63 - __builtin_clzll(uint64_t(n));  // floor(log2 n), n > 0
  s = std::min(s, 32);
  s = std::min(s, 31 + *shift);  // QuantizeMultiplier keeps shift >= -31, so s >= 0
  *multiplier = int32_t((int64_t(*multiplier) << s) / n);
  *shift -= s;
}

// reference_ops::ReduceSumImpl: adds every input element to its output's int32 sum (wrapping).
// The sums are taken modulo 2^32 (uint32), so the order of the additions cannot change them:
// the walk goes a whole innermost row at a time (the index stepping once per row, not per
// element), and the row's loop is a plain vectorizable one. Kept innermost dimension: element
// j of the row adds to output base + j; reduced: the whole row adds to output base.
template <typename T>
void SumReduced(const MeanParams& p, const T* input, int32_t* sum) {
  const int rank = int(p.input_dims.size());
  std::fill(sum, sum + p.num_outputs, 0);
  if (rank == 0) {
    sum[0] = int32_t(input[0]);
    return;
  }
  size_t rows = 1;
  for (int i = 0; i + 1 < rank; ++i) rows *= size_t(p.input_dims[i]);
  std::vector<size_t> out_stride(rank, 0);  // 0 along reduced dimensions
  size_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    if (!p.reduced[i]) {
      out_stride[i] = s;
      s *= size_t(p.input_dims[i]);
    }
  }
  const size_t row_len = size_t(p.input_dims[rank - 1]);
  const bool row_reduced = p.reduced[rank - 1];
  uint32_t* acc = reinterpret_cast<uint32_t*>(sum);
  std::vector<int> index(rank - 1, 0);
  size_t out_offset = 0;
  for (size_t r = 0; r < rows; ++r) {
    const T* row = input + r * row_len;
    if (row_reduced) {
      uint32_t total = 0;
      for (size_t j = 0; j < row_len; ++j) total += uint32_t(int32_t(row[j]));
      acc[out_offset] += total;
    } else {
      uint32_t* out = acc + out_offset;
      for (size_t j = 0; j < row_len; ++j) out[j] += uint32_t(int32_t(row[j]));
    }
    for (int d = rank - 2; d >= 0; --d) {  // next row, row-major
      out_offset += out_stride[d];
      if (++index[d] < p.input_dims[d]) break;
      out_offset -= out_stride[d] * size_t(index[d]);
      index[d] = 0;
    }
  }
}

template <typename T>
void MeanImpl(const MeanParams& p, const T* input, T* output, int32_t* sum) {
  if (p.empty_input) {
    std::fill(output, output + p.num_outputs, T(0));
    return;
  }
  SumReduced(p, input, sum);
  const int64_t n = p.num_elements_in_axis;
  constexpr int32_t kMin = std::numeric_limits<T>::min();
  constexpr int32_t kMax = std::numeric_limits<T>::max();
  for (size_t o = 0; o < p.num_outputs; ++o) {
    // The zero-point correction is computed in int64 and cast back to int32, as TFLite does.
    const int32_t shifted_sum = int32_t(int64_t(sum[o]) - int64_t(p.input_zp) * n);
    const int32_t v = MultiplyByQuantizedMultiplier(shifted_sum, p.multiplier, p.shift) +
                      p.output_zp;
    output[o] = T(std::min(std::max(v, kMin), kMax));
  }
}

}  // namespace

bool PrepareMean(const std::vector<int>& dims, const std::vector<int32_t>& axis,
                 float input_scale, int32_t input_zp, float output_scale, int32_t output_zp,
                 size_t output_elements, MeanParams* p, std::string* error) {
  const int rank = int(dims.size());
  p->input_dims = dims;
  if (!ResolveAxis(rank, axis, &p->reduced, error)) return false;
  p->num_outputs = 1;
  p->num_elements_in_axis = 1;
  p->empty_input = false;
  bool overflow = false;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] == 0) p->empty_input = true;
    if (p->reduced[i]) {
      overflow |= __builtin_mul_overflow(p->num_elements_in_axis, int64_t(dims[i]),
                                         &p->num_elements_in_axis);
    } else {
      overflow |= __builtin_mul_overflow(p->num_outputs, size_t(dims[i]), &p->num_outputs);
    }
  }
  if (overflow) {  // only possible with a zero-size dimension elsewhere
    *error = "mean: element count overflows";
    return false;
  }
  if (p->num_outputs != output_elements) {
    *error = "mean: output tensor has " + std::to_string(output_elements) + " elements, expected " +
             std::to_string(p->num_outputs);
    return false;
  }
  p->input_zp = input_zp;
  p->output_zp = output_zp;
  const QuantizedMultiplier q = QuantizeMultiplier(double(input_scale) / double(output_scale));
  p->multiplier = q.multiplier;
  p->shift = q.shift;
  if (!p->empty_input) FoldCount(p->num_elements_in_axis, &p->multiplier, &p->shift);
  if (p->shift > 30) {
    *error = "mean: input scale / output scale too large (rescaling shift above 30)";
    return false;
  }
  return true;
}

void Mean(const MeanParams& p, const int8_t* input, int8_t* output, int32_t* scratch) {
  MeanImpl(p, input, output, scratch);
}
void Mean(const MeanParams& p, const int16_t* input, int16_t* output, int32_t* scratch) {
  MeanImpl(p, input, output, scratch);
}

}  // namespace ops
}  // namespace rt
}  // namespace qk
