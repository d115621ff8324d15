// ISA-neutral GEMM weight packing (see gemm_pack.h).
#include "kernels/common/gemm_pack.h"

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
  for (int grp = 0; grp < g.groups; ++grp) {
    int8_t* group_out = packed + int64_t{grp} * g.np * g.kp;
    for (int j = 0; j < g.np; ++j) {
      const int panel = j / nr, col = j % nr;
      int8_t* dst = group_out + int64_t{panel} * nr * g.kp + col * 4;
      uint32_t sum = 0;  // wraps like the accumulators
      if (j < g.n) {
        const uint8_t* src = filter + (int64_t{grp} * g.n + j) * g.k;
        for (int k = 0; k < g.k; ++k) {
          const int8_t w = static_cast<int8_t>(src[k] ^ flip);
          dst[int64_t{k / 4} * nr * 4 + k % 4] = w;
          sum += static_cast<uint32_t>(int32_t{w});
        }
      }
      col_sums[int64_t{grp} * g.np + j] = static_cast<int32_t>(sum);
    }
  }
}

}  // namespace common
}  // namespace qk
