// The drivers' A building: im2col and copied rows, row sums, the padded image (see a_rows.h).
#include "kernels/driver/a_rows.h"

#include <algorithm>

namespace qk {
namespace driver {

using internal::OpDesc;

AConverter MakeAConverter(const OpDesc& d, const GemmConvConfig& c) {
  AConverter cv;
  cv.format = c.a_format;
  cv.type = d.type;
  cv.zp = d.input_zp;
  cv.flip = c.a_format == AFormat::kXorU8 && d.type != DataType::kUInt8 ? 0x80 : 0x00;
  cv.in_bytes = d.type == DataType::kInt16 ? 2 : 1;
  cv.a_bytes = c.a_format == AFormat::kInt16MinusZp ? 2 : 1;
  cv.hook = c.convert;
  return cv;
}

namespace {

// The output pixel (b, oy, ox) of a row, stepped row by row.
struct PixelCursor {
  int b, oy, ox;
  PixelCursor(const OpDesc& d, int64_t m) {
    const int64_t pixels = int64_t{d.out_h} * d.out_w;
    b = static_cast<int>(m / pixels);
    const int rem = static_cast<int>(m - b * pixels);
    oy = rem / d.out_w;
    ox = rem % d.out_w;
  }
  void Next(const OpDesc& d) {
    if (++ox == d.out_w) {
      ox = 0;
      if (++oy == d.out_h) {
        oy = 0;
        ++b;
      }
    }
  }
};

// The k taps of one output pixel of group `group`, from dst on; returns the end.
uint8_t* Im2colPixel(const OpDesc& d, const AConverter& cv, const uint8_t* input, int group,
                     const PixelCursor& at, uint8_t* dst) {
  const int gic = d.in_c / d.groups;
  const int64_t in_px = int64_t{d.in_c} * cv.in_bytes;  // bytes per input pixel
  const int64_t tap = int64_t{gic} * cv.a_bytes;         // bytes per tap in A
  const int ix0 = at.ox * d.stride_w - d.pad_left;
  const bool x_inside = ix0 >= 0 && ix0 + (d.kernel_w - 1) * d.dilation_w < d.in_w;
  // A kernel row inside the image is one contiguous run when its taps are adjacent.
  const bool row_runs = d.dilation_w == 1 && gic == d.in_c;
  const uint8_t* image = input + (int64_t{at.b} * d.in_h * d.in_w * d.in_c + int64_t{group} * gic) *
                                     cv.in_bytes;
  for (int ky = 0; ky < d.kernel_h; ++ky) {
    const int iy = at.oy * d.stride_h - d.pad_top + ky * d.dilation_h;
    if (iy < 0 || iy >= d.in_h) {
      cv.Pad(int64_t{d.kernel_w} * gic, dst);
      dst += d.kernel_w * tap;
      continue;
    }
    const uint8_t* line = image + int64_t{iy} * d.in_w * in_px;
    if (x_inside && row_runs) {
      cv.Convert(line + ix0 * in_px, int64_t{d.kernel_w} * gic, dst);
      dst += d.kernel_w * tap;
      continue;
    }
    for (int kx = 0; kx < d.kernel_w; ++kx, dst += tap) {
      const int ix = ix0 + kx * d.dilation_w;
      if (ix >= 0 && ix < d.in_w) {
        cv.Convert(line + ix * in_px, gic, dst);
      } else {
        cv.Pad(gic, dst);
      }
    }
  }
  return dst;
}

}  // namespace

void FillRows(const OpDesc& d, const AConverter& cv, const uint8_t* input, int group, int64_t m0,
              int rows, int kp, int64_t row_bytes, uint8_t* out) {
  const int k = d.KernelDepth();
  const size_t tail = static_cast<size_t>(kp - k) * cv.a_bytes;
  if (d.IsPointwise()) {
    const int64_t in_row = int64_t{d.in_c} * cv.in_bytes;
    const uint8_t* src = input + m0 * in_row + int64_t{group} * k * cv.in_bytes;
    for (int r = 0; r < rows; ++r, src += in_row) {
      uint8_t* dst = out + r * row_bytes;
      cv.Convert(src, k, dst);
      std::memset(dst + int64_t{k} * cv.a_bytes, 0, tail);
    }
    return;
  }
  PixelCursor at(d, m0);
  for (int r = 0; r < rows; ++r, at.Next(d)) {
    uint8_t* end = Im2colPixel(d, cv, input, group, at, out + r * row_bytes);
    std::memset(end, 0, tail);
  }
}

uint32_t SumBytes(const uint8_t* p, int64_t n) {
  uint32_t sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += p[i];
  return sum;
}

PaddedImage::PaddedImage(const OpDesc& d, int elem_bytes)
    : rows(RowsRead(d, d.out_h)),
      cols(int64_t{d.out_w - 1} * d.stride_w + int64_t{d.kernel_w - 1} * d.dilation_w + 1),
      elem_bytes(elem_bytes) {}

void PaddedImage::FillRows(const OpDesc& d, const AConverter& cv, const uint8_t* input, int b,
                           int64_t r0, int64_t r1, uint8_t* first) const {
  const int64_t c = d.in_c;
  const int64_t line = LineBytes(d);
  // Input columns [0, x1) land at padded columns [pad_left, pad_left + x1).
  const int64_t x1 = std::max<int64_t>(0, std::min<int64_t>(d.in_w, cols - d.pad_left));
  const int64_t left = std::min<int64_t>(d.pad_left, cols) * c;  // elements
  const int64_t inside = x1 * c;
  const int64_t right = cols * c - left - inside;
  for (int64_t r = r0; r < r1; ++r) {
    uint8_t* dst = first + (r - r0) * line;
    const int64_t iy = r - d.pad_top;
    if (iy < 0 || iy >= d.in_h || inside == 0) {
      cv.Pad(cols * c, dst);
      continue;
    }
    cv.Pad(left, dst);
    const uint8_t* src = input + ((int64_t{b} * d.in_h + iy) * d.in_w) * c * cv.in_bytes;
    cv.Convert(src, inside, dst + left * elem_bytes);
    cv.Pad(right, dst + (left + inside) * elem_bytes);
  }
  std::memset(first + (r1 - r0) * line, 0, kSlack);
}

}  // namespace driver
}  // namespace qk
