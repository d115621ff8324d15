// int8 MEAN exactly as TFLite Micro's reference kernel runs it (kernels/reduce_common.cc,
// EvalIntegerMean, current upstream):
//   same scale and zero point in and out -> reference_ops::Mean (sum / count, truncating);
//   otherwise                            -> reference_ops::QuantizedMeanOrSum (integer: the
//                                           1/count factor folded into the multiplier).
// (Older TFLite Micro releases had a 4-D keep_dims special case and a float rescale instead.)
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
  enum class Path { kSameScale, kRescale } path = Path::kSameScale;
  std::vector<int> input_dims;
  std::vector<bool> reduced;  // per input dimension
  size_t num_outputs = 0;
  int64_t num_elements_in_axis = 0;
  int32_t input_zp = 0, output_zp = 0;
  // QuantizeMultiplier(input_scale / output_scale) with 1/count folded in (kRescale).
  int32_t multiplier = 0;
  int shift = 0;
};

// `axis` as stored in the model (negative values count from the end; duplicates ignored).
bool PrepareMean(const std::vector<int>& input_dims, const std::vector<int32_t>& axis,
                 bool keep_dims, float input_scale, int32_t input_zp, float output_scale,
                 int32_t output_zp, size_t output_elements, MeanParams* params,
                 std::string* error);

// `scratch` holds num_outputs int32 values.
void Mean(const MeanParams& p, const int8_t* input, int8_t* output, int32_t* scratch);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_MEAN_H_
