// The AVX-512 VNNI microkernels of the GEMM-conv driver (kernels/driver/gemm_conv_driver.h):
// conv2d and fully connected, int8 and uint8, 6 rows x 64 channels (4 vectors of 16) per register
// tile, K in groups of 4 bytes (one vpdpbusd lane).
//
// vpdpbusd multiplies unsigned bytes (A, activations) by signed bytes (B, weights): the driver
// stores A as AFormat::kXorU8 (int8 x as x ^ 0x80; uint8 x as is, with a row term) and folds the
// zero-point terms into the packed bias (gemm_conv_pack.cc has the algebra). Padded taps hold the
// input zero point and contribute exactly zero; K is padded to a multiple of 4 with zero weights.
// All sums wrap mod 2^32 like the reference's accumulator (vpdpbusd, unlike vpdpbusds, does not
// saturate). The requantization (requantize_avx512vnni.h) runs on the accumulator registers of
// each finished tile and the int8 bytes are stored once.
#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "kernels/avx512vnni/avx512vnni_kernels.h"
#include "kernels/avx512vnni/requantize_avx512vnni.h"

namespace qk {
namespace avx512vnni {
namespace {

using driver::GemmGeometry;
using driver::GemmTiles;
using internal::OpDesc;
using internal::PackedData;

// Register tile: kMR output pixels x kNR output channels, KR = 4.
constexpr int kMR = 6;
constexpr int kNV = 4;
constexpr int kNR = 16 * kNV;

inline int32_t LoadU32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

static_assert(kNV <= 4, "the epilogue packs at most four vectors per row");

struct TileArgs {
  // Row r's K bytes are `runs` runs of run_len bytes (a multiple of 4) at rows[r] + run_offset[i].
  const uint8_t* rows[kMR];
  int runs;
  int run_len;
  const int64_t* run_offset;
  const int8_t* b;  // panel: [kp / 4][kNR][4]
  const int32_t* bias;
  const int32_t* row_term;  // uint8 only
  const Requant16* rq;      // kNV entries
  const OutputStage* out;
  uint8_t* c;
  int64_t c_stride;
  int n_valid;
};

// How a tile reads A: packed rows (x ^ 0x80 already), packed uint8 rows with their row terms, or
// the int8 input rows themselves, flipped after each broadcast.
enum ARows { kPackedA, kPackedARowTerm, kInputA };

// A 4-byte group of row p broadcast to every lane: packed rows as they are, input rows flipped
// to x + 128 after the broadcast.
template <int kA>
[[gnu::always_inline]] inline __m512i BroadcastA(const uint8_t* p) {
  const __m512i v = _mm512_set1_epi32(LoadU32(p));
  return kA == kInputA ? _mm512_xor_si512(v, _mm512_set1_epi8(static_cast<char>(0x80))) : v;
}

// One K step (4 bytes of K) of an MR x NV tile: acc[r][v] += bytes k..k+3 of row a[r] times the
// panel's vectors at b.
template <int MR, int NV, int kA>
[[gnu::always_inline]] inline void KStep(__m512i (&acc)[MR][NV], const uint8_t* const (&a)[MR],
                                         int k, const int8_t* b) {
  __m512i bv[NV];
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) bv[v] = _mm512_load_si512(b + 64 * v);
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    const __m512i av = BroadcastA<kA>(a[r] + k);
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, bv[v]);
  }
}

// Row r of a tile from its scaled vectors (those past the tile's channels zero): the output
// stage, then its n_valid bytes (`store` = their mask).
[[gnu::always_inline]] inline void StoreRow(const TileArgs& t, int r, const __m512i (&y)[4],
                                            __mmask64 store) {
  const __m512i bytes = InLaneToLinear(RequantizedBytesInLane(y[0], y[1], y[2], y[3], *t.out));
  if (t.n_valid == kNR) {
    _mm512_storeu_si512(t.c + r * t.c_stride, bytes);  // masked stores are slow on some CPUs
  } else {
    _mm512_mask_storeu_epi8(t.c + r * t.c_stride, store, bytes);
  }
}

