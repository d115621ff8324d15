// The runtime's vector ops for aarch64: simd_impl.h instantiated for xsimd::neon64 (NEON is part
// of the aarch64 baseline, so no extra flags and no run-time check).
#include "runtime/ops/simd_impl.h"

namespace qk {
namespace rt {
namespace ops {

const VecOps* VecOpsNeon() { return MakeVecOps<xsimd::neon64>("xsimd_neon"); }

}  // namespace ops
}  // namespace rt
}  // namespace qk
