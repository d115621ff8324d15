// AVX-512 VNNI int8 conv2d for small K (KH*KW*C <= 64) and narrow N (out_c <= 32): the first
// layers (MNIST 3x3x1 -> 32, RGB 3x3x3 -> 32, 3x3x1 -> 8).
//
// A vector holds P output pixels x 16/P output channels, lane = p * (16 / P) + c: P = 2 when
// out_c <= 8 (so no lane is wasted on N = 8), else P = 1 with one or two vectors per pixel.
// Each pixel's im2col row (at most 64 bytes) is assembled in one register from masked loads of
// the input, +128 (x ^ 0x80) so vpdpbusd sees unsigned bytes; out-of-image taps hold x = zp_in, so
// they contribute exactly 0 after the folded compensation:
//   sum w*(x - zp_in) = sum w*(x + 128) - (128 + zp_in) * sum w   (int8 filter_zp is 0),
// the second term per output channel, folded into the packed bias. Bytes of the row past K meet
// zero weights. All sums wrap mod 2^32 like the reference accumulator (vpdpbusd does not
// saturate). The requantization is requantize_avx512vnni.h's ScaleVectors (float estimate with
// an exact integer fallback), exact for both rounding modes.
#include "kernels/avx512vnni/conv_smallk_avx512vnni.h"

#include <algorithm>
#include <cstring>

#include "kernels/avx512vnni/requantize_avx512vnni.h"

namespace qk {
namespace avx512vnni {
namespace {

using internal::OpDesc;
using internal::PackedData;

constexpr int kMaxK = 64;
constexpr int kMaxN = 32;

int PixelsPerVector(const OpDesc& d) { return d.out_c <= 8 ? 2 : 1; }
int Vectors(const OpDesc& d) { return d.out_c <= 16 ? 1 : 2; }

// Builds im2col rows of consecutive output pixels (batch folded in) into registers.
class RowBuilder {
 public:
  explicit RowBuilder(const OpDesc& d) : d_(d) {
    gic_ = d.in_c;
    k_ = d.kernel_h * d.kernel_w * gic_;
    runs_ = d.dilation_w == 1;
    raw_pads_ = _mm512_set1_epi8(static_cast<char>(d.input_zp));
    flips_ = _mm512_set1_epi8(static_cast<char>(0x80));
    for (int ky = 0; ky < d.kernel_h; ++ky) {
      run_mask_[ky] = FirstBytes(d.kernel_w * gic_) << (ky * d.kernel_w * gic_);
    }
    tap_mask_ = FirstBytes(gic_);
    line_bytes_ = int64_t{d.in_w} * d.in_c;
    for (int ky = 0; ky < d.kernel_h; ++ky) {
      run_offset_[ky] = ky * d.dilation_h * line_bytes_ - ky * d.kernel_w * gic_;
    }
  }

  // Positions the builder at the first output pixel of `input`.
  void Start(const uint8_t* input) {
    input_ = input;
    b_ = oy_ = ox_ = 0;
    ox_lo_ = d_.out_w, ox_hi_ = 0;
    for (int ox = 0; ox < d_.out_w; ++ox) {
      const int ix0 = ox * d_.stride_w - d_.pad_left;
      if (ix0 >= 0 && ix0 + (d_.kernel_w - 1) * d_.dilation_w < d_.in_w) {
        ox_lo_ = std::min(ox_lo_, ox);
        ox_hi_ = ox + 1;
      }
    }
    step_ = int64_t{d_.stride_w} * gic_;
    StartLine();
  }

  // The current pixel's row (x + 128 per tap), then advances to the next pixel.
  __m512i Next() {
    if (line_fast_ && ox_ >= ox_lo_ && ox_ < ox_hi_) {
      // Every tap inside: one masked load per kernel row, at a precomputed offset.
      __m512i row = raw_pads_;
      if (d_.kernel_h == 3) {  // the common case, unrolled
        return Runs<3>(row);
      }
      for (int ky = 0; ky < d_.kernel_h; ++ky) {
        row = _mm512_mask_loadu_epi8(row, run_mask_[ky],
                                     reinterpret_cast<const uint8_t*>(base_ + run_offset_[ky]));
      }
      Advance();
      return _mm512_xor_si512(row, flips_);
    }
    return Slow(input_);
  }

 private:
  // base_ = address of the current pixel's first tap (ix0, iy0), as an integer: it may lie
  // outside the image and is only dereferenced for pixels whose taps are all inside.
  void StartLine() {
    const int iy0 = oy_ * d_.stride_h - d_.pad_top;
    line_fast_ = runs_ && iy0 >= 0 && iy0 + (d_.kernel_h - 1) * d_.dilation_h < d_.in_h;
    base_ = reinterpret_cast<uintptr_t>(input_) +
            (int64_t{b_} * d_.in_h + iy0) * line_bytes_ - int64_t{d_.pad_left} * gic_;
  }

