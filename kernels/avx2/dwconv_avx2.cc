// AVX2 depthwise conv2d (int8, uint8 and int16x8): 16 channels per vector block, the taps taken
// two at a time. The two taps' activations (int16, input zero point subtracted) are interleaved
// per channel and vpmaddwd against the interleaved weight pair gives x0*w0 + x1*w1 per int32
// lane: exact (|x - zp|, |w - wzp| <= 255; int16x8: <= 2^23 per pair), and vpaddd wraps like the
// reference. A tap outside the image reads a row filled with input_zp, i.e. it contributes
// (zp - zp) * w = 0: exactly the reference's skipped tap. With a depth multiplier M > 1 the input
// is first expanded to C*M channels (channel c repeated M times) in the workspace.
#include <algorithm>

#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/requantize64_avx2.h"

namespace qk {
namespace avx2 {
namespace {

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

size_t Align64(size_t n) { return (n + 63) / 64 * 64; }
size_t ElemSize(const OpDesc& d) { return d.type == DataType::kInt16 ? 2 : 1; }

// Workspace: the zero-point row (blocks*16 elements), one pointer per tap (+1) per output column,
// the taps' offsets, then the expanded input when depth_multiplier > 1.
size_t ZpRowBytes(const OpDesc& d) { return Align64(size_t(GetDwShape(d).blocks) * kBlock * 8); }
size_t TapBytes(const OpDesc& d) {
  return Align64(size_t(d.out_w) * (size_t(GetDwShape(d).taps) + 1) * sizeof(void*));
}
size_t OffsetBytes(const OpDesc& d) { return Align64(size_t(GetDwShape(d).taps) * sizeof(ptrdiff_t)); }

// 16 activations of channel block c0 (n valid) as int16, zero point subtracted.
template <typename T>
QK_AVX2_INLINE __m256i Widen16(const T* p, __m256i zp) {
  if (sizeof(T) == 2) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m256i w = std::is_signed<T>::value ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v);
  return _mm256_sub_epi16(w, zp);
}

template <typename T>
QK_AVX2_INLINE __m256i Load16(const T* p, int n, __m256i zp) {
  if (n == kBlock) return Widen16(p, zp);
  alignas(32) T tmp[kBlock] = {};  // channel tail: never read past the caller's buffer
  std::memcpy(tmp, p, size_t(n) * sizeof(T));
  return Widen16(tmp, zp);
}

// Accumulates tap pairs [p0, p1) of one block; returns channels 0..7 and 8..15 as int32.
template <typename T>
QK_AVX2_INLINE void AccumulatePairs(const T* const* tap, int c0, int n, const int16_t* w, int p0,
                                    int p1, __m256i zp, __m256i* c0_7, __m256i* c8_15) {
  __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
  w += size_t(p0) * 2 * kBlock;
  for (int p = p0; p < p1; ++p, w += 2 * kBlock) {
    const __m256i x0 = Load16(tap[2 * p] + c0, n, zp);
    const __m256i x1 = Load16(tap[2 * p + 1] + c0, n, zp);
    // Per 128-bit lane: lo = channels {0-3 | 8-11}, hi = {4-7 | 12-15}, as packed.
    const __m256i lo = _mm256_unpacklo_epi16(x0, x1), hi = _mm256_unpackhi_epi16(x0, x1);
    acc0 = _mm256_add_epi32(
        acc0, _mm256_madd_epi16(lo, _mm256_load_si256(reinterpret_cast<const __m256i*>(w))));
    acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(
                                      hi, _mm256_load_si256(
                                              reinterpret_cast<const __m256i*>(w + kBlock))));
  }
  *c0_7 = _mm256_permute2x128_si256(acc0, acc1, 0x20);
  *c8_15 = _mm256_permute2x128_si256(acc0, acc1, 0x31);
}

// One block of 16 output channels at channel c0 (n valid). Int8/uint8: the block's requantization
// values are prepared once per output row (Prepare), the int16x8 ones are read per call.
struct BlockParams8 {
  ChannelVec v0, v1;
};
QK_AVX2_INLINE BlockParams8 Prepare(const ChannelParams& cp, int c0, const Epilogue& e) {
  return BlockParams8{LoadChannelVec(cp, c0, e.single_rounding),
                      LoadChannelVec(cp, c0 + 8, e.single_rounding)};
}
QK_AVX2_INLINE const Params64& Prepare(const Params64& p, int, const Epilogue&) { return p; }
Epilogue MakeEpilogue(const OpDesc& d, const ChannelParams& cp) { return Epilogue(d, cp); }
Epilogue MakeEpilogue(const OpDesc& d, const Params64&) { return Epilogue(d); }

template <typename T>
QK_AVX2_INLINE void Block(const OpDesc&, const DwShape& s, const T* const* tap, int c0, int n,
                          const int16_t* w, __m256i zp, const BlockParams8& bp,
                          const Epilogue& e, T* out) {
  __m256i a, b;
  AccumulatePairs(tap, c0, n, w, 0, s.tap_pairs, zp, &a, &b);
  Store16(out + c0, Requantize8(a, bp.v0, e), Requantize8(b, bp.v1, e), n);
}

// Two adjacent output pixels of one block: the same arithmetic as Block, sharing weight loads.
template <typename T>
QK_AVX2_INLINE void Block2(const DwShape& s, const T* const* tap0, const T* const* tap1, int c0,
                           int n, const int16_t* w, __m256i zp, const BlockParams8& bp,
                           const Epilogue& e, T* out0, T* out1) {
  __m256i acc00 = _mm256_setzero_si256(), acc01 = acc00, acc10 = acc00, acc11 = acc00;
  for (int p = 0; p < s.tap_pairs; ++p, w += 2 * kBlock) {
    const __m256i w_lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
    const __m256i w_hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + kBlock));
    const __m256i x0 = Load16(tap0[2 * p] + c0, n, zp), x1 = Load16(tap0[2 * p + 1] + c0, n, zp);
    acc00 = _mm256_add_epi32(acc00, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), w_lo));
    acc01 = _mm256_add_epi32(acc01, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), w_hi));
    const __m256i y0 = Load16(tap1[2 * p] + c0, n, zp), y1 = Load16(tap1[2 * p + 1] + c0, n, zp);
    acc10 = _mm256_add_epi32(acc10, _mm256_madd_epi16(_mm256_unpacklo_epi16(y0, y1), w_lo));
    acc11 = _mm256_add_epi32(acc11, _mm256_madd_epi16(_mm256_unpackhi_epi16(y0, y1), w_hi));
  }
  Store16(out0 + c0, Requantize8(_mm256_permute2x128_si256(acc00, acc01, 0x20), bp.v0, e),
          Requantize8(_mm256_permute2x128_si256(acc00, acc01, 0x31), bp.v1, e), n);
  Store16(out1 + c0, Requantize8(_mm256_permute2x128_si256(acc10, acc11, 0x20), bp.v0, e),
          Requantize8(_mm256_permute2x128_si256(acc10, acc11, 0x31), bp.v1, e), n);
}

