// The tile loop and the fused output stage shared by the Arm GEMM-conv microkernels (neon 4x8c1,
// 2x8c16 and 4x4c16, neondot 4x16c4, i8mm 4x16c8): for each panel of the range and each MR-row tile, the
// ISA's Accumulate leaves MR x NV int32x4 accumulators in registers, and the output stage
// requantizes them there (requantize_arm.h), narrows to bytes and stores each row's n valid bytes
// once.
//
// Everything here has internal linkage (an unnamed namespace, static inline functions): each
// ISA's file instantiates its own copy with its own -march flags, so no dotprod or i8mm
// instruction can reach a copy that a plain NEON CPU runs.
#ifndef QKERNELS_KERNELS_ARM_GEMM_TILES_ARM_H_
#define QKERNELS_KERNELS_ARM_GEMM_TILES_ARM_H_

#include <arm_neon.h>

#include <algorithm>
#include <cstring>

#include "kernels/arm/requantize_arm.h"
#include "kernels/driver/gemm_conv_driver.h"

namespace qk {
namespace arm {
namespace {

// The per-column parameters of one panel (driver::PackColumnParams' layout), NV vectors of 4.
template <int NV>
struct PanelParams {
  int32x4_t bias[NV], mult[NV], shift[NV];
};

template <int NV>
inline PanelParams<NV> LoadPanelParams(const driver::GemmTiles& t, int n0) {
  const driver::GemmGeometry& g = *t.geometry;
  const size_t cols = size_t(g.groups) * g.np;
  // Panels hold np columns per group, so the NV vectors of a panel are inside the arrays.
  const int32_t* bias = t.data->packed_bias.data() + size_t(t.group) * g.np + n0;
  PanelParams<NV> p;
  for (int v = 0; v < NV; ++v) {
    p.bias[v] = vld1q_s32(bias + 4 * v);
    p.mult[v] = vld1q_s32(bias + cols + 4 * v);
    p.shift[v] = vld1q_s32(bias + 2 * cols + 4 * v);
  }
  return p;
}

// Requantizes one row's accumulators (channels 4v..4v+3 in acc[v]) and stores its first n bytes.
template <int NV>
inline void StoreRow(const int32x4_t (&acc)[NV], const PanelParams<NV>& p, const OutputStage& o,
                     uint8_t* out, int n) {
  static_assert(NV == 1 || NV == 2 || NV == 4, "4, 8 or 16 channels per tile");
  int32x4_t y[NV];
  for (int v = 0; v < NV; ++v) y[v] = RequantizeLanes(acc[v], p.bias[v], p.mult[v], p.shift[v], o);
  if constexpr (NV == 1) {
    const uint8x8_t bytes = NarrowToBytes(y[0], y[0]);  // channels 0..3, twice
    if (n == 4) {
      const uint32_t word = vget_lane_u32(vreinterpret_u32_u8(bytes), 0);
      std::memcpy(out, &word, sizeof(word));
    } else {
      uint8_t staged[8];
      vst1_u8(staged, bytes);
      std::memcpy(out, staged, static_cast<size_t>(n));
    }
  } else if constexpr (NV == 2) {
    const uint8x8_t bytes = NarrowToBytes(y[0], y[1]);
    if (n == 8) {
      vst1_u8(out, bytes);
    } else {
      uint8_t staged[8];  // the tile's last bytes: only n of them are the caller's
      vst1_u8(staged, bytes);
      std::memcpy(out, staged, static_cast<size_t>(n));
    }
  } else {
    const uint8x16_t bytes = vcombine_u8(NarrowToBytes(y[0], y[1]), NarrowToBytes(y[2], y[3]));
    if (n == 16) {
      vst1q_u8(out, bytes);
    } else {
      uint8_t staged[16];
      vst1q_u8(staged, bytes);
      std::memcpy(out, staged, static_cast<size_t>(n));
    }
  }
}

// The range of a driver::GemmTiles, panel by panel (a panel's weights stay in L1 while the row
// block streams past). Kernel::Accumulate(t, a, b, acc) computes the kMR x (4 * kNV) tile of rows
// a[0..kMR-1] over the panel at b. A partial tile repeats its last row (computed, never stored);
// columns past n have zero weights and are never stored. Inlined into the ISA's named
// microkernel, so that the microkernel's symbol holds its loops (scripts/arm-mca.sh reads them).
template <typename Kernel>
[[gnu::always_inline]] inline void RunGemmTiles(const driver::GemmTiles& t) {
  constexpr int NV = Kernel::kNV;
  constexpr int NR = 4 * NV;
  constexpr int kTileRows = Kernel::kMR;
  const internal::OpDesc& d = *t.desc;
  const OutputStage o = MakeOutputStage(d.output_zp, d.act_min, d.act_max, d.rounding);
  for (int p = t.panel_begin; p < t.panel_end; ++p) {
    const int n0 = p * NR;
    const int n = std::min(NR, t.geometry->n - n0);
    const PanelParams<NV> params = LoadPanelParams<NV>(t, n0);
    const uint8_t* b = t.panels + size_t(p) * t.panel_bytes;
    for (int r0 = 0; r0 < t.m; r0 += kTileRows) {
      const int rows = std::min(kTileRows, t.m - r0);
      const uint8_t* a[kTileRows];
      for (int r = 0; r < kTileRows; ++r) a[r] = t.rows[r0 + std::min(r, rows - 1)];
      int32x4_t acc[kTileRows][NV];
      Kernel::Accumulate(t, a, b, acc);
#pragma GCC unroll 4
      for (int r = 0; r < kTileRows; ++r) {  // unrolled: acc stays in registers
        if (r < rows) StoreRow<NV>(acc[r], params, o, t.out + (r0 + r) * t.out_stride + n0, n);
      }
    }
  }
}

}  // namespace
}  // namespace arm
}  // namespace qk

#endif  // QKERNELS_KERNELS_ARM_GEMM_TILES_ARM_H_
