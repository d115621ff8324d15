// The plain NEON (Armv8.0) rows of the kernel table. Every op and data type has a row:
// int8/uint8 conv and fully connected through the GEMM-conv driver with the 4x8c8 microkernel
// (1x1: pointwise ops; igemm: taps from a padded image; im2col: the rest), int8/uint8 depthwise,
// int16x8 conv and FC, int16x8 depthwise. The depthwise rows run on the depthwise-conv driver.
#include <vector>

#include "kernels/neon/neon_kernels.h"

namespace qk {
namespace neon {

using internal::Kernel;
using internal::OpKind;

void AppendKernels(std::vector<Kernel>* table) {
  using Gemm = driver::GemmConvRow<kGemmConv>;
  using Gemm16 = driver::GemmConvRow<kGemmConv16>;
  using Dw = driver::DwConvRow<kDwConv>;
  using Dw16 = driver::DwConvRow<kDwConv16>;
  const Isa isa = Isa::kNeon;
  const OpKind conv = OpKind::kConv2D, fc = OpKind::kFullyConnected;
  const OpKind dw = OpKind::kDepthwiseConv2D;
  const DataType s8 = DataType::kInt8, u8 = DataType::kUInt8, s16 = DataType::kInt16;
  const Kernel rows[] = {
      {isa, conv, s8, "qs8_conv_1x1_4x8c1__neon", Gemm::Pointwise, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
      {isa, conv, s8, "qs8_conv_igemm_4x8c1__neon", Gemm::Image, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
      {isa, conv, s8, "qs8_conv_im2col_4x8c1__neon", Gemm::Always, Gemm::Pack, Gemm::Workspace,
       Gemm::Run},
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
      {isa, fc, s8, "qs8_fc_4x8c1__neon", Gemm::Always, Gemm::Pack, Gemm::Workspace, Gemm::Run},
      {isa, fc, u8, "qu8_fc_4x8c1__neon", Gemm::Always, Gemm::Pack, Gemm::Workspace, Gemm::Run},
      {isa, fc, s16, "qs16x8_fc_4x8c1__neon", Gemm16::Always, Gemm16::Pack, Gemm16::Workspace,
       Gemm16::Run},
  };
  table->insert(table->end(), std::begin(rows), std::end(rows));
}

}  // namespace neon
}  // namespace qk