// Pixel pairs only pay off for the 8-bit types (int16x8 has its own chunked Block).
template <typename T>
QK_AVX2_INLINE int Pixels2(const DwShape& s, const T* const* taps, int stride, int ox, int out_w,
                           int c0, int n, const int16_t* w, __m256i zp, const BlockParams8& bp,
                           const Epilogue& e, T* out_row, int C) {
  if (ox + 1 >= out_w) return 0;
  Block2(s, taps + size_t(ox) * stride, taps + size_t(ox + 1) * stride, c0, n, w, zp, bp, e,
         out_row + size_t(ox) * C, out_row + size_t(ox + 1) * C);
  return 2;
}
QK_AVX2_INLINE int Pixels2(const DwShape&, const int16_t* const*, int, int, int, int, int,
                           const int16_t*, __m256i, const Params64&, const Epilogue&, int16_t*,
                           int) {
  return 0;
}

QK_AVX2_INLINE void Block(const OpDesc& d, const DwShape& s, const int16_t* const* tap, int c0,
                          int n, const int16_t* w, __m256i zp, const Params64& p,
                          const Epilogue&, int16_t* out) {
  __m256i acc[4];
  for (int j = 0; j < 4; ++j) acc[j] = Load64(p.bias + c0 + 4 * j);
  for (int p0 = 0; p0 < s.tap_pairs; p0 += kChunkPairs) {
    __m256i a, b;
    AccumulatePairs(tap, c0, n, w, p0, std::min(s.tap_pairs, p0 + kChunkPairs), zp, &a, &b);
    const __m256i v[4] = {_mm256_cvtepi32_epi64(_mm256_castsi256_si128(a)),
                          _mm256_cvtepi32_epi64(_mm256_extracti128_si256(a, 1)),
                          _mm256_cvtepi32_epi64(_mm256_castsi256_si128(b)),
                          _mm256_cvtepi32_epi64(_mm256_extracti128_si256(b, 1))};
    for (int j = 0; j < 4; ++j) acc[j] = _mm256_add_epi64(acc[j], v[j]);
  }
  const __m256i lo = _mm256_set1_epi32(d.act_min), hi = _mm256_set1_epi32(d.act_max);
  Store16(out + c0, Requantize64x8(acc[0], acc[1], p, c0, lo, hi),
          Requantize64x8(acc[2], acc[3], p, c0 + 8, lo, hi), n);
}

