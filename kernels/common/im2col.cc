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
  for (int i = 0; i < rows; ++i) {
    const int64_t r = row0 + i;
    const int b = static_cast<int>(r / pixels);
    const int rem = static_cast<int>(r - int64_t{b} * pixels);
    const int oy = rem / d.out_w, ox = rem % d.out_w;
    uint8_t* dst = out + int64_t{i} * row_stride;
    for (int ky = 0; ky < d.kernel_h; ++ky) {
      const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
      const bool row_inside = iy >= 0 && iy < d.in_h;
      for (int kx = 0; kx < d.kernel_w; ++kx) {
        const int ix = ox * d.stride_w - d.pad_left + kx * d.dilation_w;
        if (row_inside && ix >= 0 && ix < d.in_w) {
          const uint8_t* src =
              input + ((int64_t{b} * d.in_h + iy) * d.in_w + ix) * d.in_c + int64_t{group} * gic;
          CopyFlipped(src, gic, flip, dst);
        } else {
          std::memset(dst, pad_byte, gic);  // outside taps read as the input zero point
        }
        dst += gic;
      }
    }
    std::memset(dst, 0, row_stride - k);
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
