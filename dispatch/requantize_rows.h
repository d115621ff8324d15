// Internal: the choice of the standalone requantization (core/kernel.h, RequantizeRowsArgs) for an
// ISA, for the API's RequantizeInt32ToInt8.
#ifndef QKERNELS_DISPATCH_REQUANTIZE_ROWS_H_
#define QKERNELS_DISPATCH_REQUANTIZE_ROWS_H_

#include "core/kernel.h"

namespace qk {
namespace internal {

// The requantization that runs when `isa` (resolved, supported) is requested: the ISA's own, or
// that of the best lesser supported ISA of its family that has one, else the scalar reference.
// The Arm ISAs use the scalar reference. Never null.
RequantizeRowsFn SelectRequantizeRows(Isa isa);

// Its name, for tests and benchmarks: "requantize_rows__<isa>".
const char* RequantizeRowsName(Isa isa);

}  // namespace internal
}  // namespace qk

#endif  // QKERNELS_DISPATCH_REQUANTIZE_ROWS_H_