// `d` has depth multiplier 1 here (in_c == out_c); Params is ChannelParams or Params64.
// Per output row: the tap pointers of every pixel (outside taps -> the zero-point row), then
// channel block by channel block so that a block's weights and requantization values are reused
// across the row.
template <typename T, typename Params>
void Depthwise(const OpDesc& d, const int16_t* packed, const Params& params, const T* input,
               T* output, char* ws) {
  const DwShape s = GetDwShape(d);
  T* zp_row = reinterpret_cast<T*>(ws);
  const T** taps = reinterpret_cast<const T**>(ws + ZpRowBytes(d));
  const int stride = s.taps + 1;  // + the odd tap's partner: zero weights and (zp - zp) = 0
  std::fill(zp_row, zp_row + size_t(s.blocks) * kBlock, static_cast<T>(d.input_zp));
  const Epilogue e = MakeEpilogue(d, params);
  const __m256i zp = _mm256_set1_epi16(static_cast<int16_t>(d.input_zp));
  const int C = d.in_c;
  // Element offset of each tap from the window's top-left input pixel.
  ptrdiff_t* offsets = reinterpret_cast<ptrdiff_t*>(ws + ZpRowBytes(d) + TapBytes(d));
  for (int ky = 0, t = 0; ky < d.kernel_h; ++ky) {
    for (int kx = 0; kx < d.kernel_w; ++kx, ++t) {
      offsets[t] = (ptrdiff_t(ky) * d.dilation_h * d.in_w + ptrdiff_t(kx) * d.dilation_w) * C;
    }
  }
  for (int b = 0; b < d.batch; ++b) {
    for (int oy = 0; oy < d.out_h; ++oy) {
      const int iy0 = oy * d.stride_h - d.pad_top;
      const bool rows_inside = iy0 >= 0 && iy0 + (d.kernel_h - 1) * d.dilation_h < d.in_h;
      for (int ox = 0; ox < d.out_w; ++ox) {
        const T** tap = taps + size_t(ox) * stride;
        tap[s.taps] = zp_row;
        const int ix0 = ox * d.stride_w - d.pad_left;
        if (rows_inside && ix0 >= 0 && ix0 + (d.kernel_w - 1) * d.dilation_w < d.in_w) {
          const T* origin = input + ((size_t(b) * d.in_h + iy0) * d.in_w + ix0) * C;
          for (int t = 0; t < s.taps; ++t) tap[t] = origin + offsets[t];  // all taps inside
          continue;
        }
        for (int ky = 0, t = 0; ky < d.kernel_h; ++ky) {
          const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
          for (int kx = 0; kx < d.kernel_w; ++kx, ++t) {
            const int ix = ox * d.stride_w - d.pad_left + kx * d.dilation_w;
            const bool inside = iy >= 0 && iy < d.in_h && ix >= 0 && ix < d.in_w;
            tap[t] = inside ? input + ((size_t(b) * d.in_h + iy) * d.in_w + ix) * C : zp_row;
          }
        }
      }
      T* out_row = output + (size_t(b) * d.out_h + oy) * d.out_w * C;
      for (int blk = 0; blk < s.blocks; ++blk) {
        const int c0 = blk * kBlock;
        const int n = std::min(kBlock, C - c0);
        const int16_t* w = packed + size_t(blk) * s.tap_pairs * 2 * kBlock;
        const auto& bp = Prepare(params, c0, e);
        for (int ox = 0; ox < d.out_w;) {
          const int done = Pixels2(s, taps, stride, ox, d.out_w, c0, n, w, zp, bp, e, out_row, C);
          if (done) {
            ox += done;
            continue;
          }
          Block(d, s, taps + size_t(ox) * stride, c0, n, w, zp, bp, e, out_row + size_t(ox) * C);
          ++ox;
        }
      }
    }
  }
}

template <typename T, typename Params>
void Run(const OpDesc& d, const int16_t* packed, const Params& params, const void* input,
         void* output, void* workspace) {
  char* ws = static_cast<char*>(workspace);
  const T* in = static_cast<const T*>(input);
  OpDesc flat = d;
  if (d.depth_multiplier > 1) {  // expand: channel c * M + m of the copy is input channel c
    T* expanded = reinterpret_cast<T*>(ws + ZpRowBytes(d) + TapBytes(d) + OffsetBytes(d));
    const size_t pixels = size_t(d.batch) * d.in_h * d.in_w;
    const int M = d.depth_multiplier;
    for (size_t px = 0; px < pixels; ++px) {
      for (int c = 0; c < d.in_c; ++c) {
        std::fill_n(expanded + (px * d.in_c + c) * M, M, in[px * d.in_c + c]);
      }
    }
    in = expanded;
    flat.in_c = d.out_c;
    flat.depth_multiplier = 1;
  }
  Depthwise(flat, packed, params, in, static_cast<T*>(output), ws);
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

size_t DwWorkspaceBytes(const OpDesc& d) {
  size_t bytes = ZpRowBytes(d) + TapBytes(d) + OffsetBytes(d);
  if (d.depth_multiplier > 1) bytes += size_t(d.batch) * d.in_h * d.in_w * d.out_c * ElemSize(d);
  return bytes;
}

void DwRun(const OpDesc& d, const PackedData& data, const void* input, void* output,
           void* workspace) {
  const int16_t* packed = data.packed.as<int16_t>();
  switch (d.type) {
    case DataType::kUInt8:
      Run<uint8_t>(d, packed, GetChannelParams(d, data), input, output, workspace);
      break;
    case DataType::kInt8:
      Run<int8_t>(d, packed, GetChannelParams(d, data), input, output, workspace);
      break;
    case DataType::kInt16:
      Run<int16_t>(d, packed, GetParams64(d, data), input, output, workspace);
      break;
  }
}

}  // namespace avx2
}  // namespace qk
