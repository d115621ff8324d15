// The runtime's vector ops for x86-64 CPUs with AVX2: simd_impl.h instantiated for xsimd::avx2.
// Compiled with -mavx2 -mfma (runtime/CMakeLists.txt); VecOpsFor() hands it out only on a CPU
// with AVX2.
#include "runtime/ops/simd_impl.h"

namespace qk {
namespace rt {
namespace ops {

const VecOps* VecOpsAvx2() { return MakeVecOps<xsimd::avx2>("xsimd_avx2"); }

}  // namespace ops
}  // namespace rt
}  // namespace qk
