// The AVX2 int16 GEMM behind conv2d, 1x1 conv and batched fully connected (this folder only).
//
// C[M x N] = A[M x K] * B[K x N] with M = output pixels, N = output channels of a group and
// K = KH*KW*(C/groups). A holds activations widened to int16 with the input zero point already
// subtracted (so skipped taps are zeros); B holds (w - filter_zp) as int16, packed per group into
// panels of 16 columns with K split into pairs: panel[kpair][col][2]. vpmaddwd multiplies a
// broadcast A pair by 8 B pairs and adds each pair into an int32 lane: exact, because
// |w - wzp| <= 255 and |x - zp| <= 255 (or 128 * 32768 for int16x8) keep a pair sum < 2^31,
// and vpaddd then wraps like the reference's WrappingAdd. (vpmaddubsw would saturate.)
#ifndef QKERNELS_KERNELS_AVX2_GEMM_AVX2_H_
#define QKERNELS_KERNELS_AVX2_GEMM_AVX2_H_

#include <algorithm>

#include "kernels/avx2/requantize_avx2.h"

namespace qk {
namespace avx2 {

constexpr int kGemmMR = 6;   // rows per register tile (12 accumulators + 2 B + 1 A broadcast)
constexpr int kGemmNR = 16;  // columns per panel: two ymm of 8 int32 lanes

struct GemmShape {
  int M, K, kp, lda;  // kp = K pairs; lda = int16 elements per A row (2 * kp)
  int groups, group_in_c, group_out_c, panels;  // panels of 16 columns per group
  int mc;  // rows per A block in the workspace
};
GemmShape GetGemmShape(const internal::OpDesc& d);

// Packs B (and the per-channel epilogue parameters) for the GEMM kernels.
void PackGemmWeights(const internal::OpDesc& d, internal::PackedData* data);
// Bytes of the A block: mc rows of lda int16.
size_t GemmWorkspaceBytes(const internal::OpDesc& d);

QK_AVX2_INLINE int32_t LoadPair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// acc[i][j] (rows i < MR, columns 8j..8j+7) = sum over kp pairs of A row i * B panel.
template <int MR>
QK_AVX2_INLINE void GemmAccumulate(int kp, const int16_t* a, int lda, const int16_t* b,
                                   __m256i (&acc)[MR][2]) {
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  for (int k = 0; k < kp; ++k) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 16));
    b += 32;
    for (int i = 0; i < MR; ++i) {
      const __m256i av = _mm256_set1_epi32(LoadPair(a + size_t(i) * lda + 2 * k));
      acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(av, b0));
      acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(av, b1));
    }
  }
}

