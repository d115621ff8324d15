// ISA-neutral GEMM weight packing (see gemm_pack.h).
#include "kernels/common/gemm_pack.h"

#include <algorithm>
#include <cstring>

namespace qk {
namespace common {

GemmGeometry GemmGeometryOf(const internal::OpDesc& d, int nr) {
  GemmGeometry g;
  g.groups = d.groups;
  g.m = int64_t{d.batch} * d.out_h * d.out_w;
  g.n = d.out_c / d.groups;
  g.k = d.KernelDepth();
  g.kp = (g.k + 3) / 4 * 4;
  g.np = (g.n + nr - 1) / nr * nr;
  return g;
}

void PackGemmWeights(const internal::OpDesc& d, const uint8_t* filter, int nr, uint8_t flip,
                     int8_t* packed, int32_t* col_sums) {
  const GemmGeometry g = GemmGeometryOf(d, nr);
  const int groups4 = g.kp / 4;
  for (int grp = 0; grp < g.groups; ++grp) {
    const uint8_t* group_in = filter + int64_t{grp} * g.n * g.k;
    int8_t* dst = packed + int64_t{grp} * g.np * g.kp;
    // Written in order (panel, group of 4, column): the reads of one panel's rows stay in cache.
    for (int p0 = 0; p0 < g.np; p0 += nr) {
      for (int q = 0; q < groups4; ++q) {
        const int k0 = 4 * q, valid = std::min(4, g.k - k0);
        const uint32_t flips = flip * 0x01010101u;
        for (int col = 0; col < nr; ++col, dst += 4) {
          const int j = p0 + col;
          const uint8_t* src = group_in + int64_t{j} * g.k + k0;
          if (j < g.n && valid == 4) {
            uint32_t v;
            std::memcpy(&v, src, 4);
            v ^= flips;
            std::memcpy(dst, &v, 4);
            continue;
          }
          for (int i = 0; i < 4; ++i) {
            dst[i] = j < g.n && i < valid ? static_cast<int8_t>(src[i] ^ flip) : int8_t{0};
          }
        }
      }
    }
    for (int j = 0; j < g.np; ++j) {
      uint32_t sum = 0;  // wraps like the accumulators
      if (j < g.n) {
        const uint8_t* src = group_in + int64_t{j} * g.k;
        for (int k = 0; k < g.k; ++k) sum += static_cast<uint32_t>(int32_t{int8_t(src[k] ^ flip)});
      }
      col_sums[int64_t{grp} * g.np + j] = static_cast<int32_t>(sum);
    }
  }
}

}  // namespace common
}  // namespace qk
