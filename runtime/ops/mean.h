// MEAN on int8 and int16 exactly as TFLite Micro 90b983c runs it: micro/kernels/reduce_common.cc
// PrepareMeanOrSumHelper (multiplier/shift = QuantizeMultiplier(double(input_scale) /
// double(output_scale))), then EvalMeanHelper -> EvalIntegerMean -> reference_ops::
// QuantizedMeanOrSum with compute_sum = false (kernels/internal/reference/reduce.h). That one
// path serves every axis set, keep_dims and quantization:
//   1. every output starts at 0; if any input dimension is 0 the outputs stay 0 (the integer 0,
//      not the zero point) and nothing else happens;
//   2. ResolveAxis: negative axes count from the end, duplicates are dropped, a scalar input
//      ignores the axes;
//   3. ReduceSumImpl: int32 sums of the raw input values (wrapping on overflow);
//   4. n = the product of the reduced dimensions; the 1/n factor is folded into the multiplier:
//      s = min(floor(log2 n), 32, 31 + shift), multiplier' = (int64(multiplier) << s) / n
//      (truncating), shift' = shift - s;
//   5. out = clamp(MultiplyByQuantizedMultiplier(int32(sum - input_zp * n), multiplier', shift')
//      + output_zp) to the type's range.
// keep_dims changes only the output's shape. TFLite Micro has no other integer path: its 4-D
// "axes {1, 2} with keep_dims" special case is float-only, and equal input/output quantization
// takes the same path.
//
// Full TensorFlow Lite (tensorflow/lite/kernels/reduce.cc, EvalMean) computes int8/int16 MEAN
// differently in two cases: a 4-D input reduced over axes {1, 2} with keep_dims goes to
// reference_integer_ops::Mean / optimized_integer_ops::Mean (rescale, then divide by n rounding
// half away from zero), and equal input/output scale and zero point goes to reference_ops::Mean
// (raw sum / n, truncating toward zero). It also requires int16 zero points of 0. The runner
// follows TFLite Micro.
#ifndef QKERNELS_RUNTIME_OPS_MEAN_H_
#define QKERNELS_RUNTIME_OPS_MEAN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qk {
namespace rt {
namespace ops {

struct MeanParams {
  std::vector<int> input_dims;
  std::vector<bool> reduced;  // per input dimension, after ResolveAxis
  size_t num_outputs = 0;
  int64_t num_elements_in_axis = 1;  // n
  bool empty_input = false;          // some input dimension is 0: every output is 0
  int32_t input_zp = 0, output_zp = 0;
  // QuantizeMultiplier(input_scale / output_scale) with 1/n folded in (step 4 above).
  int32_t multiplier = 0;
  int shift = 0;
};

// `axis` as stored in the model. Fails (with a message) for an axis out of range, an output
// element count other than the reduction's, or a multiplier TFLite's arithmetic cannot apply
// (a folded shift above 30).
bool PrepareMean(const std::vector<int>& input_dims, const std::vector<int32_t>& axis,
                 float input_scale, int32_t input_zp, float output_scale, int32_t output_zp,
                 size_t output_elements, MeanParams* params, std::string* error);

// `scratch` holds num_outputs int32 values (TFLite Micro's temp_sum).
void Mean(const MeanParams& p, const int8_t* input, int8_t* output, int32_t* scratch);
void Mean(const MeanParams& p, const int16_t* input, int16_t* output, int32_t* scratch);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_MEAN_H_