  template <int KH>
  __m512i Runs(__m512i row) {
#pragma GCC unroll 8
    for (int ky = 0; ky < KH; ++ky) {
      row = _mm512_mask_loadu_epi8(row, run_mask_[ky],
                                   reinterpret_cast<const uint8_t*>(base_ + run_offset_[ky]));
    }
    Advance();
    return _mm512_xor_si512(row, flips_);
  }

  void Advance() {
    base_ += step_;
    if (++ox_ == d_.out_w) {
      ox_ = 0;
      if (++oy_ == d_.out_h) {
        oy_ = 0;
        ++b_;
      }
      StartLine();
    }
  }

  __m512i Slow(const uint8_t* input) {
    const int ix0 = ox_ * d_.stride_w - d_.pad_left;
    const int iy0 = oy_ * d_.stride_h - d_.pad_top;
    const bool x_inside = ix0 >= 0 && ix0 + (d_.kernel_w - 1) * d_.dilation_w < d_.in_w;
    const uint8_t* image = input + int64_t{b_} * d_.in_h * d_.in_w * d_.in_c;
    const int64_t line_bytes = line_bytes_;
    __m512i row = raw_pads_;
    for (int ky = 0; ky < d_.kernel_h; ++ky) {
      const int iy = iy0 + ky * d_.dilation_h;
      if (iy < 0 || iy >= d_.in_h) continue;
      const uint8_t* line = image + iy * line_bytes;
      const int offset = ky * d_.kernel_w * gic_;
      if (x_inside && runs_) {
        // Byte j of the load reads src[j - offset]; only the masked bytes are accessed.
        row = LoadAt(row, run_mask_[ky], line + int64_t{ix0} * gic_, offset);
        continue;
      }
      for (int kx = 0; kx < d_.kernel_w; ++kx) {
        const int ix = ix0 + kx * d_.dilation_w;
        if (ix >= 0 && ix < d_.in_w) {
          row = LoadAt(row, tap_mask_ << (offset + kx * gic_), line + int64_t{ix} * gic_,
                       offset + kx * gic_);
        }
      }
    }
    Advance();
    return _mm512_xor_si512(row, flips_);
  }

  static __m512i LoadAt(__m512i row, __mmask64 mask, const uint8_t* src, int offset) {
    const uintptr_t base = reinterpret_cast<uintptr_t>(src) - offset;
    return _mm512_mask_loadu_epi8(row, mask, reinterpret_cast<const uint8_t*>(base));
  }

