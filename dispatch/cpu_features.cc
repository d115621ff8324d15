// CPU feature detection: cpuinfo for everything it knows, the OS auxiliary vector for i8mm
// (Debian 12's cpuinfo predates i8mm). A failing cpuinfo_initialize() leaves only scalar.
#include "dispatch/cpu_features.h"

#include <cpuinfo.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1 << 13)
#endif
#endif

namespace qk {
namespace internal {
namespace {

#if defined(__aarch64__)
// In-order Armv8 cores cpuinfo knows. On a big.LITTLE system with out-of-order big cores the
// answer is no: ops are scheduled there first.
bool EveryCoreInOrder() {
  const uint32_t cores = cpuinfo_get_cores_count();
  for (uint32_t i = 0; i < cores; ++i) {
    switch (cpuinfo_get_core(i)->uarch) {
      case cpuinfo_uarch_cortex_a35:
      case cpuinfo_uarch_cortex_a53:
      case cpuinfo_uarch_cortex_a55r0:
      case cpuinfo_uarch_cortex_a55:
        break;
      default:
        return false;
    }
  }
  return cores > 0;
}
#endif

// QK_ARM_CORE_CLASS, or `detected` when it is unset or not one of the two names.
bool InOrderCore(bool detected) {
  const char* env = std::getenv("QK_ARM_CORE_CLASS");
  if (env == nullptr || *env == 0) return detected;
  if (std::strcmp(env, "in-order") == 0) return true;
  if (std::strcmp(env, "out-of-order") == 0) return false;
  std::fprintf(stderr, "qkernels: QK_ARM_CORE_CLASS=%s is neither in-order nor out-of-order: "
               "ignored\n", env);
  return detected;
}

CpuFeatures Detect() {
  CpuFeatures f;
  if (!cpuinfo_initialize()) {
    f.in_order = InOrderCore(false);
    return f;
  }
#if defined(__x86_64__) || defined(__i386__)
  // Everything each level's compiler flags allow (cmake/QkIsa.cmake): the AVX2 kernels use FMA,
  // the AVX-512 ones also AVX2/FMA and AVX512DQ (vpmovd2m, vreduceps).
  f.avx2 = cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3();
  f.avx512vnni = f.avx2 && cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512bw() &&
                 cpuinfo_has_x86_avx512vl() && cpuinfo_has_x86_avx512dq() &&
                 cpuinfo_has_x86_avx512vnni();
#if defined(QK_EMULATE_AVX512VNNI)
  // The verification build (cmake/QkIsa.cmake, QK_EMULATE_AVX512): its avx512vnni kernels are
  // SIMDe code compiled for AVX2 + FMA, so they run wherever the avx2 ones do.
  f.avx512vnni = f.avx2;
#endif
#endif
#if defined(__aarch64__)
  f.neon = cpuinfo_has_arm_neon();
  f.neon_dot = f.neon && cpuinfo_has_arm_neon_dot();
#if defined(__linux__)
  f.i8mm = f.neon && (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0;
#endif
  f.in_order = EveryCoreInOrder();
#endif
  f.in_order = InOrderCore(f.in_order);
  return f;
}

}  // namespace

const CpuFeatures& GetCpuFeatures() {
  static const CpuFeatures features = Detect();  // C++11 guarantees one thread-safe init
  return features;
}

}  // namespace internal
}  // namespace qk
