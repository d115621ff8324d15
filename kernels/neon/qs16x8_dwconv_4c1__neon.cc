// The plain NEON int16x8 microkernels of the depthwise-conv driver (kernels/driver/
// dwconv_driver.h): 4 channels per chunk, smull int16 x int16 -> int32 (exact: |x * w| <= 2^22),
// then saddw/saddw2 into int64 lanes that wrap like TFLite's 64-bit sums. A tap outside the image
// reads the driver's row of zeros (int16x8 has no input zero point) and contributes 0. The int64
// requantization is TFLite's scalar one, applied to each int64 lane moved to a scalar.
#include <arm_neon.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

#include "kernels/neon/neon_kernels.h"
#include "qkernels/requantize.h"

namespace qk {
namespace neon {
namespace {

using driver::DwPixels;
using internal::OpDesc;
using internal::PackedData;

constexpr int kChunk = 4;

// A chunk's constants, prepared once per Run (in the driver's workspace).
struct DwState {
  int64_t bias[kChunk];
  int32_t mult[kChunk], shift[kChunk];
  int32_t act_min, act_max;
  const int16_t* w;  // [tap][4]
  int taps, n;
};

void Prepare(const OpDesc& d, const PackedData& p, int chunk, void* state) {
  DwState& s = *new (state) DwState;
  const int c0 = chunk * kChunk;
  s.n = std::min(kChunk, d.out_c - c0);
  for (int i = 0; i < kChunk; ++i) {
    const bool valid = i < s.n;
    s.bias[i] = valid && d.has_bias ? p.bias64[c0 + i] : 0;
    s.mult[i] = valid ? p.multiplier[c0 + i] : 0;
    s.shift[i] = valid ? p.shift[c0 + i] : 0;
  }
  s.act_min = d.act_min;
  s.act_max = d.act_max;
  s.taps = d.kernel_h * d.kernel_w;
  s.w = p.packed.as<int16_t>() + size_t(chunk) * s.taps * kChunk;
}

// 4 channels of a tap: all 4 loaded directly (kFull), or the chunk's n valid ones staged.
template <bool kFull>
inline int16x4_t Load4(const int16_t* p, int n) {
  if (kFull) return vld1_s16(p);
  int16_t staged[kChunk] = {};
  std::memcpy(staged, p, size_t(n) * sizeof(int16_t));
  return vld1_s16(staged);
}

// Taps per exact int32 partial sum: |x * w| <= 2^15 * 2^7 = 2^22, so 256 products stay below
// 2^30 in magnitude; each partial sum is then widened into the int64 lanes (saddw), which wrap
// like TFLite's 64-bit sums.
constexpr int kTapChunk = 256;

// One output pixel; tap(t) is tap t's channel c0. smlal int16 x int16 -> int32, two
// accumulators on alternate taps (the multiply-accumulate latency is not on one chain).
template <bool kFull, typename TapAt>
inline void Pixel(const DwState& s, TapAt tap, int16_t* out) {
  int64x2_t a01 = vdupq_n_s64(0), a23 = vdupq_n_s64(0);
  const int16_t* w = s.w;
  for (int t0 = 0; t0 < s.taps; t0 += kTapChunk) {
    const int t1 = std::min(s.taps, t0 + kTapChunk);
    int32x4_t c0 = vdupq_n_s32(0), c1 = c0;
    int t = t0;
    for (; t + 2 <= t1; t += 2, w += 2 * kChunk) {
      c0 = vmlal_s16(c0, Load4<kFull>(tap(t), s.n), vld1_s16(w));
      c1 = vmlal_s16(c1, Load4<kFull>(tap(t + 1), s.n), vld1_s16(w + kChunk));
    }
    if (t < t1) {
      c0 = vmlal_s16(c0, Load4<kFull>(tap(t), s.n), vld1_s16(w));
      w += kChunk;
    }
    const int32x4_t c = vaddq_s32(c0, c1);  // at most kTapChunk products: exact
    a01 = vaddw_s32(a01, vget_low_s32(c));
    a23 = vaddw_high_s32(a23, c);
  }
  const int64_t sums[kChunk] = {vgetq_lane_s64(a01, 0), vgetq_lane_s64(a01, 1),
                                vgetq_lane_s64(a23, 0), vgetq_lane_s64(a23, 1)};
  for (int i = 0; i < s.n; ++i) {
    const uint64_t acc = static_cast<uint64_t>(sums[i]) + static_cast<uint64_t>(s.bias[i]);
    const int32_t scaled =
        MultiplyByQuantizedMultiplier(static_cast<int64_t>(acc), s.mult[i], s.shift[i]);
    out[i] = static_cast<int16_t>(std::min(std::max(scaled, s.act_min), s.act_max));
  }
}

template <bool kFull, typename PixelTaps>
void RunPixels(const DwPixels& p, PixelTaps pixel_taps) {
  const DwState& s = *static_cast<const DwState*>(p.state);
  for (int i = 0; i < p.count; ++i) {
    Pixel<kFull>(s, pixel_taps(i), reinterpret_cast<int16_t*>(p.out + i * p.out_step));
  }
}

template <bool kFull>
void InteriorPixels(const DwPixels& p) {
  const uint8_t* origin = p.first + int64_t{p.c0} * 2;
  const int64_t* off = p.tap_offset;
  RunPixels<kFull>(p, [&](int i) {
    const uint8_t* px = origin + i * p.x_step;
    return [px, off](int t) { return reinterpret_cast<const int16_t*>(px + off[t]); };
  });
}

[[gnu::noinline]] void PartialChunk(const DwPixels& p) { InteriorPixels<false>(p); }

// The interior pixels (every tap inside the image) of a whole chunk: the microkernel, named by
// the kernel grammar (scripts/arm-mca.sh finds it by that name and models its tap loop). The
// last chunk of a channel count that is not a multiple of 4 takes the staged loads.
[[gnu::noinline]] void qs16x8_dwconv_4c1__neon(const DwPixels& p) {
  if (static_cast<const DwState*>(p.state)->n == kChunk) {
    InteriorPixels<true>(p);
  } else {
    PartialChunk(p);
  }
}

template <bool kFull>
void BorderPixels(const DwPixels& p) {
  const int taps = p.desc->kernel_h * p.desc->kernel_w;
  const int c0 = p.c0;
  RunPixels<kFull>(p, [&](int i) {
    const uint8_t* const* t0 = p.taps + int64_t{i} * taps;
    return [t0, c0](int t) { return reinterpret_cast<const int16_t*>(t0[t]) + c0; };
  });
}

void Border(const DwPixels& p) {
  if (static_cast<const DwState*>(p.state)->n == kChunk) {
    BorderPixels<true>(p);
  } else {
    BorderPixels<false>(p);
  }
}

}  // namespace

// [chunk][tap][4] int16 weights (int16x8 filters have no zero point), zero past the last channel.
void PackDw16(const OpDesc& d, PackedData* data) {
  const int taps = d.kernel_h * d.kernel_w;
  const int chunks = (d.out_c + kChunk - 1) / kChunk;
  data->packed.Resize(size_t(chunks) * taps * kChunk * sizeof(int16_t));
  int16_t* w = data->packed.as<int16_t>();
  for (int t = 0; t < taps; ++t) {
    for (int c = 0; c < d.out_c; ++c) {
      w[(size_t(c / kChunk) * taps + t) * kChunk + c % kChunk] =
          data->filter[size_t(t) * d.out_c + c];
    }
  }
}

const driver::DwConvConfig kDwConv16 = {kChunk, sizeof(DwState), Prepare, qs16x8_dwconv_4c1__neon,
                                         Border};

}  // namespace neon
}  // namespace qk
