// The AVX-512 VNNI microkernels of the depthwise-conv driver (kernels/driver/dwconv_driver.h):
// int8, 64 channels per chunk, 4 taps per vpdpbusd. The four tap vectors are interleaved
// (vpunpck{l,h}bw, vpunpck{l,h}wd) so that each 32-bit lane holds 4 taps of one channel;
// accumulator i then holds, in 128-bit lane L, channels 16L + 4i + 0..3. The epilogue works in
// that lane order too (the per-channel parameters are packed permuted), and vpackssdw/vpacksswb,
// which also work within 128-bit lanes, put every byte back in channel order.
// As in the GEMM: A = x + 128 (x ^ 0x80), sum w*(x - zp) = sum w*(x + 128) - (128 + zp)*sum w with
// the second term folded into the bias; outside taps read the driver's row of x = zp and so add
// exactly zero.
#include <algorithm>
#include <cstdint>
#include <new>

#include "kernels/avx512vnni/avx512vnni_kernels.h"
#include "kernels/avx512vnni/requantize_avx512vnni.h"

namespace qk {
namespace avx512vnni {
namespace {

using driver::DwPixels;
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



// A chunk's constants, prepared once per Run (in the driver's workspace).
struct DwState {
  Requant16 rq[4];
  const Requant16* rq_ptr[4];
  __m512i cols[12];  // column packing: kernel column kx, accumulator v at cols[4 * kx + v]
  OutputStage stage;
  const int8_t* weights;  // the chunk's tap groups
  const int32_t* bias;    // the chunk's permuted bias'
  __mmask64 load_mask;    // the chunk's n channels (dual: each half's 32 bits)
  int taps, tap_groups, n;
  bool estimate, dual, contiguous, use_columns;
};

void Prepare(const OpDesc& d, const PackedData& p, int chunk, void* state) {
  DwState& s = *new (state) DwState;
  const DwGeometry g = DwGeometryOf(d);
  const int cp = g.chunks * 64, c0 = chunk * 64;
  const int32_t* mult = p.packed_bias.data() + cp;
  const int32_t* shift = mult + cp;
  s.estimate = true;
  for (int v = 0; v < 4; ++v) {
    s.rq[v] = MakeRequant16(mult + c0 + 16 * v, shift + c0 + 16 * v, d.rounding);
    s.rq_ptr[v] = &s.rq[v];
    s.estimate = s.estimate && s.rq[v].estimate;
  }
  s.stage = MakeOutputStage(d.output_zp, d.act_min, d.act_max, false);
  s.weights = p.packed.as<int8_t>() + size_t(chunk) * g.tap_groups * 256;
  s.bias = p.packed_bias.data() + c0;
  s.n = std::min(64, d.out_c - c0);
  s.load_mask = FirstBytes(s.n);
  s.taps = g.taps;
  s.tap_groups = g.tap_groups;
  s.dual = DualPixel(d);
  // Dual pixels whose channels fill both halves and lie back to back (32 channels, stride 1).
  s.contiguous = s.dual && d.in_c == 32 && d.stride_w == 1;
  s.use_columns = HasColumnPacking(d) && d.stride_w == 1 && d.dilation_w == 1 &&
                  (s.dual ? s.contiguous : s.n == 64);
  if (s.use_columns) {
    const int8_t* w = p.packed.as<int8_t>() + size_t(g.chunks) * g.tap_groups * 256 +
                      size_t(chunk) * 3 * 256;
    for (int i = 0; i < 12; ++i) s.cols[i] = _mm512_load_si512(w + 64 * i);
  }
}

// Requantizes one step's accumulators (kBiased: the bias is already in them) and stores its
// output pixel, or its two pixels (dual; `second`: the second one exists).
template <bool kBiased>
inline void Emit(const DwState& s, const __m512i* acc, uint8_t* dst, int64_t out_step,
                 bool second) {
  __m512i x[4], y[4];
  for (int v = 0; v < 4; ++v) {
    x[v] = kBiased ? acc[v] : _mm512_add_epi32(acc[v], _mm512_loadu_si512(s.bias + 16 * v));
  }
  ScaleVectors<4>(x, s.rq_ptr, s.estimate, y);
  const __m512i bytes = RequantizedBytesInLane(y[0], y[1], y[2], y[3], s.stage);
  if (!s.dual) {
    if (s.n == 64) {
      _mm512_storeu_si512(dst, bytes);
    } else {
      _mm512_mask_storeu_epi8(dst, s.load_mask, bytes);
    }
  } else if (s.contiguous && second) {  // out_c == 32: the two pixels are adjacent
    _mm512_storeu_si512(dst, bytes);
  } else {
    const __mmask32 half = static_cast<__mmask32>(s.load_mask);
    _mm256_mask_storeu_epi8(dst, half, _mm512_castsi512_si256(bytes));
    if (second) _mm256_mask_storeu_epi8(dst + out_step, half, _mm512_extracti64x4_epi64(bytes, 1));
  }
}

// One pixel's 64 channels whose tap t starts at tap(t) (channel c0 of an input pixel or the pad
// row): whole chunks by plain loads (masked loads are slower), the last chunk masked.
template <typename TapAt>
inline void SinglePixel(const DwState& s, TapAt tap, __m512i acc[4]) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  if (s.n == 64) {
    auto load = [&](int t) { return _mm512_xor_si512(_mm512_loadu_si512(tap(t)), flip); };
    DwStepAny(s.taps, s.tap_groups, flip, s.weights, load, acc);
  } else {
    auto load = [&](int t) {
      return _mm512_xor_si512(_mm512_maskz_loadu_epi8(s.load_mask, tap(t)), flip);
    };
    DwStepAny(s.taps, s.tap_groups, flip, s.weights, load, acc);
  }
}

// Two pixels' n <= 32 channels (lanes 0-1 and 2-3), their taps at tap0(t) and tap1(t).
template <typename TapAt0, typename TapAt1>
inline void PixelPair(const DwState& s, TapAt0 tap0, TapAt1 tap1, __m512i acc[4]) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __mmask32 half = static_cast<__mmask32>(s.load_mask);
  auto load = [&](int t) {
    const __m256i lo = _mm256_maskz_loadu_epi8(half, tap0(t));
    const __m256i hi = _mm256_maskz_loadu_epi8(half, tap1(t));
    return _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), flip);
  };
  DwStepAny(s.taps, s.tap_groups, flip, s.weights, load, acc);
}

