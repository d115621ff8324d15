// int16x8 depthwise conv2d (depth multiplier 1) on plain NEON: 4 channels per step, smull
// int16 x int16 -> int32 (exact: |x * w| <= 2^22), then saddw/saddw2 into int64 lanes that wrap
// like TFLite's 64-bit sums. Channel tails are scalar; the int64 requantization is the scalar one.
#include <arm_neon.h>

#include <algorithm>
#include <cstdint>

#include "kernels/neon/neon_kernels.h"
#include "qkernels/requantize.h"

namespace qk {
namespace neon {

using internal::OpDesc;
using internal::PackedData;

void RunDepthwiseInt16(const OpDesc& d, const PackedData& p, const void* input_v,
                       void* output_v, void*) {
  const int16_t* input = static_cast<const int16_t*>(input_v);
  int16_t* output = static_cast<int16_t*>(output_v);
  const int16_t* weights = p.packed.as<int16_t>();  // [ky][kx][C], widened by PackDepthwise
  const int C = d.out_c;
  for (int b = 0; b < d.batch; ++b) {
    for (int oy = 0; oy < d.out_h; ++oy) {
      for (int ox = 0; ox < d.out_w; ++ox) {
        int16_t* out = output + ((size_t(b) * d.out_h + oy) * d.out_w + ox) * C;
        for (int c0 = 0; c0 < C; c0 += 4) {
          const int n = std::min(4, C - c0);
          int64x2_t a01 = vdupq_n_s64(0), a23 = vdupq_n_s64(0);
          uint64_t tail[4] = {0, 0, 0, 0};
          for (int ky = 0; ky < d.kernel_h; ++ky) {
            const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
            if (iy < 0 || iy >= d.in_h) continue;
            for (int kx = 0; kx < d.kernel_w; ++kx) {
              const int ix = ox * d.stride_w - d.pad_left + kx * d.dilation_w;
              if (ix < 0 || ix >= d.in_w) continue;
              const int16_t* x = input + ((size_t(b) * d.in_h + iy) * d.in_w + ix) * C + c0;
              const int16_t* w = weights + (size_t(ky) * d.kernel_w + kx) * C + c0;
              if (n == 4) {
                const int32x4_t prod = vmull_s16(vld1_s16(x), vld1_s16(w));
                a01 = vaddw_s32(a01, vget_low_s32(prod));
                a23 = vaddw_high_s32(a23, prod);
              } else {
                for (int i = 0; i < n; ++i) tail[i] += static_cast<uint64_t>(int64_t{x[i]} * w[i]);
              }
            }
          }
          if (n == 4) {
            tail[0] = static_cast<uint64_t>(vgetq_lane_s64(a01, 0));
            tail[1] = static_cast<uint64_t>(vgetq_lane_s64(a01, 1));
            tail[2] = static_cast<uint64_t>(vgetq_lane_s64(a23, 0));
            tail[3] = static_cast<uint64_t>(vgetq_lane_s64(a23, 1));
          }
          for (int i = 0; i < n; ++i) {
            const int c = c0 + i;
            uint64_t sum = tail[i];
            if (d.has_bias) sum += static_cast<uint64_t>(p.bias64[c]);
            const int32_t scaled = MultiplyByQuantizedMultiplier(static_cast<int64_t>(sum),
                                                                 p.multiplier[c], p.shift[c]);
            out[c] = static_cast<int16_t>(std::min(std::max(scaled, d.act_min), d.act_max));
          }
        }
      }
    }
  }
}

}  // namespace neon
}  // namespace qk
