// A padded, flipped copy of one batch item of an NHWC int8 image, for kernels that read their
// taps straight from it (no im2col rows, no bounds checks): in-image bytes as x ^ 0x80 (the
// unsigned operand of vpdpbusd), padding as zp_in ^ 0x80 (a padded tap reads x = zp_in), and
// only the rows and columns some output pixel reads. Included by files of this folder only.
#ifndef QKERNELS_KERNELS_AVX512VNNI_PADDED_IMAGE_AVX512VNNI_H_
#define QKERNELS_KERNELS_AVX512VNNI_PADDED_IMAGE_AVX512VNNI_H_

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/avx512vnni/requantize_avx512vnni.h"
#include "src/op_desc.h"

namespace qk {
namespace avx512vnni {

struct PaddedImage {
  // Padded row r / column c is input row r - pad_top / column c - pad_left.
  int64_t rows, cols;
  // Bytes after the image that a kernel may read (they are zeroed).
  static constexpr int kSlack = 64;
  // The copy must stay modest: larger images are left to kernels with im2col rows.
  static constexpr int64_t kMaxBytes = int64_t{16} << 20;

  // Padded rows read by `out_rows` consecutive output rows.
  static int64_t RowsRead(const internal::OpDesc& d, int64_t out_rows) {
    return (out_rows - 1) * d.stride_h + int64_t{d.kernel_h - 1} * d.dilation_h + 1;
  }

  explicit PaddedImage(const internal::OpDesc& d)
      : rows(RowsRead(d, d.out_h)),
        cols(int64_t{d.out_w - 1} * d.stride_w + int64_t{d.kernel_w - 1} * d.dilation_w + 1) {}

  int64_t Bytes(const internal::OpDesc& d) const { return rows * cols * d.in_c; }
  bool Fits(const internal::OpDesc& d) const { return Bytes(d) <= kMaxBytes; }
  int64_t LineBytes(const internal::OpDesc& d) const { return cols * d.in_c; }
  // Offset of output pixel (oy, ox)'s first tap.
  int64_t PixelOffset(const internal::OpDesc& d, int64_t oy, int64_t ox) const {
    return (oy * d.stride_h * cols + ox * d.stride_w) * d.in_c;
  }

  // Writes batch item b of `input` into `image` (Bytes(d) + kSlack bytes).
  void Fill(const internal::OpDesc& d, const uint8_t* input, int b, uint8_t* image) const {
    FillRows(d, input, b, 0, rows, image);
  }

  // Writes padded rows [r0, r1) of batch item b, row r at first + (r - r0) * LineBytes(d), then
  // kSlack zero bytes.
  void FillRows(const internal::OpDesc& d, const uint8_t* input, int b, int64_t r0, int64_t r1,
                uint8_t* first) const {
    const int c = d.in_c;
    const int64_t line = LineBytes(d);
    const uint8_t pad = static_cast<uint8_t>(d.input_zp) ^ 0x80;
    const __m512i flips = _mm512_set1_epi8(static_cast<char>(0x80));
    // Input columns [0, x1) land at padded columns [pad_left, pad_left + x1).
    const int64_t x1 = std::max<int64_t>(0, std::min<int64_t>(d.in_w, cols - d.pad_left));
    const int64_t left = std::min<int64_t>(d.pad_left, cols) * c;
    const int64_t inside = x1 * c;
    for (int64_t r = r0; r < r1; ++r) {
      uint8_t* dst = first + (r - r0) * line;
      const int64_t iy = r - d.pad_top;
      if (iy < 0 || iy >= d.in_h || inside == 0) {
        std::memset(dst, pad, static_cast<size_t>(line));
        continue;
      }
      std::memset(dst, pad, static_cast<size_t>(left));
      const uint8_t* src = input + (int64_t{b} * d.in_h + iy) * d.in_w * c;
      for (int64_t j = 0; j < inside; j += 64) {
        const __mmask64 m = FirstBytes(static_cast<int>(std::min<int64_t>(64, inside - j)));
        _mm512_mask_storeu_epi8(dst + left + j, m,
                                _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + j), flips));
      }
      std::memset(dst + left + inside, pad, static_cast<size_t>(line - left - inside));
    }
    std::memset(first + (r1 - r0) * line, 0, kSlack);
  }
};

// One output pixel's taps in the padded image as runs of contiguous bytes: one run per kernel row
// (kernel_w * in_c bytes) when dilation_w == 1, else one per tap (in_c bytes). Run (ky, j) starts
// Offset(ky, j) bytes after the pixel's first tap; the runs in order are the filter's (ky, kx, c).
struct TapRuns {
  int per_row;  // runs per kernel row
  int bytes;    // bytes per run

  explicit TapRuns(const internal::OpDesc& d)
      : per_row(d.dilation_w == 1 ? 1 : d.kernel_w),
        bytes(d.dilation_w == 1 ? d.kernel_w * d.in_c : d.in_c) {}

  int64_t Count(const internal::OpDesc& d) const { return int64_t{d.kernel_h} * per_row; }
  int64_t Offset(const internal::OpDesc& d, const PaddedImage& image, int ky, int j) const {
    return int64_t{ky} * d.dilation_h * image.LineBytes(d) + int64_t{j} * d.dilation_w * d.in_c;
  }
};

}  // namespace avx512vnni
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX512VNNI_PADDED_IMAGE_AVX512VNNI_H_
