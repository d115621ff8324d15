// AVX-512 VNNI GEMM for conv2d and fully connected, int8 and uint8.
//
// vpdpbusd multiplies unsigned bytes (A, activations) by signed bytes (B, weights). Per op type:
//  int8:  A = x + 128 (x ^ 0x80), B = w. sum w*(x - zp_in) = sum w*(x + 128) - (128 + zp_in)*sum w:
//         the second term is per output channel and is folded into the packed bias.
//  uint8: A = x, B = w - 128 (w ^ 0x80) = w' and w - zp_w = w' + c with c = 128 - zp_w:
//         sum (w - zp_w)(x - zp_in) = sum w'x - zp_in*sum w' - c*zp_in*K + c*sum x;
//         the first correction terms go into the bias, c*sum x is a per-row term from the packed A.
// Out-of-image taps are packed as x = zp_in, so they contribute exactly zero, as in the
// reference. K is padded to a multiple of 4 with zero weights (and zero A bytes). All sums wrap
// mod 2^32 like the reference's accumulator (vpdpbusd, unlike vpdpbusds, does not saturate).
#include "kernels/avx512vnni/gemm_avx512vnni.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels/avx512vnni/padded_image_avx512vnni.h"
#include "kernels/avx512vnni/requantize_avx512vnni.h"
#include "kernels/common/gemm_pack.h"

