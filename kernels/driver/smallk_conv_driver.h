// The small-K conv driver: first layers and other convolutions whose whole kernel is a few groups
// of K (MNIST 3x3x1, RGB 3x3x3) and whose output is narrow, computed straight from a padded copy
// of the image with no im2col rows. Written once, compiled with the baseline flags.
//
// The driver owns the padded image (a_rows.h's PaddedImage, converted to the ISA's AFormat),
// filled one band of output rows at a time just before the band's tiles run, so that the tiles
// read it from L1 and the workspace stays small; the band loop over batch items and output rows;
// and a per-call prepare of the ISA's constants. An ISA gives its weight packing (its table row's
// pack function) and a microkernel that computes the pixel tiles of one band.
#ifndef QKERNELS_KERNELS_DRIVER_SMALLK_CONV_DRIVER_H_
#define QKERNELS_KERNELS_DRIVER_SMALLK_CONV_DRIVER_H_

#include <cstddef>
#include <cstdint>

#include "kernels/driver/gemm_conv_driver.h"

namespace qk {
namespace driver {

// One band: `pixels` consecutive output pixels from the start of an output row; pixel i (output
// row i / out_w, column i % out_w of the band) has its first tap at
// line + (i / out_w) * row_step + (i % out_w) * col_step, and its output at out + i * out_c.
struct SmallKBand {
  const internal::OpDesc* desc;
  const void* state;  // the ISA's prepared constants
  const uint8_t* line;
  int64_t row_step, col_step;
  int64_t pixels;
  uint8_t* out;
};

struct SmallKConfig {
  AFormat a_format;    // how the padded image holds the input
  int64_t band_bytes;  // padded rows per band: about this many bytes (at least one output row)
  size_t state_bytes;
  // Prepares the constants of a call (the padded image's geometry is PaddedImage(d, 1)'s).
  void (*prepare)(const internal::OpDesc& d, const internal::PackedData& data, void* state);
  void (*band)(const SmallKBand& b);
  // Optional vectorized conversion for the image's rows (as GemmConvConfig::convert).
  void (*convert)(const void* src, int64_t n, DataType type, AFormat f, int32_t input_zp,
                  void* dst);
};

size_t SmallKConvWorkspaceBytes(const internal::OpDesc& d, const SmallKConfig& c, int threads);
void RunSmallKConv(const internal::OpDesc& d, const internal::PackedData& data,
                   const SmallKConfig& c, const void* input, void* output, void* workspace,
                   const internal::Parallel& par);

template <const SmallKConfig& C>
struct SmallKConvRow {
  static size_t Workspace(const internal::OpDesc& d, int threads) {
    return SmallKConvWorkspaceBytes(d, C, threads);
  }
  static void Run(const internal::OpDesc& d, const internal::PackedData& p, const void* in,
                  void* out, void* ws, const internal::Parallel& par) {
    RunSmallKConv(d, p, C, in, out, ws, par);
  }
};

}  // namespace driver
}  // namespace qk

#endif  // QKERNELS_KERNELS_DRIVER_SMALLK_CONV_DRIVER_H_
