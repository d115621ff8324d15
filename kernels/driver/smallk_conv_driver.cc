// The small-K conv driver (see smallk_conv_driver.h).
#include "kernels/driver/smallk_conv_driver.h"

#include <algorithm>
#include <atomic>

#include "kernels/driver/a_rows.h"

namespace qk {
namespace driver {

using internal::OpDesc;
using internal::PackedData;

namespace {

size_t Align64(size_t n) { return (n + 63) / 64 * 64; }

// Output rows per band: at most band_bytes of padded rows, but at least one output row.
int64_t BandOutRows(const OpDesc& d, const PaddedImage& image, int64_t band_bytes) {
  const int64_t fit = band_bytes / std::max<int64_t>(1, image.LineBytes(d));
  const int64_t span = PaddedImage::RowsRead(d, 1);
  const int64_t rows = fit >= span ? (fit - span) / d.stride_h + 1 : 1;
  return std::min<int64_t>(rows, d.out_h);
}

AConverter ConverterOf(const OpDesc& d, const SmallKConfig& c) {
  GemmConvConfig g{};
  g.a_format = c.a_format;
  g.convert = c.convert;
  return MakeAConverter(d, g);
}

// One thread's band rows: the padded rows of the largest band, and the slack.
size_t BandSliceBytes(const OpDesc& d, const SmallKConfig& c) {
  const PaddedImage image(d, 1);
  const int64_t rows = PaddedImage::RowsRead(d, BandOutRows(d, image, c.band_bytes));
  return Align64(static_cast<size_t>(rows * image.LineBytes(d)) + PaddedImage::kSlack);
}

// Multiply-adds a thread must get for a split to pay for waking it.
constexpr double kMinWorkPerThread = 256 * 1024;

}  // namespace

// Workspace: the prepared state (shared), then one slice of band rows per thread.
size_t SmallKConvWorkspaceBytes(const OpDesc& d, const SmallKConfig& c, int threads) {
  return Align64(c.state_bytes) + size_t(std::max(1, threads)) * BandSliceBytes(d, c);
}

void RunSmallKConv(const OpDesc& d, const PackedData& data, const SmallKConfig& c,
                   const void* input, void* output, void* workspace,
                   const internal::Parallel& par) {
  const PaddedImage image(d, 1);
  const AConverter cv = ConverterOf(d, c);
  uint8_t* state = static_cast<uint8_t*>(workspace);
  uint8_t* slices = state + Align64(c.state_bytes);
  c.prepare(d, data, state);
  const uint8_t* in = static_cast<const uint8_t*>(input);
  uint8_t* out = static_cast<uint8_t*>(output);
  const int parts = internal::PartsFor(par, double(d.OutputElements()) * d.KernelDepth(),
                                       kMinWorkPerThread);
  int64_t band_out_rows = BandOutRows(d, image, c.band_bytes);
  int64_t bands = (d.out_h + band_out_rows - 1) / band_out_rows;
  if (parts > 1 && d.batch * bands < 2 * parts) {  // smaller bands, so that every part has some
    bands = std::min<int64_t>(d.out_h, (2 * parts + d.batch - 1) / d.batch);
    band_out_rows = (d.out_h + bands - 1) / bands;
    bands = (d.out_h + band_out_rows - 1) / band_out_rows;
  }
  SmallKBand band;
  band.desc = &d;
  band.state = state;
  band.row_step = image.PixelOffset(d, 1, 0);
  band.col_step = image.PixelOffset(d, 0, 1);
  // Items: the bands (of equal rows but the last), claimed from a shared counter as in the
  // GEMM-conv driver, so a part whose core stalls leaves its bands to the others.
  const int64_t items = d.batch * bands;
  std::atomic<int64_t> next{0};
  internal::ParallelFor(par, parts, [&](size_t part) {
    uint8_t* band_rows = slices + part * BandSliceBytes(d, c);
    SmallKBand mine = band;
    mine.line = band_rows;
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < items;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      const int b = static_cast<int>(i / bands);
      const int64_t oy0 = i % bands * band_out_rows;
      const int64_t rows = std::min<int64_t>(band_out_rows, d.out_h - oy0);
      const int64_t r0 = oy0 * d.stride_h;
      image.FillRows(d, cv, in, b, r0, r0 + PaddedImage::RowsRead(d, rows), band_rows);
      mine.pixels = rows * d.out_w;
      mine.out = out + ((int64_t{b} * d.out_h + oy0) * d.out_w) * d.out_c;
      c.band(mine);
    }
  });
}

}  // namespace driver
}  // namespace qk
