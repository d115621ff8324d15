// Pooling and softmax (runtime/ops/pooling.h, softmax.h) against TFLite Micro 90b983c:
// hand-worked cases and transcriptions of reference_integer_ops::AveragePool / MaxPool
// (kernels/internal/reference/integer_ops/pooling.h, geometry from kernels/padding.h
// ComputePaddingHeightWidth) and of reference_ops::Softmax<InputT, OutputT>
// (reference/softmax.h, built on gemmlowp's own fixedpoint.h where it is installed).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/shared_data.h"

#include "runtime/ops/pooling.h"
#include "runtime/ops/softmax.h"
#include "tests/xorshift.h"

#if __has_include(<gemmlowp/fixedpoint/fixedpoint.h>)
#include <gemmlowp/fixedpoint/fixedpoint.h>
#define QK_HAVE_GEMMLOWP 1
#endif

namespace qk {
namespace rt {
namespace {

using test::Next;

// ---- Pooling -----------------------------------------------------------------------------

// ComputeOutSize + ComputePaddingWithOffset (dilation 1), as PoolingPrepare uses them.
ops::PoolParams Geometry(int in_h, int in_w, int c, int fh, int fw, int sh, int sw, bool same) {
  ops::PoolParams p;
  p.in_h = in_h, p.in_w = in_w, p.channels = c;
  p.filter_h = fh, p.filter_w = fw, p.stride_h = sh, p.stride_w = sw;
  auto out = [same](int in, int f, int s) { return same ? (in + s - 1) / s : (in + s - f) / s; };
  auto pad = [](int in, int f, int s, int o) { return std::max((o - 1) * s + f - in, 0) / 2; };
  p.out_h = out(in_h, fh, sh), p.out_w = out(in_w, fw, sw);
  p.pad_h = pad(in_h, fh, sh, p.out_h), p.pad_w = pad(in_w, fw, sw, p.out_w);
  return p;
}

// reference_integer_ops::AveragePool (average) / MaxPool, one output element.
template <typename T>
T TflmPoolOne(const ops::PoolParams& p, const T* in, int b, int out_y, int out_x, int ch,
              bool average) {
  const int in_x_origin = (out_x * p.stride_w) - p.pad_w;
  const int in_y_origin = (out_y * p.stride_h) - p.pad_h;
  const int filter_x_start = std::max(0, -in_x_origin);
  const int filter_x_end = std::min(p.filter_w, p.in_w - in_x_origin);
  const int filter_y_start = std::max(0, -in_y_origin);
  const int filter_y_end = std::min(p.filter_h, p.in_h - in_y_origin);
  int32_t acc = 0;
  int filter_count = 0;
  T max = std::numeric_limits<T>::lowest();
  for (int filter_y = filter_y_start; filter_y < filter_y_end; ++filter_y) {
    for (int filter_x = filter_x_start; filter_x < filter_x_end; ++filter_x) {
      const int in_x = in_x_origin + filter_x;
      const int in_y = in_y_origin + filter_y;
      const T v = in[((size_t(b) * p.in_h + in_y) * p.in_w + in_x) * p.channels + ch];
      acc += v;
      filter_count++;
      max = std::max(max, v);
    }
  }
  if (!average) {
    max = std::max<T>(max, T(p.act_min));
    return std::min<T>(max, T(p.act_max));
  }
  acc = acc > 0 ? (acc + filter_count / 2) / filter_count
                : (acc - filter_count / 2) / filter_count;
  acc = std::max(acc, p.act_min);
  acc = std::min(acc, p.act_max);
  return T(acc);
}

template <typename T>
void CheckPool(const ops::PoolParams& p, const std::vector<T>& x) {
  const size_t n = size_t(p.batch) * p.out_h * p.out_w * p.channels;
  std::vector<T> avg(n), mx(n);
  ASSERT_TRUE(ops::AveragePool(p, x.data(), avg.data()));
  ops::MaxPool(p, x.data(), mx.data());
  size_t o = 0;
  for (int b = 0; b < p.batch; ++b)
    for (int y = 0; y < p.out_h; ++y)
      for (int xo = 0; xo < p.out_w; ++xo)
        for (int c = 0; c < p.channels; ++c, ++o) {
          ASSERT_EQ(avg[o], TflmPoolOne(p, x.data(), b, y, xo, c, true)) << o;
          ASSERT_EQ(mx[o], TflmPoolOne(p, x.data(), b, y, xo, c, false)) << o;
        }
}

TEST(Pooling, AverageExcludesPaddingAndRoundsAwayFromZero) {
  // 1x2x2x1 input, 2x2 filter, stride 1, SAME: out 2x2, pad 0 top/left (total 1 -> 0 / 1).
  const ops::PoolParams p = Geometry(2, 2, 1, 2, 2, 1, 1, true);
  ASSERT_EQ(p.out_h, 2);
  ASSERT_EQ(p.pad_h, 0);
  int8_t y[4];
  const int8_t x[4] = {-3, 0, 0, 0};  // (-3 - 2) / 4 = -1; windows without x00 hold only zeros
  ASSERT_TRUE(ops::AveragePool(p, x, y));
  EXPECT_EQ(std::vector<int8_t>(y, y + 4), (std::vector<int8_t>{-1, 0, 0, 0}));
  const int8_t x2[4] = {-2, 0, 0, 0};  // -2 / 4: (-2 - 2) / 4 = -1 (half away from zero)
  ASSERT_TRUE(ops::AveragePool(p, x2, y));
  EXPECT_EQ(y[0], -1);
  const int8_t x3[4] = {-1, 0, 0, 0};  // (-1 - 2) / 4 = 0
  ASSERT_TRUE(ops::AveragePool(p, x3, y));
  EXPECT_EQ(y[0], 0);
  const int8_t x4[4] = {2, 0, 0, 0};  // (2 + 2) / 4 = 1, and the window at (1,1) holds 0 only
  ASSERT_TRUE(ops::AveragePool(p, x4, y));
  EXPECT_EQ(y[0], 1);
}

TEST(Pooling, Int16HandWorkedAndClamped) {
  const ops::PoolParams p0 = Geometry(1, 3, 1, 1, 3, 1, 3, false);  // one window of 3 taps
  ops::PoolParams p = p0;
  p.act_min = -32768, p.act_max = 32767;
  const int16_t x[3] = {32767, 32767, 32766};  // 98300 / 3 = 32766.67: (98300 + 1) / 3 = 32767
  int16_t y = 0;
  ASSERT_TRUE(ops::AveragePool(p, x, &y));
  EXPECT_EQ(y, 32767);
  const int16_t z[3] = {-32768, -32768, -32767};  // (-98303 - 1) / 3 = -32768
  ASSERT_TRUE(ops::AveragePool(p, z, &y));
  EXPECT_EQ(y, -32768);
  p.act_min = -1000, p.act_max = 1000;  // a fused activation range clamps both
  ASSERT_TRUE(ops::AveragePool(p, x, &y));
  EXPECT_EQ(y, 1000);
  ops::MaxPool(p, z, &y);
  EXPECT_EQ(y, -1000);
}

// Random geometries (SAME and VALID, strides above and below the filter size, filters larger
// than the image) against the transcription, int8 and int16.
TEST(Pooling, RandomGeometriesMatchTheTranscription) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    test::Seed(seed * 747796405u);
    const int in_h = 1 + int(Next() % 9), in_w = 1 + int(Next() % 9), c = 1 + int(Next() % 4);
    const int fh = 1 + int(Next() % 5), fw = 1 + int(Next() % 5);
    const int sh = 1 + int(Next() % 4), sw = 1 + int(Next() % 4);
    const bool same = Next() % 2;
    ops::PoolParams p = Geometry(in_h, in_w, c, fh, fw, sh, sw, same);
    if (p.out_h <= 0 || p.out_w <= 0) continue;  // VALID with the filter larger than the image
    p.batch = 1 + int(Next() % 2);
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::vector<int8_t> x8(size_t(p.batch) * in_h * in_w * c);
    for (int8_t& v : x8) v = int8_t(Next() >> 24);
    p.act_min = -128 + int(Next() % 50), p.act_max = 127 - int(Next() % 50);
    CheckPool(p, x8);
    std::vector<int16_t> x16(x8.size());
    for (int16_t& v : x16) v = int16_t(Next() >> 16);
    p.act_min = -32768, p.act_max = 32767;
    CheckPool(p, x16);
  }
}

TEST(Pooling, AccumulatorLimit) {
  ops::PoolParams p = Geometry(300, 300, 1, 300, 300, 1, 1, false);
  EXPECT_TRUE(ops::AveragePoolFitsInt32(p, 128));     // 90000 * 128
  EXPECT_FALSE(ops::AveragePoolFitsInt32(p, 32768));  // 90000 * 32768 > 2^31
}

// ---- Softmax -----------------------------------------------------------------------------

// PrepareSoftmax for beta 1, input scale 1/16: 2^26 / 16 = 2^22 -> multiplier 2^30, shift 23;
// diff_min = -floor(31 * 2^26 / 2^23) = -248.
TEST(Softmax, PrepareHandWorked) {
  ops::SoftmaxParams p;
  std::string error;
  ASSERT_TRUE(ops::PrepareSoftmax(1.f, 1.f / 16, &p, &error)) << error;
  EXPECT_EQ(p.input_multiplier, 1 << 30);
  EXPECT_EQ(p.input_left_shift, 23);
  EXPECT_EQ(p.diff_min, -248);
  EXPECT_FALSE(ops::PrepareSoftmax(1.f, 1e-9f, &p, &error));  // multiplier not above one
}

// A row of equal values: every output is 1/depth. The int8 output shift is num_bits_over_unit +
// 23, and num_bits_over_unit = 12 - clz(depth * 2^19): 9 once the sum of exponentials reaches
// 512, where TFLite Micro's TFLITE_CHECK(exponent <= 31) aborts; these return false there.
// int16 output (shift num_bits_over_unit + 15) has no such limit.
TEST(Softmax, SumOfExponentialsLimitForInt8Output) {
  ops::SoftmaxParams p;
  std::string error;
  ASSERT_TRUE(ops::PrepareSoftmax(1.f, 0.1f, &p, &error)) << error;
  p.outer = 1;
  for (int depth : {511, 512}) {
    p.depth = depth;
    const std::vector<int8_t> x(size_t(depth), 5);
    std::vector<int8_t> y8(static_cast<size_t>(depth));
    std::vector<int16_t> y16(static_cast<size_t>(depth));
    EXPECT_EQ(ops::Softmax(p, x.data(), y8.data()), depth < 512) << depth;
    EXPECT_TRUE(ops::Softmax(p, x.data(), y16.data())) << depth;
    // 1/depth in 1/65536 steps, zero point -32768: 65536 / 511 = 128.25 -> 128; / 512 = 128.
    EXPECT_EQ(y16[0], -32768 + 128) << depth;
  }
}

#ifdef QK_HAVE_GEMMLOWP
// reference_ops::Softmax<InputT, OutputT>, written with gemmlowp's FixedPoint types exactly as
// reference/softmax.h is (MultiplyByQuantizedMultiplierGreaterThanOne and GetReciprocal inlined
// from common.h).
template <typename InputT, typename OutputT>
bool TflmSoftmax(const ops::SoftmaxParams& params, const InputT* input_data,
                 OutputT* output_data) {
  using FixedPointScaledDiff = gemmlowp::FixedPoint<int32_t, 5>;
  using FixedPointAccum = gemmlowp::FixedPoint<int32_t, 12>;
  using FixedPoint0 = gemmlowp::FixedPoint<int32_t, 0>;
  const int depth = params.depth;
  auto rescale = [&params](int32_t input_diff) {
    return gemmlowp::SaturatingRoundingDoublingHighMul(
        int32_t(uint32_t(input_diff) << params.input_left_shift), params.input_multiplier);
  };
  for (int i = 0; i < params.outer; ++i) {
    InputT max_in_row = std::numeric_limits<InputT>::min();
    for (int c = 0; c < depth; ++c) max_in_row = std::max(max_in_row, input_data[i * depth + c]);
    FixedPointAccum sum_of_exps = FixedPointAccum::Zero();
    for (int c = 0; c < depth; ++c) {
      const int32_t input_diff = static_cast<int32_t>(input_data[i * depth + c]) - max_in_row;
      if (input_diff >= params.diff_min) {
        const FixedPointScaledDiff scaled_diff_f8 =
            FixedPointScaledDiff::FromRaw(rescale(input_diff));
        sum_of_exps = sum_of_exps + gemmlowp::Rescale<12>(exp_on_negative_values(scaled_diff_f8));
      }
    }
    const uint32_t sum = uint32_t(sum_of_exps.raw());
    int headroom_plus_one = 0;
    while (headroom_plus_one < 32 && !(sum & (0x80000000u >> headroom_plus_one))) {
      ++headroom_plus_one;
    }
    const int num_bits_over_unit = 12 - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        static_cast<int32_t>((sum << headroom_plus_one) - (static_cast<uint32_t>(1) << 31));
    const FixedPoint0 shifted_scale = gemmlowp::one_over_one_plus_x_for_x_in_0_1(
        FixedPoint0::FromRaw(shifted_sum_minus_one));
    const int exponent = num_bits_over_unit + 31 - int(sizeof(OutputT) * 8);
    if (!(0 <= exponent && exponent <= 31)) return false;  // TFLITE_CHECK
    for (int c = 0; c < depth; ++c) {
      const int32_t input_diff = static_cast<int32_t>(input_data[i * depth + c]) - max_in_row;
      if (input_diff >= params.diff_min) {
        const FixedPointScaledDiff scaled_diff_f8 =
            FixedPointScaledDiff::FromRaw(rescale(input_diff));
        const FixedPoint0 exp_in_0 = exp_on_negative_values(scaled_diff_f8);
        const int32_t unsat_output =
            gemmlowp::RoundingDivideByPOT((shifted_scale * exp_in_0).raw(), exponent);
        const int32_t shifted_output =
            unsat_output + static_cast<int32_t>(std::numeric_limits<OutputT>::min());
        output_data[i * depth + c] = static_cast<OutputT>(std::max(
            std::min(shifted_output, static_cast<int32_t>(std::numeric_limits<OutputT>::max())),
            static_cast<int32_t>(std::numeric_limits<OutputT>::min())));
      } else {
        output_data[i * depth + c] = std::numeric_limits<OutputT>::min();
      }
    }
  }
  return true;
}

template <typename In, typename Out>
void CheckSoftmax(const ops::SoftmaxParams& p, const std::vector<In>& x) {
  std::vector<Out> ours(x.size()), want(x.size());
  const bool ok = ops::Softmax(p, x.data(), ours.data());
  ASSERT_EQ(ok, TflmSoftmax(p, x.data(), want.data()));
  if (ok) ASSERT_EQ(ours, want);
}

// int8 -> int8, int8 -> int16 and uint8 -> uint8 on random rows, betas and input scales.
TEST(Softmax, MatchesTheTranscription) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    test::Seed(seed * 2891336453u);
    ops::SoftmaxParams p;
    std::string error;
    const float beta = float(0.25 + (Next() % 400) / 100.0);
    const float scale = float(std::ldexp(1.0 + (Next() % 1000) / 1000.0, -int(Next() % 8)));
    ASSERT_TRUE(ops::PrepareSoftmax(beta, scale, &p, &error)) << error;
    p.outer = 1 + int(Next() % 3);
    p.depth = 1 + int(Next() % 40);
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::vector<int8_t> x(size_t(p.outer) * p.depth);
    for (int8_t& v : x) v = int8_t(Next() >> 24);
    CheckSoftmax<int8_t, int8_t>(p, x);
    CheckSoftmax<int8_t, int16_t>(p, x);
    std::vector<uint8_t> u(x.begin(), x.end());
    CheckSoftmax<uint8_t, uint8_t>(p, u);
  }
}