// MR rows x NV vectors of 16 channels; K loop of one vpdpbusd (4 bytes of K) per accumulator.
template <int MR, int NV, int kA>
void Tile(const TileArgs& t) {
  constexpr bool kRowTerm = kA == kPackedARowTerm;
  // Small tiles (GEMV) would be bound by the vpdpbusd latency chain of too few accumulators:
  // they split K over kSplit accumulator sets, summed at the end.
  constexpr int kSplit = MR * NV >= 8 ? 1 : MR * NV >= 4 ? 2 : 4;
  __m512i acc[kSplit][MR][NV];
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) {
    const __m512i bias = _mm512_loadu_si512(t.bias + 16 * v);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      acc[0][r][v] = bias;
#pragma GCC unroll 4
      for (int s = 1; s < kSplit; ++s) acc[s][r][v] = _mm512_setzero_si512();
    }
  }
  const int8_t* b = t.b;
  for (int run = 0; run < t.runs; ++run) {
    const uint8_t* a[MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) a[r] = t.rows[r] + t.run_offset[run];
    int k = 0;
    for (; k + 4 * kSplit <= t.run_len; k += 4 * kSplit) {
#pragma GCC unroll 4
      for (int s = 0; s < kSplit; ++s, b += 4 * kNR) KStep<MR, NV, kA>(acc[s], a, k + 4 * s, b);
    }
    for (; k < t.run_len; k += 4, b += 4 * kNR) KStep<MR, NV, kA>(acc[0], a, k, b);
  }
#pragma GCC unroll 4
  for (int s = 1; s < kSplit; ++s) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[0][r][v] = _mm512_add_epi32(acc[0][r][v], acc[s][r][v]);
    }
  }
  const __mmask64 store = FirstBytes(t.n_valid);
  const Requant16* rq[NV];
  bool estimate = true;
#pragma GCC unroll 16
  for (int v = 0; v < NV; ++v) {
    rq[v] = &t.rq[v];
    estimate = estimate && t.rq[v].estimate;
  }
  for (int r = 0; r < MR; ++r) {
    __m512i x[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      x[v] = acc[0][r][v];
      if (kRowTerm) x[v] = _mm512_add_epi32(x[v], _mm512_set1_epi32(t.row_term[r]));
    }
    __m512i y[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                    _mm512_setzero_si512()};
    ScaleVectors<NV>(x, rq, estimate, y);
    StoreRow(t, r, y, store);
  }
}

// Software-pipelined full tiles (kMR rows x kNR channels, int8, every lane on the estimate):
// a run of tiles in which the output stage of tile j-1 is spread over the K loop of tile j, one
// row every few K steps, so its dependent chains execute between the vpdpbusd instead of
// after them (for K = 64 the output stage alone took 40% of a tile). The accumulators of tile
// j-1 wait in a stack buffer; rows with an undecided lane are redone exactly (ExactRows) once
// tile j's accumulators are stored and no vector register is live.
using AccBuffer = __m512i[kMR][kNV];

[[gnu::noinline]] void ExactRows(const AccBuffer& acc, const TileArgs& t, unsigned rows) {
  const Requant16* rq[kNV];
  for (int v = 0; v < kNV; ++v) rq[v] = &t.rq[v];
  const __mmask64 store = FirstBytes(t.n_valid);
  for (int r = 0; r < kMR; ++r) {
    if (!(rows >> r & 1)) continue;
    __m512i y[kNV];
    ScaleVectors<kNV>(acc[r], rq, false, y);
    StoreRow(t, r, y, store);
  }
}

// Row r of a finished tile by the estimate; returns whether a lane was undecided.
inline bool EstimateRow(const AccBuffer& acc, const TileArgs& t, int r) {
  __m512i y[kNV];
  __mmask16 undecided = 0;
#pragma GCC unroll 4
  for (int v = 0; v < kNV; ++v) {
    __mmask16 u;
    y[v] = ScaleEstimate(acc[r][v], t.rq[v], &u);
    undecided = _kor_mask16(undecided, u);
  }
  StoreRow(t, r, y, FirstBytes(t.n_valid));
  return undecided != 0;
}

template <int kA>
void PipelinedTiles(const TileArgs* jobs, int count) {
  static_assert(kA != kPackedARowTerm, "uint8 tiles are not pipelined");
  if (count == 0) return;
  alignas(64) AccBuffer buffers[2];
  const int steps = jobs[0].runs * (jobs[0].run_len / 4);
  const int interval = std::max(1, steps / (kMR + 1));
  const TileArgs* prev = nullptr;
  for (int j = 0; j <= count; ++j) {
    const AccBuffer& done = buffers[(j + 1) & 1];
    int next_row = 0;
    unsigned undecided = 0;
    if (j < count) {
      const TileArgs& t = jobs[j];
      __m512i acc[kMR][kNV];
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v) {
        const __m512i bias = _mm512_loadu_si512(t.bias + 16 * v);
#pragma GCC unroll 8
        for (int r = 0; r < kMR; ++r) acc[r][v] = bias;
      }
      const int8_t* b = t.b;
      int countdown = interval;
      for (int run = 0; run < t.runs; ++run) {
        const uint8_t* a[kMR];
#pragma GCC unroll 8
        for (int r = 0; r < kMR; ++r) a[r] = t.rows[r] + t.run_offset[run];
        for (int k = 0; k < t.run_len; k += 4, b += 4 * kNR) {
          KStep<kMR, kNV, kA>(acc, a, k, b);
          if (prev != nullptr && --countdown == 0 && next_row < kMR) {
            countdown = interval;
            undecided |= unsigned{EstimateRow(done, *prev, next_row)} << next_row;
            ++next_row;
          }
        }
      }
      for (; prev != nullptr && next_row < kMR; ++next_row) {
        undecided |= unsigned{EstimateRow(done, *prev, next_row)} << next_row;
      }
      AccBuffer& mine = buffers[j & 1];
#pragma GCC unroll 8
      for (int r = 0; r < kMR; ++r) {
#pragma GCC unroll 4
        for (int v = 0; v < kNV; ++v) mine[r][v] = acc[r][v];
      }
    } else {
      for (int r = 0; r < kMR; ++r) undecided |= unsigned{EstimateRow(done, *prev, r)} << r;
    }
    if (prev != nullptr && undecided != 0) ExactRows(done, *prev, undecided);
    if (j < count) prev = &jobs[j];
  }
}

