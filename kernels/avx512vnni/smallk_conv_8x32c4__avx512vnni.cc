// The AVX-512 VNNI microkernel of the small-K conv driver (kernels/driver/smallk_conv_driver.h):
// int8 conv2d for small K and narrow N (out_c <= 32): the first layers (MNIST 3x3x1 -> 32, RGB
// 3x3x3 -> 32, 3x3x1 -> 8) and pointwise layers with few input channels.
//
// The driver copies the input into the workspace as x + 128 (x ^ 0x80, so vpdpbusd sees unsigned
// bytes) with its padding materialized as zp_in + 128, one band of output rows at a time (the
// padded rows the band reads, about 16 KiB): every output pixel then reads its taps straight
// from that copy, with no bounds checks. A tap run (one kernel row, kernel_w * in_c contiguous
// bytes; or one tap when dilation_w > 1) is split into groups of 4 bytes; bytes of the last
// group past the run meet zero weights. Padded taps hold x = zp_in and contribute exactly 0
// after the folded compensation:
//   sum w*(x - zp_in) = sum w*(x + 128) - (128 + zp_in) * sum w   (int8 filter_zp is 0),
// the second term per output channel, folded into the packed bias. All sums wrap mod 2^32 like
// the reference accumulator (vpdpbusd does not saturate).
//
// A vector holds P output pixels x 16/P output channels, lane = p * (16 / P) + c: P = 2 when
// out_c <= 8 (so no lane is wasted on N = 8), else P = 1 with one or two vectors per pixel.
// The requantization is requantize_avx512vnni.h's ScaleVectors (float estimate with an exact
// integer fallback), exact for both rounding modes.

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <utility>

#include "kernels/avx512vnni/avx512vnni_kernels.h"
#include "kernels/driver/a_rows.h"
#include "kernels/avx512vnni/requantize_avx512vnni.h"

