// The plain NEON (Armv8.0) rows of the kernel table. Every op and data type has a row:
// int8/uint8 conv and fully connected through the GEMM-conv driver (1x1: pointwise ops; igemm:
// taps from a padded image; im2col: the rest), int8/uint8 depthwise, int16x8 conv and FC, int16x8
// depthwise. The depthwise rows run on the depthwise-conv driver. The int8 rows run the 2x8c16
// microkernel (int8 product pairs) when every weight lies in [-127, 127], which only the weights
// can tell: their pack function checks them and falls back to the 4x8c1 one (int16 products,
// exact for any weight), recording its choice in PackedData::pack_variant. Packed for an
// in-order core (PackedData::core_class), the pairs run on the 4x4c16 tile scheduled for it.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/neon/neon_kernels.h"

namespace qk {
namespace neon {

using internal::Kernel;
using internal::OpDesc;
using internal::OpKind;
using internal::PackedData;

// The int8 GEMM-conv rows: kGemmConvPairs when its sums of two products cannot wrap in int16
// (no weight is -128; int8 filters have zero point 0), or its in-order twin
// kGemmConvPairsInOrder when the op is packed for an in-order core; else kGemmConv.
struct Qs8GemmRow {
  using Pairs = driver::GemmConvRow<kGemmConvPairs>;
  using PairsInOrder = driver::GemmConvRow<kGemmConvPairsInOrder>;
  using Mlal = driver::GemmConvRow<kGemmConv>;
  static constexpr int kPairs = 1, kPairsInOrder = 2;
  static bool PairsExact(const OpDesc& d, const PackedData& data) {
    if (d.type != DataType::kInt8 || d.filter_zp != 0) return false;
    return std::none_of(data.filter.begin(), data.filter.end(),
                        [](int8_t w) { return w == INT8_MIN; });
  }
  static void Pack(const OpDesc& d, PackedData* data) {
    const bool in_order = data->core_class == internal::CoreClass::kInOrder;
    data->pack_variant = !PairsExact(d, *data) ? 0 : in_order ? kPairsInOrder : kPairs;
    if (data->pack_variant == kPairs) {
      Pairs::Pack(d, data);
    } else if (data->pack_variant == kPairsInOrder) {
      PairsInOrder::Pack(d, data);
    } else {
      Mlal::Pack(d, data);
    }
  }
  static size_t Workspace(const OpDesc& d, int threads) {
    return std::max({Pairs::Workspace(d, threads), PairsInOrder::Workspace(d, threads),
                     Mlal::Workspace(d, threads)});
  }
  static void Run(const OpDesc& d, const PackedData& data, const void* in, void* out, void* ws,
                  const internal::Parallel& par) {
    if (data.pack_variant == kPairs) {
      Pairs::Run(d, data, in, out, ws, par);
    } else if (data.pack_variant == kPairsInOrder) {
      PairsInOrder::Run(d, data, in, out, ws, par);
    } else {
      Mlal::Run(d, data, in, out, ws, par);
    }
  }
};

void AppendKernels(std::vector<Kernel>* table) {
  using Gemm = driver::GemmConvRow<kGemmConv>;
  using S8 = Qs8GemmRow;
  using Gemm16 = driver::GemmConvRow<kGemmConv16>;
  using Dw = driver::DwConvRow<kDwConv>;
  using Dw16 = driver::DwConvRow<kDwConv16>;
  const Isa isa = Isa::kNeon;
  const OpKind conv = OpKind::kConv2D, fc = OpKind::kFullyConnected;
  const OpKind dw = OpKind::kDepthwiseConv2D;
  const DataType s8 = DataType::kInt8, u8 = DataType::kUInt8, s16 = DataType::kInt16;
  const Kernel rows[] = {
      {isa, conv, s8, "qs8_conv_1x1_2x8c16__neon", Gemm::Pointwise, S8::Pack, S8::Workspace,
       S8::Run},
      {isa, conv, s8, "qs8_conv_igemm_2x8c16__neon", S8::Pairs::Image, S8::Pack, S8::Workspace,
       S8::Run},
      {isa, conv, s8, "qs8_conv_im2col_2x8c16__neon", Gemm::Always, S8::Pack, S8::Workspace,
       S8::Run},
      {isa, conv, u8, "qu8_conv_1x1_4x8c1__neon", Gemm::Pointwise, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
      {isa, conv, u8, "qu8_conv_igemm_4x8c1__neon", Gemm::Image, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
      {isa, conv, u8, "qu8_conv_im2col_4x8c1__neon", Gemm::Always, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
      {isa, conv, s16, "qs16x8_conv_1x1_4x8c1__neon", Gemm16::Pointwise, Gemm16::Pack,
       Gemm16::Workspace, Gemm16::Run},
      {isa, conv, s16, "qs16x8_conv_im2col_4x8c1__neon", Gemm16::Always, Gemm16::Pack,
       Gemm16::Workspace, Gemm16::Run},
      {isa, dw, s8, "qs8_dwconv_8c1__neon", Gemm::Always, PackDw8, Dw::Workspace, Dw::Run},
      {isa, dw, u8, "qu8_dwconv_8c1__neon", Gemm::Always, PackDw8, Dw::Workspace, Dw::Run},
      {isa, dw, s16, "qs16x8_dwconv_4c1__neon", Gemm::Always, PackDw16, Dw16::Workspace,
       Dw16::Run},
      {isa, fc, s8, "qs8_fc_2x8c16__neon", Gemm::Always, S8::Pack, S8::Workspace, S8::Run},
      {isa, fc, u8, "qu8_fc_4x8c1__neon", Gemm::Always, Gemm::Pack, Gemm::Workspace, Gemm::Run},
      {isa, fc, s16, "qs16x8_fc_4x8c1__neon", Gemm16::Always, Gemm16::Pack, Gemm16::Workspace,
       Gemm16::Run},
  };
  table->insert(table->end(), std::begin(rows), std::end(rows));
}

}  // namespace neon
}  // namespace qk
