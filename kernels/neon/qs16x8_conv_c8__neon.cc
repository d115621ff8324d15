// int16x8 conv2d and fully connected on plain NEON: per output, the dot product over a group's
// input channels runs 8 at a time (smull/smull2 int16 x int16 -> int32, exact since
// |x * w| <= 2^15 * 2^7, then sadalp into int64 lanes); channel tails are scalar. The int64
// requantization is the scalar one (it is a small part of the work and must wrap exactly as
// TFLite's 64-bit arithmetic does).
#include <arm_neon.h>

#include <algorithm>

#include "kernels/neon/neon_kernels.h"
#include "qkernels/requantize.h"

namespace qk {
namespace neon {

using internal::OpDesc;
using internal::PackedData;

void PackConvInt16(const OpDesc& d, PackedData* data) {
  const size_t count = d.FilterElements();
  data->packed.Resize(count * sizeof(int16_t));
  int16_t* w = data->packed.as<int16_t>();
  for (size_t i = 0; i < count; ++i) w[i] = data->filter[i];  // [oc][ky][kx][group_in_c]
}

void RunConvInt16(const OpDesc& d, const PackedData& p, const void* input_v, void* output_v,
                  void*) {
  const int16_t* input = static_cast<const int16_t*>(input_v);
  int16_t* output = static_cast<int16_t*>(output_v);
  const int16_t* filter = p.packed.as<int16_t>();
  const int gic = d.in_c / d.groups;
  const int goc = d.out_c / d.groups;
  for (int b = 0; b < d.batch; ++b) {
    for (int oy = 0; oy < d.out_h; ++oy) {
      for (int ox = 0; ox < d.out_w; ++ox) {
        int16_t* out = output + ((size_t(b) * d.out_h + oy) * d.out_w + ox) * d.out_c;
        for (int oc = 0; oc < d.out_c; ++oc) {
          const int in_c0 = (oc / goc) * gic;
          int64x2_t vacc = vdupq_n_s64(0);
          uint64_t tail = 0;  // wrapping, like the vector lanes
          for (int ky = 0; ky < d.kernel_h; ++ky) {
            const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
            if (iy < 0 || iy >= d.in_h) continue;
            for (int kx = 0; kx < d.kernel_w; ++kx) {
              const int ix = ox * d.stride_w - d.pad_left + kx * d.dilation_w;
              if (ix < 0 || ix >= d.in_w) continue;
              const int16_t* x = input + ((size_t(b) * d.in_h + iy) * d.in_w + ix) * d.in_c + in_c0;
              const int16_t* w = filter + ((size_t(oc) * d.kernel_h + ky) * d.kernel_w + kx) * gic;
              int i = 0;
              for (; i + 8 <= gic; i += 8) {
                const int16x8_t vx = vld1q_s16(x + i), vw = vld1q_s16(w + i);
                vacc = vpadalq_s32(vacc, vmull_s16(vget_low_s16(vx), vget_low_s16(vw)));
                vacc = vpadalq_s32(vacc, vmull_high_s16(vx, vw));
              }
              for (; i < gic; ++i) tail += static_cast<uint64_t>(int64_t{x[i]} * w[i]);
            }
          }
          uint64_t sum = tail + static_cast<uint64_t>(vgetq_lane_s64(vacc, 0)) +
                         static_cast<uint64_t>(vgetq_lane_s64(vacc, 1));
          if (d.has_bias) sum += static_cast<uint64_t>(p.bias64[oc]);
          const int32_t scaled = MultiplyByQuantizedMultiplier(static_cast<int64_t>(sum),
                                                               p.multiplier[oc], p.shift[oc]);
          out[oc] = static_cast<int16_t>(std::min(std::max(scaled, d.act_min), d.act_max));
        }
      }
    }
  }
}

}  // namespace neon
}  // namespace qk
