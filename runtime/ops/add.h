// Quantized ADD exactly as TFLite Micro's add kernel: CalculateOpDataAdd's input rescaling
// (left_shift = 20 for 8-bit) and reference_integer_ops::Add / BroadcastAdd6DSlow's arithmetic.
#ifndef QKERNELS_RUNTIME_OPS_ADD_H_
#define QKERNELS_RUNTIME_OPS_ADD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qk {
namespace rt {
namespace ops {

constexpr int kMaxBroadcastRank = 6;

struct AddParams {
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int left_shift = 20;
  int32_t input1_multiplier = 0, input2_multiplier = 0, output_multiplier = 0;
  int input1_shift = 0, input2_shift = 0, output_shift = 0;
  int32_t act_min = -128, act_max = 127;
  // Broadcast geometry, right-aligned to kMaxBroadcastRank: output dims and each input's element
  // strides (0 along a broadcast dimension).
  int dims[kMaxBroadcastRank] = {1, 1, 1, 1, 1, 1};
  size_t stride1[kMaxBroadcastRank] = {}, stride2[kMaxBroadcastRank] = {};
};

// Fills the quantization fields from the scales and zero points (8-bit: left_shift 20).
bool PrepareAddQuantization(float input1_scale, int32_t input1_zp, float input2_scale,
                            int32_t input2_zp, float output_scale, int32_t output_zp,
                            AddParams* params, std::string* error);
// Fills the broadcast fields; fails when the shapes do not broadcast to `output`.
bool PrepareBroadcast(const std::vector<int>& input1, const std::vector<int>& input2,
                      const std::vector<int>& output, AddParams* params, std::string* error);

void Add(const AddParams& p, const int8_t* input1, const int8_t* input2, int8_t* output);
void Add(const AddParams& p, const uint8_t* input1, const uint8_t* input2, uint8_t* output);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_ADD_H_
