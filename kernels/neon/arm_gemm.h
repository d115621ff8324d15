// The GEMM convolution driver shared by the three Arm levels (neon, neondot, i8mm).
//
// Declarations only, with no intrinsics and nothing inline: the driver, the weight packer and the
// vectorized requantization are compiled once, in qk::neon with the baseline -march=armv8-a flags,
// so a dotprod or i8mm instruction can never leak into code a plain NEON CPU runs. Each level
// passes its own microkernel (compiled with its own flags, in its own namespace) by pointer.
//
// Convolution as GEMM: row m = one output pixel (batch*out_h*out_w rows), column n = one output
// channel of a group, depth k = (ky, kx, input channel of the group), K = KernelDepth(). Rows are
// either read straight from the input (pointwise convolution / fully connected with K % 8 == 0,
// the "1x1 direct path") or gathered by im2col into the workspace, padded to Kpad = roundup(K, 8)
// with zeros; taps outside the image are filled with input_zp, which contributes exactly 0.
#ifndef QKERNELS_KERNELS_NEON_ARM_GEMM_H_
#define QKERNELS_KERNELS_NEON_ARM_GEMM_H_

#include <cstddef>
#include <cstdint>

#include "src/kernel.h"

namespace qk {
namespace neon {

// Computes acc[r * nr + n] = sum_{k < kpad} A[r][k] * B[k][n] for one MR x NR tile.
// a_rows[r] points to kpad readable bytes of row r (int8 or uint8); b_panel is the packed panel of
// NR columns; a_zero_point is subtracted from A by kernels that do not fold it into the bias.
using GemmMicrokernel = void (*)(size_t kpad, const void* const* a_rows, const void* b_panel,
                                 int32_t a_zero_point, int32_t* acc);

// A microkernel and the packed-weight layout it reads. Within a panel, weight (k, n) lives at
// element ((k / kb) * nr + n) * kb + k % kb. elem_bytes == 2: int16 (w - filter_zp);
// elem_bytes == 1: the raw int8 weight, with -input_zp * sum_k w folded into packed_bias.
struct GemmKernel {
  int mr, nr, kb, elem_bytes;
  GemmMicrokernel run;
};

constexpr int kGemmMaxMr = 4;
constexpr int kGemmMaxNr = 16;
constexpr int kGemmKAlign = 8;  // every microkernel reads A 8 bytes at a time

// Pointwise convolution / fully connected whose rows can be read in place (K % 8 == 0).
bool GemmUsesDirectRows(const internal::OpDesc& d);
// Fills data->packed and data->packed_bias in `k`'s layout.
void PackGemmWeights(const internal::OpDesc& d, const GemmKernel& k, internal::PackedData* data);
size_t GemmWorkspaceBytes(const internal::OpDesc& d, const GemmKernel& k);
// Runs an int8/uint8 conv2d or fully connected op (FC's desc is a 1x1 conv over batch x 1 x 1).
void RunGemmConv(const internal::OpDesc& d, const internal::PackedData& p, const GemmKernel& k,
                 const void* input, void* output, void* workspace);

// out[i] = clamp(MultiplyByQuantizedMultiplier(acc[i] + bias[i], multiplier[i], shift[i]) +
// output_zp, act_min, act_max) for n consecutive channels, stored as int8 or uint8 (d.type).
// Reads exactly n entries of each array and writes exactly n outputs.
void RequantizeRow(const internal::OpDesc& d, const int32_t* acc, const int32_t* bias,
                   const int32_t* multiplier, const int32_t* shift, int n, void* out);

// The vectorized MultiplyByQuantizedMultiplier alone (for the lane-by-lane tests).
void MultiplyByQuantizedMultiplierN(const int32_t* x, const int32_t* multiplier,
                                    const int32_t* shift, int n, Rounding rounding, int32_t* out);

}  // namespace neon
}  // namespace qk

#endif  // QKERNELS_KERNELS_NEON_ARM_GEMM_H_