// Interior pixels through the column layout (see HasColumnPacking): every column loaded (64
// bytes: one pixel's 64 channels, or two adjacent pixels' 32) lies inside the image. Returns the
// pixels done (dual: pairs only).
int InteriorColumns(const DwPixels& p, const DwState& s) {
  const OpDesc& d = *p.desc;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const int64_t row_step = p.tap_offset[d.kernel_w];  // one dilated input row
  const uint8_t* origin = p.first + p.c0;
  auto column = [&](int x, __m512i u[4]) {
    LoadColumn(reinterpret_cast<const int8_t*>(origin + x * p.x_step), row_step, flip, u);
  };
  auto accumulate = [&](const __m512i* u0, const __m512i* u1, const __m512i* u2, __m512i* acc) {
    for (int v = 0; v < 4; ++v) {
      const __m512i b = _mm512_loadu_si512(s.bias + 16 * v);
      __m512i a = _mm512_dpbusd_epi32(b, u0[v], s.cols[v]);
      a = _mm512_dpbusd_epi32(a, u1[v], s.cols[4 + v]);
      acc[v] = _mm512_dpbusd_epi32(a, u2[v], s.cols[8 + v]);
    }
  };
  __m512i u0[4], u1[4], u2[4], acc[4];
  column(0, u0);
  int i = 0;
  if (!s.dual) {
    column(1, u1);
    for (; i < p.count; ++i) {
      column(i + 2, u2);
      accumulate(u0, u1, u2, acc);
      Emit<true>(s, acc, p.out + i * p.out_step, p.out_step, false);
      for (int v = 0; v < 4; ++v) u0[v] = u1[v], u1[v] = u2[v];
    }
    return i;
  }
  // Each step's output stage is issued after the next step's loads and vpdpbusd, so that its
  // long dependent chain overlaps them (u1 is derived, which leaves the registers for it; in the
  // single-pixel loop above it spilled and ran slower).
  __m512i pending[4];
  int pending_i = -1;
  for (; i + 1 < p.count; i += 2) {
    // Column i + 1 (pixels i + 1, i + 2) is the upper half of column i and the lower half of
    // column i + 2; the interleaves never cross 128-bit lanes, so it is one lane shuffle.
    column(i + 2, u2);
    for (int v = 0; v < 4; ++v) u1[v] = _mm512_shuffle_i64x2(u0[v], u2[v], 0x4E);
    accumulate(u0, u1, u2, acc);
    if (pending_i >= 0) Emit<true>(s, pending, p.out + pending_i * p.out_step, p.out_step, true);
    for (int v = 0; v < 4; ++v) u0[v] = u2[v], pending[v] = acc[v];
    pending_i = i;
  }
  if (pending_i >= 0) Emit<true>(s, pending, p.out + pending_i * p.out_step, p.out_step, true);
  return i;
}

