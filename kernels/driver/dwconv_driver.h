// The depthwise-conv driver: written once for every ISA, compiled with the baseline flags.
//
// It owns the geometry, the depth multiplier (M > 1: the input is first expanded in the workspace
// so that output channel c reads channel c of the copy), the split of each output row into its
// interior (every tap inside the image) and its borders, the border pixels' tap pointers (an
// outside tap points at a row of input_zp, so it contributes exactly 0 and no microkernel tests
// bounds), the channel chunks and the workspace. An ISA contributes its weight packing (its table
// row's pack function), a chunk width, a per-chunk prepare (the chunk's requantization constants,
// computed once per Run) and two microkernels: interior pixels (taps at fixed offsets from each
// pixel's first tap) and border pixels (one pointer per tap). Both requantize in registers.
#ifndef QKERNELS_KERNELS_DRIVER_DWCONV_DRIVER_H_
#define QKERNELS_KERNELS_DRIVER_DWCONV_DRIVER_H_

#include <cstddef>
#include <cstdint>

#include "core/kernel.h"

namespace qk {
namespace driver {

// What the driver hands a microkernel: `count` consecutive output pixels of one output row, the
// channels [c0, c0 + n) of one chunk. Input pointers point at channel 0 of a pixel (add c0
// elements); the output pointer is pixel 0's channel c0.
struct DwPixels {
  const internal::OpDesc* desc;  // depth multiplier 1 (in_c == out_c)
  const internal::PackedData* data;
  const void* state;  // this chunk's prepared state
  int chunk, c0, n;
  int count;
  uint8_t* out;
  int64_t out_step;    // bytes between output pixels
  const uint8_t* pad;  // an input pixel row of input_zp (pad + c0 elements is a chunk of it)
  // Interior pixels: tap t of pixel i at first + i * x_step + tap_offset[t] bytes.
  const uint8_t* first;
  int64_t x_step;
  const int64_t* tap_offset;
  // Border pixels: tap t of pixel i at taps[i * kernel_h * kernel_w + t] (an input pixel, or pad).
  const uint8_t* const* taps;
};

struct DwConvConfig {
  int chunk;           // channels per chunk
  size_t state_bytes;  // per-chunk state (at most; 64-byte aligned)
  void (*prepare)(const internal::OpDesc& d, const internal::PackedData& data, int chunk,
                  void* state);
  void (*interior)(const DwPixels& p);
  void (*border)(const DwPixels& p);
};

size_t DwConvWorkspaceBytes(const internal::OpDesc& d, const DwConvConfig& c, int threads);
void RunDwConv(const internal::OpDesc& d, const internal::PackedData& data, const DwConvConfig& c,
               const void* input, void* output, void* workspace,
               const internal::Parallel& par);

// The table-row functions of an ISA's config C (a namespace-scope object).
template <const DwConvConfig& C>
struct DwConvRow {
  static size_t Workspace(const internal::OpDesc& d, int threads) {
    return DwConvWorkspaceBytes(d, C, threads);
  }
  static void Run(const internal::OpDesc& d, const internal::PackedData& p, const void* in,
                  void* out, void* ws, const internal::Parallel& par) {
    RunDwConv(d, p, C, in, out, ws, par);
  }
};

}  // namespace driver
}  // namespace qk

#endif  // QKERNELS_KERNELS_DRIVER_DWCONV_DRIVER_H_
