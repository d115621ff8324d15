// ISA-neutral im2col: rows of the convolution's GEMM A matrix, as bytes, ready for a u8 x s8
// dot-product kernel (compiled without special flags; any ISA's driver may call it).
#ifndef QKERNELS_KERNELS_COMMON_IM2COL_H_
#define QKERNELS_KERNELS_COMMON_IM2COL_H_

#include <cstdint>

#include "src/op_desc.h"

namespace qk {
namespace common {

// Writes rows [row0, row0 + rows) of group `group`'s im2col matrix to `out` (row r at
// out + (r - row0) * row_stride). Row r is output pixel (b, oy, ox) = r in batch*out_h*out_w order;
// its first K = kernel_h * kernel_w * (in_c / groups) bytes are the taps in filter order
// (ky, kx, c), each in-image input byte XOR `flip`, each out-of-image tap `pad_byte`; bytes
// K..row_stride-1 are zero. `input` is the op's input viewed as bytes. Requires row_stride >= K.
void Im2ColRows(const internal::OpDesc& d, const uint8_t* input, int group, int64_t row0, int rows,
                int row_stride, uint8_t flip, uint8_t pad_byte, uint8_t* out);

// Copies rows [row0, row0 + rows) of a pointwise (or fully connected) op: row r is input pixel r,
// bytes [group * K, group * K + K) with K = in_c / groups, XOR `flip`, zero-padded to row_stride.
void CopyRows(const internal::OpDesc& d, const uint8_t* input, int group, int64_t row0, int rows,
              int row_stride, uint8_t flip, uint8_t* out);

}  // namespace common
}  // namespace qk

#endif  // QKERNELS_KERNELS_COMMON_IM2COL_H_
