// Internal: what the CPU can run, asked of cpuinfo once (thread-safe), plus getauxval for i8mm.
#ifndef QKERNELS_DISPATCH_CPU_FEATURES_H_
#define QKERNELS_DISPATCH_CPU_FEATURES_H_

namespace qk {
namespace internal {

struct CpuFeatures {
  bool avx2 = false;        // AVX2 + FMA-era x86 (the avx2 kernels need only AVX2)
  bool avx512vnni = false;  // AVX-512 F, BW, VL and VNNI
  bool neon = false;        // AArch64 Advanced SIMD
  bool neon_dot = false;    // Armv8.2 dot product (sdot/udot)
  bool i8mm = false;        // Armv8.6 int8 matrix multiply (smmla)
  // Every core issues in program order (Arm Cortex-A53/A55 class): kernels with a tile for
  // in-order cores pack for it. QK_ARM_CORE_CLASS=in-order|out-of-order overrides the CPU (qemu
  // reports no core, so tests force each); another value is reported on stderr and ignored.
  bool in_order = false;
};

// Detected once on first call; later calls return the same object.
const CpuFeatures& GetCpuFeatures();

}  // namespace internal
}  // namespace qk

#endif  // QKERNELS_DISPATCH_CPU_FEATURES_H_
