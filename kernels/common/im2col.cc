// ISA-neutral im2col and row copies (see im2col.h).
#include "kernels/common/im2col.h"

#include <cstring>

namespace qk {
namespace common {
namespace {

inline void CopyFlipped(const uint8_t* src, int n, uint8_t flip, uint8_t* dst) {
  for (int i = 0; i < n; ++i) dst[i] = static_cast<uint8_t>(src[i] ^ flip);
}

}  // namespace

void Im2ColRows(const internal::OpDesc& d, const uint8_t* input, int group, int64_t row0, int rows,
                int row_stride, uint8_t flip, uint8_t pad_byte, uint8_t* out) {
  const int gic = d.in_c / d.groups;
  const int k = d.kernel_h * d.kernel_w * gic;
  const int64_t pixels = int64_t{d.out_h} * d.out_w;
  // With dilation_w == 1 and the whole kernel row inside the image, a kernel row's taps are
  // kernel_w * in_c contiguous input bytes; a single group (gic == in_c) copies them in one run.
  const bool row_runs = d.dilation_w == 1 && gic == d.in_c;
  int b = static_cast<int>(row0 / pixels);
  int rem = static_cast<int>(row0 - int64_t{b} * pixels);
  int oy = rem / d.out_w, ox = rem % d.out_w;
  for (int i = 0; i < rows; ++i) {
    uint8_t* dst = out + int64_t{i} * row_stride;
    const int ix0 = ox * d.stride_w - d.pad_left;
    const bool x_inside = ix0 >= 0 && ix0 + (d.kernel_w - 1) * d.dilation_w < d.in_w;
    const uint8_t* image = input + int64_t{b} * d.in_h * d.in_w * d.in_c + int64_t{group} * gic;
    for (int ky = 0; ky < d.kernel_h; ++ky) {
      const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
      const bool row_inside = iy >= 0 && iy < d.in_h;
      const uint8_t* line = image + int64_t{iy} * d.in_w * d.in_c;
      if (row_inside && x_inside && row_runs) {
        CopyFlipped(line + int64_t{ix0} * d.in_c, d.kernel_w * gic, flip, dst);
        dst += d.kernel_w * gic;
        continue;
      }
      for (int kx = 0; kx < d.kernel_w; ++kx) {
        const int ix = ix0 + kx * d.dilation_w;
        if (row_inside && ix >= 0 && ix < d.in_w) {
          CopyFlipped(line + int64_t{ix} * d.in_c, gic, flip, dst);
        } else {
          std::memset(dst, pad_byte, gic);  // outside taps read as the input zero point
        }
        dst += gic;
      }
    }
    std::memset(dst, 0, row_stride - k);
    if (++ox == d.out_w) {
      ox = 0;
      if (++oy == d.out_h) {
        oy = 0;
        ++b;
      }
    }
  }
}

void CopyRows(const internal::OpDesc& d, const uint8_t* input, int group, int64_t row0, int rows,
              int row_stride, uint8_t flip, uint8_t* out) {
  const int k = d.in_c / d.groups;
  for (int i = 0; i < rows; ++i) {
    const uint8_t* src = input + (row0 + i) * d.in_c + int64_t{group} * k;
    uint8_t* dst = out + int64_t{i} * row_stride;
    CopyFlipped(src, k, flip, dst);
    std::memset(dst + k, 0, row_stride - k);
  }
}

}  // namespace common
}  // namespace qk
