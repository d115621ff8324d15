// VecOpsFor: which build of the runtime's vector ops goes with a kernel ISA (see simd.h).
#include "runtime/ops/simd.h"

namespace qk {
namespace rt {
namespace ops {

#ifndef QK_RT_SIMD_AVX2
const VecOps* VecOpsAvx2() { return nullptr; }
#endif
#ifndef QK_RT_SIMD_NEON
const VecOps* VecOpsNeon() { return nullptr; }
#endif

const VecOps* VecOpsFor(Isa isa) {
  if (isa == Isa::kAuto) isa = DefaultIsa();
  switch (isa) {
    case Isa::kAvx2:
    case Isa::kAvx512Vnni:
      // The AVX2 kernels' CPU check (cpuinfo) also guards the AVX2 build of these ops.
      return IsaSupported(Isa::kAvx2) ? VecOpsAvx2() : nullptr;
    case Isa::kNeon:
    case Isa::kNeonDot:
    case Isa::kI8mm: return VecOpsNeon();
    default: return nullptr;
  }
}

}  // namespace ops
}  // namespace rt
}  // namespace qk