namespace qk {
namespace avx512vnni {
namespace {

using driver::PaddedImage;
using driver::SmallKBand;
using driver::TapRuns;
using internal::OpDesc;
using internal::PackedData;

constexpr int kMaxK4 = 16;  // groups of 4 bytes of K
constexpr int kMaxN = 32;

int PixelsPerVector(const OpDesc& d) { return d.out_c <= 8 ? 2 : 1; }
int Vectors(const OpDesc& d) { return d.out_c <= 16 ? 1 : 2; }

// The padded image, the runs of taps in it, and K as groups of 4 bytes of each run.
struct Geometry {
  PaddedImage image;
  TapRuns runs;
  int groups_per_run;
  int k4;
};

Geometry GeometryOf(const OpDesc& d) {
  Geometry g{PaddedImage(d, 1), TapRuns(d), 0, 0};
  g.groups_per_run = (g.runs.elems + 3) / 4;
  const int64_t k4 = g.runs.Count(d) * g.groups_per_run;
  g.k4 = k4 > kMaxK4 ? kMaxK4 + 1 : static_cast<int>(k4);
  return g;
}

inline int32_t LoadU32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// The constants of a call, prepared once into the driver's workspace.
struct Params {
  Requant16 rq[2];      // NV entries
  OutputStage out;
  const int8_t* w;      // [k4][NV][16 lanes][4]
  const int32_t* bias;  // NV * 16 lanes
  bool estimate;        // every entry allows ScaleEstimate
  int n;
  int variant, k4;      // kBands' indices
  int64_t offset[kMaxK4];  // group g's bytes relative to the pixel's first tap
};

// T pixels (T / P vectors of accumulators per channel vector); pixel t's group g of 4 bytes is
// at px[t] + p.offset[g].
template <int P, int NV, int T, int K4>
void Tile(const Params& p, const uint8_t* const* px, int valid, uint8_t* out) {
  constexpr int G = T / P;
  __m512i acc[G][NV];
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) {
    const __m512i bias = _mm512_loadu_si512(p.bias + 16 * v);
#pragma GCC unroll 16
    for (int t = 0; t < G; ++t) acc[t][v] = bias;
  }
  const int8_t* w = p.w;
#pragma GCC unroll 16
  for (int g = 0; g < K4; ++g, w += 64 * NV) {
    __m512i b[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) b[v] = _mm512_load_si512(w + 64 * v);
#pragma GCC unroll 16
    for (int t = 0; t < G; ++t) {
      __m512i a = _mm512_set1_epi32(LoadU32(px[P * t] + p.offset[g]));
      if (P == 2) a = _mm512_mask_set1_epi32(a, 0xFF00, LoadU32(px[P * t + 1] + p.offset[g]));
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[t][v] = _mm512_dpbusd_epi32(acc[t][v], a, b[v]);
    }
  }
  const __m512i zero = _mm512_setzero_si512();
  const int n = p.n;
  if (P == 1) {
    // Two pixels per packed store: bytes [0, 32) pixel t, [32, 64) pixel t + 1.
#pragma GCC unroll 16
    for (int t = 0; t < G; t += 2) {
      if (t >= valid) break;
      __m512i y[4];
      if (NV > 1) {
        const __m512i x[4] = {acc[t][0], acc[t][NV - 1], acc[t + 1][0], acc[t + 1][NV - 1]};
        const Requant16* q[4] = {&p.rq[0], &p.rq[NV - 1], &p.rq[0], &p.rq[NV - 1]};
        ScaleVectors<4>(x, q, p.estimate, y);
      } else {
        const __m512i x[2] = {acc[t][0], acc[t + 1][0]};
        const Requant16* q[2] = {&p.rq[0], &p.rq[0]};
        __m512i z[2];
        ScaleVectors<2>(x, q, p.estimate, z);
        y[0] = z[0], y[1] = zero, y[2] = z[1], y[3] = zero;
      }
      const __m512i bytes = InLaneToLinear(RequantizedBytesInLane(y[0], y[1], y[2], y[3], p.out));
      uint8_t* dst = out + int64_t{t} * n;
      if (n == 32 && t + 1 < valid) {
        _mm512_storeu_si512(dst, bytes);
      } else {
        _mm512_mask_storeu_epi8(dst, FirstBytes(n), bytes);
        if (t + 1 < valid) {
          // Bytes 32.. land at dst + n: the store address is shifted so only they are written.
          const uintptr_t base = reinterpret_cast<uintptr_t>(dst + n) - 32;
          _mm512_mask_storeu_epi8(reinterpret_cast<void*>(base), FirstBytes(n) << 32, bytes);
        }
      }
    }
  } else {
    // Four vectors = 8 pixels x 8 channel lanes per packed store: byte 8 * pixel + c.
#pragma GCC unroll 16
    for (int t = 0; t < G; t += 4) {
      if (2 * t >= valid) break;
      const __m512i x[4] = {acc[t][0], acc[t + 1][0], acc[t + 2][0], acc[t + 3][0]};
      const Requant16* q[4] = {&p.rq[0], &p.rq[0], &p.rq[0], &p.rq[0]};
      __m512i y[4];
      ScaleVectors<4>(x, q, p.estimate, y);
      const __m512i bytes =
          InLaneToLinear(RequantizedBytesInLane(y[0], y[1], y[2], y[3], p.out));
      const int pixels = std::min(8, valid - 2 * t);
      uint8_t* dst = out + int64_t{2 * t} * n;
      if (n == 8) {
        _mm512_mask_storeu_epi8(dst, FirstBytes(8 * pixels), bytes);
      } else {
        for (int q = 0; q < pixels; ++q) {
          const uintptr_t base = reinterpret_cast<uintptr_t>(dst + q * n) - 8 * q;
          _mm512_mask_storeu_epi8(reinterpret_cast<void*>(base), FirstBytes(n) << (8 * q), bytes);
        }
      }
    }
  }
}

// The tiles of `pixels` consecutive output pixels from the start of an output row, whose first
// padded row is at `line`.
template <int P, int NV, int T, int K4>
void RunBand(const OpDesc& d, const Params& p, int64_t row_step, int64_t col_step,
             int64_t pixels, const uint8_t* line, uint8_t* out_b) {
  int ox = 0;
  for (int64_t m0 = 0; m0 < pixels; m0 += T) {
    const int valid = static_cast<int>(std::min<int64_t>(T, pixels - m0));
    const uint8_t* px[T];
    if (valid == T && ox + T < d.out_w) {  // the whole tile inside one output row
      const uint8_t* first = line + ox * col_step;
#pragma GCC unroll 16
      for (int t = 0; t < T; ++t) px[t] = first + t * col_step;
      ox += T;
    } else {
      for (int t = 0; t < T; ++t) {
        if (t < valid) {
          px[t] = line + ox * col_step;
          if (++ox == d.out_w) ox = 0, line += row_step;
        } else {
          px[t] = px[t - 1];  // computed and discarded: the stores skip it
        }
      }
    }
    Tile<P, NV, T, K4>(p, px, valid, out_b + m0 * d.out_c);
  }
}

using BandFn = void (*)(const OpDesc&, const Params&, int64_t, int64_t, int64_t,
                       const uint8_t*, uint8_t*);
template <int P, int NV, int T, size_t... I>
constexpr std::array<BandFn, kMaxK4> MakeBands(std::index_sequence<I...>) {
  static_assert(T % (2 * P) == 0 && (P == 1 || T % 8 == 0), "tile stores whole groups");
  return {&RunBand<P, NV, T, int(I) + 1>...};
}
// [variant][K4 - 1]: 2 pixels x 8 channels per vector; 1 vector of 16; 2 vectors of 16.
const std::array<BandFn, kMaxK4> kBands[3] = {
    MakeBands<2, 1, 16>(std::make_index_sequence<kMaxK4>()),
    MakeBands<1, 1, 12>(std::make_index_sequence<kMaxK4>()),
    MakeBands<1, 2, 8>(std::make_index_sequence<kMaxK4>())};

void Prepare(const OpDesc& d, const PackedData& pd, void* state) {
  Params& p = *new (state) Params;
  const Geometry g = GeometryOf(d);
  const int pv = PixelsPerVector(d), nv = Vectors(d);
  const int lanes = 16 * nv;
  const int32_t* bias = pd.packed_bias.data();
  p.estimate = true;
  for (int v = 0; v < nv; ++v) {
    p.rq[v] = MakeRequant16(bias + lanes + 16 * v, bias + 2 * lanes + 16 * v, d.rounding);
    p.estimate = p.estimate && p.rq[v].estimate;
  }
  p.out = MakeOutputStage(d.output_zp, d.act_min, d.act_max, false);
  p.w = pd.packed.as<int8_t>();
  p.bias = bias;
  p.n = d.out_c;
  p.variant = pv == 2 ? 0 : nv == 1 ? 1 : 2;
  p.k4 = g.k4;
  for (int ky = 0; ky < d.kernel_h; ++ky) {
    for (int run = 0; run < g.runs.per_row; ++run) {
      for (int j = 0; j < g.groups_per_run; ++j) {
        const int group = (ky * g.runs.per_row + run) * g.groups_per_run + j;
        p.offset[group] = g.runs.Offset(d, g.image, ky, run) + 4 * j;
      }
    }
  }
}

void Band(const SmallKBand& b) {
  const Params& p = *static_cast<const Params*>(b.state);
  kBands[p.variant][p.k4 - 1](*b.desc, p, b.row_step, b.col_step, b.pixels, b.line, b.out);
}

// n input bytes into the padded image as x ^ 0x80: masked loads and stores for the tail.
void ConvertRun(const void* src, int64_t n, DataType, driver::AFormat, int32_t, void* dst) {
  const uint8_t* s = static_cast<const uint8_t*>(src);
  uint8_t* o = static_cast<uint8_t*>(dst);
  const __m512i flips = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int64_t j = 0; j < n; j += 64) {
    const __mmask64 m = FirstBytes(static_cast<int>(std::min<int64_t>(64, n - j)));
    _mm512_mask_storeu_epi8(o + j, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, s + j), flips));
  }
}

}  // namespace

