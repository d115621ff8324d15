// A 3x3 int8 conv (MNIST-like first layer) with TFLite's exact requantization.
#include <cstdio>
#include <vector>
#include <qkernels/qkernels.hpp>

int main() {
  const float input_scale = 1.0f / 255, filter_scale = 0.0039f, output_scale = 0.0235f;
  const qk::QuantizedMultiplier q = qk::QuantizeMultiplier(
      qk::EffectiveScalePerChannel(input_scale, filter_scale, output_scale));  // M0, shift
  qk::Conv2DParams p;
  p.input_height = p.input_width = 28; p.input_channels = 1;
  p.output_channels = 32; p.kernel_height = p.kernel_width = 3;
  p.quant.input_zero_point = -128; p.quant.output_zero_point = -128;
  p.quant.output_multiplier = &q.multiplier; p.quant.output_shift = &q.shift;
  p.quant.num_channels = 1;  // one per-tensor multiplier (required)
  std::vector<int8_t> input(28 * 28, 0), filter(32 * 3 * 3, 1), output(26 * 26 * 32);
  std::vector<int32_t> bias(32, 100);
  qk::PackedOp conv;
  qk::Status s = qk::PackConv2D(p, filter.data(), bias.data(), &conv);  // once, at load
  std::vector<unsigned char> workspace(conv.workspace_size());
  if (s.ok()) s = qk::Run(conv, input.data(), output.data(), workspace.data(), workspace.size());
  if (!s.ok()) { std::fprintf(stderr, "error: %s\n", s.message().c_str()); return 1; }
  std::printf("%s: out[0] = %d\n", conv.kernel_name(), output[0]);
  return 0;
}
