// Depthwise conv2d on plain NEON, int8 and uint8: 8 output channels per step, widened to int16
// with the zero points removed (input at run time, filter at packing), then smlal/smlal2 into
// int32 accumulators per tap. Output channel oc reads input channel oc / depth_multiplier: with a
// multiplier of 1 that is a vector load, otherwise the 8 inputs are gathered into a small array.
// Channel tails (C % 8) run the same arithmetic in scalar code before the shared vectorized output
// stage, so no load or store leaves the buffers.
#include <arm_neon.h>

#include <cstring>

#include "kernels/neon/neon_kernels.h"

namespace qk {
namespace neon {
namespace {

using internal::OpDesc;
using internal::PackedData;

template <typename T>
int16x8_t LoadMinusZeroPoint(const T* x, int32_t zp);
template <>
int16x8_t LoadMinusZeroPoint(const int8_t* x, int32_t zp) {
  return vsubl_s8(vld1_s8(x), vdup_n_s8(static_cast<int8_t>(zp)));
}
template <>
int16x8_t LoadMinusZeroPoint(const uint8_t* x, int32_t zp) {
  return vreinterpretq_s16_u16(vsubl_u8(vld1_u8(x), vdup_n_u8(static_cast<uint8_t>(zp))));
}

template <typename T>
void DepthwiseTyped(const OpDesc& d, const PackedData& p, const T* input, T* output) {
  const int C = d.out_c;
  const int M = d.depth_multiplier;
  const int16_t* weights = p.packed.as<int16_t>();  // [ky][kx][C], w - filter_zp
  int32_t acc[8];
  for (int b = 0; b < d.batch; ++b) {
    for (int oy = 0; oy < d.out_h; ++oy) {
      for (int ox = 0; ox < d.out_w; ++ox) {
        T* out = output + ((size_t(b) * d.out_h + oy) * d.out_w + ox) * C;
        for (int c0 = 0; c0 < C; c0 += 8) {
          const int n = C - c0 < 8 ? C - c0 : 8;
          int32x4_t a0 = vdupq_n_s32(0), a1 = vdupq_n_s32(0);
          uint32_t tail[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // wrapping scalar sums
          for (int ky = 0; ky < d.kernel_h; ++ky) {
            const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
            if (iy < 0 || iy >= d.in_h) continue;
            for (int kx = 0; kx < d.kernel_w; ++kx) {
              const int ix = ox * d.stride_w - d.pad_left + kx * d.dilation_w;
              if (ix < 0 || ix >= d.in_w) continue;
              const T* x = input + ((size_t(b) * d.in_h + iy) * d.in_w + ix) * d.in_c;
              const int16_t* w = weights + (size_t(ky) * d.kernel_w + kx) * C + c0;
              if (n == 8) {
                int16x8_t vx;
                if (M == 1) {
                  vx = LoadMinusZeroPoint(x + c0, d.input_zp);
                } else {
                  int16_t gathered[8];
                  for (int i = 0; i < 8; ++i) gathered[i] = int16_t(x[(c0 + i) / M] - d.input_zp);
                  vx = vld1q_s16(gathered);
                }
                const int16x8_t vw = vld1q_s16(w);
                a0 = vmlal_s16(a0, vget_low_s16(vx), vget_low_s16(vw));
                a1 = vmlal_high_s16(a1, vx, vw);
              } else {
                for (int i = 0; i < n; ++i) {
                  const int32_t xv = int32_t(x[(c0 + i) / M]) - d.input_zp;
                  tail[i] += static_cast<uint32_t>(w[i] * xv);
                }
              }
            }
          }
          if (n == 8) {
            vst1q_s32(acc, a0);
            vst1q_s32(acc + 4, a1);
          } else {
            std::memcpy(acc, tail, sizeof(acc));
          }
          RequantizeRow(d, acc, p.bias32.data() + c0, p.multiplier.data() + c0,
                        p.shift.data() + c0, n, out + c0);
        }
      }
    }
  }
}

}  // namespace

bool DepthMultiplierIsOne(const OpDesc& d) { return d.depth_multiplier == 1; }
bool AlwaysApplies(const OpDesc&) { return true; }

void PackDepthwise(const OpDesc& d, PackedData* data) {
  const size_t count = d.FilterElements();
  data->packed.Resize(count * sizeof(int16_t));
  int16_t* w = data->packed.as<int16_t>();
  for (size_t i = 0; i < count; ++i) {
    const int32_t v = d.type == DataType::kUInt8 ? int32_t(static_cast<uint8_t>(data->filter[i]))
                                                 : int32_t(data->filter[i]);
    w[i] = static_cast<int16_t>(v - d.filter_zp);
  }
}

void RunDepthwise(const OpDesc& d, const PackedData& p, const void* input, void* output, void*) {
  if (d.type == DataType::kUInt8) {
    DepthwiseTyped(d, p, static_cast<const uint8_t*>(input), static_cast<uint8_t*>(output));
  } else {
    DepthwiseTyped(d, p, static_cast<const int8_t*>(input), static_cast<int8_t*>(output));
  }
}

}  // namespace neon
}  // namespace qk
