// The kernel table: each compiled-in ISA appends its rows; ordered best ISA first, scalar last.
#include "dispatch/kernel_table.h"

#include <algorithm>

#include "dispatch/isa_info.h"
#include "reference/reference_kernels.h"

namespace qk {
#if defined(QK_HAVE_AVX2)
namespace avx2 { void AppendKernels(std::vector<internal::Kernel>* table); }
#endif
#if defined(QK_HAVE_AVX512VNNI)
namespace avx512vnni { const internal::Kernel* KernelRows(size_t* count); }
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

IsaFamily FamilyOf(Isa isa) {
  const IsaInfo* info = FindIsaInfo(isa);
  return info != nullptr ? info->family : IsaFamily::kScalar;
}

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
  {
    size_t count = 0;
    const Kernel* rows = avx512vnni::KernelRows(&count);
    table.insert(table.end(), rows, rows + count);
  }
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
  const IsaInfo* info = FindIsaInfo(isa);
  return info != nullptr ? info->rank : 0;
}

const std::vector<Kernel>& KernelTable() {
  static const std::vector<Kernel> table = BuildTable();
  return table;
}

const Kernel* SelectKernel(const OpDesc& desc, Isa isa) {
  for (const Kernel& k : KernelTable()) {
    if (k.op != desc.op || k.type != desc.type) continue;
    const bool same_family = k.isa == Isa::kScalar || FamilyOf(k.isa) == FamilyOf(isa);
    if (!same_family || IsaRank(k.isa) > IsaRank(isa) || !IsaSupported(k.isa)) continue;
    if (k.applies(desc)) return &k;
  }
  return nullptr;
}

}  // namespace internal
}  // namespace qk
