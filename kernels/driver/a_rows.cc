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
  void Next(int out_h, int out_w) {
    if (++ox == out_w) {
      ox = 0;
      if (++oy == out_h) {
        oy = 0;
        ++b;
      }
    }
  }
};

// An AConverter whose format and input type are known at compile time, so that the short runs
// of im2col (a few elements: K = 9 for a 3x3 kernel over one channel) are a few inline moves.
template <AFormat F, typename T>
struct FixedConverter {
  const AConverter& cv;
  static constexpr int kABytes = F == AFormat::kInt16MinusZp ? 2 : 1;

  template <int N>
  void ConvertFixed(const uint8_t* src, uint8_t* dst) const {
#pragma GCC unroll 8
    for (int i = 0; i < N; ++i) ConvertOne(src, dst, i);
  }
  void ConvertOne(const uint8_t* src, uint8_t* dst, int64_t i) const {
    if constexpr (F == AFormat::kInt16MinusZp) {
      reinterpret_cast<int16_t*>(dst)[i] =
          static_cast<int16_t>(reinterpret_cast<const T*>(src)[i] - cv.zp);
    } else {
      dst[i] = src[i] ^ cv.flip;
    }
  }
  void Convert(const uint8_t* src, int64_t n, uint8_t* dst) const {
    switch (n) {  // the runs of small first layers (3x3 over 1 or 3 channels), unrolled
      case 1: return ConvertFixed<1>(src, dst);
      case 3: return ConvertFixed<3>(src, dst);
      case 9: return ConvertFixed<9>(src, dst);
      default: break;
    }
    if (n >= AConverter::kHookMin) {
      cv.Convert(src, n, dst);
      return;
    }
    for (int64_t i = 0; i < n; ++i) ConvertOne(src, dst, i);
  }
  void Pad(int64_t n, uint8_t* dst) const {
    if (n >= AConverter::kHookMin) {
      cv.Pad(n, dst);
    } else if constexpr (F == AFormat::kInt16MinusZp) {
      int16_t* out = reinterpret_cast<int16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) out[i] = 0;
    } else {
      const uint8_t pad = static_cast<uint8_t>(cv.zp) ^ cv.flip;
      for (int64_t i = 0; i < n; ++i) dst[i] = pad;
    }
  }
};

// The geometry im2col reads, copied out of the OpDesc: A's bytes are written through byte
// pointers, which may alias anything reached through a pointer, and the compiler would reload
// every field after every store; a local copy stays in registers.
struct Im2colGeometry {
  int in_h, in_w, in_c, gic;
  int kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  explicit Im2colGeometry(const OpDesc& d)
      : in_h(d.in_h), in_w(d.in_w), in_c(d.in_c), gic(d.in_c / d.groups), kernel_h(d.kernel_h),
        kernel_w(d.kernel_w), stride_h(d.stride_h), stride_w(d.stride_w),
        dilation_h(d.dilation_h), dilation_w(d.dilation_w), pad_top(d.pad_top),
        pad_left(d.pad_left) {}
};

