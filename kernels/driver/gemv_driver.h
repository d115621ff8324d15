// The GEMV driver: fully connected layers with a few batch rows, which stream the weights once and
// are bound by memory, not by the tile's arithmetic. Written once, compiled with the baseline
// flags. The driver converts each input row into the ISA's AFormat (padded with zeros to
// k_align) in the workspace and splits the output channels into ranges; an ISA gives its weight
// packing (its table row's pack function) and a microkernel that computes a range of output
// channels for every batch row (so that a block of weights read once serves them all), with the
// requantization fused in registers.
#ifndef QKERNELS_KERNELS_DRIVER_GEMV_DRIVER_H_
#define QKERNELS_KERNELS_DRIVER_GEMV_DRIVER_H_

#include <cstddef>
#include <cstdint>

#include "kernels/driver/gemm_conv_driver.h"

namespace qk {
namespace driver {

// Output channels [o_begin, o_end) of every batch row. Row b's input is kp converted elements at
// x + b * x_stride (zeros past in_c); its outputs at out + b * out_stride bytes.
struct GemvRows {
  const internal::OpDesc* desc;
  const internal::PackedData* data;
  const uint8_t* x;
  int64_t x_stride;
  int kp;
  int o_begin, o_end;  // o_begin is a multiple of the config's block
  uint8_t* out;
  int64_t out_stride;
};

struct GemvConfig {
  int block;    // output channels per microkernel step
  int k_align;  // the converted input is padded with zeros to a multiple of this
  AFormat a_format;
  void (*rows)(const GemvRows& r);
  // Optional vectorized conversion (as GemmConvConfig::convert).
  void (*convert)(const void* src, int64_t n, DataType type, AFormat f, int32_t input_zp,
                  void* dst);
};

// The input depth padded to k_align.
int GemvDepth(const internal::OpDesc& d, const GemvConfig& c);
size_t GemvWorkspaceBytes(const internal::OpDesc& d, const GemvConfig& c, int threads);
void RunGemv(const internal::OpDesc& d, const internal::PackedData& data, const GemvConfig& c,
             const void* input, void* output, void* workspace,
             const internal::Parallel& par);

template <const GemvConfig& C>
struct GemvRow {
  static size_t Workspace(const internal::OpDesc& d, int threads) {
    return GemvWorkspaceBytes(d, C, threads);
  }
  static void Run(const internal::OpDesc& d, const internal::PackedData& p, const void* in,
                  void* out, void* ws, const internal::Parallel& par) {
    RunGemv(d, p, C, in, out, ws, par);
  }
};

}  // namespace driver
}  // namespace qk

#endif  // QKERNELS_KERNELS_DRIVER_GEMV_DRIVER_H_
