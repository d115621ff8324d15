// ISA-neutral GEMM geometry and weight packing for u8 x s8 dot-product kernels that consume
// KR = 4 consecutive K values per 32-bit lane (VNNI vpdpbusd, Arm sdot-style layouts).
#ifndef QKERNELS_KERNELS_COMMON_GEMM_PACK_H_
#define QKERNELS_KERNELS_COMMON_GEMM_PACK_H_

#include <cstdint>

#include "src/op_desc.h"

namespace qk {
namespace common {

// conv2d / fully connected as `groups` GEMMs: C[m][n] = sum_k A[m][k] * B[k][n], m = output pixel
// (batch folded in), n = output channel within the group, k = tap in filter order.
struct GemmGeometry {
  int groups;
  int64_t m;  // rows: batch * out_h * out_w (FC: batch)
  int n;      // output channels per group
  int k;      // kernel depth per group
  int kp;     // k rounded up to a multiple of 4
  int np;     // n rounded up to a multiple of nr
};
GemmGeometry GemmGeometryOf(const internal::OpDesc& d, int nr);

// Packs the filter (per output channel: k contiguous bytes, the conv/FC layout) as
// [group][panel of nr channels][k / 4][nr][4] bytes, each XOR `flip` (0x80 turns uint8 weights
// into the signed w - 128), zero-padded in k and n. col_sums[group * np + j] receives the sum of
// the packed (signed) bytes of channel j (0 for padding). `packed` holds groups * np * kp bytes.
void PackGemmWeights(const internal::OpDesc& d, const uint8_t* filter, int nr, uint8_t flip,
                     int8_t* packed, int32_t* col_sums);

}  // namespace common
}  // namespace qk

#endif  // QKERNELS_KERNELS_COMMON_GEMM_PACK_H_
