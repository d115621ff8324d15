// Internal: parameter validation, turning public *Params into a resolved OpDesc.
#ifndef QKERNELS_SRC_VALIDATE_H_
#define QKERNELS_SRC_VALIDATE_H_

#include "qkernels/ops.h"
#include "core/op_desc.h"

namespace qk {
namespace internal {

// Largest element count of any one tensor: keeps every offset a kernel forms within int32.
constexpr int64_t kMaxTensorElements = (int64_t{1} << 31) - 1;

// check_quant = false validates the geometry only (Conv2DOutputSize needs no multipliers).
Status ResolveConv2D(const Conv2DParams& params, OpDesc* desc, bool check_quant = true);
Status ResolveDepthwiseConv2D(const DepthwiseConv2DParams& params, OpDesc* desc,
                              bool check_quant = true);
Status ResolveFullyConnected(const FullyConnectedParams& params, OpDesc* desc);

// Checks the requantization block for an op of `type` with `out_c` output channels.
Status ValidateRequantization(const Requantization& quant, DataType type, int out_c);

}  // namespace internal
}  // namespace qk

#endif  // QKERNELS_SRC_VALIDATE_H_