bool SmallKConvApplies(const OpDesc& d) {
  if (d.op != internal::OpKind::kConv2D || d.type != DataType::kInt8 || d.groups != 1 ||
      d.filter_zp != 0 || d.out_c > kMaxN) {
    return false;
  }
  const Geometry g = GeometryOf(d);
  return g.k4 <= kMaxK4 && g.image.Fits(d);
}

// packed: [k4][NV][16 lanes][4] weights, lane -> channel (lane % (16 / P)) + 16 v; group
// (ky, run, j) holds bytes 4j..4j+3 of that run, zero past its end.
// packed_bias: [bias'][multiplier][shift], NV * 16 lanes each (0 for lanes past out_c).
void PackSmallKConv(const OpDesc& d, PackedData* p) {
  const Geometry g = GeometryOf(d);
  const int k = d.KernelDepth();
  const int pv = PixelsPerVector(d), nv = Vectors(d), cv = 16 / pv;
  const int lanes = 16 * nv;
  p->packed.Resize(size_t(g.k4) * lanes * 4);
  int8_t* w = p->packed.as<int8_t>();
  std::memset(w, 0, size_t(g.k4) * lanes * 4);
  p->packed_bias.assign(3 * size_t(lanes), 0);
  int32_t* bias = p->packed_bias.data();
  const uint32_t zp_in = static_cast<uint32_t>(d.input_zp);
  for (int v = 0; v < nv; ++v) {
    for (int lane = 0; lane < 16; ++lane) {
      const int oc = 16 * v + lane % cv;
      if (oc >= d.out_c) continue;
      const int8_t* f = p->filter.data() + size_t(oc) * k;
      uint32_t sum = 0;
      // Filter element (ky, kx, c) is byte kx * in_c + c of run (ky, 0), or byte c of run
      // (ky, kx) when every tap is its own run.
      for (int ky = 0; ky < d.kernel_h; ++ky) {
        for (int kx = 0; kx < d.kernel_w; ++kx) {
          for (int c = 0; c < d.in_c; ++c) {
            const int8_t value = f[(ky * d.kernel_w + kx) * d.in_c + c];
            const int run = g.runs.per_row == 1 ? 0 : kx;
            const int byte = g.runs.per_row == 1 ? kx * d.in_c + c : c;
            const int group = (ky * g.runs.per_row + run) * g.groups_per_run + byte / 4;
            w[((size_t(group) * nv + v) * 16 + lane) * 4 + byte % 4] = value;
            sum += static_cast<uint32_t>(int32_t{value});
          }
        }
      }
      const int i = 16 * v + lane;
      // Unsigned: the folded term wraps mod 2^32 exactly like the accumulator.
      bias[i] = static_cast<int32_t>(static_cast<uint32_t>(p->bias32[oc]) - (128u + zp_in) * sum);
      bias[lanes + i] = p->multiplier[oc];
      bias[2 * lanes + i] = p->shift[oc];
    }
  }
}

const driver::SmallKConfig kSmallKConv = {
    driver::AFormat::kXorU8,
    // Bands of about 16 KiB of padded rows: the tiles read them from L1, and the workspace stays
    // small (for a 224x224 RGB input: 16 KiB instead of 151 KiB).
    /*band_bytes=*/16 << 10, sizeof(Params), Prepare, Band, ConvertRun};

}  // namespace avx512vnni
}  // namespace qk
