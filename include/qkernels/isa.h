// qkernels: instruction-set variants and the run-time choice between them.
#ifndef QKERNELS_ISA_H_
#define QKERNELS_ISA_H_

#include <vector>

#include "qkernels/status.h"

namespace qk {

enum class Isa {
  kAuto = -1,  // the dispatcher's choice (best available, or QK_ISA / SetIsaOverride)
  kScalar = 0,
  kAvx2,
  kAvx512Vnni,
  kNeon,
  kNeonDot,
  kI8mm,
};

// "scalar", "avx2", "avx512vnni", "neon", "neondot", "i8mm" ("auto" for kAuto).
const char* IsaName(Isa isa);
// Parses a name as above; returns false for an unknown name.
bool ParseIsa(const char* name, Isa* isa);

// Was a variant for `isa` built into this library?
bool IsaCompiledIn(Isa isa);
// Compiled in AND this CPU (and OS) can run it. kScalar is always supported.
bool IsaSupported(Isa isa);
// True only in a verification build that runs this ISA's kernels through a software emulation of
// its instructions (QK_EMULATE_AVX512: avx512vnni by SIMD Everywhere on an AVX2 CPU). Such a
// build is exact but says nothing about speed; tools label the ISA "<name> (emulated by SIMDe)".
bool IsaEmulated(Isa isa);
// Every compiled-in ISA, best first, scalar last.
std::vector<Isa> CompiledIsas();
// Every supported ISA, best first, scalar last.
std::vector<Isa> SupportedIsas();
// The best ISA this CPU supports, ignoring any override.
Isa BestIsa();

// The ISA used for Isa::kAuto: the API override if set, else the environment variable
// QK_ISA=<name> if set, else BestIsa(). An unusable QK_ISA value (unknown name, or an ISA this
// CPU lacks) makes DefaultIsa() return BestIsa(), DefaultIsaStatus() return the error, and every
// Pack* call with Isa::kAuto fail with that error (never a silent substitute, never SIGILL).
Isa DefaultIsa();
Status DefaultIsaStatus();
// Sets the ISA used for Isa::kAuto (kAuto clears the override). Fails with kIsaUnavailable when
// `isa` is not supported here. Thread-safe.
Status SetIsaOverride(Isa isa);

}  // namespace qk

#endif  // QKERNELS_ISA_H_
