// The Armv8.2 dotprod microkernel of the GEMV driver (kernels/driver/gemv_driver.h): int8 fully
// connected with a few batch rows, 4 outputs x 16 inputs per step. Each sdot multiplies 16 raw
// int8 weights of one output by 16 raw int8 inputs (AFormat::kRawBytes) into 4 int32 lanes, exact
// and wrapping like the reference; pairwise adds (addp, wrapping) reduce the 4 outputs' lanes
// into one vector, which is requantized in registers (kernels/arm/requantize_arm.h). The input
// zero point is folded into the bias at packing: sum w (x - zp) = sum w x - zp sum w; the
// driver's zero padding of x meets zero weights.
#include <arm_neon.h>

#include <algorithm>
#include <cstring>

#include "kernels/arm/requantize_arm.h"
#include "kernels/neondot/neondot_kernels.h"

namespace qk {
namespace neondot {
namespace {

using internal::OpDesc;
using internal::PackedData;

constexpr int kRows = 4;    // outputs per step: one int32 lane each after the reduction
constexpr int kDepth = 16;  // inputs per sdot

int PaddedDepth(const OpDesc& d) { return (d.in_c + kDepth - 1) / kDepth * kDepth; }
int PaddedOutputs(const OpDesc& d) { return (d.out_c + kRows - 1) / kRows * kRows; }

void GemvRows(const driver::GemvRows& r) {
  const OpDesc& d = *r.desc;
  const int dp = r.kp;
  const int op = PaddedOutputs(d);
  const int8_t* weights = r.data->packed.as<int8_t>();  // [op][dp], zero padded
  const int32_t* bias = r.data->packed_bias.data();      // [bias'][multiplier][shift], op each
  const arm::OutputStage o = arm::MakeOutputStage(d.output_zp, d.act_min, d.act_max, d.rounding);
  for (int o0 = r.o_begin; o0 < r.o_end; o0 += kRows) {
    const int8_t* w = weights + size_t(o0) * dp;
    const int32x4_t b = vld1q_s32(bias + o0);
    const int32x4_t m = vld1q_s32(bias + op + o0);
    const int32x4_t s = vld1q_s32(bias + 2 * op + o0);
    const int n = std::min(kRows, r.o_end - o0);
    for (int row = 0; row < d.batch; ++row) {
      const int8_t* x = reinterpret_cast<const int8_t*>(r.x + row * r.x_stride);
      int32x4_t acc0 = vdupq_n_s32(0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
      for (int k = 0; k < dp; k += kDepth) {
        const int8x16_t xv = vld1q_s8(x + k);
        acc0 = vdotq_s32(acc0, vld1q_s8(w + k), xv);
        acc1 = vdotq_s32(acc1, vld1q_s8(w + dp + k), xv);
        acc2 = vdotq_s32(acc2, vld1q_s8(w + 2 * dp + k), xv);
        acc3 = vdotq_s32(acc3, vld1q_s8(w + 3 * dp + k), xv);
      }
      // Lane j = the sum of acc_j's lanes (addp wraps like the reference's sums).
      const int32x4_t sums = vpaddq_s32(vpaddq_s32(acc0, acc1), vpaddq_s32(acc2, acc3));
      const int32x4_t y = arm::RequantizeLanes(sums, b, m, s, o);
      const uint8x8_t bytes = arm::NarrowToBytes(y, y);
      uint8_t staged[8];
      vst1_u8(staged, bytes);
      std::memcpy(r.out + row * r.out_stride + o0, staged, size_t(n));
    }
  }
}

}  // namespace

bool GemvApplies(const OpDesc& d) { return d.batch < 4; }

// Weights as int8 rows of PaddedDepth, PaddedOutputs rows (zero padded); packed_bias holds
// [bias - input_zp * sum w][multiplier][shift], PaddedOutputs values each (0 past out_c).
void PackGemv(const OpDesc& d, PackedData* data) {
  const int dp = PaddedDepth(d), op = PaddedOutputs(d);
  data->packed.Resize(size_t(op) * dp);  // zero-filled
  int8_t* w = data->packed.as<int8_t>();
  data->packed_bias.assign(3 * size_t(op), 0);
  int32_t* bias = data->packed_bias.data();
  for (int o = 0; o < d.out_c; ++o) {
    const int8_t* src = data->filter.data() + size_t(o) * d.in_c;
    std::memcpy(w + size_t(o) * dp, src, size_t(d.in_c));
    uint32_t sum = 0;  // wraps like the accumulators
    for (int k = 0; k < d.in_c; ++k) sum += static_cast<uint32_t>(int32_t{src[k]});
    bias[o] = static_cast<int32_t>(static_cast<uint32_t>(data->bias32[o]) -
                                   static_cast<uint32_t>(d.input_zp) * sum);
    bias[op + o] = data->multiplier[o];
    bias[2 * op + o] = data->shift[o];
  }
}

const driver::GemvConfig kGemv = {kRows, kDepth, driver::AFormat::kRawBytes, GemvRows,
                                  /*convert=*/nullptr};

}  // namespace neondot
}  // namespace qk
