// AVX-512 VNNI depthwise conv2d, int8, depth multiplier 1: 64 channels per step, 4 taps per
// vpdpbusd. The four tap vectors are interleaved (vpunpck{l,h}bw, vpunpck{l,h}wd) so that each
// 32-bit lane holds 4 taps of one channel; accumulator i then holds, in 128-bit lane L, channels
// 16L + 4i + 0..3, and a 4x4 transpose of 128-bit blocks restores channel order for the epilogue.
// As in the GEMM: A = x + 128 (x ^ 0x80), sum w*(x - zp) = sum w*(x + 128) - (128 + zp)*sum w with
// the second term folded into the bias; outside taps read x = zp and so add exactly zero.
#include "kernels/avx512vnni/dwconv_avx512vnni.h"

#include <algorithm>
#include <cstdint>

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

// Byte offset of (channel c in its chunk, tap j of its group) inside a 256-byte tap group.
inline int PackedOffset(int c, int j) {
  const int lane = c / 16, i = (c % 16) / 4, p = c % 4;
  return i * 64 + (4 * lane + p) * 4 + j;
}

// The 4x4 transpose of 128-bit blocks: out[j] block i = in[i] block j.
inline void TransposeBlocks(__m512i v[4]) {
  const __m512i t0 = _mm512_shuffle_i32x4(v[0], v[1], 0x44);
  const __m512i t1 = _mm512_shuffle_i32x4(v[2], v[3], 0x44);
  const __m512i t2 = _mm512_shuffle_i32x4(v[0], v[1], 0xEE);
  const __m512i t3 = _mm512_shuffle_i32x4(v[2], v[3], 0xEE);
  v[0] = _mm512_shuffle_i32x4(t0, t1, 0x88);
  v[1] = _mm512_shuffle_i32x4(t0, t1, 0xDD);
  v[2] = _mm512_shuffle_i32x4(t2, t3, 0x88);
  v[3] = _mm512_shuffle_i32x4(t2, t3, 0xDD);
}

}  // namespace

bool DwApplies(const OpDesc& d) {
  return d.type == DataType::kInt8 && d.depth_multiplier == 1;
}

void PackDw(const OpDesc& d, PackedData* p) {
  const DwGeometry g = DwGeometryOf(d);
  const int cp = g.chunks * 64;
  p->packed.Resize(size_t(g.chunks) * g.tap_groups * 256);
  int8_t* packed = p->packed.as<int8_t>();
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
    }
    const uint32_t zp_term = (128u + static_cast<uint32_t>(d.input_zp)) * sum;  // wraps
    bias[c] = static_cast<int32_t>(static_cast<uint32_t>(p->bias32[c]) - zp_term);
    mult[c] = p->multiplier[c];
    shift[c] = p->shift[c];
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
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i pad = _mm512_set1_epi8(static_cast<char>(d.input_zp ^ 0x80));
  const int channels = d.in_c;
  for (int chunk = 0; chunk < g.chunks; ++chunk) {
    const int c0 = chunk * 64;
    const int n = std::min(64, channels - c0);
    const __mmask64 load_mask = n == 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
    Requant16 rq[4];
    __mmask16 store_mask[4];
    for (int v = 0; v < 4; ++v) {
      rq[v] = MakeRequant16(mult + c0 + 16 * v, shift + c0 + 16 * v, d.rounding, d.output_zp,
                            d.act_min, d.act_max);
      const int left = std::max(0, std::min(16, n - 16 * v));
      store_mask[v] = static_cast<__mmask16>((1u << left) - 1);
    }
    const int vectors = (n + 15) / 16;
    const int8_t* weights = p.packed.as<int8_t>() + size_t(chunk) * g.tap_groups * 256;
    for (int b = 0; b < d.batch; ++b) {
      const int8_t* image = in + size_t(b) * d.in_h * d.in_w * channels + c0;
      for (int oy = 0; oy < d.out_h; ++oy) {
        for (int ox = 0; ox < d.out_w; ++ox) {
          const int iy0 = oy * d.stride_h - d.pad_top, ix0 = ox * d.stride_w - d.pad_left;
          __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(),
                            _mm512_setzero_si512(), _mm512_setzero_si512()};
          for (int tg = 0; tg < g.tap_groups; ++tg) {
            __m512i x[4];
            for (int j = 0; j < 4; ++j) {
              const int t = tg * 4 + j;
              x[j] = pad;
              if (t >= g.taps) continue;
              const int iy = iy0 + (t / d.kernel_w) * d.dilation_h;
              const int ix = ix0 + (t % d.kernel_w) * d.dilation_w;
              if (iy < 0 || iy >= d.in_h || ix < 0 || ix >= d.in_w) continue;
              const int8_t* src = image + (size_t(iy) * d.in_w + ix) * channels;
              x[j] = _mm512_xor_si512(_mm512_maskz_loadu_epi8(load_mask, src), flip);
            }
            const __m512i lo01 = _mm512_unpacklo_epi8(x[0], x[1]);
            const __m512i hi01 = _mm512_unpackhi_epi8(x[0], x[1]);
            const __m512i lo23 = _mm512_unpacklo_epi8(x[2], x[3]);
            const __m512i hi23 = _mm512_unpackhi_epi8(x[2], x[3]);
            const int8_t* w = weights + tg * 256;
            acc[0] = _mm512_dpbusd_epi32(acc[0], _mm512_unpacklo_epi16(lo01, lo23),
                                         _mm512_load_si512(w));
            acc[1] = _mm512_dpbusd_epi32(acc[1], _mm512_unpackhi_epi16(lo01, lo23),
                                         _mm512_load_si512(w + 64));
            acc[2] = _mm512_dpbusd_epi32(acc[2], _mm512_unpacklo_epi16(hi01, hi23),
                                         _mm512_load_si512(w + 128));
            acc[3] = _mm512_dpbusd_epi32(acc[3], _mm512_unpackhi_epi16(hi01, hi23),
                                         _mm512_load_si512(w + 192));
          }
          TransposeBlocks(acc);
          int8_t* dst = out + ((size_t(b) * d.out_h + oy) * d.out_w + ox) * d.out_c + c0;
          for (int v = 0; v < vectors; ++v) {
            const __m512i x = _mm512_add_epi32(acc[v], _mm512_loadu_si512(bias + c0 + 16 * v));
            Store16Bytes(dst + 16 * v, Requantize16(x, rq[v]), store_mask[v]);
          }
        }
      }
    }
  }
}

}  // namespace avx512vnni
}  // namespace qk