using TileFn = void (*)(const TileArgs&);
using TileRow = std::array<TileFn, kNV>;
using TileTable = std::array<TileRow, kMR>;

template <int kA, int MR, size_t... V>
constexpr TileRow MakeRow(std::index_sequence<V...>) {
  return {&Tile<MR, int(V) + 1, kA>...};
}
template <int kA, size_t... R>
constexpr TileTable MakeTable(std::index_sequence<R...>) {
  return {MakeRow<kA, int(R) + 1>(std::make_index_sequence<kNV>())...};
}
// kTiles[ARows][rows - 1][vectors - 1]
const TileTable kTiles[3] = {MakeTable<kPackedA>(std::make_index_sequence<kMR>()),
                             MakeTable<kPackedARowTerm>(std::make_index_sequence<kMR>()),
                             MakeTable<kInputA>(std::make_index_sequence<kMR>())};

// GEMMs with kp <= kSmallK and at most kSmallKMaxN channels per group run the row tiles outside
// the panels (the driver's rows_outside_panels): all their weights (at most 32 KB) stay in L1
// while a row tile uses every panel. Larger ones stream the A block past one L1-resident panel at
// a time (for K = 256, N = 256 that reads 6 KB of A per row tile from L2 instead of 64 KB of
// weights).
constexpr int kSmallK = 128;
constexpr int kSmallKMaxN = 256;
constexpr int kMaxPanelsOutside = kSmallKMaxN / kNR;

// The tiles of one GemmTiles range. Full int8 tiles whose channels all take the estimate are
// queued for PipelinedTiles; the others run one by one.
class RangeRunner {
 public:
  explicit RangeRunner(const GemmTiles& r);
  void Run();

 private:
  void MakeRq(int panel, Requant16* rq) const;
  void RunTile(int r0, int panel, const Requant16* rq, bool in_order);
  void Flush();

  static constexpr int kQueue = 32;
  const GemmTiles& r_;
  const GemmGeometry& g_;
  int a_kind_;
  const int32_t* bias_;  // the group's column 0 of [bias'][multiplier][shift]
  const int32_t* mult_;
  const int32_t* shift_;
  OutputStage stage_;
  const TileTable* tiles_;
  std::array<TileArgs, kQueue> queue_;
  int queued_ = 0;
};

RangeRunner::RangeRunner(const GemmTiles& r) : r_(r), g_(*r.geometry) {
  const OpDesc& d = *r.desc;
  const bool u8 = d.type == DataType::kUInt8;
  // uint8 rows always come with their row terms; raw int8 input rows are flipped on the fly.
  a_kind_ = r.row_term != nullptr ? kPackedARowTerm : r.a_raw && !u8 ? kInputA : kPackedA;
  const size_t cols = size_t(g_.groups) * g_.np;
  bias_ = r.data->packed_bias.data() + size_t(r.group) * g_.np;
  mult_ = bias_ + cols;
  shift_ = mult_ + cols;
  stage_ = MakeOutputStage(d.output_zp, d.act_min, d.act_max, u8);
  tiles_ = &kTiles[a_kind_];
}

void RangeRunner::MakeRq(int panel, Requant16* rq) const {
  const int n0 = panel * kNR;
  const int vectors = (std::min(kNR, g_.n - n0) + 15) / 16;
  for (int v = 0; v < vectors; ++v) {
    rq[v] = MakeRequant16(mult_ + n0 + 16 * v, shift_ + n0 + 16 * v, r_.desc->rounding);
  }
}