namespace qk {
namespace avx512vnni {
namespace {

using common::GemmGeometry;
using internal::OpDesc;
using internal::PackedData;

// A rows per block: the packed block (mc x kp bytes) stays in L2 while every weight panel runs
// over it.
int64_t RowBlock(const GemmGeometry& g) {
  const int64_t target = std::max<int64_t>(kMR, (160 * 1024 / g.kp) / kMR * kMR);
  const int64_t all = (g.m + kMR - 1) / kMR * kMR;
  return std::min(target, all);
}

inline int32_t LoadU32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Sum of a packed A row (kp bytes): vpsadbw against zero gives 8 partial sums per vector.
inline int32_t RowSum(const uint8_t* row, int kp) {
  const __m512i zero = _mm512_setzero_si512();
  __m512i sum = zero;
  int i = 0;
  for (; i + 64 <= kp; i += 64) {
    sum = _mm512_add_epi64(sum, _mm512_sad_epu8(_mm512_loadu_si512(row + i), zero));
  }
  if (i < kp) {
    const __mmask64 tail = (~__mmask64{0}) >> (64 - (kp - i));
    sum = _mm512_add_epi64(sum, _mm512_sad_epu8(_mm512_maskz_loadu_epi8(tail, row + i), zero));
  }
  return static_cast<int32_t>(_mm512_reduce_add_epi64(sum));
}

// The A rows of a pointwise conv / FC: input pixel rows XOR `flip`, zero-padded to kp bytes.
// Masked loads read exactly the row's K bytes; masked stores write exactly kp bytes.
void CopyRowsAvx512(const OpDesc& d, const uint8_t* input, int group, int64_t row0, int rows,
                    int kp, uint8_t flip, uint8_t* out) {
  const int k = d.in_c / d.groups;
  const __m512i flips = _mm512_set1_epi8(static_cast<char>(flip));
  for (int i = 0; i < rows; ++i) {
    const uint8_t* src = input + (row0 + i) * d.in_c + int64_t{group} * k;
    uint8_t* dst = out + int64_t{i} * kp;
    for (int j = 0; j < kp; j += 64) {
      const int valid = std::max(0, std::min(64, k - j));
      const __mmask64 load = valid == 64 ? ~__mmask64{0} : (__mmask64{1} << valid) - 1;
      const int width = std::min(64, kp - j);
      const __mmask64 store = width == 64 ? ~__mmask64{0} : (__mmask64{1} << width) - 1;
      const __m512i x = _mm512_maskz_loadu_epi8(load, src + j);
      _mm512_mask_storeu_epi8(dst + j, store,
                              _mm512_xor_si512(x, _mm512_maskz_mov_epi8(load, flips)));
    }
  }
}

// Copies n bytes XOR flip: masked loads read exactly n bytes; the stores are whole 64-byte
// vectors, which may spill up to 63 bytes past dst + n. Im2ColRowsAvx512 writes every row front to
// back, so a later store overwrites any spill, and the A block has kSpill bytes of slack.
constexpr int kSpill = 64;
// `end` is the end of the input buffer: a full 64-byte load is used only when it stays inside.
inline void CopyFlipped(const uint8_t* src, int n, const uint8_t* end, __m512i flips,
                        uint8_t* dst) {
  for (int j = 0; j < n; j += 64) {
    const __m512i x = end - (src + j) >= 64 ? _mm512_loadu_si512(src + j)
                                           : _mm512_maskz_loadu_epi8(FirstBytes(n - j), src + j);
    _mm512_storeu_si512(dst + j, _mm512_xor_si512(x, flips));
  }
}

inline void Fill(uint8_t* dst, int n, __m512i value) {
  for (int j = 0; j < n; j += 64) _mm512_storeu_si512(dst + j, value);
}

// im2col of rows [row0, row0 + rows) of group `group`: row r (output pixel r, batch folded in)
// holds the taps in filter order (ky, kx, c), each in-image byte XOR flip, each outside tap
// pad_byte, then zeros up to kp. A kernel row inside the image is one contiguous run (3x3x3: one
// 9-byte copy). Writes up to kSpill bytes past the last row.
void Im2ColRowsAvx512(const OpDesc& d, const uint8_t* input, int group, int64_t row0, int rows,
                      int kp, uint8_t flip, uint8_t pad_byte, uint8_t* out) {
  const int gic = d.in_c / d.groups;
  const int k = d.kernel_h * d.kernel_w * gic;
  const int64_t pixels = int64_t{d.out_h} * d.out_w;
  const bool row_runs = d.dilation_w == 1 && gic == d.in_c;
  const __m512i flips = _mm512_set1_epi8(static_cast<char>(flip));
  const __m512i pads = _mm512_set1_epi8(static_cast<char>(pad_byte));
  const __m512i zero = _mm512_setzero_si512();
  const uint8_t* end = input + d.InputElements();
  int b = static_cast<int>(row0 / pixels);
  int rem = static_cast<int>(row0 - int64_t{b} * pixels);
  int oy = rem / d.out_w, ox = rem % d.out_w;
  // kp <= 64: the row is assembled in a register (masked loads placed at their byte offset,
  // outside taps left at the raw zero point), flipped once and stored once.
  const __m512i raw_pads = _mm512_set1_epi8(static_cast<char>(pad_byte ^ flip));
  const __mmask64 k_mask = FirstBytes(k);
  auto load_at = [](__m512i row, const uint8_t* src, int n, int offset) {
    // Byte j of the load reads src[j - offset]; only the n masked bytes are accessed.
    const uintptr_t base = reinterpret_cast<uintptr_t>(src) - offset;
    return _mm512_mask_loadu_epi8(row, FirstBytes(n) << offset,
                                  reinterpret_cast<const uint8_t*>(base));
  };
  for (int i = 0; i < rows; ++i) {
    uint8_t* dst = out + int64_t{i} * kp;
    const int ix0 = ox * d.stride_w - d.pad_left;
    const bool x_inside = ix0 >= 0 && ix0 + (d.kernel_w - 1) * d.dilation_w < d.in_w;
    const uint8_t* image = input + int64_t{b} * d.in_h * d.in_w * d.in_c + int64_t{group} * gic;
    if (kp <= 64) {
      __m512i row = raw_pads;
      int offset = 0;
      for (int ky = 0; ky < d.kernel_h; ++ky, offset += d.kernel_w * gic) {
        const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
        if (iy < 0 || iy >= d.in_h) continue;
        const uint8_t* line = image + int64_t{iy} * d.in_w * d.in_c;
        if (x_inside && row_runs) {
          row = load_at(row, line + int64_t{ix0} * d.in_c, d.kernel_w * gic, offset);
          continue;
        }
        for (int kx = 0; kx < d.kernel_w; ++kx) {
          const int ix = ix0 + kx * d.dilation_w;
          if (ix >= 0 && ix < d.in_w) {
            row = load_at(row, line + int64_t{ix} * d.in_c, gic, offset + kx * gic);
          }
        }
      }
      _mm512_storeu_si512(dst, _mm512_maskz_mov_epi8(k_mask, _mm512_xor_si512(row, flips)));
    } else {
    for (int ky = 0; ky < d.kernel_h; ++ky) {
      const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
      const bool row_inside = iy >= 0 && iy < d.in_h;
      if (!row_inside) {
        Fill(dst, d.kernel_w * gic, pads);  // outside taps read as the input zero point
        dst += d.kernel_w * gic;
        continue;
      }
      const uint8_t* line = image + int64_t{iy} * d.in_w * d.in_c;
      if (x_inside && row_runs) {
        CopyFlipped(line + int64_t{ix0} * d.in_c, d.kernel_w * gic, end, flips, dst);
        dst += d.kernel_w * gic;
        continue;
      }
      for (int kx = 0; kx < d.kernel_w; ++kx) {
        const int ix = ix0 + kx * d.dilation_w;
        if (ix >= 0 && ix < d.in_w) {
          CopyFlipped(line + int64_t{ix} * d.in_c, gic, end, flips, dst);
        } else {
          Fill(dst, gic, pads);
        }
        dst += gic;
      }
    }
    Fill(dst, kp - k, zero);
    }
    if (++ox == d.out_w) {
      ox = 0;
      if (++oy == d.out_h) {
        oy = 0;
        ++b;
      }
    }
  }
}

static_assert(kNV <= 4, "the epilogue packs at most four vectors per row");

// GEMMs with kp <= kSmallK and at most kSmallKMaxN channels per group run the row tiles outside
// the panels: all their weights (at most 32 KB) stay in L1 while a row tile uses every panel.
// Larger ones stream the A block past one L1-resident panel at a time (for K = 256, N = 256 that
// reads 6 KB of A per row tile from L2 instead of 64 KB of weights).
constexpr int kSmallK = 128;
constexpr int kSmallKMaxN = 256;

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

}  // namespace

void PackGemm(const OpDesc& d, PackedData* p) {
  const GemmGeometry g = common::GemmGeometryOf(d, kNR);
  const bool u8 = d.type == DataType::kUInt8;
  const size_t cols = size_t(g.groups) * g.np;
  p->packed.Resize(cols * g.kp);
  std::vector<int32_t> sums(cols);
  common::PackGemmWeights(d, reinterpret_cast<const uint8_t*>(p->filter.data()), kNR,
                          u8 ? 0x80 : 0x00, p->packed.as<int8_t>(), sums.data());
  p->packed_bias.assign(3 * cols, 0);
  int32_t* bias = p->packed_bias.data();
  int32_t* mult = bias + cols;
  int32_t* shift = mult + cols;
  // Unsigned arithmetic: the folded terms wrap mod 2^32 exactly like the accumulator.
  const uint32_t zp_in = static_cast<uint32_t>(d.input_zp);
  const uint32_t c = 128u - static_cast<uint32_t>(d.filter_zp);
  for (int grp = 0; grp < g.groups; ++grp) {
    for (int j = 0; j < g.n; ++j) {
      const int oc = grp * g.n + j;
      const size_t i = size_t(grp) * g.np + j;
      const uint32_t sum = static_cast<uint32_t>(sums[i]);
      uint32_t b = static_cast<uint32_t>(p->bias32[oc]);
      if (u8) {
        b -= zp_in * sum + c * zp_in * static_cast<uint32_t>(g.k);
      } else {
        b -= (128u + zp_in) * sum;
      }
      bias[i] = static_cast<int32_t>(b);
      mult[i] = p->multiplier[oc];
      shift[i] = p->shift[oc];
    }
  }
}

// Implicit im2col: int8 convolutions whose tap runs (TapRuns) are whole 4-byte groups read A
// straight from a padded, flipped copy of the image; the packed K order (ky, kx, c) is the runs
// back to back.
constexpr int kMaxRuns = 64;

bool UsesImage(const OpDesc& d) {
  if (d.type != DataType::kInt8 || d.groups != 1 || d.IsPointwise()) return false;
  const TapRuns runs(d);
  return runs.bytes % 4 == 0 && runs.Count(d) <= kMaxRuns && PaddedImage(d).Fits(d);
}

size_t GemmWorkspaceBytes(const OpDesc& d) {
  const GemmGeometry g = common::GemmGeometryOf(d, kNR);
  if (UsesImage(d)) return static_cast<size_t>(PaddedImage(d).Bytes(d) + PaddedImage::kSlack);
  const int64_t mc = RowBlock(g);
  // A block, its spill slack, up to 3 bytes to align the row terms, the row terms.
  return static_cast<size_t>(mc * g.kp + kSpill + 3 + mc * int64_t{sizeof(int32_t)});
}

void RunGemm(const OpDesc& d, const PackedData& p, const void* input, void* output,
             void* workspace, bool im2col) {
  const GemmGeometry g = common::GemmGeometryOf(d, kNR);
  const bool u8 = d.type == DataType::kUInt8;
  const int64_t mc = RowBlock(g);
  uint8_t* a = static_cast<uint8_t*>(workspace);
  const uintptr_t terms = reinterpret_cast<uintptr_t>(a + mc * g.kp + kSpill);
  int32_t* row_term = reinterpret_cast<int32_t*>((terms + 3) & ~uintptr_t{3});
  const uint8_t* in = static_cast<const uint8_t*>(input);
  uint8_t* out = static_cast<uint8_t*>(output);
  const uint8_t flip = u8 ? 0x00 : 0x80;
  const uint8_t pad = static_cast<uint8_t>(d.input_zp) ^ flip;  // an outside tap reads zp_in
  const uint32_t c = 128u - static_cast<uint32_t>(d.filter_zp);
  const size_t cols = size_t(g.groups) * g.np;
  const int32_t* bias = p.packed_bias.data();
  const int32_t* mult = bias + cols;
  const int32_t* shift = mult + cols;
  const int8_t* weights = p.packed.as<int8_t>();
  // int8 pointwise rows whose K is a whole number of 4-byte groups are read from the input
  // itself (no copy): every broadcast stays inside its row.
  const bool input_a = !im2col && !u8 && g.k % 4 == 0;
  const bool image_a = im2col && UsesImage(d);
  const TileTable& tiles = kTiles[input_a ? kInputA : u8 ? kPackedARowTerm : kPackedA];
  Requant16 rq[kNV];
  Requant16 rq_all[kSmallKMaxN / 16];
  // Full int8 tiles are queued for PipelinedTiles.
  constexpr int kQueue = 32;
  std::array<TileArgs, kQueue> queue;
  int queued = 0;
  const bool pipelined = !u8;
  const OutputStage stage = MakeOutputStage(d.output_zp, d.act_min, d.act_max, u8);
  const PaddedImage image(d);
  int64_t run_offset[kMaxRuns];
  int runs = 1, run_len = g.kp;
  run_offset[0] = 0;
  if (image_a) {
    const TapRuns taps(d);
    run_len = taps.bytes;
    runs = 0;
    for (int ky = 0; ky < d.kernel_h; ++ky) {
      for (int j = 0; j < taps.per_row; ++j) run_offset[runs++] = taps.Offset(d, image, ky, j);
    }
  }
  const int64_t pixels = int64_t{d.out_h} * d.out_w;

  for (int64_t m0 = 0; m0 < g.m;) {
    // An image holds one batch item: its row blocks end at the item's last pixel.
    const int64_t block_end = image_a ? std::min(m0 + mc, (m0 / pixels + 1) * pixels)
                                      : std::min(m0 + mc, g.m);
    const int rows = static_cast<int>(block_end - m0);
    for (int grp = 0; grp < g.groups; ++grp) {
      if (image_a) {
        if (m0 % pixels == 0) image.Fill(d, in, static_cast<int>(m0 / pixels), a);
      } else if (im2col) {
        Im2ColRowsAvx512(d, in, grp, m0, rows, g.kp, flip, pad, a);
      } else if (!input_a) {
        CopyRowsAvx512(d, in, grp, m0, rows, g.kp, flip, a);
      }
      if (u8) {
        for (int r = 0; r < rows; ++r) {
          row_term[r] = static_cast<int32_t>(
              c * static_cast<uint32_t>(RowSum(a + int64_t{r} * g.kp, g.kp)));
        }
      }
      auto flush = [&] {
        if (input_a) {
          PipelinedTiles<kInputA>(queue.data(), queued);
        } else {
          PipelinedTiles<kPackedA>(queue.data(), queued);
        }
        queued = 0;
      };
      auto run_tile = [&](int r0, int n0, const Requant16* panel_rq, bool in_order) {
        const size_t col = size_t(grp) * g.np + n0;
        const int n_valid = std::min(kNR, g.n - n0);
        // Built in place in the queue's next slot (a copy would read it back right after its
        // field-by-field stores, which cannot be forwarded to vector loads); an unqueued tile
        // runs from there and leaves the slot free.
        TileArgs& t = queue[queued];
        const int tile_rows = std::min(kMR, rows - r0);
        if (image_a) {
          for (int r = 0; r < tile_rows; ++r) {
            const int64_t pixel = (m0 + r0 + r) % pixels;
            t.rows[r] = a + image.PixelOffset(d, pixel / d.out_w, pixel % d.out_w);
          }
        } else {
          const uint8_t* first = input_a ? in + (m0 + r0) * d.in_c + int64_t{grp} * g.k
                                         : a + int64_t{r0} * g.kp;
          const int64_t step = input_a ? d.in_c : g.kp;
          for (int r = 0; r < tile_rows; ++r) t.rows[r] = first + r * step;
        }
        t.runs = runs;
        t.run_len = run_len;
        t.run_offset = run_offset;
        t.b = weights + col * g.kp;
        t.bias = bias + col;
        t.row_term = row_term + r0;
        t.rq = panel_rq;
        t.out = &stage;
        t.c = out + (m0 + r0) * d.out_c + int64_t{grp} * g.n + n0;
        t.c_stride = d.out_c;
        t.n_valid = n_valid;
        const bool full = tile_rows == kMR && n_valid > kNR - 16;
        if (pipelined && full && panel_rq[0].estimate && panel_rq[1].estimate &&
            panel_rq[2].estimate && panel_rq[3].estimate) {
          if (++queued == kQueue) flush();
        } else {
          // In panel order the queued tiles go first: they bring the panel into cache at full
          // speed, not a few-row tile.
          if (in_order) flush();
          tiles[tile_rows - 1][(n_valid + 15) / 16 - 1](t);
        }
      };
      auto make_rq = [&](int n0, Requant16* panel_rq) {
        const size_t col = size_t(grp) * g.np + n0;
        const int vectors = (std::min(kNR, g.n - n0) + 15) / 16;
        for (int v = 0; v < vectors; ++v) {
          panel_rq[v] = MakeRequant16(mult + col + 16 * v, shift + col + 16 * v, d.rounding);
        }
      };
      if (g.kp <= kSmallK && g.np <= kSmallKMaxN) {
        // Small K: every panel's weights fit in L1, so each A tile is used for all panels
        // while it is hot.
        for (int n0 = 0; n0 < g.n; n0 += kNR) make_rq(n0, rq_all + n0 / 16);
        for (int r0 = 0; r0 < rows; r0 += kMR) {
          for (int n0 = 0; n0 < g.n; n0 += kNR) run_tile(r0, n0, rq_all + n0 / 16, false);
        }
        flush();
      } else {
        // A panel's weights stay in cache while the whole A block streams past them.
        for (int n0 = 0; n0 < g.n; n0 += kNR) {
          make_rq(n0, rq);
          for (int r0 = 0; r0 < rows; r0 += kMR) run_tile(r0, n0, rq, true);
          flush();  // before rq changes
        }
      }
    }
    m0 = block_end;
  }
}

}  // namespace avx512vnni
}  // namespace qk
