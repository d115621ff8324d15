// The scalar rows of the kernel table: one per (op, data type); they take every valid op.
#include "reference/reference_kernels.h"

#include <algorithm>
#include <cstddef>

namespace qk {
namespace reference {
namespace {

using internal::Kernel;
using internal::OpKind;

bool AlwaysApplies(const OpDesc&) { return true; }

using KernelFn = void (*)(const OpDesc&, const PackedData&, const void*, void*, void*);

// Multiply-adds a thread must get for a split to pay for waking it.
constexpr double kMinWorkPerThread = 64 * 1024;

// Threads split the reference kernels outside their code: each part runs the unchanged kernel on
// a sub-description of its output rows. Conv and depthwise: output rows [y0, y1) of batch item b
// are the op with batch 1, out_h = y1 - y0 and pad_top - y0 * stride_h (negative when the first
// row starts inside the image: the kernels compute iy = oy * stride_h - pad_top + ky * dilation
// and test its bounds, so any value works). Fully connected: batch rows.
template <KernelFn kKernel>
void RunSplit(const OpDesc& d, const PackedData& p, const void* input, void* output, void* ws,
              const internal::Parallel& par) {
  const bool fc = d.op == OpKind::kFullyConnected;
  const int64_t rows = fc ? d.batch : int64_t{d.batch} * d.out_h;
  const double work = double(d.OutputElements()) * (d.FilterElements() / d.out_c);
  const int parts = std::min<int64_t>(internal::PartsFor(par, work, kMinWorkPerThread), rows);
  if (parts <= 1) return kKernel(d, p, input, output, ws);
  const size_t eb = d.type == DataType::kInt16 ? 2 : 1;
  const auto* in = static_cast<const unsigned char*>(input);
  auto* out = static_cast<unsigned char*>(output);
  internal::ParallelFor(par, parts, [&](size_t part) {
    int64_t r0, r1;
    internal::PartRange(rows, parts, static_cast<int>(part), 1, &r0, &r1);
    if (fc) {
      OpDesc sub = d;
      sub.batch = static_cast<int>(r1 - r0);
      if (sub.batch > 0) kKernel(sub, p, in + r0 * d.in_c * eb, out + r0 * d.out_c * eb, ws);
      return;
    }
    for (int64_t r = r0; r < r1;) {  // one batch item at a time
      const int b = static_cast<int>(r / d.out_h), y0 = static_cast<int>(r % d.out_h);
      const int y1 = static_cast<int>(std::min<int64_t>(d.out_h, y0 + (r1 - r)));
      OpDesc sub = d;
      sub.batch = 1;
      sub.out_h = y1 - y0;
      sub.pad_top = d.pad_top - y0 * d.stride_h;
      const size_t in_item = size_t(d.in_h) * d.in_w * d.in_c * eb;
      const size_t out_row = size_t(d.out_w) * d.out_c * eb;
      kKernel(sub, p, in + b * in_item, out + (size_t(b) * d.out_h + y0) * out_row, ws);
      r += y1 - y0;
    }
  });
}

}  // namespace

void AppendKernels(std::vector<Kernel>* table) {
  struct Row {
    OpKind op;
    DataType type;
    const char* name;
    void (*run)(const OpDesc&, const PackedData&, const void*, void*, void*,
                const internal::Parallel&);
  };
  static const Row kRows[] = {
      {OpKind::kConv2D, DataType::kInt8, "qs8_conv__scalar", RunSplit<Conv2D>},
      {OpKind::kConv2D, DataType::kUInt8, "qu8_conv__scalar", RunSplit<Conv2D>},
      {OpKind::kConv2D, DataType::kInt16, "qs16x8_conv__scalar", RunSplit<Conv2D>},
      {OpKind::kDepthwiseConv2D, DataType::kInt8, "qs8_dwconv__scalar", RunSplit<DepthwiseConv2D>},
      {OpKind::kDepthwiseConv2D, DataType::kUInt8, "qu8_dwconv__scalar", RunSplit<DepthwiseConv2D>},
      {OpKind::kDepthwiseConv2D, DataType::kInt16, "qs16x8_dwconv__scalar",
       RunSplit<DepthwiseConv2D>},
      {OpKind::kFullyConnected, DataType::kInt8, "qs8_fc__scalar", RunSplit<FullyConnected>},
      {OpKind::kFullyConnected, DataType::kUInt8, "qu8_fc__scalar", RunSplit<FullyConnected>},
      {OpKind::kFullyConnected, DataType::kInt16, "qs16x8_fc__scalar", RunSplit<FullyConnected>},
  };
  for (const Row& r : kRows) {
    table->push_back(Kernel{Isa::kScalar, r.op, r.type, r.name, AlwaysApplies, nullptr, nullptr,
                            r.run});
  }
}

}  // namespace reference
}  // namespace qk
