// The GEMV driver (see gemv_driver.h).
#include "kernels/driver/gemv_driver.h"

#include <cstring>

#include "kernels/driver/a_rows.h"

namespace qk {
namespace driver {

using internal::OpDesc;
using internal::PackedData;

namespace {

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

size_t GemvWorkspaceBytes(const OpDesc& d, const GemvConfig& c) {
  return size_t(d.batch) * GemvDepth(d, c) * ConverterOf(d, c).a_bytes;
}

void RunGemv(const OpDesc& d, const PackedData& data, const GemvConfig& c, const void* input,
             void* output, void* workspace) {
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
  // One range: every output channel (a range is the unit a thread would take).
  r.o_begin = 0;
  r.o_end = d.out_c;
  c.rows(r);
}

}  // namespace driver
}  // namespace qk
