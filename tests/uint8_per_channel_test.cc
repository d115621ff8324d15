// uint8 ops with per-channel multipliers: TFLite's uint8 ops are per-tensor only, qkernels accepts
// one multiplier per output channel as an extension (qkernels/types.h). Each ISA's conv2d,
// depthwise and fully connected must equal a plain-loop computation of the documented formula
// (qkernels/ops.h: out = clamp(MulQ(acc + bias, M0[c], shift[c]) + z_out)) with TFLite's
// MultiplyByQuantizedMultiplier transcribed in tests/tflm_arith.h, channel by channel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "qkernels/qkernels.hpp"
#include "tests/tflm_arith.h"

namespace qk {
namespace {

constexpr int kH = 6, kW = 7, kC = 5, kK = 3;  // input 1 x 6 x 7 x 5, 3x3 kernels, VALID
constexpr int kOutH = kH - kK + 1, kOutW = kW - kK + 1;
constexpr int32_t kInZp = 131, kFilterZp = 7, kOutZp = 97;

uint32_t g_state = 1;
uint32_t Next() { return g_state = g_state * 1664525u + 1013904223u; }

struct Data {
  std::vector<uint8_t> input, filter;
  std::vector<int32_t> bias, multiplier, shift;
};

Data Make(int filter_elems, int channels) {
  Data d;
  d.input.resize(kH * kW * kC);
  d.filter.resize(size_t(filter_elems));
  for (uint8_t& v : d.input) v = uint8_t(Next() >> 24);
  for (uint8_t& v : d.filter) v = uint8_t(Next() >> 24);
  for (int c = 0; c < channels; ++c) {
    d.bias.push_back(int32_t(Next() % 4001) - 2000);
    d.multiplier.push_back(int32_t((1u << 30) + (Next() >> 2)));
    d.shift.push_back(-9 - int(Next() % 4));  // channels differ in M0 and in shift
  }
  return d;
}

Requantization Quant(const Data& d, int channels) {
  Requantization q;
  q.input_zero_point = kInZp;
  q.filter_zero_point = kFilterZp;
  q.output_zero_point = kOutZp;
  q.output_multiplier = d.multiplier.data();
  q.output_shift = d.shift.data();
  q.num_channels = channels;
  q.activation_min = 0;
  q.activation_max = 255;
  return q;
}

uint8_t Expected(int32_t acc, const Data& d, int c) {
  const int32_t v = tflm::MultiplyByQuantizedMultiplier(acc + d.bias[c], d.multiplier[c],
                                                        d.shift[c]) + kOutZp;
  return uint8_t(std::min(255, std::max(0, v)));
}

// Plain loops: conv2d (groups 1), depthwise (multiplier 1), fully connected.
std::vector<uint8_t> ConvExpected(const Data& d, int out_c) {
  std::vector<uint8_t> out;
  for (int y = 0; y < kOutH; ++y)
    for (int x = 0; x < kOutW; ++x)
      for (int o = 0; o < out_c; ++o) {
        int32_t acc = 0;
        for (int ky = 0; ky < kK; ++ky)
          for (int kx = 0; kx < kK; ++kx)
            for (int i = 0; i < kC; ++i)
              acc += (d.filter[((o * kK + ky) * kK + kx) * kC + i] - kFilterZp) *
                     (d.input[((y + ky) * kW + x + kx) * kC + i] - kInZp);
        out.push_back(Expected(acc, d, o));
      }
  return out;
}

std::vector<uint8_t> DepthwiseExpected(const Data& d) {
  std::vector<uint8_t> out;
  for (int y = 0; y < kOutH; ++y)
    for (int x = 0; x < kOutW; ++x)
      for (int c = 0; c < kC; ++c) {
        int32_t acc = 0;
        for (int ky = 0; ky < kK; ++ky)
          for (int kx = 0; kx < kK; ++kx)
            acc += (d.filter[(ky * kK + kx) * kC + c] - kFilterZp) *
                   (d.input[((y + ky) * kW + x + kx) * kC + c] - kInZp);
        out.push_back(Expected(acc, d, c));
      }
  return out;
}

std::vector<uint8_t> FcExpected(const Data& d, int batch, int depth, int out_c) {
  std::vector<uint8_t> out;
  for (int b = 0; b < batch; ++b)
    for (int o = 0; o < out_c; ++o) {
      int32_t acc = 0;
      for (int i = 0; i < depth; ++i)
        acc += (d.filter[o * depth + i] - kFilterZp) * (d.input[b * depth + i] - kInZp);
      out.push_back(Expected(acc, d, o));
    }
  return out;
}

// The per-channel values matter: the expected outputs with channel 0's multiplier broadcast
// differ from the real ones (so a kernel that broadcast would fail here).
void ExpectChannelsMatter(const std::vector<uint8_t>& want, Data d,
                          std::vector<uint8_t> (*expect)(const Data&)) {
  std::fill(d.multiplier.begin(), d.multiplier.end(), d.multiplier[0]);
  std::fill(d.shift.begin(), d.shift.end(), d.shift[0]);
  EXPECT_NE(expect(d), want) << "the test data does not tell the channels apart";
}

TEST(UInt8PerChannel, EveryIsaMatchesThePlainFormula) {
  constexpr int kOutC = 11, kBatch = 3, kDepth = kH * kW * kC / kBatch;
  g_state = 2024;
  const Data conv = Make(kOutC * kK * kK * kC, kOutC);
  const Data dw = Make(kK * kK * kC, kC);
  const Data fc = Make(kOutC * kDepth, kOutC);
  const std::vector<uint8_t> want_conv = ConvExpected(conv, kOutC);
  const std::vector<uint8_t> want_dw = DepthwiseExpected(dw);
  const std::vector<uint8_t> want_fc = FcExpected(fc, kBatch, kDepth, kOutC);
  ExpectChannelsMatter(want_conv, conv, [](const Data& d) { return ConvExpected(d, kOutC); });
  ExpectChannelsMatter(want_dw, dw, DepthwiseExpected);
  ExpectChannelsMatter(want_fc, fc,
                       [](const Data& d) { return FcExpected(d, kBatch, kDepth, kOutC); });
  for (Isa isa : SupportedIsas()) {
    Conv2DParams cp;
    cp.type = DataType::kUInt8;
    cp.input_height = kH, cp.input_width = kW, cp.input_channels = kC;
    cp.output_channels = kOutC, cp.kernel_height = cp.kernel_width = kK;
    cp.quant = Quant(conv, kOutC);
    DepthwiseConv2DParams dp;
    dp.type = DataType::kUInt8;
    dp.input_height = kH, dp.input_width = kW, dp.input_channels = kC;
    dp.kernel_height = dp.kernel_width = kK;
    dp.quant = Quant(dw, kC);
    FullyConnectedParams fp;
    fp.type = DataType::kUInt8;
    fp.batch = kBatch, fp.input_depth = kDepth, fp.output_depth = kOutC;
    fp.quant = Quant(fc, kOutC);
    PackedOp c, d, f;
    ASSERT_TRUE(PackConv2D(cp, conv.filter.data(), conv.bias.data(), &c, isa).ok());
    ASSERT_TRUE(PackDepthwiseConv2D(dp, dw.filter.data(), dw.bias.data(), &d, isa).ok());
    ASSERT_TRUE(PackFullyConnected(fp, fc.filter.data(), fc.bias.data(), &f, isa).ok());
    std::vector<uint8_t> got_conv(want_conv.size()), got_dw(want_dw.size()),
        got_fc(want_fc.size());
    ASSERT_TRUE(qk::Run(c, conv.input.data(), got_conv.data()).ok());
    ASSERT_TRUE(qk::Run(d, dw.input.data(), got_dw.data()).ok());
    ASSERT_TRUE(qk::Run(f, fc.input.data(), got_fc.data()).ok());
    EXPECT_EQ(got_conv, want_conv) << IsaName(isa) << " " << c.kernel_name();
    EXPECT_EQ(got_dw, want_dw) << IsaName(isa) << " " << d.kernel_name();
    EXPECT_EQ(got_fc, want_fc) << IsaName(isa) << " " << f.kernel_name();
  }
}

}  // namespace
}  // namespace qk