// The table of exponentials (softmax.h: exp_of_diff) against gemmlowp's exp_on_negative_values
// of the rescaled difference (reference/softmax.h), for all 256 8-bit differences, over betas
// and input scales from a diff_min far below -255 (every difference counts) to a few steps.
TEST(Softmax, ExpTableMatchesGemmlowpForEveryDifference) {
  int checked = 0;
  for (float beta : {0.25f, 1.f, 2.5f, 7.f}) {
    for (int e = -12; e <= 4; ++e) {
      for (float m : {1.f, 1.37f, 1.999f}) {
        const float scale = std::ldexp(m, e);
        ops::SoftmaxParams p;
        std::string error;
        if (!ops::PrepareSoftmax(beta, scale, &p, &error)) continue;
        SCOPED_TRACE("beta " + std::to_string(beta) + " scale " + std::to_string(scale));
        for (int i = 0; i < 256; ++i) {
          const int32_t input_diff = -i;
          if (input_diff < p.diff_min) {
            EXPECT_EQ(p.exp_of_diff[size_t(i)], 0) << i;
            continue;
          }
          const int32_t scaled = gemmlowp::SaturatingRoundingDoublingHighMul(
              int32_t(uint32_t(input_diff) << p.input_left_shift), p.input_multiplier);
          const int32_t want =
              exp_on_negative_values(gemmlowp::FixedPoint<int32_t, 5>::FromRaw(scaled)).raw();
          ASSERT_EQ(p.exp_of_diff[size_t(i)], want) << "difference -" << i;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 20 * 256);  // most settings keep every difference
}

// Rows holding every 8-bit difference to their maximum, and a classifier-sized row of 1000
// random values, against the transcription: the looked-up exponentials give TFLite's outputs.
TEST(Softmax, EveryDifferenceAndWideRowsMatchTheTranscription) {
  for (float scale : {1.f / 256, 1.f / 16, 0.1f, 0.5f}) {
    ops::SoftmaxParams p;
    std::string error;
    ASSERT_TRUE(ops::PrepareSoftmax(1.f, scale, &p, &error)) << error;
    SCOPED_TRACE("scale " + std::to_string(scale));
    p.outer = 1;
    p.depth = 256;
    std::vector<int8_t> all(256);
    for (int i = 0; i < 256; ++i) all[size_t(i)] = int8_t(127 - i);
    CheckSoftmax<int8_t, int16_t>(p, all);
    CheckSoftmax<int8_t, int8_t>(p, all);
    std::vector<uint8_t> all_u(256);
    for (int i = 0; i < 256; ++i) all_u[size_t(i)] = uint8_t(255 - i);
    CheckSoftmax<uint8_t, uint8_t>(p, all_u);
    p.outer = 2;
    p.depth = 1000;
    test::Seed(12345u);
    std::vector<int8_t> x(2000);
    for (int8_t& v : x) v = int8_t(Next() >> 24);
    CheckSoftmax<int8_t, int16_t>(p, x);
    CheckSoftmax<int8_t, int8_t>(p, x);
  }
}
#else
// The comparison with gemmlowp is what makes the test above meaningful: without the header it is
// skipped here, and CI (QK_REQUIRE_SHARED=1, which also installs libgemmlowp-dev) fails instead.
TEST(Softmax, MatchesTheTranscription) {
  if (test::SharedRequired()) {
    FAIL() << "QK_REQUIRE_SHARED=1 but gemmlowp's fixedpoint.h (libgemmlowp-dev) was not found "
              "when this test was built: the comparison with gemmlowp did not run";
  }
  GTEST_SKIP() << "gemmlowp/fixedpoint/fixedpoint.h not installed (libgemmlowp-dev)";
}
#endif

}  // namespace
}  // namespace rt
}  // namespace qk
