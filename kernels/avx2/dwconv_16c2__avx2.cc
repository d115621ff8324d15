// The AVX2 microkernels of the depthwise-conv driver (kernels/driver/dwconv_driver.h): int8,
// uint8 and int16x8, 16 channels per chunk, the taps taken two at a time. The two taps'
// activations (int16, input zero point subtracted) are interleaved per channel and vpmaddwd
// against the interleaved weight pair gives x0*w0 + x1*w1 per int32 lane: exact (|x - zp|,
// |w - wzp| <= 255; int16x8: <= 2^23 per pair), and vpaddd wraps like the reference. A tap outside
// the image reads the driver's row of input_zp, i.e. it contributes (zp - zp) * w = 0: exactly
// the reference's skipped tap; an odd kernel's last pair has a zero partner and a zero weight.
#include <algorithm>
#include <new>

#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/requantize64_avx2.h"

namespace qk {
namespace avx2 {
namespace {

using driver::DwPixels;

constexpr int kBlock = 16;
constexpr int kChunkPairs = 128;  // int16x8: 128 tap pairs * 2^23 < 2^31, exact in int32

struct DwShape {
  int taps, tap_pairs, blocks;
};
DwShape GetDwShape(const OpDesc& d) {
  DwShape s;
  s.taps = d.kernel_h * d.kernel_w;
  s.tap_pairs = (s.taps + 1) / 2;
  s.blocks = (d.out_c + kBlock - 1) / kBlock;
  return s;
}

// 16 activations of a chunk (n valid) as int16, zero point subtracted.
template <typename T>
QK_AVX2_INLINE __m256i Widen16(const T* p, __m256i zp) {
  if (sizeof(T) == 2) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m256i w = std::is_signed<T>::value ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v);
  return _mm256_sub_epi16(w, zp);
}

// 16 activations (kFull) or the chunk's n, staged so that no load leaves the caller's buffer.
template <typename T, bool kFull>
QK_AVX2_INLINE __m256i Load16(const T* p, int n, __m256i zp) {
  if (kFull) return Widen16(p, zp);
  alignas(32) T tmp[kBlock] = {};
  std::memcpy(tmp, p, size_t(n) * sizeof(T));
  return Widen16(tmp, zp);
}

// Adds x0 * w(pair) + x1 * w(pair) of 16 channels into acc0 (lanes {0-3 | 8-11}) and acc1
// ({4-7 | 12-15}), the packed order.
QK_AVX2_INLINE void MaddPair(__m256i x0, __m256i x1, const int16_t* w, __m256i* acc0,
                             __m256i* acc1) {
  const __m256i lo = _mm256_unpacklo_epi16(x0, x1), hi = _mm256_unpackhi_epi16(x0, x1);
  *acc0 = _mm256_add_epi32(
      *acc0, _mm256_madd_epi16(lo, _mm256_load_si256(reinterpret_cast<const __m256i*>(w))));
  *acc1 = _mm256_add_epi32(*acc1, _mm256_madd_epi16(
                                      hi, _mm256_load_si256(
                                              reinterpret_cast<const __m256i*>(w + kBlock))));
}

// A chunk's constants, prepared once per Run (in the driver's workspace).
struct DwState {
  explicit DwState(const OpDesc& d) : e(d) {}
  ChannelVec v0, v1;  // 8-bit: channels c0..c0+7, c0+8..c0+15
  Epilogue e;
  Params64 p64;       // int16x8
  __m256i zp, lo, hi;
  const int16_t* w;   // the chunk's tap pairs
  int taps, tap_pairs, n;
};

void Prepare(const OpDesc& d, const PackedData& data, int chunk, void* state) {
  DwState& s = *new (state) DwState(d);
  const DwShape shape = GetDwShape(d);
  const int c0 = chunk * kBlock;
  if (d.type == DataType::kInt16) {
    s.p64 = GetParams64(d, data);
  } else {
    const ChannelParams cp = GetChannelParams(d, data);
    s.e = Epilogue(d, cp);
    s.v0 = LoadChannelVec(cp, c0, s.e.single_rounding);
    s.v1 = LoadChannelVec(cp, c0 + 8, s.e.single_rounding);
  }
  s.zp = _mm256_set1_epi16(static_cast<int16_t>(d.input_zp));
  s.lo = _mm256_set1_epi32(d.act_min);
  s.hi = _mm256_set1_epi32(d.act_max);
  s.w = data.packed.as<int16_t>() + size_t(chunk) * shape.tap_pairs * 2 * kBlock;
  s.taps = shape.taps;
  s.tap_pairs = shape.tap_pairs;
  s.n = std::min(kBlock, d.out_c - c0);
}

// Tap pairs [p0, p1) of one chunk (tap(t) = tap t's channel c0); returns channels 0..7, 8..15.
// An odd kernel's last pair has a zero partner (and a zero weight).
template <typename T, bool kFull, typename TapAt>
QK_AVX2_INLINE void AccumulatePairs(const DwState& s, TapAt tap, int p0, int p1, __m256i* c0_7,
                                    __m256i* c8_15) {
  __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
  const int whole = std::min(p1, s.taps / 2);
  int p = p0;
  for (; p < whole; ++p) {
    MaddPair(Load16<T, kFull>(tap(2 * p), s.n, s.zp), Load16<T, kFull>(tap(2 * p + 1), s.n, s.zp),
             s.w + size_t(p) * 2 * kBlock, &acc0, &acc1);
  }
  if (p < p1) {  // the odd tap
    MaddPair(Load16<T, kFull>(tap(2 * p), s.n, s.zp), _mm256_setzero_si256(),
             s.w + size_t(p) * 2 * kBlock, &acc0, &acc1);
  }
  *c0_7 = _mm256_permute2x128_si256(acc0, acc1, 0x20);
  *c8_15 = _mm256_permute2x128_si256(acc0, acc1, 0x31);
}

// One output pixel of an 8-bit chunk.
template <typename T, bool kFull, typename TapAt>
QK_AVX2_INLINE void Pixel8(const DwState& s, TapAt tap, T* out) {
  __m256i a, b;
  AccumulatePairs<T, kFull>(s, tap, 0, s.tap_pairs, &a, &b);
  Store16(out, Requantize8(a, s.v0, s.e), Requantize8(b, s.v1, s.e), s.n);
}

// Two output pixels of an 8-bit chunk: the same arithmetic as Pixel8, sharing weight loads.
template <typename T, bool kFull, typename TapAt0, typename TapAt1>
QK_AVX2_INLINE void PixelPair8(const DwState& s, TapAt0 tap0, TapAt1 tap1, T* out0, T* out1) {
  __m256i acc00 = _mm256_setzero_si256(), acc01 = acc00, acc10 = acc00, acc11 = acc00;
  const int whole = s.taps / 2;
  const int16_t* w = s.w;
  for (int p = 0; p < whole; ++p, w += 2 * kBlock) {
    MaddPair(Load16<T, kFull>(tap0(2 * p), s.n, s.zp),
             Load16<T, kFull>(tap0(2 * p + 1), s.n, s.zp), w, &acc00, &acc01);
    MaddPair(Load16<T, kFull>(tap1(2 * p), s.n, s.zp),
             Load16<T, kFull>(tap1(2 * p + 1), s.n, s.zp), w, &acc10, &acc11);
  }
  if (s.taps & 1) {  // the odd tap: a zero partner
    const __m256i zero = _mm256_setzero_si256();
    MaddPair(Load16<T, kFull>(tap0(2 * whole), s.n, s.zp), zero, w, &acc00, &acc01);
    MaddPair(Load16<T, kFull>(tap1(2 * whole), s.n, s.zp), zero, w, &acc10, &acc11);
  }
  Store16(out0, Requantize8(_mm256_permute2x128_si256(acc00, acc01, 0x20), s.v0, s.e),
          Requantize8(_mm256_permute2x128_si256(acc00, acc01, 0x31), s.v1, s.e), s.n);
  Store16(out1, Requantize8(_mm256_permute2x128_si256(acc10, acc11, 0x20), s.v0, s.e),
          Requantize8(_mm256_permute2x128_si256(acc10, acc11, 0x31), s.v1, s.e), s.n);
}

// One output pixel of an int16x8 chunk: int64 accumulators, K in exact int32 chunks.
template <bool kFull, typename TapAt>
QK_AVX2_INLINE void Pixel16(const DwState& s, TapAt tap, int c0, int16_t* out) {
  __m256i acc[4];
  for (int j = 0; j < 4; ++j) acc[j] = Load64(s.p64.bias + c0 + 4 * j);
  for (int p0 = 0; p0 < s.tap_pairs; p0 += kChunkPairs) {
    __m256i a, b;
    AccumulatePairs<int16_t, kFull>(s, tap, p0, std::min(s.tap_pairs, p0 + kChunkPairs), &a, &b);
    const __m256i v[4] = {_mm256_cvtepi32_epi64(_mm256_castsi256_si128(a)),
                          _mm256_cvtepi32_epi64(_mm256_extracti128_si256(a, 1)),
                          _mm256_cvtepi32_epi64(_mm256_castsi256_si128(b)),
                          _mm256_cvtepi32_epi64(_mm256_extracti128_si256(b, 1))};
    for (int j = 0; j < 4; ++j) acc[j] = _mm256_add_epi64(acc[j], v[j]);
  }
  Store16(out, Requantize64x8(acc[0], acc[1], s.p64, c0, s.lo, s.hi),
          Requantize64x8(acc[2], acc[3], s.p64, c0 + 8, s.lo, s.hi), s.n);
}

// The pixels of a DwPixels; pixel_taps(i) gives pixel i's tap accessor (tap t -> channel c0).
template <typename T, bool kFull, typename PixelTaps>
void RunPixels(const DwPixels& p, const DwState& s, PixelTaps pixel_taps) {
  T* out = reinterpret_cast<T*>(p.out);
  const int64_t step = p.out_step / int64_t{sizeof(T)};
  int i = 0;
  if constexpr (sizeof(T) == 1) {  // pixel pairs pay off for the 8-bit types
    for (; i + 1 < p.count; i += 2) {
      PixelPair8<T, kFull>(s, pixel_taps(i), pixel_taps(i + 1), out + i * step,
                           out + (i + 1) * step);
    }
    if (i < p.count) Pixel8<T, kFull>(s, pixel_taps(i), out + i * step);
  } else {
    for (; i < p.count; ++i) Pixel16<kFull>(s, pixel_taps(i), p.c0, out + i * step);
  }
}

// A chunk of 16 channels is read with whole loads; the last, narrower one staged.
template <typename T, typename PixelTaps>
void RunPixels(const DwPixels& p, PixelTaps pixel_taps) {
  const DwState& s = *static_cast<const DwState*>(p.state);
  if (s.n == kBlock) {
    RunPixels<T, true>(p, s, pixel_taps);
  } else {
    RunPixels<T, false>(p, s, pixel_taps);
  }
}

// Interior pixels: tap t of pixel i at first + i * x_step + tap_offset[t].
template <typename T>
void InteriorTyped(const DwPixels& p) {
  const uint8_t* origin = p.first + int64_t{p.c0} * sizeof(T);
  RunPixels<T>(p, [&](int i) {
    const uint8_t* px = origin + i * p.x_step;
    const int64_t* off = p.tap_offset;
    return [px, off](int t) { return reinterpret_cast<const T*>(px + off[t]); };
  });
}

// Border pixels: one pointer per tap (an input pixel's channel 0, or the pad row).
template <typename T>
void BorderTyped(const DwPixels& p) {
  const int taps = p.desc->kernel_h * p.desc->kernel_w;
  const int c0 = p.c0;
  RunPixels<T>(p, [&](int i) {
    const uint8_t* const* t0 = p.taps + int64_t{i} * taps;
    return [t0, c0](int t) { return reinterpret_cast<const T*>(t0[t]) + c0; };
  });
}

void Interior(const DwPixels& p) {
  switch (p.desc->type) {
    case DataType::kInt8: InteriorTyped<int8_t>(p); break;
    case DataType::kUInt8: InteriorTyped<uint8_t>(p); break;
    case DataType::kInt16: InteriorTyped<int16_t>(p); break;
  }
}

void Border(const DwPixels& p) {
  switch (p.desc->type) {
    case DataType::kInt8: BorderTyped<int8_t>(p); break;
    case DataType::kUInt8: BorderTyped<uint8_t>(p); break;
    case DataType::kInt16: BorderTyped<int16_t>(p); break;
  }
}

template <typename FilterT>
void PackTaps(const OpDesc& d, const DwShape& s, const FilterT* filter, int16_t* packed) {
  for (int blk = 0; blk < s.blocks; ++blk) {
    for (int t = 0; t < s.taps; ++t) {
      int16_t* w = packed + (size_t(blk) * s.tap_pairs + t / 2) * 2 * kBlock;
      for (int i = 0; i < kBlock; ++i) {
        const int c = blk * kBlock + i;
        if (c >= d.out_c) break;
        // Channel i of the block sits in register i/4 % 2, 128-bit lane i/8, pair slot i%4.
        const int reg = (i / 4) % 2, lane = i / 8, slot = i % 4;
        w[reg * kBlock + lane * 8 + slot * 2 + (t & 1)] =
            static_cast<int16_t>(filter[size_t(t) * d.out_c + c] - d.filter_zp);
      }
    }
  }
}

}  // namespace

void PackDwWeights(const OpDesc& d, PackedData* data) {
  const DwShape s = GetDwShape(d);
  data->packed.Resize(size_t(s.blocks) * s.tap_pairs * 2 * kBlock * sizeof(int16_t));
  int16_t* packed = data->packed.as<int16_t>();
  if (d.type == DataType::kUInt8) {
    PackTaps(d, s, reinterpret_cast<const uint8_t*>(data->filter.data()), packed);
  } else {
    PackTaps(d, s, data->filter.data(), packed);
  }
  if (d.type == DataType::kInt16) {
    AppendParams64(d, data);
  } else {
    PackChannelParams(d, data);
  }
}

const driver::DwConvConfig kDwConv = {kBlock, sizeof(DwState), Prepare, Interior, Border};

}  // namespace avx2
}  // namespace qk
