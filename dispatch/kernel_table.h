// Internal: the one table of kernels, and the choice of a row for an op on an ISA.
#ifndef QKERNELS_DISPATCH_KERNEL_TABLE_H_
#define QKERNELS_DISPATCH_KERNEL_TABLE_H_

#include <vector>

#include "core/kernel.h"

namespace qk {
namespace internal {

// Every compiled-in kernel, best ISA first, scalar last; within an ISA, more specific first.
const std::vector<Kernel>& KernelTable();

// Rank of an ISA within its family (dispatch/isa_info.h; scalar 0).
int IsaRank(Isa isa);

// The kernel that runs `desc` when `isa` (already resolved, supported) is requested: the first row
// whose ISA is `isa` or a lesser supported ISA of the same family (or scalar) and that applies.
// Never null: the scalar rows take every valid op.
const Kernel* SelectKernel(const OpDesc& desc, Isa isa);

}  // namespace internal
}  // namespace qk

#endif  // QKERNELS_DISPATCH_KERNEL_TABLE_H_
