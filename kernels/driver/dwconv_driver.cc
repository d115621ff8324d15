// The depthwise-conv driver (see dwconv_driver.h).
#include "kernels/driver/dwconv_driver.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace qk {
namespace driver {

using internal::OpDesc;
using internal::PackedData;

namespace {

size_t Align64(size_t n) { return (n + 63) / 64 * 64; }
int ElemBytes(const OpDesc& d) { return d.type == DataType::kInt16 ? 2 : 1; }

// Workspace: [expanded input (M > 1)][chunk states][pad row][tap offsets], shared by the threads,
// then one slice per thread: [kernel rows][border tap pointers].
struct Layout {
  int chunks, taps;
  size_t state_stride;
  size_t states_at, pad_at, offsets_at, shared_bytes, pointers_at, slice_bytes;
};

Layout LayoutOf(const OpDesc& d, const DwConvConfig& c) {
  Layout l;
  const int eb = ElemBytes(d);
  l.chunks = (d.out_c + c.chunk - 1) / c.chunk;
  l.taps = d.kernel_h * d.kernel_w;
  l.state_stride = Align64(c.state_bytes);
  l.states_at = d.depth_multiplier > 1 ? Align64(d.InputElements() * d.depth_multiplier * eb) : 0;
  l.pad_at = l.states_at + l.chunks * l.state_stride;
  // Every chunk of the pad row is whole, so a microkernel may load a full chunk at pad + c0.
  l.offsets_at = l.pad_at + Align64(size_t(l.chunks) * c.chunk * eb);
  l.shared_bytes = l.offsets_at + Align64(size_t(l.taps) * sizeof(int64_t));
  l.pointers_at = Align64(size_t(d.kernel_h) * sizeof(const uint8_t*));
  l.slice_bytes = Align64(l.pointers_at + size_t(d.out_w) * l.taps * sizeof(const uint8_t*));
  return l;
}

// Output pixels whose taps all lie inside the image, along one axis: [lo, hi).
void InsideRange(int in, int pad, int kernel, int dilation, int stride, int out, int* lo,
                 int* hi) {
  *lo = std::min(out, (pad + stride - 1) / stride);
  const int last = in + pad - ((kernel - 1) * dilation + 1);  // largest o * stride all inside
  *hi = std::max(*lo, last < 0 ? 0 : std::min(out, last / stride + 1));
}

// The input with each channel repeated M times: channel c * M + m of the copy is channel c.
void ExpandMultiplier(const OpDesc& d, const uint8_t* in, uint8_t* out) {
  const size_t eb = ElemBytes(d);
  const size_t pixels = size_t(d.batch) * d.in_h * d.in_w;
  const int m = d.depth_multiplier;
  for (size_t px = 0; px < pixels; ++px) {
    for (int c = 0; c < d.in_c; ++c) {
      const uint8_t* src = in + (px * d.in_c + c) * eb;
      uint8_t* dst = out + (px * d.in_c + c) * m * eb;
      for (int i = 0; i < m; ++i) std::memcpy(dst + i * eb, src, eb);
    }
  }
}

// n input elements of input_zp.
void FillZeroPoint(const OpDesc& d, int n, uint8_t* pad) {
  if (ElemBytes(d) == 1) {
    std::memset(pad, static_cast<uint8_t>(d.input_zp), static_cast<size_t>(n));
    return;
  }
  const int16_t zp = static_cast<int16_t>(d.input_zp);
  for (int i = 0; i < n; ++i) std::memcpy(pad + 2 * i, &zp, 2);
}

// The input row each kernel row of output row (b, oy) reads, or nullptr outside the image.
void KernelRows(const OpDesc& d, const uint8_t* in, int b, int oy, const uint8_t** rows) {
  const int64_t row_bytes = int64_t{d.in_w} * d.in_c * ElemBytes(d);
  for (int ky = 0; ky < d.kernel_h; ++ky) {
    const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
    rows[ky] = iy >= 0 && iy < d.in_h ? in + (int64_t{b} * d.in_h + iy) * row_bytes : nullptr;
  }
}

// Tap pointers (channel 0) of output pixels [x0, x1) of the row whose kernel rows are `rows`:
// inside taps point into the input, outside ones at the pad row.
void BorderTaps(const OpDesc& d, const uint8_t* const* rows, const uint8_t* pad, int x0, int x1,
                const uint8_t** taps) {
  const int64_t px_bytes = int64_t{d.in_c} * ElemBytes(d);
  const int n = d.kernel_h * d.kernel_w;
  for (int ox = x0; ox < x1; ++ox) {
    const uint8_t** t = taps + int64_t{ox} * n;
    const int ix0 = ox * d.stride_w - d.pad_left;
    for (int ky = 0; ky < d.kernel_h; ++ky) {
      const uint8_t* row = rows[ky];
      for (int kx = 0, ix = ix0; kx < d.kernel_w; ++kx, ix += d.dilation_w) {
        *t++ = row != nullptr && ix >= 0 && ix < d.in_w ? row + ix * px_bytes : pad;
      }
    }
  }
}

}  // namespace

size_t DwConvWorkspaceBytes(const OpDesc& d, const DwConvConfig& c, int threads) {
  const Layout l = LayoutOf(d, c);
  return l.shared_bytes + size_t(std::max(1, threads)) * l.slice_bytes;
}

namespace {

// What every output row of a run shares.
struct DwRun {
  const OpDesc* flat;  // depth multiplier 1
  const DwConvConfig* c;
  Layout l;
  const uint8_t* in;
  uint8_t* output;
  uint8_t* ws;
  int y_lo, y_hi, x_lo, x_hi;
  DwPixels p;  // the fields common to every call
};

// Output row (b, oy), chunks [k0, k1), with the kernel rows and border taps in `slice`.
void RunRow(const DwRun& r, int b, int oy, int k0, int k1, uint8_t* slice) {
  const OpDesc& d = *r.flat;
  const Layout& l = r.l;
  const int eb = ElemBytes(d);
  const int64_t px_bytes = int64_t{d.in_c} * eb;
  const uint8_t** rows = reinterpret_cast<const uint8_t**>(slice);
  const uint8_t** taps = reinterpret_cast<const uint8_t**>(slice + l.pointers_at);
  const bool row_inside = oy >= r.y_lo && oy < r.y_hi;
  const int left_end = row_inside ? r.x_lo : d.out_w;
  const int right_begin = row_inside ? r.x_hi : d.out_w;
  KernelRows(d, r.in, b, oy, rows);
  BorderTaps(d, rows, r.p.pad, 0, left_end, taps);
  BorderTaps(d, rows, r.p.pad, right_begin, d.out_w, taps);
  uint8_t* out_row = r.output + (int64_t{b} * d.out_h + oy) * d.out_w * r.p.out_step;
  DwPixels p = r.p;
  if (row_inside) {  // the first interior pixel's first tap
    const int64_t iy0 = int64_t{oy} * d.stride_h - d.pad_top;
    const int64_t ix0 = int64_t{r.x_lo} * d.stride_w - d.pad_left;
    p.first = r.in + ((int64_t{b} * d.in_h + iy0) * d.in_w + ix0) * px_bytes;
  }
  for (int k = k0; k < k1; ++k) {
    p.state = r.ws + l.states_at + k * l.state_stride;
    p.chunk = k;
    p.c0 = k * r.c->chunk;
    p.n = std::min(r.c->chunk, d.out_c - p.c0);
    auto run = [&](void (*fn)(const DwPixels&), int x0, int x1) {
      if (x1 <= x0) return;
      p.count = x1 - x0;
      p.out = out_row + x0 * p.out_step + int64_t{p.c0} * eb;
      p.taps = taps + int64_t{x0} * l.taps;
      fn(p);
    };
    run(r.c->border, 0, left_end);
    if (row_inside) run(r.c->interior, r.x_lo, r.x_hi);
    run(r.c->border, right_begin, d.out_w);
  }
}

// How a run is cut into work items. The unit is one output row (all its chunks), or, when the
// rows are few, a group of a row's chunks (row-major: a row's groups, then the next row's); an
// item is a contiguous range of units, all items of near-equal size. The parts claim items from
// a shared counter until none is left (as in the GEMM-conv driver), so a part whose core stalls
// leaves its items to the others. Rows are split only when they must be: two parts writing
// different channels of the same output pixels share those pixels' cache lines.
struct DwSplit {
  int parts;
  int chunks_per_unit, units_per_row;
  int64_t units, items;
};

// The parts decision estimates time, not multiply-adds: on MobileNetV2's depthwise layers (Zen 3,
// AVX2, 16-channel chunks, 3x3) a pixel of a chunk costs 10-25 ns whatever its layer, so the
// small 7x7x960 layer (0.42 M multiply-adds, 67 us) is well worth two threads although a count
// of multiply-adds called it too small. Units of about a nanosecond: a pixel of a 16-channel
// chunk costs its taps plus kPixelCost (loads, requantization, store); a border pixel pays its
// taps again (one pointer per tap).
constexpr double kPixelCost = 8;
constexpr double kMinCostPerPart = 8000;  // ~8 us: less does not pay for waking a thread
// Items: neighbouring output rows read the same input rows (3x3: an item of 2 rows reads 4),
// so whole-row items are few and large: small items interleaved between the parts made each part
// read most of the input (MobileNetV2's 14x14 and 28x28 layers ~10-20% slower at 2 threads than
// contiguous halves). Each part gets one contiguous range, two when the rows are many; a layer
// of a few rows (7x7) splits its rows' chunks instead, in finer items (its input fits in L2).
constexpr int64_t kFewRowsPerPart = 4;   // fewer rows than this per part: chunk groups
constexpr int64_t kManyRowsPerPart = 8;  // at least this many: two row items per part
constexpr int64_t kGroupItemsPerPart = 8;

DwSplit MakeSplit(const OpDesc& d, const DwRun& r, const internal::Parallel& par) {
  const int64_t rows = int64_t{d.batch} * d.out_h;
  const int chunks = r.l.chunks;
  DwSplit s{1, chunks, 1, rows, 1};
  const double pixels = double(d.batch) * d.out_h * d.out_w;
  const double inside = double(d.batch) * (r.y_hi - r.y_lo) * (r.x_hi - r.x_lo);
  const double chunks16 = d.out_c / 16.0, taps = r.l.taps;
  const double cost = chunks16 * (pixels * (taps + kPixelCost) + (pixels - inside) * taps);
  s.parts = internal::PartsFor(par, cost, kMinCostPerPart);
  if (s.parts == 1) return s;
  if (rows >= kFewRowsPerPart * s.parts) {
    s.items = rows >= kManyRowsPerPart * s.parts ? 2 * s.parts : s.parts;
    return s;
  }
  // Units: line-sized groups of a row's chunks (whole 64-byte lines of channels, so that two
  // parts share at most the output lines at a group's edges).
  const int chunk_bytes = r.c->chunk * ElemBytes(d);
  s.chunks_per_unit = std::min(chunks, std::max(1, (64 + chunk_bytes - 1) / chunk_bytes));
  s.units_per_row = (chunks + s.chunks_per_unit - 1) / s.chunks_per_unit;
  s.units = rows * s.units_per_row;
  s.items = std::min(s.units, kGroupItemsPerPart * s.parts);
  return s;
}

// Runs the items of s, claimed by s.parts concurrent parts (part i uses workspace slice i).
void RunItems(const DwRun& r, const DwSplit& s, const internal::Parallel& par) {
  const int chunks = r.l.chunks, out_h = r.flat->out_h;
  std::atomic<int64_t> next{0};
  internal::ParallelFor(par, s.parts, [&](size_t part) {
    uint8_t* slice = r.ws + r.l.shared_bytes + part * r.l.slice_bytes;
    // Items in order; which part computes one never changes its bytes.
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < s.items;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      int64_t u, end;
      internal::PartRange(s.units, static_cast<int>(s.items), static_cast<int>(i), 1, &u, &end);
      while (u < end) {  // the item's piece of each row it touches
        const int64_t row = u / s.units_per_row;
        const int64_t j0 = u % s.units_per_row;
        const int64_t j1 = std::min<int64_t>(s.units_per_row, j0 + (end - u));
        const int k0 = static_cast<int>(j0 * s.chunks_per_unit);
        const int k1 = static_cast<int>(std::min<int64_t>(chunks, j1 * s.chunks_per_unit));
        RunRow(r, static_cast<int>(row / out_h), static_cast<int>(row % out_h), k0, k1, slice);
        u += j1 - j0;
      }
    }
  });
}

}  // namespace

