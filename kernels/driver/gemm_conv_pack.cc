// The GEMM-conv driver's weight packing and zero-point folding (see gemm_conv_driver.h).
//
// Per AFormat, with x the input, w the weight, zp_x / zp_w their zero points and every sum
// wrapping mod 2^32 like the accumulators (TFLite: acc = sum (w - zp_w)(x - zp_x) + bias):
//  kXorU8, int8:   A = x + 128, B = w:       sum w (x - zp_x) = sum w A - (128 + zp_x) sum w.
//  kXorU8, uint8:  A = x, B = w' = w - 128, w - zp_w = w' + c with c = 128 - zp_w:
//                  sum (w - zp_w)(x - zp_x) = sum w' A - zp_x sum w' - c zp_x K + c sum A;
//                  the last term is per row (the driver's row term), the others per column.
//  kRawBytes, int8 weights (sdot, smmla): sum w (x - zp_x) = sum w x - zp_x sum w.
//  kRawBytes with int16 weights (NEON smlal), kInt16MinusZp (vpmaddwd): the microkernel
//                  multiplies (x - zp_x) by (w - zp_w) itself; nothing is folded.
// Padded taps hold zp_x (in A's form) and so contribute exactly 0 in every case.
#include <vector>

#include "kernels/driver/gemm_conv_driver.h"

namespace qk {
namespace driver {
namespace {

using internal::OpDesc;
using internal::PackedData;

// Packs every column's weights into panels of [kp / kr][nr][kr] elements of type T (zero past k
// and past n, as the buffer was zero-filled); sums[col] receives the sum of a column's values.
template <typename T>
void PackColumns(const OpDesc& d, const GemmGeometry& g, const GemmConvConfig& c,
                 const int8_t* filter, T* packed, uint32_t* sums) {
  const bool u8 = d.type == DataType::kUInt8;
  const bool minus_zp = c.w_format == WFormat::kInt16MinusZp;
  const size_t panel_elems = size_t(g.kp) * c.nr;
  for (int grp = 0; grp < g.groups; ++grp) {
    for (int j = 0; j < g.n; ++j) {
      const int8_t* w = filter + (size_t(grp) * g.n + j) * g.k;
      const size_t col = size_t(grp) * g.np + j;
      T* dst = packed + (col / c.nr) * panel_elems + (col % c.nr) * c.kr;
      uint32_t sum = 0;
      for (int k = 0; k < g.k; ++k) {
        const int32_t raw = u8 ? int32_t{static_cast<uint8_t>(w[k])} : int32_t{w[k]};
        // int16: w - zp_w; int8: the weight, uint8 ones as w ^ 0x80 = w - 128.
        const int32_t v = minus_zp ? raw - d.filter_zp : u8 ? raw - 128 : raw;
        dst[size_t(k / c.kr) * c.nr * c.kr + k % c.kr] = static_cast<T>(v);
        sum += static_cast<uint32_t>(v);
      }
      sums[col] = sum;
    }
  }
}

// The bias with the column terms of the header's table folded in (unsigned: wraps like the
// accumulator).
uint32_t FoldedBias(const OpDesc& d, const GemmConvConfig& c, int k, uint32_t bias, uint32_t sum) {
  const uint32_t zp_x = static_cast<uint32_t>(d.input_zp);
  if (c.a_format == AFormat::kXorU8) {
    if (d.type == DataType::kUInt8) {
      const uint32_t cw = 128u - static_cast<uint32_t>(d.filter_zp);
      return bias - zp_x * sum - cw * zp_x * static_cast<uint32_t>(k);
    }
    return bias - (128u + zp_x) * sum;
  }
  if (c.a_format == AFormat::kRawBytes && c.w_format == WFormat::kInt8) return bias - zp_x * sum;
  return bias;
}

}  // namespace

void PackColumnParams(const OpDesc&, const GemmGeometry& g, const int32_t* column_bias,
                      PackedData* data) {
  const size_t cols = size_t(g.groups) * g.np;
  data->packed_bias.assign(3 * cols, 0);
  int32_t* bias = data->packed_bias.data();
  for (size_t col = 0; col < cols; ++col) bias[col] = column_bias[col];
  for (int grp = 0; grp < g.groups; ++grp) {
    for (int j = 0; j < g.n; ++j) {
      const size_t col = size_t(grp) * g.np + j;
      bias[cols + col] = data->multiplier[size_t(grp) * g.n + j];
      bias[2 * cols + col] = data->shift[size_t(grp) * g.n + j];
    }
  }
}

void PackGemmConv(const OpDesc& d, const GemmConvConfig& c, PackedData* data) {
  const GemmGeometry g = GemmGeometryOf(d, c);
  const size_t cols = size_t(g.groups) * g.np;
  std::vector<uint32_t> sums(cols, 0);
  if (c.w_format == WFormat::kInt16MinusZp) {
    data->packed.Resize(cols * g.kp * sizeof(int16_t));
    PackColumns(d, g, c, data->filter.data(), data->packed.as<int16_t>(), sums.data());
  } else {
    data->packed.Resize(cols * g.kp);
    PackColumns(d, g, c, data->filter.data(), data->packed.as<int8_t>(), sums.data());
  }
  std::vector<int32_t> column_bias(cols, 0);
  if (d.type != DataType::kInt16) {  // int16x8 biases are int64: the ISA's pack_extra
    for (int grp = 0; grp < g.groups; ++grp) {
      for (int j = 0; j < g.n; ++j) {
        const size_t col = size_t(grp) * g.np + j;
        const uint32_t bias = static_cast<uint32_t>(data->bias32[size_t(grp) * g.n + j]);
        column_bias[col] = static_cast<int32_t>(FoldedBias(d, c, g.k, bias, sums[col]));
      }
    }
  }
  c.pack_channels(d, g, column_bias.data(), data);
  if (c.pack_extra != nullptr) c.pack_extra(d, data);
}

}  // namespace driver
}  // namespace qk
