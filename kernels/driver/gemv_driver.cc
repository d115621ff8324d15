// The GEMV driver (see gemv_driver.h).
#include "kernels/driver/gemv_driver.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "kernels/driver/a_rows.h"

namespace qk {
namespace driver {

using internal::OpDesc;
using internal::PackedData;

namespace {

// Multiply-adds a thread must get for a split to pay for waking it (a few microseconds).
constexpr double kMinWorkPerThread = 128 * 1024;
constexpr int64_t kItemsPerPart = 2;  // enough for a stalled core to hand work over

AConverter ConverterOf(const OpDesc& d, const GemvConfig& c) {
  GemmConvConfig g{};
  g.a_format = c.a_format;
  g.convert = c.convert;
  return MakeAConverter(d, g);
}

}  // namespace

int GemvDepth(const OpDesc& d, const GemvConfig& c) {
  return (d.in_c + c.k_align - 1) / c.k_align * c.k_align;
}

// The converted input is shared by the threads, which split the output channels.
size_t GemvWorkspaceBytes(const OpDesc& d, const GemvConfig& c, int /*threads*/) {
  return size_t(d.batch) * GemvDepth(d, c) * ConverterOf(d, c).a_bytes;
}

void RunGemv(const OpDesc& d, const PackedData& data, const GemvConfig& c, const void* input,
             void* output, void* workspace, const internal::Parallel& par) {
  const AConverter cv = ConverterOf(d, c);
  const int kp = GemvDepth(d, c);
  const int64_t x_stride = int64_t{kp} * cv.a_bytes;
  uint8_t* xs = static_cast<uint8_t*>(workspace);
  const uint8_t* in = static_cast<const uint8_t*>(input);
  for (int b = 0; b < d.batch; ++b) {
    uint8_t* x = xs + b * x_stride;
    cv.Convert(in + int64_t{b} * d.in_c * cv.in_bytes, d.in_c, x);
    // Padding elements multiply zero weights; they must be finite numbers, so zeros.
    std::memset(x + int64_t{d.in_c} * cv.a_bytes, 0, size_t(kp - d.in_c) * cv.a_bytes);
  }
  GemvRows r;
  r.desc = &d;
  r.data = &data;
  r.x = xs;
  r.x_stride = x_stride;
  r.kp = kp;
  r.out = static_cast<uint8_t*>(output);
  r.out_stride = int64_t{d.out_c} * cv.in_bytes;
  // Items: near-equal ranges of whole blocks of output channels, claimed from a shared counter
  // (as in the GEMM-conv driver) so a part whose core stalls leaves its blocks to the others.
  // One part when the weights are too few to be worth a second thread.
  const int parts =
      internal::PartsFor(par, double(d.batch) * d.in_c * d.out_c, kMinWorkPerThread);
  const int64_t blocks = (d.out_c + c.block - 1) / c.block;
  const int64_t items = parts == 1 ? 1 : std::min<int64_t>(blocks, kItemsPerPart * parts);
  std::atomic<int64_t> next{0};
  internal::ParallelFor(par, parts, [&](size_t) {
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < items;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      int64_t o0, o1;
      internal::PartRange(d.out_c, static_cast<int>(items), static_cast<int>(i), c.block, &o0,
                          &o1);
      if (o0 >= o1) continue;
      GemvRows item = r;
      item.o_begin = static_cast<int>(o0);
      item.o_end = static_cast<int>(o1);
      c.rows(item);
    }
  });
}

}  // namespace driver
}  // namespace qk