// Interior pixels: every tap inside the image, so no pointer but the pixel's first tap.
void Interior(const DwPixels& p) {
  // A local copy: the output stores (bytes) may alias anything reached through a pointer, so the
  // state's vectors would be reloaded after every store; a local's stay in registers.
  const DwState s = *static_cast<const DwState*>(p.state);
  int i = s.use_columns ? InteriorColumns(p, s) : 0;
  const uint8_t* origin = p.first + p.c0;
  const int64_t* off = p.tap_offset;
  __m512i acc[4];
  if (!s.dual) {
    for (; i < p.count; ++i) {
      const uint8_t* px = origin + i * p.x_step;
      SinglePixel(s, [&](int t) { return px + off[t]; }, acc);
      Emit<false>(s, acc, p.out + i * p.out_step, p.out_step, false);
    }
    return;
  }
  for (; i + 1 < p.count; i += 2) {
    const uint8_t* px0 = origin + i * p.x_step;
    if (s.contiguous) {
      // 32 channels, stride 1: the two pixels' 32 bytes are adjacent in memory,
      // [px0, px0 + 64) = [px0, px1 + 32), all in the image.
      const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
      auto load = [&](int t) { return _mm512_xor_si512(_mm512_loadu_si512(px0 + off[t]), flip); };
      DwStepAny(s.taps, s.tap_groups, flip, s.weights, load, acc);
    } else {
      const uint8_t* px1 = px0 + p.x_step;
      PixelPair(s, [&](int t) { return px0 + off[t]; }, [&](int t) { return px1 + off[t]; }, acc);
    }
    Emit<false>(s, acc, p.out + i * p.out_step, p.out_step, true);
  }
  if (i < p.count) {  // a last single pixel: the second half reads the pad row, never stored
    const uint8_t* px0 = origin + i * p.x_step;
    const uint8_t* pad = p.pad + p.c0;
    PixelPair(s, [&](int t) { return px0 + off[t]; }, [&](int) { return pad; }, acc);
    Emit<false>(s, acc, p.out + i * p.out_step, p.out_step, false);
  }
}

// Border pixels: one pointer per tap (the pad row for taps outside the image).
void Border(const DwPixels& p) {
  const DwState& s = *static_cast<const DwState*>(p.state);
  const int taps = s.taps;
  const int c0 = p.c0;
  __m512i acc[4];
  const int step = s.dual ? 2 : 1;
  for (int i = 0; i < p.count; i += step) {
    const uint8_t* const* t0 = p.taps + int64_t{i} * taps;
    if (!s.dual) {
      SinglePixel(s, [&](int t) { return t0[t] + c0; }, acc);
      Emit<false>(s, acc, p.out + i * p.out_step, p.out_step, false);
      continue;
    }
    const bool second = i + 1 < p.count;
    const uint8_t* const* t1 = second ? t0 + taps : nullptr;
    const uint8_t* pad = p.pad + c0;
    PixelPair(s, [&](int t) { return t0[t] + c0; },
              [&](int t) { return second ? t1[t] + c0 : pad; }, acc);
    Emit<false>(s, acc, p.out + i * p.out_step, p.out_step, second);
  }
}

}  // namespace

bool DwApplies(const OpDesc& d) { return d.kernel_h * d.kernel_w <= kMaxTaps; }

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



const driver::DwConvConfig kDwConv = {/*chunk=*/64, sizeof(DwState), Prepare, Interior, Border};

}  // namespace avx512vnni
}  // namespace qk
