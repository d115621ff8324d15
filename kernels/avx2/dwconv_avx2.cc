// AVX2 depthwise conv2d (int8 and uint8, depth multiplier 1): 16 channels per vector block, the
// taps taken two at a time. The two taps' activations (zero point subtracted, int16) are
// interleaved per channel and vpmaddwd against the interleaved weight pair gives
// x0*w0 + x1*w1 per int32 lane: exact (each factor <= 255 in magnitude), and vpaddd wraps like
// the reference. A tap outside the image reads a row filled with input_zp, i.e. it contributes
// (zp - zp) * w = 0: exactly the reference's skipped tap.
#include <algorithm>

#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/requantize_avx2.h"

namespace qk {
namespace avx2 {
namespace {

constexpr int kBlock = 16;

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

// Workspace: a zero-point row of blocks*16 elements, then one pointer per tap (+1 for odd taps).
size_t ZpRowBytes(const OpDesc& d, size_t elem) {
  return (size_t(GetDwShape(d).blocks) * kBlock * elem + 63) / 64 * 64;
}

template <typename T>
QK_AVX2_INLINE __m256i Load16(const T* p, int n) {
  __m128i v;
  if (n == kBlock) {
    v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  } else {  // channel tail: never read past the caller's buffer
    alignas(16) T tmp[kBlock] = {};
    std::memcpy(tmp, p, size_t(n));
    v = _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
  }
  return std::is_signed<T>::value ? _mm256_cvtepi8_epi16(v) : _mm256_cvtepu8_epi16(v);
}

template <typename T>
void Depthwise(const OpDesc& d, const PackedData& data, const T* input, T* output, void* ws) {
  const DwShape s = GetDwShape(d);
  T* zp_row = static_cast<T*>(ws);
  const T** tap = reinterpret_cast<const T**>(static_cast<char*>(ws) + ZpRowBytes(d, sizeof(T)));
  std::fill(zp_row, zp_row + size_t(s.blocks) * kBlock, static_cast<T>(d.input_zp));
  tap[s.taps] = zp_row;  // the odd tap's partner: zero weights and (zp - zp) = 0
  const ChannelParams cp = GetChannelParams(d, data);
  const Epilogue e(d);
  const __m256i zp = _mm256_set1_epi16(static_cast<int16_t>(d.input_zp));
  const int16_t* packed = data.packed.as<int16_t>();
  const int C = d.in_c;
  for (int b = 0; b < d.batch; ++b) {
    for (int oy = 0; oy < d.out_h; ++oy) {
      for (int ox = 0; ox < d.out_w; ++ox) {
        for (int ky = 0, t = 0; ky < d.kernel_h; ++ky) {
          const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
          for (int kx = 0; kx < d.kernel_w; ++kx, ++t) {
            const int ix = ox * d.stride_w - d.pad_left + kx * d.dilation_w;
            const bool inside = iy >= 0 && iy < d.in_h && ix >= 0 && ix < d.in_w;
            tap[t] = inside ? input + ((size_t(b) * d.in_h + iy) * d.in_w + ix) * C : zp_row;
          }
        }
        T* out = output + ((size_t(b) * d.out_h + oy) * d.out_w + ox) * C;
        for (int blk = 0; blk < s.blocks; ++blk) {
          const int c0 = blk * kBlock;
          const int n = std::min(kBlock, C - c0);
          const int16_t* w = packed + size_t(blk) * s.tap_pairs * 2 * kBlock;
          __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
          for (int p = 0; p < s.tap_pairs; ++p, w += 2 * kBlock) {
            const __m256i x0 = _mm256_sub_epi16(Load16(tap[2 * p] + c0, n), zp);
            const __m256i x1 = _mm256_sub_epi16(Load16(tap[2 * p + 1] + c0, n), zp);
            // Per 128-bit lane: lo = channels {0-3 | 8-11}, hi = {4-7 | 12-15}, as packed.
            const __m256i lo = _mm256_unpacklo_epi16(x0, x1), hi = _mm256_unpackhi_epi16(x0, x1);
            acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(
                lo, _mm256_load_si256(reinterpret_cast<const __m256i*>(w))));
            acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(
                hi, _mm256_load_si256(reinterpret_cast<const __m256i*>(w + kBlock))));
          }
          const __m256i c0_7 = _mm256_permute2x128_si256(acc0, acc1, 0x20);
          const __m256i c8_15 = _mm256_permute2x128_si256(acc0, acc1, 0x31);
          Store16(out + c0, Requantize8(c0_7, cp, c0, e), Requantize8(c8_15, cp, c0 + 8, e), n);
        }
      }
    }
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
  PackChannelParams(d, data);
}

size_t DwWorkspaceBytes(const OpDesc& d) {
  return ZpRowBytes(d, 1) + (size_t(GetDwShape(d).taps) + 1) * sizeof(void*);
}

void DwRun(const OpDesc& d, const PackedData& data, const void* input, void* output,
           void* workspace) {
  if (d.type == DataType::kUInt8) {
    Depthwise(d, data, static_cast<const uint8_t*>(input), static_cast<uint8_t*>(output),
              workspace);
  } else {
    Depthwise(d, data, static_cast<const int8_t*>(input), static_cast<int8_t*>(output), workspace);
  }
}

}  // namespace avx2
}  // namespace qk
