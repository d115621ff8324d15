// The plain NEON microkernels of the depthwise-conv driver (kernels/driver/dwconv_driver.h): int8
// and uint8, 8 channels per chunk. Activations are widened to int16 with the input zero point
// subtracted (ssubl/usubl: exact, |x - zp| <= 255), the packed weights are int16 w - filter_zp,
// and smlal/smlal2 accumulate into wrapping int32 lanes (|product| <= 255 * 255). A tap outside
// the image reads the driver's row of input_zp and contributes 0. The accumulators are
// requantized in registers (kernels/arm/requantize_arm.h) and each pixel's bytes stored once.
// A chunk's channel tail (C % 8) is staged through 8-byte arrays, so no load or store leaves the
// caller's buffers.
#include <arm_neon.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "kernels/arm/requantize_arm.h"
#include "kernels/neon/neon_kernels.h"

namespace qk {
namespace neon {
namespace {

using driver::DwPixels;
using internal::OpDesc;
using internal::PackedData;

constexpr int kChunk = 8;

int Chunks(const OpDesc& d) { return (d.out_c + kChunk - 1) / kChunk; }

// A chunk's constants, prepared once per Run (in the driver's workspace).
struct DwState {
  int32x4_t bias[2], mult[2], shift[2];
  arm::OutputStage stage;
  const int16_t* w;  // [tap][8]
  int taps, n;
  bool is_unsigned;
};

void Prepare(const OpDesc& d, const PackedData& p, int chunk, void* state) {
  DwState& s = *new (state) DwState;
  const int c0 = chunk * kChunk;
  s.n = std::min(kChunk, d.out_c - c0);
  int32_t bias[8] = {}, mult[8] = {}, shift[8] = {};
  for (int i = 0; i < s.n; ++i) {
    bias[i] = p.bias32[c0 + i];
    mult[i] = p.multiplier[c0 + i];
    shift[i] = p.shift[c0 + i];
  }
  for (int v = 0; v < 2; ++v) {
    s.bias[v] = vld1q_s32(bias + 4 * v);
    s.mult[v] = vld1q_s32(mult + 4 * v);
    s.shift[v] = vld1q_s32(shift + 4 * v);
  }
  s.stage = arm::MakeOutputStage(d.output_zp, d.act_min, d.act_max, d.rounding);
  s.taps = d.kernel_h * d.kernel_w;
  s.w = p.packed.as<int16_t>() + size_t(chunk) * s.taps * kChunk;
  s.is_unsigned = d.type == DataType::kUInt8;
}

// 8 activations of the chunk at p (n valid) as int16 minus the zero point.
template <bool kUnsigned>
inline int16x8_t LoadMinusZeroPoint(const uint8_t* p, int n, int32_t zp) {
  uint8_t staged[8] = {};
  if (n < kChunk) {
    std::memcpy(staged, p, size_t(n));
    p = staged;
  }
  if (kUnsigned) return vreinterpretq_s16_u16(vsubl_u8(vld1_u8(p), vdup_n_u8(uint8_t(zp))));
  return vsubl_s8(vld1_s8(reinterpret_cast<const int8_t*>(p)), vdup_n_s8(int8_t(zp)));
}

// One output pixel; tap(t) is tap t's channel c0.
template <bool kUnsigned, typename TapAt>
inline void Pixel(const DwState& s, int32_t zp, TapAt tap, uint8_t* out) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = vdupq_n_s32(0);
  const int16_t* w = s.w;
  for (int t = 0; t < s.taps; ++t, w += kChunk) {
    const int16x8_t x = LoadMinusZeroPoint<kUnsigned>(tap(t), s.n, zp);
    const int16x8_t vw = vld1q_s16(w);
    a0 = vmlal_s16(a0, vget_low_s16(x), vget_low_s16(vw));
    a1 = vmlal_high_s16(a1, x, vw);
  }
  const int32x4_t y0 = arm::RequantizeLanes(a0, s.bias[0], s.mult[0], s.shift[0], s.stage);
  const int32x4_t y1 = arm::RequantizeLanes(a1, s.bias[1], s.mult[1], s.shift[1], s.stage);
  const uint8x8_t bytes = arm::NarrowToBytes(y0, y1);
  if (s.n == kChunk) {
    vst1_u8(out, bytes);
  } else {
    uint8_t staged[8];
    vst1_u8(staged, bytes);
    std::memcpy(out, staged, size_t(s.n));
  }
}

template <bool kUnsigned, typename PixelTaps>
void RunPixels(const DwPixels& p, PixelTaps pixel_taps) {
  const DwState& s = *static_cast<const DwState*>(p.state);
  for (int i = 0; i < p.count; ++i) {
    Pixel<kUnsigned>(s, p.desc->input_zp, pixel_taps(i), p.out + i * p.out_step);
  }
}

template <bool kUnsigned>
void InteriorTyped(const DwPixels& p) {
  const uint8_t* origin = p.first + p.c0;
  const int64_t* off = p.tap_offset;
  RunPixels<kUnsigned>(p, [&](int i) {
    const uint8_t* px = origin + i * p.x_step;
    return [px, off](int t) { return px + off[t]; };
  });
}

template <bool kUnsigned>
void BorderTyped(const DwPixels& p) {
  const int taps = p.desc->kernel_h * p.desc->kernel_w;
  const int c0 = p.c0;
  RunPixels<kUnsigned>(p, [&](int i) {
    const uint8_t* const* t0 = p.taps + int64_t{i} * taps;
    return [t0, c0](int t) { return t0[t] + c0; };
  });
}

void Interior(const DwPixels& p) {
  if (p.desc->type == DataType::kUInt8) {
    InteriorTyped<true>(p);
  } else {
    InteriorTyped<false>(p);
  }
}

void Border(const DwPixels& p) {
  if (p.desc->type == DataType::kUInt8) {
    BorderTyped<true>(p);
  } else {
    BorderTyped<false>(p);
  }
}

}  // namespace

// [chunk][tap][8] int16 w - filter_zp, zero past the last channel.
void PackDw8(const OpDesc& d, PackedData* data) {
  const int taps = d.kernel_h * d.kernel_w;
  data->packed.Resize(size_t(Chunks(d)) * taps * kChunk * sizeof(int16_t));
  int16_t* w = data->packed.as<int16_t>();
  for (int t = 0; t < taps; ++t) {
    for (int c = 0; c < d.out_c; ++c) {
      const int8_t raw = data->filter[size_t(t) * d.out_c + c];
      const int32_t v = d.type == DataType::kUInt8 ? int32_t{static_cast<uint8_t>(raw)} : raw;
      w[(size_t(c / kChunk) * taps + t) * kChunk + c % kChunk] =
          static_cast<int16_t>(v - d.filter_zp);
    }
  }
}

const driver::DwConvConfig kDwConv = {kChunk, sizeof(DwState), Prepare, Interior, Border};

}  // namespace neon
}  // namespace qk
