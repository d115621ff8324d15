// The GEMM-conv driver: conv2d (1x1, im2col, taps from a padded image, grouped) and batched fully
// connected as `groups` GEMMs C[m][n] = sum_k A[m][k] * B[k][n], m = output pixel (batch folded
// in), n = output channel of the group, k = tap in filter order (ky, kx, input channel). Fully
// connected is a 1x1 convolution over a batch x 1 x 1 image.
//
// Written once for every ISA, compiled with the baseline flags (no intrinsics). The driver owns
// the geometry, where the rows of A come from (ASource), their filling (im2col, row copies, the
// padded image), row blocking, groups, the edge tiles' bookkeeping, the workspace, the weight
// packing and the zero-point folding. An ISA contributes a GemmConvConfig: its tile (mr x nr, K
// in groups of kr), the formats of A and B, and a microkernel that computes a range of tiles with
// the requantization fused in registers.
#ifndef QKERNELS_KERNELS_DRIVER_GEMM_CONV_DRIVER_H_
#define QKERNELS_KERNELS_DRIVER_GEMM_CONV_DRIVER_H_

#include <cstddef>
#include <cstdint>

#include "core/kernel.h"

namespace qk {
namespace driver {

// How the driver stores an element of A (im2col rows, row copies, the padded image) and what an
// out-of-image tap holds (it must contribute exactly 0 to the accumulator).
enum class AFormat {
  // Bytes for u8 x s8 dot products (vpdpbusd): int8 x as x ^ 0x80 = x + 128 (the -128 shift is
  // folded into the bias), uint8 x as x (with a per-row term (128 - filter_zp) * sum x, see
  // PackGemmConv). A padded tap holds input_zp in the same form.
  kXorU8,
  // The input bytes unchanged (sdot / smmla: s8 x s8 with -input_zp * sum w folded into the
  // bias; NEON smlal: the microkernel subtracts input_zp). A padded tap holds input_zp.
  kRawBytes,
  // int16 x - input_zp (vpmaddwd; int16x8 activations are copied). A padded tap holds 0.
  kInt16MinusZp,
};

// How the packed weights are stored: int8 (uint8 weights as w ^ 0x80 = w - 128, signed), or
// int16 w - filter_zp.
enum class WFormat { kInt8, kInt16MinusZp };

// Where the rows of A come from; the driver chooses per op and the table rows are named after it.
enum class ASource {
  kInput,  // pointwise conv / FC whose K is a whole number of k_align groups: the input rows
  kRows,   // rows built in the workspace: im2col, or copies of the input rows
  kImage,  // taps read straight from a padded copy of the image: one run per kernel row (or tap)
};

struct GemmGeometry {
  int groups;
  int64_t m;  // rows: batch * out_h * out_w
  int n;      // output channels per group
  int k;      // kernel depth per group
  int kp;     // k rounded up to k_align (elements); the packed weights are zero past k
  int np;     // n rounded up to nr; column j of group g is packed column g * np + j
};

// What the driver hands a microkernel: rows [0, m) x panels [panel_begin, panel_end) of one group.
// Row r of A is `runs` runs of run_elems elements (a multiple of k_align) at rows[r] +
// run_offset[i] bytes, in the order of the packed K. Partial tiles are the microkernel's business
// (rows past m and columns past n are never stored).
struct GemmTiles {
  const internal::OpDesc* desc;
  const internal::PackedData* data;
  const GemmGeometry* geometry;
  int group;
  const uint8_t* const* rows;
  int m;
  int runs;
  int run_elems;
  const int64_t* run_offset;
  bool a_raw;               // rows are the caller's input: the AFormat's transform is not applied
  const int32_t* row_term;  // m entries added to every accumulator of the row, or nullptr
  const uint8_t* panels;    // the group's panel 0: [kp / kr][nr][kr] weights per panel
  size_t panel_bytes;
  int panel_begin, panel_end;
  bool rows_outside_panels;  // every panel of a row tile before the next row tile
  uint8_t* out;              // output row 0, group channel 0
  int64_t out_stride;        // elements between output rows
};

// An ISA's contribution to the driver.
struct GemmConvConfig {
  int mr, nr;
  int kr;       // K values per packed group of a column
  int k_align;  // K is padded to a multiple of this; A runs are whole multiples of it
  AFormat a_format;
  WFormat w_format;
  bool reads_input;   // the microkernel can read the caller's input rows in place (a_raw)
  bool padded_image;  // ... and taps from a padded image (1-byte A formats only)
  int64_t a_block_bytes;  // A rows per block: about this many bytes (kept in L2)
  int64_t max_block_rows;
  // Rows-outside-panels order when kp * a element bytes <= this and np <= small_k_max_n.
  int small_k_bytes, small_k_max_n;
  // Writes data->packed_bias (the ISA's per-channel block) from the bias with the zero-point
  // terms folded in, one value per packed column (groups * np; padding columns 0).
  void (*pack_channels)(const internal::OpDesc& d, const GemmGeometry& g,
                        const int32_t* column_bias, internal::PackedData* data);
  // Optional: after the weights are packed, appends to data->packed (int16x8 parameters).
  void (*pack_extra)(const internal::OpDesc& d, internal::PackedData* data);
  void (*tiles)(const GemmTiles& t);
  // Optional vectorized conversion of n input elements into A (long runs only; nullptr: the
  // driver's portable loop). flip / zp as in AFormat.
  void (*convert)(const void* src, int64_t n, DataType type, AFormat f, int32_t input_zp,
                  void* dst);
};

// A pack_channels for microkernels that read [bias'][multiplier][shift], groups * np values each,
// indexed by packed column (padding columns 0).
void PackColumnParams(const internal::OpDesc& d, const GemmGeometry& g, const int32_t* column_bias,
                      internal::PackedData* data);

GemmGeometry GemmGeometryOf(const internal::OpDesc& d, const GemmConvConfig& c);
ASource ChooseASource(const internal::OpDesc& d, const GemmConvConfig& c);
void PackGemmConv(const internal::OpDesc& d, const GemmConvConfig& c, internal::PackedData* data);
size_t GemmConvWorkspaceBytes(const internal::OpDesc& d, const GemmConvConfig& c, int threads);
void RunGemmConv(const internal::OpDesc& d, const internal::PackedData& data,
                 const GemmConvConfig& c, const void* input, void* output, void* workspace,
                 const internal::Parallel& par);

// The table-row functions of an ISA's config C (a namespace-scope object). A row's `applies`
// names the A source its kernel name promises: 1x1 (pointwise: input rows in place, or copied),
// igemm (taps from the padded image), im2col (any other conv, after the others in the table).
template <const GemmConvConfig& C>
struct GemmConvRow {
  static bool Pointwise(const internal::OpDesc& d) { return d.IsPointwise(); }
  static bool Image(const internal::OpDesc& d) { return ChooseASource(d, C) == ASource::kImage; }
  static bool Always(const internal::OpDesc&) { return true; }
  static void Pack(const internal::OpDesc& d, internal::PackedData* p) { PackGemmConv(d, C, p); }
  static size_t Workspace(const internal::OpDesc& d, int threads) {
    return GemmConvWorkspaceBytes(d, C, threads);
  }
  static void Run(const internal::OpDesc& d, const internal::PackedData& p, const void* in,
                  void* out, void* ws, const internal::Parallel& par) {
    RunGemmConv(d, p, C, in, out, ws, par);
  }
};

}  // namespace driver
}  // namespace qk

#endif  // QKERNELS_KERNELS_DRIVER_GEMM_CONV_DRIVER_H_
