// qk-bench peer: gemmlowp (Debian libgemmlowp-dev, header-only), <op>/<workload>/gemmlowp.
//
// gemmlowp is exact (TFLite's legacy uint8 path used it) but has only a uint8 GEMM: the data are
// the int8 workload shifted by +128 (zero points likewise), and the output pipeline is TFLite's:
// bias, per-channel fixed-point multiplier and exponent, output offset, clamp, cast to uint8.
// This file is compiled with -mavx2 -mfma -DGEMMLOWP_ENABLE_AVX2 so that gemmlowp uses its
// fastest x86 kernel (AVX2_64_Kernel24x8Depth2); main() registers it only on AVX2 CPUs.
//
// Convolutions run as TFLite's legacy uint8 conv did: im2col (inside the timed loop, skipped for
// 1x1 stride-1 convolutions, padding with the input zero point) followed by the gemmlowp GEMM.
// Depthwise convolutions are not registered: gemmlowp has no depthwise kernel (TFLite's uint8
// depthwise never used gemmlowp) and a GEMM formulation of it would measure nothing meaningful.
#include <gemmlowp/public/gemmlowp.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/workloads.h"

namespace qkbench {
namespace {

constexpr int32_t kOffset = 128;  // int8 value + 128 = uint8 value

// Output pixel rows of K = KH*KW*C values each (TFLite's im2col: same order as the filter rows).
void Im2Col(const Workload& w, const uint8_t* input, uint8_t pad_value, uint8_t* patches) {
  const int k = w.kernel, c = w.in_c;
  for (int oy = 0; oy < w.out_h; ++oy) {
    for (int ox = 0; ox < w.out_w; ++ox) {
      uint8_t* row = patches + (size_t(oy) * w.out_w + ox) * w.GemmK();
      for (int ky = 0; ky < k; ++ky) {
        const int iy = oy * w.stride - w.pad_top + ky;
        for (int kx = 0; kx < k; ++kx) {
          const int ix = ox * w.stride - w.pad_left + kx;
          uint8_t* dst = row + (ky * k + kx) * c;
          if (iy < 0 || iy >= w.in_h || ix < 0 || ix >= w.in_w) {
            std::memset(dst, pad_value, c);
          } else {
            std::memcpy(dst, input + (size_t(iy) * w.in_w + ix) * c, c);
          }
        }
      }
    }
  }
}

bool NeedsIm2Col(const Workload& w) { return !(w.kernel == 1 && w.stride == 1); }

void BM_Gemmlowp(benchmark::State& state, const Workload* w) {
  const WorkloadData d = MakeData(*w);
  const int m = w->GemmM(), n = w->GemmN(), k = w->GemmK();
  std::vector<uint8_t> input(d.input.size()), filter(d.filter.size());
  for (size_t i = 0; i < input.size(); ++i) input[i] = uint8_t(d.input[i] + kOffset);
  for (size_t i = 0; i < filter.size(); ++i) filter[i] = uint8_t(d.filter[i] + kOffset);
  const int32_t input_zp = d.quant.input_zero_point + kOffset;
  const int32_t output_zp = d.quant.output_zero_point + kOffset;
  std::vector<uint8_t> patches(NeedsIm2Col(*w) ? size_t(m) * k : 0);
  std::vector<uint8_t> output(size_t(m) * n);

  gemmlowp::GemmContext context;
  context.set_max_num_threads(1);
  // lhs = filter (N x K, row-major), rhs = activations (K x M, column-major: pixel-contiguous),
  // result = N x M column-major == M x N NHWC.
  gemmlowp::MatrixMap<const uint8_t, gemmlowp::MapOrder::RowMajor> lhs(filter.data(), n, k);
  const uint8_t* rhs_data = NeedsIm2Col(*w) ? patches.data() : input.data();
  gemmlowp::MatrixMap<const uint8_t, gemmlowp::MapOrder::ColMajor> rhs(rhs_data, k, m);
  gemmlowp::MatrixMap<uint8_t, gemmlowp::MapOrder::ColMajor> result(output.data(), n, m);

  using ColVector = gemmlowp::VectorMap<const int32_t, gemmlowp::VectorShape::Col>;
  gemmlowp::OutputStageBiasAddition<ColVector> bias_stage;
  bias_stage.bias_vector = ColVector(d.bias.data(), n);
  gemmlowp::OutputStageScaleInt32ByFixedPointAndExponentPC<gemmlowp::VectorShape::Col> scale;
  scale.result_fixedpoint_multiplier = ColVector(d.quant.multiplier.data(), n);
  scale.result_exponent = ColVector(d.quant.shift.data(), n);
  scale.result_offset_after_shift = output_zp;
  gemmlowp::OutputStageClamp clamp;
  clamp.min = 0;
  clamp.max = 255;
  const auto pipeline =
      std::make_tuple(bias_stage, scale, clamp, gemmlowp::OutputStageSaturatingCastToUint8());

  auto run = [&] {
    if (NeedsIm2Col(*w)) Im2Col(*w, input.data(), uint8_t(input_zp), patches.data());
    gemmlowp::GemmWithOutputPipeline<uint8_t, uint8_t, gemmlowp::DefaultL8R8BitDepthParams>(
        &context, lhs, rhs, &result, /*lhs_offset=*/-kOffset, /*rhs_offset=*/-input_zp,
        pipeline);
  };
  run();  // untimed warm-up (gemmlowp allocates its packing buffers on the first call)
  // gemmlowp's pipeline is TFLite's arithmetic: it must agree with us exactly.
  std::vector<int8_t> as_int8(output.size());
  for (size_t i = 0; i < output.size(); ++i) as_int8[i] = int8_t(int(output[i]) - kOffset);
  const std::string mismatch = CheckAgainstQkernels(*w, d, as_int8, /*tolerance=*/0);
  if (!mismatch.empty()) {
    state.SkipWithError(("gemmlowp: " + mismatch).c_str());
    return;
  }
  for (auto _ : state) {
    run();
    benchmark::DoNotOptimize(output.data());
    benchmark::ClobberMemory();
  }
  SetGops(state, *w);
  state.SetLabel(NeedsIm2Col(*w) ? "im2col+GemmWithOutputPipeline<u8>" : "GemmWithOutputPipeline<u8>");
}

}  // namespace

void RegisterGemmlowp(const Workload& w) {
  if (w.op == OpType::kDwConv) return;  // no depthwise kernel in gemmlowp (see above)
  benchmark::RegisterBenchmark((w.FullName() + "/gemmlowp").c_str(), BM_Gemmlowp, &w)
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace qkbench
