// AVX-512 VNNI depthwise conv2d, int8, depth multiplier 1: 64 channels per step, 4 taps per
// vpdpbusd. The four tap vectors are interleaved (vpunpck{l,h}bw, vpunpck{l,h}wd) so that each
// 32-bit lane holds 4 taps of one channel; accumulator i then holds, in 128-bit lane L, channels
// 16L + 4i + 0..3.
// The epilogue works in that lane order too (the per-channel parameters are packed permuted), and
// vpackssdw/vpacksswb, which also work within 128-bit lanes, put every byte back in channel order.
// As in the GEMM: A = x + 128 (x ^ 0x80), sum w*(x - zp) = sum w*(x + 128) - (128 + zp)*sum w with
// the second term folded into the bias; outside taps read x = zp and so add exactly zero.
#include "kernels/avx512vnni/dwconv_avx512vnni.h"

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "kernels/avx512vnni/requantize_avx512vnni.h"

namespace qk {
namespace avx512vnni {
namespace {

using internal::OpDesc;
using internal::PackedData;

struct DwGeometry {
  int taps, tap_groups;  // kernel_h * kernel_w, rounded up to groups of 4
  int chunks;            // channels / 64, rounded up
};
DwGeometry DwGeometryOf(const OpDesc& d) {
  DwGeometry g;
  g.taps = d.kernel_h * d.kernel_w;
  g.tap_groups = (g.taps + 3) / 4;
  g.chunks = (d.out_c + 63) / 64;
  return g;
}

constexpr int kMaxTaps = 64;  // larger kernels (rare) fall back to another row

// Byte offset of (channel c in its chunk, tap j of its group) inside a 256-byte tap group.
inline int PackedOffset(int c, int j) {
  const int lane = c / 16, i = (c % 16) / 4, p = c % 4;
  return i * 64 + (4 * lane + p) * 4 + j;
}

// Where PackDw stores channel c's (of a chunk) parameters: accumulator i, lane 4L + p.
inline int PermutedChannel(int c) {
  const int lane = c / 16, i = (c % 16) / 4, p = c % 4;
  return 16 * i + 4 * lane + p;
}

// One step of 64 lanes (one pixel's 64 channels, or two pixels' 32): accumulators, in the
// permuted order, before the bias. load(t) returns tap t's 64 bytes (x ^ 0x80, or the padding).
// kTaps > 0 fixes the tap count at compile time (3x3), unrolling the whole tap loop.
template <int kTaps, typename LoadTap>
inline void DwStep(int taps, int tap_groups, __m512i pad, const int8_t* weights, LoadTap load,
                   __m512i acc[4]) {
  if (kTaps > 0) {
    taps = kTaps;
    tap_groups = (kTaps + 3) / 4;
  }
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
#pragma GCC unroll 4
  for (int tg = 0; tg < tap_groups; ++tg) {
    __m512i x[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const int t = tg * 4 + j;
      x[j] = t < taps ? load(t) : pad;
    }
    const __m512i lo01 = _mm512_unpacklo_epi8(x[0], x[1]);
    const __m512i hi01 = _mm512_unpackhi_epi8(x[0], x[1]);
    const __m512i lo23 = _mm512_unpacklo_epi8(x[2], x[3]);
    const __m512i hi23 = _mm512_unpackhi_epi8(x[2], x[3]);
    const int8_t* w = weights + tg * 256;
    a0 = _mm512_dpbusd_epi32(a0, _mm512_unpacklo_epi16(lo01, lo23), _mm512_load_si512(w));
    a1 = _mm512_dpbusd_epi32(a1, _mm512_unpackhi_epi16(lo01, lo23), _mm512_load_si512(w + 64));
    a2 = _mm512_dpbusd_epi32(a2, _mm512_unpacklo_epi16(hi01, hi23), _mm512_load_si512(w + 128));
    a3 = _mm512_dpbusd_epi32(a3, _mm512_unpackhi_epi16(hi01, hi23), _mm512_load_si512(w + 192));
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

// DwStep with the 3x3 case compiled separately.
template <typename LoadTap>
inline void DwStepAny(int taps, int tap_groups, __m512i pad, const int8_t* weights, LoadTap load,
                      __m512i acc[4]) {
  if (taps == 9) {
    DwStep<9>(taps, tap_groups, pad, weights, load, acc);
  } else {
    DwStep<0>(taps, tap_groups, pad, weights, load, acc);
  }
}

// With at most 32 channels, one step computes two output pixels: the first in 128-bit lanes 0-1,
// the second in lanes 2-3; PackDw then stores channels 0..31 also as channels 32..63.
inline bool DualPixel(const OpDesc& d) { return d.out_c <= 32; }

// 3x3 kernels also get a second packing with the taps grouped by kernel column: group kx holds
// rows ky = 0, 1, 2 (byte j = ky, byte 3 weight 0). With stride_w = 1 and dilation_w = 1 the
// interleaved input column (three rows of one input column) is then shared by the three output
// pixels that read it, so each input column is loaded and shuffled once instead of three times.
inline bool HasColumnPacking(const OpDesc& d) { return d.kernel_h == 3 && d.kernel_w == 3; }


// The three kernel rows of one input column (64 bytes each at p, p + row_step, p + 2 row_step,
// flipped to x + 128) in the tap-group layout of DwStep: u[i] lane L dword p = channel
// 16L + 4i + p, bytes = rows 0, 1, 2 and a fourth byte whose packed weight is 0.
inline void LoadColumn(const int8_t* p, ptrdiff_t row_step, __m512i flip, __m512i u[4]) {
  const __m512i x0 = _mm512_xor_si512(_mm512_loadu_si512(p), flip);
  const __m512i x1 = _mm512_xor_si512(_mm512_loadu_si512(p + row_step), flip);
  const __m512i x2 = _mm512_xor_si512(_mm512_loadu_si512(p + 2 * row_step), flip);
  const __m512i lo01 = _mm512_unpacklo_epi8(x0, x1), hi01 = _mm512_unpackhi_epi8(x0, x1);
  const __m512i lo22 = _mm512_unpacklo_epi8(x2, x2), hi22 = _mm512_unpackhi_epi8(x2, x2);
  u[0] = _mm512_unpacklo_epi16(lo01, lo22);
  u[1] = _mm512_unpackhi_epi16(lo01, lo22);
  u[2] = _mm512_unpacklo_epi16(hi01, hi22);
  u[3] = _mm512_unpackhi_epi16(hi01, hi22);
}


}  // namespace

bool DwApplies(const OpDesc& d) {
  return d.type == DataType::kInt8 && d.depth_multiplier == 1 &&
         d.kernel_h * d.kernel_w <= kMaxTaps;
}

void PackDw(const OpDesc& d, PackedData* p) {
  const DwGeometry g = DwGeometryOf(d);
  const int cp = g.chunks * 64;
  const size_t tap_bytes = size_t(g.chunks) * g.tap_groups * 256;
  const bool columns = HasColumnPacking(d);
  p->packed.Resize(tap_bytes + (columns ? size_t(g.chunks) * 3 * 256 : 0));  // zero-filled
  int8_t* packed = p->packed.as<int8_t>();
  int8_t* packed_cols = packed + tap_bytes;
  p->packed_bias.assign(3 * size_t(cp), 0);
  int32_t* bias = p->packed_bias.data();
  int32_t* mult = bias + cp;
  int32_t* shift = mult + cp;
  for (int c = 0; c < d.out_c; ++c) {
    const int chunk = c / 64;
    uint32_t sum = 0;
    for (int t = 0; t < g.taps; ++t) {
      const int8_t w = p->filter[size_t(t) * d.out_c + c];
      packed[(size_t(chunk) * g.tap_groups + t / 4) * 256 + PackedOffset(c % 64, t % 4)] = w;
      sum += static_cast<uint32_t>(int32_t{w});
      if (columns) {  // tap t = 3 * ky + kx
        int8_t* col = packed_cols + (size_t(chunk) * 3 + t % 3) * 256;
        col[PackedOffset(c % 64, t / 3)] = w;
        if (DualPixel(d)) col[PackedOffset(c + 32, t / 3)] = w;
      }
    }
    const uint32_t zp_term = (128u + static_cast<uint32_t>(d.input_zp)) * sum;  // wraps
    const int i = chunk * 64 + PermutedChannel(c % 64);
    bias[i] = static_cast<int32_t>(static_cast<uint32_t>(p->bias32[c]) - zp_term);
    mult[i] = p->multiplier[c];
    shift[i] = p->shift[c];
    if (DualPixel(d)) {  // the second pixel's copy, channel c + 32
      const int j = PermutedChannel(c + 32);
      bias[j] = bias[i], mult[j] = mult[i], shift[j] = shift[i];
      for (int t = 0; t < g.taps; ++t) {
        packed[size_t(t / 4) * 256 + PackedOffset(c + 32, t % 4)] =
            packed[size_t(t / 4) * 256 + PackedOffset(c, t % 4)];
      }
    }
  }
}


void RunDw(const OpDesc& d, const PackedData& p, const void* input, void* output, void*) {
  const DwGeometry g = DwGeometryOf(d);
  const int cp = g.chunks * 64;
  const int8_t* in = static_cast<const int8_t*>(input);
  int8_t* out = static_cast<int8_t*>(output);
  const int32_t* bias = p.packed_bias.data();
  const int32_t* mult = bias + cp;
  const int32_t* shift = mult + cp;
  const __m512i pad = _mm512_set1_epi8(static_cast<char>(d.input_zp ^ 0x80));
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const bool dual = DualPixel(d);
  // Dual pixels whose channels fill both halves and lie back to back (32 channels, stride 1).
  const bool contiguous = dual && d.in_c == 32 && d.stride_w == 1;
  const OutputStage stage = MakeOutputStage(d.output_zp, d.act_min, d.act_max, false);
  const int channels = d.in_c;
  ptrdiff_t tap_offset[kMaxTaps];  // 64-bit: taps of border pixels may lie far outside
  bool inside0[kMaxTaps], inside1[kMaxTaps];
  for (int t = 0; t < g.taps; ++t) {
    const int ky = t / d.kernel_w, kx = t % d.kernel_w;
    tap_offset[t] =
        (ptrdiff_t(ky) * d.dilation_h * d.in_w + ptrdiff_t(kx) * d.dilation_w) * channels;
  }
  // Output pixels whose taps all lie inside the image: [y_lo, y_hi) x [x_lo, x_hi).
  auto first_inside = [](int pad, int stride) { return (pad + stride - 1) / stride; };
  auto end_inside = [](int in, int pad, int span, int stride, int out) {
    const int last = in + pad - span;  // largest oy * stride with every tap inside
    return last < 0 ? 0 : std::min(out, last / stride + 1);
  };
  const int y_lo = std::min(d.out_h, first_inside(d.pad_top, d.stride_h));
  const int y_hi = std::max(y_lo, end_inside(d.in_h, d.pad_top, (d.kernel_h - 1) * d.dilation_h + 1,
                                             d.stride_h, d.out_h));
  const int x_lo = std::min(d.out_w, first_inside(d.pad_left, d.stride_w));
  const int x_hi = std::max(x_lo, end_inside(d.in_w, d.pad_left,
                                             (d.kernel_w - 1) * d.dilation_w + 1, d.stride_w,
                                             d.out_w));
  const ptrdiff_t row_step = ptrdiff_t(d.dilation_h) * d.in_w * channels;
  for (int chunk = 0; chunk < g.chunks; ++chunk) {
    const int c0 = chunk * 64;
    const int n = std::min(64, channels - c0);
    const __mmask64 load_mask = n == 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
    Requant16 rq[4];
    const Requant16* rq_ptr[4];
    bool estimate = true;
    for (int v = 0; v < 4; ++v) {
      rq[v] = MakeRequant16(mult + c0 + 16 * v, shift + c0 + 16 * v, d.rounding);
      rq_ptr[v] = &rq[v];
      estimate = estimate && rq[v].estimate;
    }
    const __mmask64 store = FirstBytes(n);  // dual: its low 32 bits are each pixel's mask
    const int8_t* weights = p.packed.as<int8_t>() + size_t(chunk) * g.tap_groups * 256;
    const bool use_columns = HasColumnPacking(d) && d.stride_w == 1 && d.dilation_w == 1 &&
                             (dual ? contiguous : n == 64);
    __m512i cols[12];  // kernel column kx, accumulator v: cols[4 * kx + v]
    if (use_columns) {
      const int8_t* w = p.packed.as<int8_t>() + size_t(g.chunks) * g.tap_groups * 256 +
                        size_t(chunk) * 3 * 256;
      for (int i = 0; i < 12; ++i) cols[i] = _mm512_load_si512(w + 64 * i);
    }
    for (int b = 0; b < d.batch; ++b) {
      const int8_t* image = in + size_t(b) * d.in_h * d.in_w * channels + c0;
      for (int oy = 0; oy < d.out_h; ++oy) {
        const int iy0 = oy * d.stride_h - d.pad_top;
        const bool row_inside = oy >= y_lo && oy < y_hi;
        const int step = dual ? 2 : 1;
        // Requantizes one step's accumulators (before the bias) and stores its output pixel(s).
        // kBiased: the accumulators already include the bias.
        auto emit = [&](const __m512i* acc, int ox, bool second, auto biased_tag) {
          constexpr bool kBiased = decltype(biased_tag)::value;
          __m512i x[4], y[4];
          for (int v = 0; v < 4; ++v) {
            x[v] = kBiased ? acc[v]
                           : _mm512_add_epi32(acc[v], _mm512_loadu_si512(bias + c0 + 16 * v));
          }
          ScaleVectors<4>(x, rq_ptr, estimate, y);
          const __m512i bytes = RequantizedBytesInLane(y[0], y[1], y[2], y[3], stage);
          int8_t* dst = out + ((size_t(b) * d.out_h + oy) * d.out_w + ox) * d.out_c + c0;
          if (!dual) {
            if (n == 64) {
              _mm512_storeu_si512(dst, bytes);
            } else {
              _mm512_mask_storeu_epi8(dst, store, bytes);
            }
          } else if (contiguous && second) {  // out_c == 32: the two pixels are adjacent
            _mm512_storeu_si512(dst, bytes);
          } else {
            const __mmask32 half_store = static_cast<__mmask32>(store);
            _mm256_mask_storeu_epi8(dst, half_store, _mm512_castsi512_si256(bytes));
            if (second) {
              _mm256_mask_storeu_epi8(dst + d.out_c, half_store,
                                      _mm512_extracti64x4_epi64(bytes, 1));
            }
          }
        };
        // The interior pixels [ox, x_hi) of a row through the column layout (see
        // HasColumnPacking); returns the first pixel it did not compute. Every column it loads
        // (64 bytes: one pixel's 64 channels, or two adjacent pixels' 32) lies inside the image.
        auto run_interior = [&](int ox) {
          const int8_t* row = image + ptrdiff_t(iy0) * d.in_w * channels;
          auto column = [&](int x, __m512i u[4]) {
            LoadColumn(row + ptrdiff_t(x - d.pad_left) * channels, row_step, flip, u);
          };
          auto accumulate = [&](const __m512i* u0, const __m512i* u1, const __m512i* u2,
                                __m512i* acc) {
            for (int v = 0; v < 4; ++v) {
              const __m512i b = _mm512_loadu_si512(bias + c0 + 16 * v);
              __m512i a = _mm512_dpbusd_epi32(b, u0[v], cols[v]);
              a = _mm512_dpbusd_epi32(a, u1[v], cols[4 + v]);
              acc[v] = _mm512_dpbusd_epi32(a, u2[v], cols[8 + v]);
            }
          };
          __m512i u0[4], u1[4], u2[4], acc[4];
          column(ox, u0);
          if (!dual) {
            column(ox + 1, u1);
            for (; ox < x_hi; ++ox) {
              column(ox + 2, u2);
              accumulate(u0, u1, u2, acc);
              emit(acc, ox, false, std::true_type());
              for (int v = 0; v < 4; ++v) u0[v] = u1[v], u1[v] = u2[v];
            }
          } else {
            // Each step's output stage is issued after the next step's loads and vpdpbusd, so
            // that its long dependent chain overlaps them (u1 is derived, which leaves the
            // registers for it; in the single-pixel loop above it spilled and ran slower).
            __m512i pending[4];
            int pending_ox = -1;
            for (; ox + 1 < x_hi; ox += 2) {
              // Column ox + 1 (pixels ox + 1, ox + 2) is the upper half of column ox and the
              // lower half of column ox + 2; the interleaves never cross 128-bit lanes, so it is
              // one lane shuffle of the interleaved vectors.
              column(ox + 2, u2);
              for (int v = 0; v < 4; ++v) u1[v] = _mm512_shuffle_i64x2(u0[v], u2[v], 0x4E);
              accumulate(u0, u1, u2, acc);
              if (pending_ox >= 0) emit(pending, pending_ox, true, std::true_type());
              for (int v = 0; v < 4; ++v) u0[v] = u2[v], pending[v] = acc[v];
              pending_ox = ox;
            }
            if (pending_ox >= 0) emit(pending, pending_ox, true, std::true_type());
          }
          return ox;
        };
        for (int ox = 0; ox < d.out_w; ox += step) {
          if (use_columns && row_inside && ox >= x_lo && ox + step - 1 < x_hi) {
            ox = run_interior(ox) - step;  // the loop's increment then resumes at its result
            continue;
          }
          const bool second = dual && ox + 1 < d.out_w;
          // Each pixel's first-tap offset; for border pixels it may lie outside the image, and
          // only in-image taps (origin + tap_offset) are ever dereferenced.
          const ptrdiff_t origin0 = (ptrdiff_t(iy0) * d.in_w + ox * d.stride_w - d.pad_left) *
                                    channels;
          const ptrdiff_t origin1 = origin0 + ptrdiff_t(d.stride_w) * channels;
          const bool fast = row_inside && ox >= x_lo && ox + step - 1 < x_hi;
          if (!fast) {
            for (int t = 0; t < g.taps; ++t) {
              const int iy = iy0 + (t / d.kernel_w) * d.dilation_h;
              const int ix = ox * d.stride_w - d.pad_left + (t % d.kernel_w) * d.dilation_w;
              const bool y_in = iy >= 0 && iy < d.in_h;
              inside0[t] = y_in && ix >= 0 && ix < d.in_w;
              const int ix1 = ix + d.stride_w;
              inside1[t] = second && y_in && ix1 >= 0 && ix1 < d.in_w;
            }
          }
          __m512i acc[4];
          // kFast: every tap of the pixel(s) lies inside the image, so no bounds test is made.
          auto compute = [&](auto fast_tag) {
            constexpr bool kFast = decltype(fast_tag)::value;
            if (!dual) {
              if (n == 64) {  // whole chunks: plain loads (masked loads are slower)
                auto load = [&](int t) {
                  if (!kFast && !inside0[t]) return pad;
                  return _mm512_xor_si512(_mm512_loadu_si512(image + (origin0 + tap_offset[t])),
                                          flip);
                };
                DwStepAny(g.taps, g.tap_groups, pad, weights, load, acc);
              } else {
                auto load = [&](int t) {
                  if (!kFast && !inside0[t]) return pad;
                  return _mm512_xor_si512(
                      _mm512_maskz_loadu_epi8(load_mask, image + (origin0 + tap_offset[t])),
                      flip);
                };
                DwStepAny(g.taps, g.tap_groups, pad, weights, load, acc);
              }
            } else if (kFast && contiguous && second) {
              // 32 channels, stride 1, both pixels inside: the two pixels' 32 bytes are adjacent
              // in memory, [origin0, origin0 + 64) = [origin0, origin1 + 32), all in the image.
              auto load = [&](int t) {
                return _mm512_xor_si512(_mm512_loadu_si512(image + (origin0 + tap_offset[t])),
                                        flip);
              };
              DwStepAny(g.taps, g.tap_groups, pad, weights, load, acc);
            } else {
              // Outside taps read zp_in; the XOR with 0x80 is applied once to the joined vector.
              const __m256i zp_half = _mm256_set1_epi8(static_cast<char>(d.input_zp));
              const __mmask32 half_mask = static_cast<__mmask32>(load_mask);
              auto half = [&](ptrdiff_t origin, int t) {
                return _mm256_maskz_loadu_epi8(half_mask, image + (origin + tap_offset[t]));
              };
              auto load = [&](int t) {
                const __m256i lo = kFast || inside0[t] ? half(origin0, t) : zp_half;
                const __m256i hi = kFast || inside1[t] ? half(origin1, t) : zp_half;
                return _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1),
                                        flip);
              };
              DwStepAny(g.taps, g.tap_groups, pad, weights, load, acc);
            }
          };
          if (fast) {
            compute(std::true_type());
          } else {
            compute(std::false_type());
          }
          emit(acc, ox, second, std::false_type());
        }
      }
    }
  }
}

}  // namespace avx512vnni
}  // namespace qk