void RangeRunner::Flush() {
  if (a_kind_ == kInputA) {
    PipelinedTiles<kInputA>(queue_.data(), queued_);
  } else {
    PipelinedTiles<kPackedA>(queue_.data(), queued_);
  }
  queued_ = 0;
}

void RangeRunner::RunTile(int r0, int panel, const Requant16* rq, bool in_order) {
  const int n0 = panel * kNR;
  const int n_valid = std::min(kNR, g_.n - n0);
  // Built in place in the queue's next slot (a copy would read it back right after its
  // field-by-field stores, which cannot be forwarded to vector loads); an unqueued tile runs from
  // there and leaves the slot free.
  TileArgs& t = queue_[queued_];
  const int tile_rows = std::min(kMR, r_.m - r0);
  for (int r = 0; r < tile_rows; ++r) t.rows[r] = r_.rows[r0 + r];
  t.runs = r_.runs;
  t.run_len = r_.run_elems;
  t.run_offset = r_.run_offset;
  t.b = reinterpret_cast<const int8_t*>(r_.panels + size_t(panel) * r_.panel_bytes);
  t.bias = bias_ + n0;
  t.row_term = r_.row_term != nullptr ? r_.row_term + r0 : nullptr;
  t.rq = rq;
  t.out = &stage_;
  t.c = r_.out + r0 * r_.out_stride + n0;
  t.c_stride = r_.out_stride;
  t.n_valid = n_valid;
  const bool full = tile_rows == kMR && n_valid > kNR - 16;
  if (a_kind_ != kPackedARowTerm && full && rq[0].estimate && rq[1].estimate &&
      rq[2].estimate && rq[3].estimate) {
    if (++queued_ == kQueue) Flush();
  } else {
    // In panel order the queued tiles go first: they bring the panel into cache at full speed,
    // not a few-row tile.
    if (in_order) Flush();
    (*tiles_)[tile_rows - 1][(n_valid + 15) / 16 - 1](t);
  }
}

void RangeRunner::Run() {
  const int panels = r_.panel_end - r_.panel_begin;
  if (r_.rows_outside_panels && panels <= kMaxPanelsOutside) {
    // Every panel's weights are in L1: each A tile is used for all panels while it is hot.
    Requant16 rq_all[kMaxPanelsOutside * kNV];
    for (int p = 0; p < panels; ++p) MakeRq(r_.panel_begin + p, rq_all + p * kNV);
    for (int r0 = 0; r0 < r_.m; r0 += kMR) {
      for (int p = 0; p < panels; ++p) RunTile(r0, r_.panel_begin + p, rq_all + p * kNV, false);
    }
    Flush();
    return;
  }
  // A panel's weights stay in cache while the whole A block streams past them.
  Requant16 rq[kNV];
  for (int p = r_.panel_begin; p < r_.panel_end; ++p) {
    MakeRq(p, rq);
    for (int r0 = 0; r0 < r_.m; r0 += kMR) RunTile(r0, p, rq, true);
    Flush();  // before rq changes
  }
}

void GemmTilesAvx512(const GemmTiles& r) { RangeRunner(r).Run(); }

// n input bytes into A (x ^ 0x80 for int8, x for uint8): masked loads and stores for the tail, so
// exactly n bytes are read and written.
void ConvertRun(const void* src, int64_t n, DataType type, driver::AFormat, int32_t, void* dst) {
  const uint8_t* s = static_cast<const uint8_t*>(src);
  uint8_t* o = static_cast<uint8_t*>(dst);
  const __m512i flips = _mm512_set1_epi8(static_cast<char>(type == DataType::kUInt8 ? 0 : 0x80));
  int64_t j = 0;
  for (; j + 64 <= n; j += 64) {
    _mm512_storeu_si512(o + j, _mm512_xor_si512(_mm512_loadu_si512(s + j), flips));
  }
  if (j < n) {
    const __mmask64 m = FirstBytes(static_cast<int>(n - j));
    _mm512_mask_storeu_epi8(o + j, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, s + j), flips));
  }
}

}  // namespace

const driver::GemmConvConfig kGemmConv = {
    kMR, kNR, /*kr=*/4, /*k_align=*/4, driver::AFormat::kXorU8, driver::WFormat::kInt8,
    /*reads_input=*/true, /*padded_image=*/true,
    // A rows per block: the block (mc x kp bytes) stays in L2 while every panel runs over it.
    /*a_block_bytes=*/160 * 1024, /*max_block_rows=*/int64_t{1} << 40, kSmallK, kSmallKMaxN,
    driver::PackColumnParams, /*pack_extra=*/nullptr, GemmTilesAvx512, ConvertRun};

}  // namespace avx512vnni
}  // namespace qk
