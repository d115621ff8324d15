// The scalar rows of the kernel table: one per (op, data type); they take every valid op.
#include "reference/reference_kernels.h"

namespace qk {
namespace reference {
namespace {

using internal::Kernel;
using internal::OpKind;

bool AlwaysApplies(const OpDesc&) { return true; }

}  // namespace

void AppendKernels(std::vector<Kernel>* table) {
  struct Row {
    OpKind op;
    DataType type;
    const char* name;
    void (*run)(const OpDesc&, const PackedData&, const void*, void*, void*);
  };
  static const Row kRows[] = {
      {OpKind::kConv2D, DataType::kInt8, "qs8_conv__scalar", Conv2D},
      {OpKind::kConv2D, DataType::kUInt8, "qu8_conv__scalar", Conv2D},
      {OpKind::kConv2D, DataType::kInt16, "qs16x8_conv__scalar", Conv2D},
      {OpKind::kDepthwiseConv2D, DataType::kInt8, "qs8_dwconv__scalar", DepthwiseConv2D},
      {OpKind::kDepthwiseConv2D, DataType::kUInt8, "qu8_dwconv__scalar", DepthwiseConv2D},
      {OpKind::kDepthwiseConv2D, DataType::kInt16, "qs16x8_dwconv__scalar", DepthwiseConv2D},
      {OpKind::kFullyConnected, DataType::kInt8, "qs8_fc__scalar", FullyConnected},
      {OpKind::kFullyConnected, DataType::kUInt8, "qu8_fc__scalar", FullyConnected},
      {OpKind::kFullyConnected, DataType::kInt16, "qs16x8_fc__scalar", FullyConnected},
  };
  for (const Row& r : kRows) {
    table->push_back(Kernel{Isa::kScalar, r.op, r.type, r.name, AlwaysApplies, nullptr, nullptr,
                            r.run});
  }
}

}  // namespace reference
}  // namespace qk
