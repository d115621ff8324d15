// The kernel table: each compiled-in ISA appends its rows; ordered best ISA first, scalar last.
#include "dispatch/kernel_table.h"

#include <algorithm>

#include "reference/reference_kernels.h"

namespace qk {
#if defined(QK_HAVE_AVX2)
namespace avx2 { void AppendKernels(std::vector<internal::Kernel>* table); }
#endif
#if defined(QK_HAVE_AVX512VNNI)
namespace avx512vnni { void AppendKernels(std::vector<internal::Kernel>* table); }
#endif
#if defined(QK_HAVE_NEON)
namespace neon { void AppendKernels(std::vector<internal::Kernel>* table); }
#endif
#if defined(QK_HAVE_NEONDOT)
namespace neondot { void AppendKernels(std::vector<internal::Kernel>* table); }
#endif
#if defined(QK_HAVE_I8MM)
namespace i8mm { void AppendKernels(std::vector<internal::Kernel>* table); }
#endif

namespace internal {
namespace {

bool IsX86(Isa isa) { return isa == Isa::kAvx2 || isa == Isa::kAvx512Vnni; }
bool IsArm(Isa isa) { return isa == Isa::kNeon || isa == Isa::kNeonDot || isa == Isa::kI8mm; }

std::vector<Kernel> BuildTable() {
  std::vector<Kernel> table;
#if defined(QK_HAVE_I8MM)
  i8mm::AppendKernels(&table);
#endif
#if defined(QK_HAVE_NEONDOT)
  neondot::AppendKernels(&table);
#endif
#if defined(QK_HAVE_NEON)
  neon::AppendKernels(&table);
#endif
#if defined(QK_HAVE_AVX512VNNI)
  avx512vnni::AppendKernels(&table);
#endif
#if defined(QK_HAVE_AVX2)
  avx2::AppendKernels(&table);
#endif
  reference::AppendKernels(&table);
  std::stable_sort(table.begin(), table.end(), [](const Kernel& a, const Kernel& b) {
    return IsaRank(a.isa) > IsaRank(b.isa);
  });
  return table;
}

}  // namespace

int IsaRank(Isa isa) {
  switch (isa) {
    case Isa::kAvx2: return 1;
    case Isa::kAvx512Vnni: return 2;
    case Isa::kNeon: return 1;
    case Isa::kNeonDot: return 2;
    case Isa::kI8mm: return 3;
    default: return 0;
  }
}

const std::vector<Kernel>& KernelTable() {
  static const std::vector<Kernel> table = BuildTable();
  return table;
}

const Kernel* SelectKernel(const OpDesc& desc, Isa isa) {
  for (const Kernel& k : KernelTable()) {
    if (k.op != desc.op || k.type != desc.type) continue;
    const bool same_family = k.isa == Isa::kScalar || (IsX86(k.isa) && IsX86(isa)) ||
                             (IsArm(k.isa) && IsArm(isa));
    if (!same_family || IsaRank(k.isa) > IsaRank(isa) || !IsaSupported(k.isa)) continue;
    if (k.applies(desc)) return &k;
  }
  return nullptr;
}

}  // namespace internal
}  // namespace qk
