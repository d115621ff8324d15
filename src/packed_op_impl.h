// Internal: what a PackedOp holds.
#ifndef QKERNELS_SRC_PACKED_OP_IMPL_H_
#define QKERNELS_SRC_PACKED_OP_IMPL_H_

#include "core/kernel.h"
#include "core/op_desc.h"

namespace qk {
namespace internal {

struct PackedOpImpl {
  OpDesc desc;
  PackedData data;
  const Kernel* kernel = nullptr;
};

}  // namespace internal
}  // namespace qk

#endif  // QKERNELS_SRC_PACKED_OP_IMPL_H_