void RunDwConv(const OpDesc& d, const PackedData& data, const DwConvConfig& c, const void* input,
               void* output, void* workspace, const internal::Parallel& par) {
  DwRun r;
  r.c = &c;
  r.l = LayoutOf(d, c);
  const Layout& l = r.l;
  r.ws = static_cast<uint8_t*>(workspace);
  r.output = static_cast<uint8_t*>(output);
  r.in = static_cast<const uint8_t*>(input);
  OpDesc flat = d;
  if (d.depth_multiplier > 1) {
    ExpandMultiplier(d, r.in, r.ws);
    r.in = r.ws;
    flat.in_c = d.out_c;
    flat.depth_multiplier = 1;
  }
  r.flat = &flat;
  const int eb = ElemBytes(d);
  uint8_t* pad = r.ws + l.pad_at;
  FillZeroPoint(d, l.chunks * c.chunk, pad);
  for (int k = 0; k < l.chunks; ++k) {
    c.prepare(flat, data, k, r.ws + l.states_at + k * l.state_stride);
  }
  int64_t* offsets = reinterpret_cast<int64_t*>(r.ws + l.offsets_at);
  const int64_t px_bytes = int64_t{flat.in_c} * eb;
  for (int t = 0; t < l.taps; ++t) {
    offsets[t] = (int64_t{t / d.kernel_w} * d.dilation_h * d.in_w +
                  int64_t{t % d.kernel_w} * d.dilation_w) * px_bytes;
  }
  InsideRange(d.in_h, d.pad_top, d.kernel_h, d.dilation_h, d.stride_h, d.out_h, &r.y_lo, &r.y_hi);
  InsideRange(d.in_w, d.pad_left, d.kernel_w, d.dilation_w, d.stride_w, d.out_w, &r.x_lo, &r.x_hi);
  r.p = DwPixels{};
  r.p.desc = &flat;
  r.p.data = &data;
  r.p.out_step = int64_t{d.out_c} * eb;
  r.p.pad = pad;
  r.p.x_step = d.stride_w * px_bytes;
  r.p.tap_offset = offsets;
  const DwSplit s = MakeSplit(d, r, par);
  RunItems(r, s, par);
}

}  // namespace driver
}  // namespace qk