  const OpDesc& d_;
  int gic_, k_;
  bool runs_;
  __m512i raw_pads_, flips_;
  __mmask64 run_mask_[kMaxK];
  __mmask64 tap_mask_;
  int64_t line_bytes_;
  int64_t run_offset_[kMaxK];  // address of kernel row ky's run minus its byte offset in the row
  int b_ = 0, oy_ = 0, ox_ = 0;
  const uint8_t* input_ = nullptr;
  int ox_lo_ = 0, ox_hi_ = 0;
  bool line_fast_ = false;
  uintptr_t base_ = 0;
  int64_t step_ = 0;
};

struct Params {
  const int8_t* w;  // [kp / 4][NV][16 lanes][4]
  int groups4;      // kp / 4
  const int32_t* bias;  // NV * 16 lanes
  const Requant16* rq;  // NV entries
  bool estimate;        // every entry allows ScaleEstimate
  const OutputStage* out;
  int n;
};

// T pixels (T / P vectors of accumulators per channel vector), rows in `rows` (64 bytes each).
template <int P, int NV, int T>
void Tile(const Params& p, const uint8_t (*rows)[64], int valid, uint8_t* out) {
  constexpr int G = T / P;
  __m512i acc[G][NV];
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) {
    const __m512i bias = _mm512_loadu_si512(p.bias + 16 * v);
#pragma GCC unroll 16
    for (int t = 0; t < G; ++t) acc[t][v] = bias;
  }
  const int8_t* w = p.w;
  for (int g = 0; g < p.groups4; ++g, w += 64 * NV) {
    __m512i b[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) b[v] = _mm512_load_si512(w + 64 * v);
#pragma GCC unroll 16
    for (int t = 0; t < G; ++t) {
      int32_t a0;
      std::memcpy(&a0, rows[P * t] + 4 * g, 4);
      __m512i a = _mm512_set1_epi32(a0);
      if (P == 2) {
        int32_t a1;
        std::memcpy(&a1, rows[P * t + 1] + 4 * g, 4);
        a = _mm512_mask_set1_epi32(a, 0xFF00, a1);
      }
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
      const __m512i bytes = InLaneToLinear(RequantizedBytesInLane(y[0], y[1], y[2], y[3], *p.out));
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
          InLaneToLinear(RequantizedBytesInLane(y[0], y[1], y[2], y[3], *p.out));
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

template <int P, int NV, int T>
void RunTiles(const OpDesc& d, const Params& p, const uint8_t* in, uint8_t* out) {
  static_assert(T % (2 * P) == 0 && (P == 1 || T % 8 == 0), "tile stores whole groups");
  const int64_t m = int64_t{d.batch} * d.out_h * d.out_w;
  RowBuilder builder(d);
  builder.Start(in);
  // Double-buffered: the rows of the next tile are built before this tile reads its rows, so
  // the dword loads never wait on the 64-byte stores that wrote them.
  alignas(64) uint8_t rows[2][T][64];
  std::memset(rows, 0, sizeof(rows));
  auto build = [&](int64_t m0, uint8_t (*dst)[64]) {
    const int valid = static_cast<int>(std::min<int64_t>(T, m - m0));
    for (int r = 0; r < valid; ++r) _mm512_store_si512(dst[r], builder.Next());
  };
  build(0, rows[0]);
  int cur = 0;
  for (int64_t m0 = 0; m0 < m; m0 += T, cur ^= 1) {
    const int valid = static_cast<int>(std::min<int64_t>(T, m - m0));
    if (m0 + T < m) build(m0 + T, rows[cur ^ 1]);
    Tile<P, NV, T>(p, rows[cur], valid, out + m0 * d.out_c);
  }
}

}  // namespace

bool SmallKConvApplies(const OpDesc& d) {
  return d.op == internal::OpKind::kConv2D && d.type == DataType::kInt8 && d.groups == 1 &&
         d.filter_zp == 0 && d.KernelDepth() <= kMaxK && d.out_c <= kMaxN &&
         d.kernel_h <= kMaxK;
}

// packed: [kp / 4][NV][16 lanes][4] weights, lane -> channel (lane % (16 / P)) + 16 v.
// packed_bias: [bias'][multiplier][shift], NV * 16 lanes each (0 for lanes past out_c).
void PackSmallKConv(const OpDesc& d, PackedData* p) {
  const int k = d.KernelDepth();
  const int groups4 = (k + 3) / 4;
  const int pv = PixelsPerVector(d), nv = Vectors(d), cv = 16 / pv;
  const int lanes = 16 * nv;
  p->packed.Resize(size_t(groups4) * lanes * 4);
  int8_t* w = p->packed.as<int8_t>();
  std::memset(w, 0, size_t(groups4) * lanes * 4);
  p->packed_bias.assign(3 * size_t(lanes), 0);
  int32_t* bias = p->packed_bias.data();
  const uint32_t zp_in = static_cast<uint32_t>(d.input_zp);
  for (int v = 0; v < nv; ++v) {
    for (int lane = 0; lane < 16; ++lane) {
      const int oc = 16 * v + lane % cv;
      if (oc >= d.out_c) continue;
      const int8_t* f = p->filter.data() + size_t(oc) * k;
      uint32_t sum = 0;
      for (int j = 0; j < k; ++j) {
        w[((size_t(j / 4) * nv + v) * 16 + lane) * 4 + j % 4] = f[j];
        sum += static_cast<uint32_t>(int32_t{f[j]});
      }
      const int i = 16 * v + lane;
      // Unsigned: the folded term wraps mod 2^32 exactly like the accumulator.
      bias[i] = static_cast<int32_t>(static_cast<uint32_t>(p->bias32[oc]) - (128u + zp_in) * sum);
      bias[lanes + i] = p->multiplier[oc];
      bias[2 * lanes + i] = p->shift[oc];
    }
  }
}

void RunSmallKConv(const OpDesc& d, const PackedData& pd, const void* input, void* output,
                   void*) {
  const int pv = PixelsPerVector(d), nv = Vectors(d);
  const int lanes = 16 * nv;
  const int32_t* bias = pd.packed_bias.data();
  Requant16 rq[2];
  bool estimate = true;
  for (int v = 0; v < nv; ++v) {
    rq[v] = MakeRequant16(bias + lanes + 16 * v, bias + 2 * lanes + 16 * v, d.rounding);
    estimate = estimate && rq[v].estimate;
  }
  const OutputStage stage = MakeOutputStage(d.output_zp, d.act_min, d.act_max, false);
  Params p{pd.packed.as<int8_t>(), (d.KernelDepth() + 3) / 4, bias, rq, estimate, &stage,
           d.out_c};
  const uint8_t* in = static_cast<const uint8_t*>(input);
  uint8_t* out = static_cast<uint8_t*>(output);
  if (pv == 2) {
    RunTiles<2, 1, 16>(d, p, in, out);
  } else if (nv == 1) {
    RunTiles<1, 1, 12>(d, p, in, out);
  } else {
    RunTiles<1, 2, 8>(d, p, in, out);
  }
}

}  // namespace avx512vnni
}  // namespace qk
