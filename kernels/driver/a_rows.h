// How the drivers build A: the element conversion of an AFormat, im2col / copied rows, and a
// padded copy of an image whose taps kernels read in place (no bounds checks, no im2col rows).
// Portable code (baseline flags); an ISA may supply a vectorized conversion for long runs.
#ifndef QKERNELS_KERNELS_DRIVER_A_ROWS_H_
#define QKERNELS_KERNELS_DRIVER_A_ROWS_H_

#include <cstdint>
#include <cstring>

#include "kernels/driver/gemm_conv_driver.h"

namespace qk {
namespace driver {

// Converts input elements into A elements of one AFormat.
struct AConverter {
  AFormat format;
  DataType type;
  int32_t zp;    // the input zero point
  uint8_t flip;  // kXorU8: 0x80 for int8, 0 for uint8
  int in_bytes, a_bytes;
  void (*hook)(const void*, int64_t, DataType, AFormat, int32_t, void*);

  // The hook is worth its call from this many elements on.
  static constexpr int64_t kHookMin = 32;

  // n input elements at src -> n A elements at dst.
  void Convert(const uint8_t* src, int64_t n, uint8_t* dst) const {
    if (hook != nullptr && n >= kHookMin) {
      hook(src, n, type, format, zp, dst);
      return;
    }
    if (format != AFormat::kInt16MinusZp) {
      if (flip == 0) {
        std::memcpy(dst, src, static_cast<size_t>(n));
      } else {
        for (int64_t i = 0; i < n; ++i) dst[i] = src[i] ^ flip;
      }
      return;
    }
    int16_t* out = reinterpret_cast<int16_t*>(dst);
    if (type == DataType::kInt16) {
      std::memcpy(dst, src, static_cast<size_t>(n) * 2);  // int16x8: zero point 0
    } else if (type == DataType::kUInt8) {
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int16_t>(src[i] - zp);
    } else {
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int16_t>(int8_t(src[i]) - zp);
    }
  }

  // n out-of-image taps: each contributes exactly 0 (input_zp, or 0 once it is subtracted).
  void Pad(int64_t n, uint8_t* dst) const {
    const size_t bytes = static_cast<size_t>(n) * a_bytes;
    const uint8_t value = format == AFormat::kInt16MinusZp ? 0 : static_cast<uint8_t>(zp) ^ flip;
    switch (bytes) {  // a padded image row's one or two columns: stores, not a library call
      case 1: std::memset(dst, value, 1); return;
      case 2: std::memset(dst, value, 2); return;
      case 3: std::memset(dst, value, 3); return;
      case 4: std::memset(dst, value, 4); return;
      default: std::memset(dst, value, bytes); return;
    }
  }
};

AConverter MakeAConverter(const internal::OpDesc& d, const GemmConvConfig& c);

// Rows [m0, m0 + rows) of group `group` (row = output pixel, batch folded in), the first k A
// elements of each at out + r * row_bytes: the taps in filter order (ky, kx, c), out-of-image
// taps padded. A pointwise op's row is its input row. The elements from k to the row's padded
// length are not written: the caller zeroes them once.
void FillRows(const internal::OpDesc& d, const AConverter& cv, const uint8_t* input, int group,
              int64_t m0, int rows, int64_t row_bytes, uint8_t* out);

// Sum of n bytes (wrapping mod 2^32 like the accumulators).
uint32_t SumBytes(const uint8_t* p, int64_t n);

// A padded, converted copy of one batch item of an NHWC image, holding only the rows and columns
// some output pixel reads: padded row r / column c is input row r - pad_top / column c - pad_left.
// A tap outside the input holds the AConverter's pad element.
struct PaddedImage {
  int64_t rows, cols;
  int elem_bytes;
  // Bytes after the filled rows that a kernel may read (zeroed).
  static constexpr int kSlack = 64;
  // The copy must stay modest: larger images are left to im2col rows.
  static constexpr int64_t kMaxBytes = int64_t{16} << 20;

  PaddedImage(const internal::OpDesc& d, int elem_bytes);

  // Padded rows read by `out_rows` consecutive output rows.
  static int64_t RowsRead(const internal::OpDesc& d, int64_t out_rows) {
    return (out_rows - 1) * d.stride_h + int64_t{d.kernel_h - 1} * d.dilation_h + 1;
  }
  int64_t LineBytes(const internal::OpDesc& d) const { return cols * d.in_c * elem_bytes; }
  int64_t Bytes(const internal::OpDesc& d) const { return rows * LineBytes(d); }
  bool Fits(const internal::OpDesc& d) const { return Bytes(d) <= kMaxBytes; }
  // Offset of output pixel (oy, ox)'s first tap.
  int64_t PixelOffset(const internal::OpDesc& d, int64_t oy, int64_t ox) const {
    return (oy * d.stride_h * cols + ox * d.stride_w) * d.in_c * elem_bytes;
  }
  // Writes padded rows [r0, r1) of batch item b, row r at first + (r - r0) * LineBytes(d), then
  // kSlack zero bytes.
  void FillRows(const internal::OpDesc& d, const AConverter& cv, const uint8_t* input, int b,
                int64_t r0, int64_t r1, uint8_t* first) const;
  // FillRows without the slack: threads fill disjoint row ranges of one image with it.
  void FillLines(const internal::OpDesc& d, const AConverter& cv, const uint8_t* input, int b,
                 int64_t r0, int64_t r1, uint8_t* first) const;
};

// One output pixel's taps in the padded image as runs of contiguous elements: one run per kernel
// row (kernel_w * in_c elements) when dilation_w == 1, else one per tap (in_c elements). Run
// (ky, j) starts Offset(ky, j) bytes after the pixel's first tap; the runs in order are the
// filter's (ky, kx, c).
struct TapRuns {
  int per_row;  // runs per kernel row
  int elems;    // elements per run

  explicit TapRuns(const internal::OpDesc& d)
      : per_row(d.dilation_w == 1 ? 1 : d.kernel_w),
        elems(d.dilation_w == 1 ? d.kernel_w * d.in_c : d.in_c) {}

  int64_t Count(const internal::OpDesc& d) const { return int64_t{d.kernel_h} * per_row; }
  int64_t Offset(const internal::OpDesc& d, const PaddedImage& image, int ky, int j) const {
    return int64_t{ky} * d.dilation_h * image.LineBytes(d) +
           int64_t{j} * d.dilation_w * d.in_c * image.elem_bytes;
  }
};

}  // namespace driver
}  // namespace qk

#endif  // QKERNELS_KERNELS_DRIVER_A_ROWS_H_
