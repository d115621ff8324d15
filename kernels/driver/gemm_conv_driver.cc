// The GEMM-conv driver (see gemm_conv_driver.h): the plan of an op (where A comes from, row blocks,
// panel order, workspace layout) and its execution as a sequence of work items, each an output
// tile range (group, row block, panel range) that a microkernel computes.
#include "kernels/driver/gemm_conv_driver.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

#include "kernels/driver/a_rows.h"

namespace qk {
namespace driver {

using internal::OpDesc;
using internal::PackedData;

namespace {

constexpr int kMaxRuns = 64;  // padded-image runs per row (kernel rows, or taps if dilated)

int ABytes(const GemmConvConfig& c) { return c.a_format == AFormat::kInt16MinusZp ? 2 : 1; }

bool UsesImage(const OpDesc& d, const GemmConvConfig& c) {
  if (!c.padded_image || ABytes(c) != 1 || d.groups != 1 || d.IsPointwise()) return false;
  if (c.a_format == AFormat::kXorU8 && d.type == DataType::kUInt8) return false;  // row terms
  const TapRuns runs(d);
  return runs.elems % c.k_align == 0 && runs.Count(d) <= kMaxRuns &&
         PaddedImage(d, 1).Fits(d);
}

// Everything RunGemmConv decides before computing.
struct Plan {
  GemmGeometry g;
  ASource source;
  AConverter cv;
  int64_t row_bytes;  // a workspace row (kRows)
  int64_t mc;         // rows per block (at most; a threaded run may take smaller blocks)
  bool row_terms;
  bool rows_outside_panels;
  int runs, run_elems;
  std::array<int64_t, kMaxRuns> run_offset;
  PaddedImage image;
  // Workspace: the padded image (kImage, shared by the threads), the shared A rows of a panel
  // split (kRows, Split::shared_rows_bytes), then one slice per thread: its A rows (kRows) at 0,
  // its row pointers, its row terms.
  size_t shared_bytes, pointers_at, terms_at, slice_bytes;
  size_t Bytes(int threads) const { return shared_bytes + size_t(threads) * slice_bytes; }
};

size_t Align64(size_t n) { return (n + 63) / 64 * 64; }

Plan MakePlan(const OpDesc& d, const GemmConvConfig& c) {
  Plan p{GemmGeometryOf(d, c), ChooseASource(d, c), MakeAConverter(d, c), 0, 0, false, false,
         1, 0, {}, PaddedImage(d, 1), 0, 0, 0, 0};
  const GemmGeometry& g = p.g;
  const int64_t a_row = int64_t{g.kp} * p.cv.a_bytes;
  p.row_bytes = a_row;
  // Cache blocking: a row block of about a_block_bytes of A (the ISA's figure, a quarter to a
  // third of a 512 KiB L2) stays in L2 while each panel of B (kp x nr, in L1 when kp * nr fits
  // 32 KiB) streams over its row tiles; B's panels come back from L3 once per row block. Larger
  // blocks when B exceeds L2 (so fewer passes over B) measured slower or neutral on AVX2
  // (1024^3, 7x7x512 3x3), so the ISA's figure stands. K is not blocked: each tile requantizes
  // its accumulators in registers once the whole K is summed, and a K block would spill them.
  const int64_t fit = std::max<int64_t>(c.mr, c.a_block_bytes / a_row / c.mr * c.mr);
  p.mc = std::min({fit, std::max<int64_t>(c.mr, c.max_block_rows / c.mr * c.mr),
                   (g.m + c.mr - 1) / c.mr * c.mr});
  p.row_terms = c.a_format == AFormat::kXorU8 && d.type == DataType::kUInt8;
  p.rows_outside_panels = a_row <= c.small_k_bytes && g.np <= c.small_k_max_n;
  p.run_elems = p.source == ASource::kInput ? g.k : g.kp;
  p.run_offset[0] = 0;
  size_t rows_bytes = 0;
  if (p.source == ASource::kImage) {
    const TapRuns taps(d);
    p.run_elems = taps.elems;
    p.runs = 0;
    for (int ky = 0; ky < d.kernel_h; ++ky) {
      for (int j = 0; j < taps.per_row; ++j) {
        p.run_offset[p.runs++] = taps.Offset(d, p.image, ky, j);
      }
    }
    p.shared_bytes = Align64(static_cast<size_t>(p.image.Bytes(d)) + PaddedImage::kSlack);
  } else if (p.source == ASource::kRows) {
    rows_bytes = static_cast<size_t>(p.mc * p.row_bytes);
  }
  p.pointers_at = Align64(rows_bytes);
  p.terms_at = p.pointers_at + Align64(static_cast<size_t>(p.mc) * sizeof(const uint8_t*));
  p.slice_bytes =
      Align64(p.terms_at + (p.row_terms ? static_cast<size_t>(p.mc) * sizeof(int32_t) : 0));
  return p;
}

// One output tile range: rows [m0, m1) x panels [panel_begin, panel_end) of one group. Each item
// prepares its own A rows in its thread's slice; the padded image is shared and read-only.
struct WorkItem {
  int group;
  int64_t m0, m1;
  int panel_begin, panel_end;
};

// `shared_rows`: kRows only, the span's A rows filled once for all items (nullptr: the item fills
// its own rows in its slice).
void RunRange(const OpDesc& d, const PackedData& data, const GemmConvConfig& c, const Plan& p,
              const WorkItem& item, const uint8_t* in, uint8_t* out, const uint8_t* image,
              const uint8_t* shared_rows, uint8_t* slice) {
  const GemmGeometry& g = p.g;
  const int rows = static_cast<int>(item.m1 - item.m0);
  const uint8_t** pointers = reinterpret_cast<const uint8_t**>(slice + p.pointers_at);
  if (p.source == ASource::kInput) {
    const int64_t in_row = int64_t{d.in_c} * p.cv.in_bytes;
    const uint8_t* first = in + item.m0 * in_row + int64_t{item.group} * g.k * p.cv.in_bytes;
    for (int r = 0; r < rows; ++r) pointers[r] = first + r * in_row;
  } else if (p.source == ASource::kRows && shared_rows != nullptr) {
    // kRows spans all rows (s0 = 0), so row m is shared row m.
    const uint8_t* first = shared_rows + item.m0 * p.row_bytes;
    for (int r = 0; r < rows; ++r) pointers[r] = first + r * p.row_bytes;
  } else if (p.source == ASource::kRows) {
    FillRows(d, p.cv, in, item.group, item.m0, rows, p.row_bytes, slice);
    for (int r = 0; r < rows; ++r) pointers[r] = slice + r * p.row_bytes;
  } else {
    const int64_t pixels = int64_t{d.out_h} * d.out_w;
    for (int r = 0; r < rows; ++r) {
      const int64_t pixel = (item.m0 + r) % pixels;
      pointers[r] = image + p.image.PixelOffset(d, pixel / d.out_w, pixel % d.out_w);
    }
  }
  int32_t* terms = p.row_terms ? reinterpret_cast<int32_t*>(slice + p.terms_at) : nullptr;
  if (terms != nullptr) {
    const uint32_t cw = 128u - static_cast<uint32_t>(d.filter_zp);
    for (int r = 0; r < rows; ++r) {
      uint32_t sum = 0;
      for (int i = 0; i < p.runs; ++i) sum += SumBytes(pointers[r] + p.run_offset[i], p.run_elems);
      terms[r] = static_cast<int32_t>(cw * sum);
    }
  }
  const int out_bytes = d.type == DataType::kInt16 ? 2 : 1;
  const size_t panel_bytes = size_t(g.kp) * c.nr * (c.w_format == WFormat::kInt16MinusZp ? 2 : 1);
  GemmTiles t;
  t.desc = &d;
  t.data = &data;
  t.geometry = &g;
  t.group = item.group;
  t.rows = pointers;
  t.m = rows;
  t.runs = p.runs;
  t.run_elems = p.run_elems;
  t.run_offset = p.run_offset.data();
  t.a_raw = p.source == ASource::kInput;
  t.row_term = terms;
  t.panels = data.packed.as<uint8_t>() + size_t(item.group) * (g.np / c.nr) * panel_bytes;
  t.panel_bytes = panel_bytes;
  t.panel_begin = item.panel_begin;
  t.panel_end = item.panel_end;
  t.rows_outside_panels = p.rows_outside_panels;
  t.out = out + (item.m0 * d.out_c + int64_t{item.group} * g.n) * out_bytes;
  t.out_stride = d.out_c;
  c.tiles(t);
}

// Multiply-adds a thread must get for a split to pay for waking it (some microseconds of work).
constexpr double kMinWorkPerThread = 512 * 1024;

// Cost, in multiply-adds, of writing one element of A (im2col or a row copy) relative to one
// multiply-add of the microkernel: a rough figure, used only to weigh the A rows that a panel
// split makes every work item fill for itself.
constexpr double kFillCost = 4;

// How a threaded run cuts each span (a batch item for kImage, else all rows) into work items.
// The unit is a row tile (mr rows of one group, all its panels) or a panel (nr columns of one
// group, all the span's rows); an item is a contiguous range of units, all items of near-equal
// size, and their count a multiple of the parts.
//
// Why: the parts used to be static (part i: the i-th range of row blocks of mc rows, each
// rounded up to mr), so a 2-way split of 1024 rows was 540 / 484 rows, and a run took as long as
// its slowest part: any stall of one core (another process, the hypervisor) stretched the whole
// op. Now each part claims items from a shared counter until none is left, so a part that runs
// ahead takes the items of one that stalls, and items of equal size end the parts together on a
// quiet machine.
struct Split {
  int parts;
  bool by_panels;  // units are panels (each item reads all of A and its own panels of B)
  int64_t items_per_group;
  // Panels over kRows: the span's A rows are filled once, by all parts, into a shared region of
  // this many bytes (0: each panel item fills all of A in its slice, block by block).
  size_t shared_rows_bytes;
  // The last this many items of the (single) group are each cut in two, so the parts end closer
  // together: gemm 1024^3 on AVX2 ran 18 row items of ~0.6 ms, and the part that ran ahead
  // idled about one of them at the end of a 2-thread run.
  int64_t tail_halves;
};

constexpr int64_t kItemsPerPart = 4;  // row items per part when the rows allow
// Panel items over a shared A cost nothing extra when finer (each panel of B streams once per
// row block either way), so they are finer: c8 then ends its parts closer together.
constexpr int64_t kSharedPanelItemsPerPart = 8;
// The largest A (kRows, one group) a panel split fills once into a shared region.
constexpr int64_t kMaxSharedRowsBytes = 4 << 20;
constexpr int64_t kMinItemTiles = 4;  // a row item streams its panels of B: not too few rows

// Items to cut in two at the end of a group of `items` items over `units` units: one per part
// when there is a single group, at least two items per part, and two units per item.
int64_t TailHalves(const GemmGeometry& g, int parts, int64_t units, int64_t items) {
  const bool cut = g.groups == 1 && items >= 2 * parts && units >= 2 * items;
  return cut ? parts : 0;
}

// Item j of a group whose `units` are cut into `items` near-equal contiguous items, the last
// `halves` of them each cut in two (items + halves items in all, in order).
void ItemRange(int64_t units, int64_t items, int64_t halves, int64_t j, int64_t* a, int64_t* b) {
  const int64_t whole = items - halves;
  if (j < whole) {
    internal::PartRange(units, static_cast<int>(items), static_cast<int>(j), 1, a, b);
    return;
  }
  int64_t ia, ib, ha, hb;
  internal::PartRange(units, static_cast<int>(items), static_cast<int>(whole + (j - whole) / 2),
                      1, &ia, &ib);
  internal::PartRange(ib - ia, 2, static_cast<int>((j - whole) % 2), 1, &ha, &hb);
  *a = ia + ha;
  *b = ia + hb;
}

// Rows are split unless panels balance the parts clearly better: the most loaded part's
// multiply-adds (a partial tile or panel counted whole), plus, for panels, the A rows each item
// fills (none when A is shared: its fill costs each part what its rows would). Rows are the
// default: each item fills only its own A rows, and B's traffic is about the same either way (a
// part streams its panels of B once per row block in both).
Split MakeSplit(const GemmConvConfig& c, const Plan& p, int64_t span,
                const internal::Parallel& par) {
  const GemmGeometry& g = p.g;
  Split s{internal::PartsFor(par, double(g.m) * g.n * g.k * g.groups, kMinWorkPerThread), false,
          1, 0, 0};
  const int64_t tiles = (span + c.mr - 1) / c.mr, mc_tiles = p.mc / c.mr;
  const int64_t blocks = (tiles + mc_tiles - 1) / mc_tiles;  // L2-sized row blocks
  s.items_per_group = blocks;
  if (s.parts == 1) return s;
  const int64_t all_tiles = g.groups * tiles, panels = int64_t{g.groups} * (g.np / c.nr);
  const double row_cost = double((all_tiles + s.parts - 1) / s.parts) * c.mr * g.np * g.kp;
  // c8 (49 x 512 x 4608 on AVX2): 4 items that each filled all of A balanced two parts
  // poorly (one part idled a quarter of the run); filled once and shared, A costs each part the
  // same as its rows would, so the items can be as fine as the row items.
  const bool share = p.source == ASource::kRows && g.groups == 1 &&
                     span * p.row_bytes <= kMaxSharedRowsBytes;
  int64_t panel_items = panels >= 2 * s.parts ? 2 * s.parts : s.parts;
  if (share) {
    const int64_t per_part = std::min(panels, kSharedPanelItemsPerPart * s.parts) / s.parts;
    panel_items = std::max<int64_t>(1, per_part) * s.parts;
  }
  const double fill = p.source == ASource::kInput || share ? 0 : kFillCost * span * g.kp;
  const double panel_cost = double((panels + s.parts - 1) / s.parts) * c.nr * span * g.kp +
                            double(panel_items) / s.parts * fill;
  if (panels >= s.parts && panel_cost < 0.98 * row_cost) {
    s.by_panels = true;
    s.items_per_group = std::max<int64_t>(1, panel_items / g.groups);
    s.shared_rows_bytes = share ? Align64(static_cast<size_t>(span * p.row_bytes)) : 0;
    s.tail_halves = TailHalves(g, s.parts, panels, s.items_per_group);
    return s;
  }
  // Rows: at least the L2 blocks, a multiple of the parts (over all groups), up to kItemsPerPart
  // items per part while an item keeps kMinItemTiles tiles.
  int64_t items = std::max(blocks * g.groups, std::min<int64_t>(
                               kItemsPerPart * s.parts, all_tiles / kMinItemTiles));
  items = (items + s.parts - 1) / s.parts * s.parts;
  s.items_per_group = std::max<int64_t>(1, std::min(tiles, items / g.groups));
  if (s.items_per_group < blocks) s.items_per_group = blocks;
  s.tail_halves = TailHalves(g, s.parts, tiles, s.items_per_group);
  return s;
}

// Runs tiles [t0, t1) x panels [pb, pe) of one group (tiles relative to span start s0) in row
// blocks of at most p.mc rows, of near-equal size.
void RunBlocks(const OpDesc& d, const PackedData& data, const GemmConvConfig& c, const Plan& p,
               int group, int64_t s0, int64_t span, int64_t t0, int64_t t1, int pb, int pe,
               const uint8_t* in, uint8_t* out, const uint8_t* image, const uint8_t* shared_rows,
               uint8_t* slice) {
  const int64_t mc_tiles = p.mc / c.mr;  // p.mc is a multiple of mr
  const int64_t blocks = (t1 - t0 + mc_tiles - 1) / mc_tiles;
  for (int64_t b = 0; b < blocks; ++b) {
    int64_t b0, b1;
    internal::PartRange(t1 - t0, static_cast<int>(blocks), static_cast<int>(b), 1, &b0, &b1);
    const int64_t m0 = s0 + (t0 + b0) * c.mr;
    const int64_t m1 = std::min(s0 + (t0 + b1) * c.mr, s0 + span);
    const WorkItem item{group, m0, m1, pb, pe};
    RunRange(d, data, c, p, item, in, out, image, shared_rows, slice);
  }
}

// Zeroes the K padding (elements k..kp) of `rows` A rows: FillRows writes the first k only.
void ZeroRowPadding(const Plan& p, int64_t rows, uint8_t* a) {
  if (p.g.kp == p.g.k) return;
  const int64_t k_bytes = int64_t{p.g.k} * p.cv.a_bytes;
  for (int64_t r = 0; r < rows; ++r) {
    std::memset(a + r * p.row_bytes + k_bytes, 0, static_cast<size_t>(p.row_bytes - k_bytes));
  }
}

// Fills the shared A rows of a panel split (kRows, one group, s0 = 0), rows split over the
// parts like FillImage.
void FillSharedRows(const OpDesc& d, const Plan& p, const Split& s, const uint8_t* in,
                    int64_t span, uint8_t* shared, const internal::Parallel& par) {
  internal::ParallelFor(par, s.parts, [&](size_t part) {
    int64_t r0, r1;
    internal::PartRange(span, s.parts, static_cast<int>(part), 1, &r0, &r1);
    if (r0 >= r1) return;
    uint8_t* a = shared + r0 * p.row_bytes;
    FillRows(d, p.cv, in, 0, r0, static_cast<int>(r1 - r0), p.row_bytes, a);
    ZeroRowPadding(p, r1 - r0, a);
  });
}

// Computes rows [s0, s0 + span): its work items, claimed by s.parts concurrent parts.
void RunSpan(const OpDesc& d, const PackedData& data, const GemmConvConfig& c, const Plan& p,
             const Split& s, int64_t s0, int64_t span, const uint8_t* in, uint8_t* out,
             uint8_t* ws, const internal::Parallel& par) {
  const int panels = p.g.np / c.nr;
  const int64_t tiles = (span + c.mr - 1) / c.mr;
  const int64_t per_group = s.items_per_group + s.tail_halves;
  const int64_t items = per_group * p.g.groups;
  const uint8_t* image = ws;
  uint8_t* shared = s.shared_rows_bytes != 0 ? ws + p.shared_bytes : nullptr;
  if (shared != nullptr) FillSharedRows(d, p, s, in, span, shared, par);
  std::atomic<int64_t> next{0};
  internal::ParallelFor(par, s.parts, [&](size_t part) {
    uint8_t* slice = ws + p.shared_bytes + s.shared_rows_bytes + part * p.slice_bytes;
    // The slice's rows are zero-padded once per run (FillRows writes the first k elements).
    if (p.source == ASource::kRows && shared == nullptr) ZeroRowPadding(p, p.mc, slice);
    // Items in order; which part computes one never changes its bytes.
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < items;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      const int grp = static_cast<int>(i / per_group);
      const int j = static_cast<int>(i % per_group);
      int64_t a, b;
      ItemRange(s.by_panels ? panels : tiles, s.items_per_group, s.tail_halves, j, &a, &b);
      if (s.by_panels) {
        RunBlocks(d, data, c, p, grp, s0, span, 0, tiles, static_cast<int>(a),
                  static_cast<int>(b), in, out, image, shared, slice);
      } else {
        RunBlocks(d, data, c, p, grp, s0, span, a, b, 0, panels, in, out, image, shared, slice);
      }
    }
  });
}

// Fills the padded image of batch item b, its rows split over the parts.
void FillImage(const OpDesc& d, const Plan& p, const uint8_t* in, int b, int parts, uint8_t* ws,
               const internal::Parallel& par) {
  if (parts == 1) {
    p.image.FillRows(d, p.cv, in, b, 0, p.image.rows, ws);
    return;
  }
  const int64_t line = p.image.LineBytes(d);
  internal::ParallelFor(par, parts, [&](size_t part) {
    int64_t r0, r1;
    internal::PartRange(p.image.rows, parts, static_cast<int>(part), 1, &r0, &r1);
    if (r0 < r1) p.image.FillLines(d, p.cv, in, b, r0, r1, ws + r0 * line);
  });
  std::memset(ws + p.image.rows * line, 0, PaddedImage::kSlack);
}

// Rows per span: the padded image holds one batch item, so its row blocks end at the item's
// last pixel.
int64_t SpanRows(const OpDesc& d, const Plan& p) {
  return p.source == ASource::kImage ? int64_t{d.out_h} * d.out_w : p.g.m;
}

}  // namespace

GemmGeometry GemmGeometryOf(const OpDesc& d, const GemmConvConfig& c) {
  GemmGeometry g;
  g.groups = d.groups;
  g.m = int64_t{d.batch} * d.out_h * d.out_w;
  g.n = d.out_c / d.groups;
  g.k = d.KernelDepth();
  g.kp = (g.k + c.k_align - 1) / c.k_align * c.k_align;
  g.np = (g.n + c.nr - 1) / c.nr * c.nr;
  return g;
}

ASource ChooseASource(const OpDesc& d, const GemmConvConfig& c) {
  if (d.IsPointwise()) {
    const bool whole = (d.in_c / d.groups) % c.k_align == 0;
    return c.reads_input && whole ? ASource::kInput : ASource::kRows;
  }
  return UsesImage(d, c) ? ASource::kImage : ASource::kRows;
}

size_t GemmConvWorkspaceBytes(const OpDesc& d, const GemmConvConfig& c, int threads) {
  // Run gets a Parallel with the thread count the workspace was sized for, so the split made
  // here (the pool plays no part in it) is the run's.
  const Plan p = MakePlan(d, c);
  internal::Parallel par;
  par.threads = std::max(1, threads);
  return p.Bytes(par.threads) + MakeSplit(c, p, SpanRows(d, p), par).shared_rows_bytes;
}

void RunGemmConv(const OpDesc& d, const PackedData& data, const GemmConvConfig& c,
                 const void* input, void* output, void* workspace, const internal::Parallel& par) {
  const Plan p = MakePlan(d, c);
  const uint8_t* in = static_cast<const uint8_t*>(input);
  uint8_t* out = static_cast<uint8_t*>(output);
  uint8_t* ws = static_cast<uint8_t*>(workspace);
  const int64_t span = SpanRows(d, p);
  const Split s = MakeSplit(c, p, span, par);
  for (int64_t s0 = 0; s0 < p.g.m; s0 += span) {
    if (p.source == ASource::kImage) {
      FillImage(d, p, in, static_cast<int>(s0 / span), s.parts, ws, par);
    }
    RunSpan(d, data, c, p, s, s0, span, in, out, ws, par);
  }
}

}  // namespace driver
}  // namespace qk
