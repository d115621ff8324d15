// The depthwise-conv driver (see dwconv_driver.h).
#include "kernels/driver/dwconv_driver.h"

#include <algorithm>
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

// Multiply-adds a thread must get for a split to pay for waking it.
constexpr double kMinWorkPerThread = 256 * 1024;

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
  // Work items: output rows x chunk groups, rows first; chunks are split too when there are
  // few rows (a 7x7 layer), so that every part gets a similar share.
  const int64_t out_rows = int64_t{d.batch} * d.out_h;
  const int parts =
      internal::PartsFor(par, double(d.OutputElements()) * l.taps, kMinWorkPerThread);
  const int chunk_groups = out_rows >= 4 * parts ? 1 : std::min(l.chunks, parts);
  const int64_t items = out_rows * chunk_groups;
  internal::ParallelFor(par, parts, [&](size_t part) {
    uint8_t* slice = r.ws + l.shared_bytes + part * l.slice_bytes;
    int64_t i0, i1;
    internal::PartRange(items, parts, static_cast<int>(part), 1, &i0, &i1);
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t row = i / chunk_groups;
      int64_t k0, k1;
      internal::PartRange(l.chunks, chunk_groups, static_cast<int>(i % chunk_groups), 1, &k0, &k1);
      RunRow(r, static_cast<int>(row / d.out_h), static_cast<int>(row % d.out_h),
             static_cast<int>(k0), static_cast<int>(k1), slice);
    }
  });
}

}  // namespace driver
}  // namespace qk
