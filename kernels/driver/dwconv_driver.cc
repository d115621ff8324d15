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

// Workspace: [expanded input (M > 1)][chunk states][pad row][tap offsets][kernel rows]
// [border tap pointers].
struct Layout {
  int chunks, taps;
  size_t state_stride;
  size_t states_at, pad_at, offsets_at, rows_at, pointers_at, bytes;
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
  l.rows_at = l.offsets_at + Align64(size_t(l.taps) * sizeof(int64_t));
  l.pointers_at = l.rows_at + Align64(size_t(d.kernel_h) * sizeof(const uint8_t*));
  l.bytes = l.pointers_at + size_t(d.out_w) * l.taps * sizeof(const uint8_t*);
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

size_t DwConvWorkspaceBytes(const OpDesc& d, const DwConvConfig& c) { return LayoutOf(d, c).bytes; }

void RunDwConv(const OpDesc& d, const PackedData& data, const DwConvConfig& c, const void* input,
               void* output, void* workspace) {
  const Layout l = LayoutOf(d, c);
  uint8_t* ws = static_cast<uint8_t*>(workspace);
  const uint8_t* in = static_cast<const uint8_t*>(input);
  OpDesc flat = d;
  if (d.depth_multiplier > 1) {
    ExpandMultiplier(d, in, ws);
    in = ws;
    flat.in_c = d.out_c;
    flat.depth_multiplier = 1;
  }
  const int eb = ElemBytes(d);
  uint8_t* pad = ws + l.pad_at;
  FillZeroPoint(d, l.chunks * c.chunk, pad);
  for (int k = 0; k < l.chunks; ++k) {
    c.prepare(flat, data, k, ws + l.states_at + k * l.state_stride);
  }
  int64_t* offsets = reinterpret_cast<int64_t*>(ws + l.offsets_at);
  const int64_t px_bytes = int64_t{flat.in_c} * eb;
  for (int t = 0; t < l.taps; ++t) {
    offsets[t] = (int64_t{t / d.kernel_w} * d.dilation_h * d.in_w +
                  int64_t{t % d.kernel_w} * d.dilation_w) * px_bytes;
  }
  const uint8_t** taps = reinterpret_cast<const uint8_t**>(ws + l.pointers_at);
  const uint8_t** rows = reinterpret_cast<const uint8_t**>(ws + l.rows_at);
  int y_lo, y_hi, x_lo, x_hi;
  InsideRange(d.in_h, d.pad_top, d.kernel_h, d.dilation_h, d.stride_h, d.out_h, &y_lo, &y_hi);
  InsideRange(d.in_w, d.pad_left, d.kernel_w, d.dilation_w, d.stride_w, d.out_w, &x_lo, &x_hi);
  DwPixels p{};
  p.desc = &flat;
  p.data = &data;
  p.out_step = int64_t{d.out_c} * eb;
  p.pad = pad;
  p.x_step = d.stride_w * px_bytes;
  p.tap_offset = offsets;
  for (int b = 0; b < d.batch; ++b) {
    for (int oy = 0; oy < d.out_h; ++oy) {
      const bool row_inside = oy >= y_lo && oy < y_hi;
      const int left_end = row_inside ? x_lo : d.out_w;
      const int right_begin = row_inside ? x_hi : d.out_w;
      KernelRows(flat, in, b, oy, rows);
      BorderTaps(flat, rows, pad, 0, left_end, taps);
      BorderTaps(flat, rows, pad, right_begin, d.out_w, taps);
      uint8_t* out_row = static_cast<uint8_t*>(output) +
                         (int64_t{b} * d.out_h + oy) * d.out_w * p.out_step;
      if (row_inside) {  // the first interior pixel's first tap
        const int64_t iy0 = int64_t{oy} * d.stride_h - d.pad_top;
        const int64_t ix0 = int64_t{x_lo} * d.stride_w - d.pad_left;
        p.first = in + ((int64_t{b} * d.in_h + iy0) * d.in_w + ix0) * px_bytes;
      }
      for (int k = 0; k < l.chunks; ++k) {
        p.state = ws + l.states_at + k * l.state_stride;
        p.chunk = k;
        p.c0 = k * c.chunk;
        p.n = std::min(c.chunk, d.out_c - p.c0);
        auto run = [&](void (*fn)(const DwPixels&), int x0, int x1) {
          if (x1 <= x0) return;
          p.count = x1 - x0;
          p.out = out_row + x0 * p.out_step + int64_t{p.c0} * eb;
          p.taps = taps + int64_t{x0} * l.taps;
          fn(p);
        };
        run(c.border, 0, left_end);
        if (row_inside) run(c.interior, x_lo, x_hi);
        run(c.border, right_begin, d.out_w);
      }
    }
  }
}

}  // namespace driver
}  // namespace qk
