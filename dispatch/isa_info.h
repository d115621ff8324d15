// Internal: every ISA the library knows, in one list: its name, its family (ISAs of one family
// can stand in for each other: a lesser one runs an op the better one has no row for) and its
// rank within the family. Adding an ISA is one row here (docs/ARCHITECTURE.md, the checklist).
#ifndef QKERNELS_DISPATCH_ISA_INFO_H_
#define QKERNELS_DISPATCH_ISA_INFO_H_

#include "qkernels/isa.h"

namespace qk {
namespace internal {

enum class IsaFamily { kScalar, kX86, kArm };

struct IsaInfo {
  Isa isa;
  const char* name;
  IsaFamily family;
  int rank;  // within the family; scalar 0
};

// Best first, scalar last: the order every listing uses.
inline constexpr IsaInfo kIsaInfos[] = {
    {Isa::kI8mm, "i8mm", IsaFamily::kArm, 3},
    {Isa::kNeonDot, "neondot", IsaFamily::kArm, 2},
    {Isa::kNeon, "neon", IsaFamily::kArm, 1},
    {Isa::kAvx512Vnni, "avx512vnni", IsaFamily::kX86, 2},
    {Isa::kAvx2, "avx2", IsaFamily::kX86, 1},
    {Isa::kScalar, "scalar", IsaFamily::kScalar, 0},
};

// The row of `isa`, or nullptr (kAuto, or a value outside the enum).
inline const IsaInfo* FindIsaInfo(Isa isa) {
  for (const IsaInfo& info : kIsaInfos) {
    if (info.isa == isa) return &info;
  }
  return nullptr;
}

}  // namespace internal
}  // namespace qk

#endif  // QKERNELS_DISPATCH_ISA_INFO_H_
