// Quantized ADD exactly as TFLite Micro 90b983c runs it: micro/kernels/add_common.cc
// CalculateOpDataAdd (left_shift 20 for int8, 15 for int16; the three multipliers from
// QuantizeMultiplierSmallerThanOneExp of in1/(2 max_in), in2/(2 max_in) and
// 2 max_in/(2^left_shift out), all in double) and micro/kernels/add.cc EvalAddQuantized:
// reference_integer_ops::AddFunc for int8, reference_ops::AddElementwise (AddGeneralParamScale)
// for int16, each element
//   s_i = MultiplyByQuantizedMultiplierSmallerThanOneExp((q_i - zp_i) * 2^left_shift, m_i, e_i)
//   out = clamp(MultiplyByQuantizedMultiplierSmallerThanOneExp(s_1 + s_2, m_o, e_o) + zp_o)
// to the fused activation range. Broadcasting (BroadcastBinaryOpSimple, numpy rules on shapes
// right-aligned, any rank up to 6 here) gives each output element the same function of its two
// input elements.
//
// TFLite Micro has no uint8 ADD; uint8 runs the same arithmetic as full TFLite's reference_ops::
// Add<uint8_t> (kernels/internal/reference/add.h, left_shift 20). Full TFLite
// (tensorflow/lite/kernels/add.cc) differs for int16: when the op's pot_scale_int16 option is set
// and all three scales are powers of two with zero points 0, it uses a shift-only path
// (reference_ops::Add with pot_scale = true); TFLite Micro always uses the general path above.
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

// Fills the quantization fields from the scales and zero points; left_shift is 20 for 8-bit and
// 15 for int16 tensors. Fails when a multiplier is outside (0, 1) (TFLite aborts there).
bool PrepareAddQuantization(float input1_scale, int32_t input1_zp, float input2_scale,
                            int32_t input2_zp, float output_scale, int32_t output_zp,
                            int left_shift, AddParams* params, std::string* error);
// Fills the broadcast fields; fails when the shapes do not broadcast to `output`. Inputs of one
// shape may feed an output of another shape with as many elements (TFLite Micro then adds the
// flat arrays element by element).
bool PrepareBroadcast(const std::vector<int>& input1, const std::vector<int>& input2,
                      const std::vector<int>& output, AddParams* params, std::string* error);

// Threads split an ADD along its outermost output dimension of size above 1 (the flat arrays
// when the shapes are equal): the slice of indices [begin, end) of that dimension is an ADD of
// its own with these parameters, on the inputs and output from these element offsets. Every
// element is the same function of the same two input elements as in the whole op.
struct AddSlice {
  AddParams params;
  size_t offset1 = 0, offset2 = 0, offset_out = 0;
};
int AddSplitDimension(const AddParams& p);  // in [0, kMaxBroadcastRank)
AddSlice SliceAdd(const AddParams& p, int begin, int end);

// The broadcast walk both Add builds share (add.cc, simd_impl.h): for each innermost row of the
// output, in order, row(offset1, offset2, output_offset) with the row's first element in each
// input (its elements follow at stride1[5] / stride2[5]) and in the output (contiguous, dims[5]
// of them). Internal linkage: simd_avx2.cc instantiates it with AVX2 flags.
template <class Row>
static inline void ForEachAddRow(const AddParams& p, const Row& row) {
  const int* d = p.dims;
  size_t o = 0;
  for (int i0 = 0; i0 < d[0]; ++i0)
    for (int i1 = 0; i1 < d[1]; ++i1)
      for (int i2 = 0; i2 < d[2]; ++i2)
        for (int i3 = 0; i3 < d[3]; ++i3)
          for (int i4 = 0; i4 < d[4]; ++i4) {
            const size_t base1 = i0 * p.stride1[0] + i1 * p.stride1[1] + i2 * p.stride1[2] +
                                 i3 * p.stride1[3] + i4 * p.stride1[4];
            const size_t base2 = i0 * p.stride2[0] + i1 * p.stride2[1] + i2 * p.stride2[2] +
                                 i3 * p.stride2[3] + i4 * p.stride2[4];
            row(base1, base2, o);
            o += size_t(d[5]);
          }
}

void Add(const AddParams& p, const int8_t* input1, const int8_t* input2, int8_t* output);
void Add(const AddParams& p, const uint8_t* input1, const uint8_t* input2, uint8_t* output);
void Add(const AddParams& p, const int16_t* input1, const int16_t* input2, int16_t* output);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_ADD_H_