// The k taps of one output pixel of group `group`, from dst on; returns the end.
template <typename Conv>
uint8_t* Im2colPixel(const Im2colGeometry& d, const Conv& cv, int in_bytes,
                     const uint8_t* input, int group, const PixelCursor& at, uint8_t* dst) {
  const int gic = d.gic;
  const int64_t in_px = int64_t{d.in_c} * in_bytes;  // bytes per input pixel
  const int64_t tap = int64_t{gic} * Conv::kABytes;   // bytes per tap in A
  const int ix0 = at.ox * d.stride_w - d.pad_left;
  const bool x_inside = ix0 >= 0 && ix0 + (d.kernel_w - 1) * d.dilation_w < d.in_w;
  // A kernel row inside the image is one contiguous run when its taps are adjacent.
  const bool row_runs = d.dilation_w == 1 && gic == d.in_c;
  const uint8_t* image =
      input + (int64_t{at.b} * d.in_h * d.in_w * d.in_c + int64_t{group} * gic) * in_bytes;
  const int iy0 = at.oy * d.stride_h - d.pad_top;
  if (x_inside && iy0 >= 0 && iy0 + (d.kernel_h - 1) * d.dilation_h < d.in_h) {
    // Every tap inside (most pixels): no bounds tests.
    const uint8_t* origin = image + (int64_t{iy0} * d.in_w + ix0) * in_px;
    const int64_t dy = int64_t{d.dilation_h} * d.in_w * in_px, dx = d.dilation_w * in_px;
    for (int ky = 0; ky < d.kernel_h; ++ky, origin += dy) {
      if (row_runs) {
        cv.Convert(origin, int64_t{d.kernel_w} * gic, dst);
        dst += d.kernel_w * tap;
        continue;
      }
      for (int kx = 0; kx < d.kernel_w; ++kx, dst += tap) cv.Convert(origin + kx * dx, gic, dst);
    }
    return dst;
  }
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

template <AFormat F, typename T>
void FillRowsFixed(const OpDesc& d, const AConverter& converter, const uint8_t* input, int group,
                   int64_t m0, int rows, int64_t row_bytes, uint8_t* out) {
  const AConverter acv = converter;  // local, for the same reason as Im2colGeometry
  const FixedConverter<F, T> cv{acv};
  const int k = d.KernelDepth();
  if (d.IsPointwise()) {
    const int64_t in_row = int64_t{d.in_c} * sizeof(T);
    const uint8_t* src = input + m0 * in_row + int64_t{group} * k * sizeof(T);
    for (int r = 0; r < rows; ++r, src += in_row) cv.Convert(src, k, out + r * row_bytes);
    return;
  }
  const Im2colGeometry g(d);
  const int out_h = d.out_h, out_w = d.out_w;
  PixelCursor at(d, m0);
  for (int r = 0; r < rows; ++r) {
    Im2colPixel(g, cv, sizeof(T), input, group, at, out + r * row_bytes);
    at.Next(out_h, out_w);
  }
}

}  // namespace

void FillRows(const OpDesc& d, const AConverter& cv, const uint8_t* input, int group, int64_t m0,
              int rows, int64_t row_bytes, uint8_t* out) {
  if (cv.format == AFormat::kInt16MinusZp) {
    switch (d.type) {
      case DataType::kInt8:
        return FillRowsFixed<AFormat::kInt16MinusZp, int8_t>(d, cv, input, group, m0, rows,
                                                             row_bytes, out);
      case DataType::kUInt8:
        return FillRowsFixed<AFormat::kInt16MinusZp, uint8_t>(d, cv, input, group, m0, rows,
                                                              row_bytes, out);
      case DataType::kInt16:
        return FillRowsFixed<AFormat::kInt16MinusZp, int16_t>(d, cv, input, group, m0, rows,
                                                              row_bytes, out);
    }
  }
  // Byte formats: a copy, with x ^ 0x80 for kXorU8 int8 (the flip).
  FillRowsFixed<AFormat::kRawBytes, uint8_t>(d, cv, input, group, m0, rows, row_bytes, out);
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
  FillLines(d, cv, input, b, r0, r1, first);
  std::memset(first + (r1 - r0) * LineBytes(d), 0, kSlack);
}

void PaddedImage::FillLines(const OpDesc& d, const AConverter& cv, const uint8_t* input, int b,
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
    if (left > 0) cv.Pad(left, dst);
    const uint8_t* src = input + ((int64_t{b} * d.in_h + iy) * d.in_w) * c * cv.in_bytes;
    cv.Convert(src, inside, dst + left * elem_bytes);
    if (right > 0) cv.Pad(right, dst + (left + inside) * elem_bytes);
  }
}

}  // namespace driver
}  // namespace qk
