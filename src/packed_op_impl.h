// Internal: what a PackedOp holds, and how the library reaches it (PackedOp's friend).
#ifndef QKERNELS_SRC_PACKED_OP_IMPL_H_
#define QKERNELS_SRC_PACKED_OP_IMPL_H_

#include <memory>
#include <utility>

#include "core/kernel.h"
#include "core/op_desc.h"
#include "qkernels/ops.h"

namespace qk {

struct PackedOp::Impl {
  internal::OpDesc desc;
  internal::PackedData data;
  const internal::Kernel* kernel = nullptr;
  size_t workspace_bytes = 0;  // the kernel's workspace_bytes(desc), computed once at packing
};

struct PackedOpAccess {
  using Impl = PackedOp::Impl;
  static const Impl* Get(const PackedOp& op) { return op.impl_.get(); }
  static void Reset(PackedOp* op, std::unique_ptr<Impl> impl) { op->impl_ = std::move(impl); }
};

}  // namespace qk

#endif  // QKERNELS_SRC_PACKED_OP_IMPL_H_