// The full 6-row tile in inline assembly: GCC schedules the intrinsic form with all six
// broadcasts first and spills accumulators; here the 12 accumulators (ymm0-11), 2 B vectors
// (ymm12-13), the broadcast (ymm14) and one product (ymm15) fill the 16 ymm registers.
// Same arithmetic as the generic loop above (accumulators start at zero).
template <>
QK_AVX2_INLINE void GemmAccumulate<6>(int kp, const int16_t* a, int lda, const int16_t* b,
                                      __m256i (&acc)[6][2]) {
  const size_t stride = size_t(lda) * sizeof(int16_t);
  const int16_t* a3 = a + 3 * size_t(lda);
  size_t k2 = size_t(kp) / 2;     // the loop does two K pairs per iteration
  const size_t odd = size_t(kp) & 1;
#define QK_ROW(mem, x, y)                      \
  "vpbroadcastd " mem ", %%ymm14\n\t"          \
  "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"     \
  "vpaddd %%ymm15, %%" x ", %%" x "\n\t"       \
  "vpmaddwd %%ymm13, %%ymm14, %%ymm14\n\t"     \
  "vpaddd %%ymm14, %%" y ", %%" y "\n\t"
#define QK_STEP(b0, b1, ao)                                                        \
  "vmovdqa " b0 "(%[b]), %%ymm12\n\t"                                              \
  "vmovdqa " b1 "(%[b]), %%ymm13\n\t"                                              \
  QK_ROW(ao "(%[a])", "ymm0", "ymm1") QK_ROW(ao "(%[a],%[s],1)", "ymm2", "ymm3")    \
  QK_ROW(ao "(%[a],%[s],2)", "ymm4", "ymm5") QK_ROW(ao "(%[a3])", "ymm6", "ymm7")   \
  QK_ROW(ao "(%[a3],%[s],1)", "ymm8", "ymm9") QK_ROW(ao "(%[a3],%[s],2)", "ymm10", "ymm11")
#define QK_ACC_LD(i, r) "vpxor %%" r ", %%" r ", %%" r "\n\t"
#define QK_ACC_ST(i, r) "vmovdqu %%" r ", " #i "*32(%[acc])\n\t"
  asm volatile(
      QK_ACC_LD(0, "ymm0") QK_ACC_LD(1, "ymm1") QK_ACC_LD(2, "ymm2") QK_ACC_LD(3, "ymm3")
      QK_ACC_LD(4, "ymm4") QK_ACC_LD(5, "ymm5") QK_ACC_LD(6, "ymm6") QK_ACC_LD(7, "ymm7")
      QK_ACC_LD(8, "ymm8") QK_ACC_LD(9, "ymm9") QK_ACC_LD(10, "ymm10") QK_ACC_LD(11, "ymm11")
      "test %[k2], %[k2]\n\t"
      "jz 2f\n\t"
      "1:\n\t"
      QK_STEP("0", "32", "0")
      QK_STEP("64", "96", "4")
      "add $128, %[b]\n\t"
      "add $8, %[a]\n\t"
      "add $8, %[a3]\n\t"
      "dec %[k2]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      "test %[odd], %[odd]\n\t"
      "jz 3f\n\t"
      QK_STEP("0", "32", "0")
      "3:\n\t"
      QK_ACC_ST(0, "ymm0") QK_ACC_ST(1, "ymm1") QK_ACC_ST(2, "ymm2") QK_ACC_ST(3, "ymm3")
      QK_ACC_ST(4, "ymm4") QK_ACC_ST(5, "ymm5") QK_ACC_ST(6, "ymm6") QK_ACC_ST(7, "ymm7")
      QK_ACC_ST(8, "ymm8") QK_ACC_ST(9, "ymm9") QK_ACC_ST(10, "ymm10") QK_ACC_ST(11, "ymm11")
      : [a] "+r"(a), [a3] "+r"(a3), [b] "+r"(b), [k2] "+r"(k2)
      : [s] "r"(stride), [acc] "r"(&acc[0][0]), [odd] "r"(odd)
      : "cc", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
        "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#undef QK_ROW
#undef QK_STEP
#undef QK_ACC_LD
#undef QK_ACC_ST
}

// One MR x 16 tile: accumulate, requantize, store the first `n` columns of MR output rows.
template <int MR, typename OutT>
QK_AVX2_INLINE void GemmTile(int kp, const int16_t* a, int lda, const int16_t* b,
                             const ChannelParams& cp, size_t n0, const Epilogue& e, OutT* out,
                             size_t ldo, int n) {
  __m256i acc[MR][2];
  GemmAccumulate<MR>(kp, a, lda, b, acc);
  const ChannelVec ch0 = LoadChannelVec(cp, n0, e.single_rounding);
  if (n <= 8) {  // the panel's right half is padding: skip its requantization
    for (int i = 0; i < MR; ++i) Store8(out + size_t(i) * ldo, Requantize8(acc[i][0], ch0, e), n);
    return;
  }
  const ChannelVec ch1 = LoadChannelVec(cp, n0 + 8, e.single_rounding);
  for (int i = 0; i < MR; ++i) {
    Store16(out + size_t(i) * ldo, Requantize8(acc[i][0], ch0, e), Requantize8(acc[i][1], ch1, e),
            n);
  }
}

// The int32 epilogue tile (int8 / uint8 outputs): Run<MR> does one MR x 16 tile.
struct Int32Tiler {
  int kp;
  ChannelParams cp;
  Epilogue e;
  template <int MR, typename OutT>
  QK_AVX2_INLINE void Run(const int16_t* a, int lda, const int16_t* b, size_t n0, OutT* out,
                          size_t ldo, int n) const {
    GemmTile<MR>(kp, a, lda, b, cp, n0, e, out, ldo, n);
  }
};

// Runs the GEMM over all groups and row blocks. fill(g, m0, rows, dst, lda) writes the int16 A
// rows m0..m0+rows-1 of group g (zero point subtracted, odd-K pad column zeroed) into dst;
// tiler.Run<MR>(a, lda, b, n0, out, ldo, n) computes and stores one MR x 16 tile.
template <typename OutT, typename Fill, typename Tiler>
void GemmDriver(const internal::OpDesc& d, const internal::PackedData& data, OutT* output,
                int16_t* workspace, Fill fill, const Tiler& tiler) {
  const GemmShape s = GetGemmShape(d);
  const int16_t* packed = data.packed.as<int16_t>();
  const size_t panel_elems = size_t(s.kp) * 2 * kGemmNR;
  const size_t ldo = size_t(d.out_c);
  for (int g = 0; g < s.groups; ++g) {
    for (int m0 = 0; m0 < s.M; m0 += s.mc) {
      const int rows = std::min(s.mc, s.M - m0);
      fill(g, m0, rows, workspace, s.lda);
      for (int p = 0; p < s.panels; ++p) {
        const int16_t* b = packed + (size_t(g) * s.panels + p) * panel_elems;
        const size_t n0 = size_t(g) * s.group_out_c + size_t(p) * kGemmNR;
        const int n = std::min(kGemmNR, s.group_out_c - p * kGemmNR);
        OutT* out = output + size_t(m0) * ldo + n0;
        int i = 0;
        for (; i + kGemmMR <= rows; i += kGemmMR) {
          tiler.template Run<kGemmMR>(workspace + size_t(i) * s.lda, s.lda, b, n0, out + i * ldo,
                                      ldo, n);
        }
        const int16_t* a = workspace + size_t(i) * s.lda;
        out += i * ldo;
        switch (rows - i) {
          case 5: tiler.template Run<5>(a, s.lda, b, n0, out, ldo, n); break;
          case 4: tiler.template Run<4>(a, s.lda, b, n0, out, ldo, n); break;
          case 3: tiler.template Run<3>(a, s.lda, b, n0, out, ldo, n); break;
          case 2: tiler.template Run<2>(a, s.lda, b, n0, out, ldo, n); break;
          case 1: tiler.template Run<1>(a, s.lda, b, n0, out, ldo, n); break;
          default: break;
        }
      }
    }
  }
}

// A rows of a pointwise op (1x1 stride 1 conv, or fully connected): row m is input[m][in_c]
// (channels of group g), so no im2col: each row is widened in place into the block.
template <typename InT>
struct PointwiseFill {
  const internal::OpDesc& d;
  const InT* input;
  void operator()(int g, int m0, int rows, int16_t* dst, int lda) const {
    const int gic = d.in_c / d.groups;
    for (int r = 0; r < rows; ++r) {
      int16_t* row = dst + size_t(r) * lda;
      WidenSubtract(input + size_t(m0 + r) * d.in_c + size_t(g) * gic, d.input_zp, gic, row);
      if (gic & 1) row[gic] = 0;
    }
  }
};

// A rows by im2col: row m = output pixel (b, oy, ox); K runs over (ky, kx, channel) like the
// OHWI filter. Taps outside the image are zeros, i.e. skipped (== padding with input_zp).
template <typename InT>
struct Im2colFill {
  const internal::OpDesc& d;
  const InT* input;
  void operator()(int g, int m0, int rows, int16_t* dst, int lda) const {
    const int gic = d.in_c / d.groups;
    const int pixels = d.out_h * d.out_w;
    const int K = d.KernelDepth();
    int b = m0 / pixels, oy = (m0 % pixels) / d.out_w, ox = m0 % d.out_w;
    for (int r = 0; r < rows; ++r, ++ox) {
      if (ox == d.out_w) {  // next output row (and image)
        ox = 0;
        if (++oy == d.out_h) {
          oy = 0;
          ++b;
        }
      }
      int16_t* out = dst + size_t(r) * lda;
      const int iy0 = oy * d.stride_h - d.pad_top, ix0 = ox * d.stride_w - d.pad_left;
      if (iy0 >= 0 && iy0 + (d.kernel_h - 1) * d.dilation_h < d.in_h && ix0 >= 0 &&
          ix0 + (d.kernel_w - 1) * d.dilation_w < d.in_w) {  // every tap inside: no checks
        const InT* origin =
            input + ((size_t(b) * d.in_h + iy0) * d.in_w + ix0) * d.in_c + size_t(g) * gic;
        const size_t dy = size_t(d.dilation_h) * d.in_w * d.in_c, dx = size_t(d.dilation_w) * d.in_c;
        for (int ky = 0; ky < d.kernel_h; ++ky) {
          const InT* in = origin + ky * dy;
          if (gic == 1) {
            for (int kx = 0; kx < d.kernel_w; ++kx) {
              *out++ = static_cast<int16_t>(in[kx * dx] - d.input_zp);
            }
          } else {
            for (int kx = 0; kx < d.kernel_w; ++kx, out += gic) {
              WidenSubtract(in + kx * dx, d.input_zp, gic, out);
            }
          }
        }
        if (K & 1) *out = 0;
        continue;
      }
      for (int ky = 0; ky < d.kernel_h; ++ky) {
        const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
        for (int kx = 0; kx < d.kernel_w; ++kx, out += gic) {
          const int ix = ox * d.stride_w - d.pad_left + kx * d.dilation_w;
          if (iy < 0 || iy >= d.in_h || ix < 0 || ix >= d.in_w) {
            std::fill(out, out + gic, int16_t{0});
            continue;
          }
          const InT* in = input + ((size_t(b) * d.in_h + iy) * d.in_w + ix) * d.in_c +
                          size_t(g) * gic;
          if (gic == 1) {
            *out = static_cast<int16_t>(*in - d.input_zp);
          } else {
            WidenSubtract(in, d.input_zp, gic, out);
          }
        }
      }
      if (K & 1) dst[size_t(r) * lda + K] = 0;
    }
  }
};

}  // namespace avx2
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX2_GEMM_AVX2_H_
