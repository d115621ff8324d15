// ADD (runtime/ops/add.h) against TFLite Micro 90b983c: the vectors of its own kernel test
// (micro/kernels/add_test.cc, tolerance 0 for int8), hand-worked cases, and an independent
// transcription of CalculateOpDataAdd (micro/kernels/add_common.cc), AddFunc / AddElementwise
// (kernels/internal/reference/integer_ops/add.h, reference/add.h) and BroadcastBinaryOpSimple
// (reference/broadcast_loop.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/ops/add.h"
#include "tests/tflm_arith.h"
#include "tests/xorshift.h"

namespace qk {
namespace rt {
namespace {

// ---- The transcription -------------------------------------------------------------------

struct TflmAddParams {
  int32_t input1_offset, input2_offset, output_offset;
  int left_shift;
  int32_t input1_multiplier, input2_multiplier, output_multiplier;
  int input1_shift, input2_shift, output_shift;
  int32_t act_min, act_max;
};

// CalculateOpDataAdd (the QuantizeMultiplierSmallerThanOneExp calls are QuantizeMultiplier).
TflmAddParams CalculateOpDataAdd(float s1, int zp1, float s2, int zp2, float so, int zpo,
                                 bool int16, int32_t act_min, int32_t act_max) {
  TflmAddParams d;
  d.input1_offset = -zp1;
  d.input2_offset = -zp2;
  d.output_offset = zpo;
  d.left_shift = int16 ? 15 : 20;
  const double twice_max_input_scale = 2 * static_cast<double>(std::max(s1, s2));
  const double real_input1_multiplier = static_cast<double>(s1) / twice_max_input_scale;
  const double real_input2_multiplier = static_cast<double>(s2) / twice_max_input_scale;
  const double real_output_multiplier =
      twice_max_input_scale / ((1 << d.left_shift) * static_cast<double>(so));
  tflm::QuantizeMultiplier(real_input1_multiplier, &d.input1_multiplier, &d.input1_shift);
  tflm::QuantizeMultiplier(real_input2_multiplier, &d.input2_multiplier, &d.input2_shift);
  tflm::QuantizeMultiplier(real_output_multiplier, &d.output_multiplier, &d.output_shift);
  d.act_min = act_min;
  d.act_max = act_max;
  return d;
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp (double rounding).
int32_t SmallerThanOneExp(int32_t x, int32_t multiplier, int left_shift) {
  return tflm::RoundingDivideByPOT(tflm::SaturatingRoundingDoublingHighMul(x, multiplier),
                                   -left_shift);
}

// AddFunc / AddElementwise's loop body.
int32_t AddFunc(int32_t x, int32_t y, const TflmAddParams& params) {
  const int32_t input1_val = params.input1_offset + x;
  const int32_t input2_val = params.input2_offset + y;
  const int32_t shifted_input1_val = input1_val * (1 << params.left_shift);
  const int32_t shifted_input2_val = input2_val * (1 << params.left_shift);
  const int32_t scaled_input1_val =
      SmallerThanOneExp(shifted_input1_val, params.input1_multiplier, params.input1_shift);
  const int32_t scaled_input2_val =
      SmallerThanOneExp(shifted_input2_val, params.input2_multiplier, params.input2_shift);
  const int32_t raw_sum = scaled_input1_val + scaled_input2_val;
  const int32_t raw_output =
      SmallerThanOneExp(raw_sum, params.output_multiplier, params.output_shift) +
      params.output_offset;
  return std::min(params.act_max, std::max(params.act_min, raw_output));
}

// BroadcastBinaryOpSimple + RunBinaryOp: loops fused where strides allow, innermost dimension 0.
template <typename T>
void RunBinaryOp(const T* a, const T* b, T* output, const size_t* a_stride,
                 const size_t* b_stride, const size_t* output_stride, const size_t* output_shape,
                 int dim, const TflmAddParams& p) {
  const size_t output_shape_0 = output_shape[dim];
  if (dim == 0) {
    for (size_t i = 0; i < output_shape_0; ++i) {
      output[i] = T(AddFunc(a_stride[0] == 0 ? *a : a[i], b_stride[0] == 0 ? *b : b[i], p));
    }
    return;
  }
  for (size_t i = 0; i < output_shape_0; ++i) {
    RunBinaryOp(a, b, output, a_stride, b_stride, output_stride, output_shape, dim - 1, p);
    a += a_stride[dim];
    b += b_stride[dim];
    output += output_stride[dim];
  }
}

bool CanFuseLoops(size_t output_dim, size_t stride, size_t expected_stride, size_t next_stride) {
  if (output_dim == 1) return true;
  if (next_stride == 0) return stride == 0;
  return stride == expected_stride;
}

template <typename T>
void BroadcastAdd(const std::vector<int>& s1, const T* in1, const std::vector<int>& s2,
                  const T* in2, const std::vector<int>& so, T* out, const TflmAddParams& p) {
  const int dims_count = int(std::max(so.size(), std::max(s1.size(), s2.size())));
  if (dims_count == 0) {
    *out = T(AddFunc(*in1, *in2, p));
    return;
  }
  auto ext = [dims_count](const std::vector<int>& s, int i) {
    const int j = i - (dims_count - int(s.size()));
    return j >= 0 ? s[j] : 1;
  };
  size_t a_strides[8], b_strides[8], o_strides[8], o_shape[8];
  size_t a_accum = 1, b_accum = 1, o_accum = 1;
  int next = -1;
  for (int i = dims_count - 1; i >= 0; --i) {
    const int d1 = ext(s1, i), d2 = ext(s2, i), dout = ext(so, i);
    if (d1 <= 0 || d2 <= 0 || dout <= 0) return;
    const size_t a_stride = (d1 == 1 && dout != 1) ? 0 : a_accum;
    const size_t b_stride = (d2 == 1 && dout != 1) ? 0 : b_accum;
    const size_t o_stride = o_accum;
    if (next >= 0 && CanFuseLoops(dout, a_stride, a_accum, a_strides[next]) &&
        CanFuseLoops(dout, b_stride, b_accum, b_strides[next]) &&
        CanFuseLoops(dout, o_stride, o_accum, o_strides[next])) {
      o_shape[next] *= dout;
    } else {
      ++next;
      a_strides[next] = a_stride;
      b_strides[next] = b_stride;
      o_strides[next] = o_stride;
      o_shape[next] = dout;
    }
    a_accum *= d1;
    b_accum *= d2;
    o_accum *= dout;
  }
  RunBinaryOp(in1, in2, out, a_strides, b_strides, o_strides, o_shape, next, p);
}

// ---- Harness -----------------------------------------------------------------------------

struct Q {
  float scale;
  int zp;
};

size_t Elements(const std::vector<int>& s) {
  size_t n = 1;
  for (int d : s) n *= size_t(d);
  return n;
}

template <typename T>
std::vector<T> OurAdd(const std::vector<int>& s1, const std::vector<T>& x, Q q1,
                      const std::vector<int>& s2, const std::vector<T>& y, Q q2,
                      const std::vector<int>& so, Q qo, int32_t act_min, int32_t act_max) {
  ops::AddParams p;
  std::string error;
  const int left_shift = sizeof(T) == 2 ? 15 : 20;
  EXPECT_TRUE(ops::PrepareAddQuantization(q1.scale, q1.zp, q2.scale, q2.zp, qo.scale, qo.zp,
                                          left_shift, &p, &error))
      << error;
  EXPECT_TRUE(ops::PrepareBroadcast(s1, s2, so, &p, &error)) << error;
  p.act_min = act_min;
  p.act_max = act_max;
  std::vector<T> out(Elements(so), T(77));
  ops::Add(p, x.data(), y.data(), out.data());
  return out;
}

template <typename T>
std::vector<T> TflmAdd(const std::vector<int>& s1, const std::vector<T>& x, Q q1,
                       const std::vector<int>& s2, const std::vector<T>& y, Q q2,
                       const std::vector<int>& so, Q qo, int32_t act_min, int32_t act_max) {
  const TflmAddParams p = CalculateOpDataAdd(q1.scale, q1.zp, q2.scale, q2.zp, qo.scale, qo.zp,
                                             sizeof(T) == 2, act_min, act_max);
  std::vector<T> out(Elements(so), T(77));
  BroadcastAdd(s1, x.data(), s2, y.data(), so, out.data(), p);
  return out;
}

// tflite::testing Quantize (test_helpers): round(value / scale) + zero_point, clamped.
std::vector<int8_t> Quantize(const std::vector<float>& v, float scale, int zp) {
  std::vector<int8_t> out;
  for (float x : v) {
    const float q = std::round(x / scale) + float(zp);
    out.push_back(int8_t(std::max(-128.f, std::min(127.f, q))));
  }
  return out;
}

using test::Next;
using test::Random;

// ---- Tests -------------------------------------------------------------------------------

// add_test.cc QuantizedAddNoActivationInt8 / QuantizedAddActivationRelu1Int8.
TEST(AddOp, TfliteMicroVectors) {
  const std::vector<int> s = {1, 2, 2, 1};
  const std::vector<int8_t> x = Quantize({-2.01f, -1.01f, -0.01f, 0.98f}, 0.25f, -10);
  const std::vector<int8_t> y = Quantize({1.01f, 1.99f, 2.99f, 4.02f}, 0.5f, 4);
  EXPECT_EQ(OurAdd(s, x, {0.25f, -10}, s, y, {0.5f, 4}, s, {1.f, 13}, -128, 127),
            Quantize({-1, 1, 3, 5}, 1.f, 13));
  // RELU_N1_TO_1: range [13 + round(-1 / 1), 13 + round(1 / 1)].
  EXPECT_EQ(OurAdd(s, x, {0.25f, -10}, s, y, {0.5f, 4}, s, {1.f, 13}, 12, 14),
            Quantize({-1, 1, 1, 1}, 1.f, 13));
}

// The threads' slices (SliceAdd along AddSplitDimension) put together give the whole op's bytes,
// for broadcasts along different dimensions and for equal shapes (the flat arrays).
TEST(AddOp, SlicesReassembleTheWholeOp) {
  const std::vector<std::vector<int>> cases[] = {
      {{2, 3, 1, 2}, {1, 1, 3, 2}, {2, 3, 3, 2}}, {{1, 5, 1, 3}, {1, 5, 4, 1}, {1, 5, 4, 3}},
      {{1, 7, 9, 5}, {1, 7, 9, 5}, {1, 7, 9, 5}}, {{3}, {1}, {3}}};
  for (const auto& c : cases) {
    ops::AddParams p;
    std::string error;
    ASSERT_TRUE(ops::PrepareAddQuantization(0.1f, -3, 0.07f, 5, 0.15f, 2, 20, &p, &error));
    ASSERT_TRUE(ops::PrepareBroadcast(c[0], c[1], c[2], &p, &error)) << error;
    const std::vector<int8_t> x = Random<int8_t>(Elements(c[0]));
    const std::vector<int8_t> y = Random<int8_t>(Elements(c[1]));
    std::vector<int8_t> whole(Elements(c[2]));
    ops::Add(p, x.data(), y.data(), whole.data());
    const int extent = p.dims[ops::AddSplitDimension(p)];
    for (int parts = 1; parts <= 5; ++parts) {
      SCOPED_TRACE(testing::Message() << "output " << c[2].size() << "-D, " << parts << " parts");
      std::vector<int8_t> out(whole.size(), int8_t(77));
      for (int i = 0; i < parts; ++i) {
        const int begin = extent * i / parts, end = extent * (i + 1) / parts;
        if (begin == end) continue;
        const ops::AddSlice s = ops::SliceAdd(p, begin, end);
        ops::Add(s.params, x.data() + s.offset1, y.data() + s.offset2, out.data() + s.offset_out);
      }
      EXPECT_EQ(out, whole);
    }
  }
}

// add_test.cc QuantizedAddWithMixedBroadcastInt8.
TEST(AddOp, TfliteMicroMixedBroadcast) {
  const std::vector<int8_t> x = Quantize(
      {-0.3f, 2.3f, 0.9f, 0.5f, 0.8f, -1.1f, 1.2f, 2.8f, -1.6f, 0.0f, 0.7f, -2.2f}, 0.1f, -10);
  const std::vector<int8_t> y = Quantize({0.2f, 0.3f, -0.4f, 0.5f, 1.0f, 0.9f}, 0.05f, -5);
  const std::vector<std::vector<int>> shapes2 = {{1, 1, 3, 2}, {1, 3, 1, 2}, {2, 1, 3, 1},
                                                 {2, 3, 1, 1}};
  const std::vector<std::vector<int>> out_shapes = {{2, 3, 3, 2}, {2, 3, 1, 2}, {2, 3, 3, 2},
                                                    {2, 3, 1, 2}};
  const std::vector<std::vector<float>> goldens = {
      {-0.1f, 2.6f, -0.7f, 2.8f, 0.7f,  3.2f,  1.1f,  0.8f, 0.5f, 1.0f, 1.9f,  1.4f,
       1.0f,  -0.8f, 0.4f, -0.6f, 1.8f, -0.2f, 1.4f,  3.1f, 0.8f, 3.3f, 2.2f,  3.7f,
       -1.4f, 0.3f, -2.0f, 0.5f, -0.6f, 0.9f,  0.9f,  -1.9f, 0.3f, -1.7f, 1.7f, -1.3f},
      {-0.1f, 2.6f, 0.5f, 1.0f, 1.8f, -0.2f, 1.4f, 3.1f, -2.0f, 0.5f, 1.7f, -1.3f},
      {-0.1f, 2.5f, 0.0f,  2.6f, -0.7f, 1.9f,  1.1f,  0.7f, 1.2f, 0.8f,  0.5f, 0.1f,
       1.0f,  -0.9f, 1.1f, -0.8f, 0.4f, -1.5f, 1.7f,  3.3f, 2.2f, 3.8f,  2.1f, 3.7f,
       -1.1f, 0.5f, -0.6f, 1.0f, -0.7f, 0.9f,  1.2f,  -1.7f, 1.7f, -1.2f, 1.6f, -1.3f},
      {-0.1f, 2.5f, 1.2f, 0.8f, 0.4f, -1.5f, 1.7f, 3.3f, -0.6f, 1.0f, 1.6f, -1.3f}};
  for (size_t i = 0; i < shapes2.size(); ++i) {
    SCOPED_TRACE(i);
    const std::vector<int8_t> ours = OurAdd({2, 3, 1, 2}, x, {0.1f, -10}, shapes2[i], y,
                                            {0.05f, -5}, out_shapes[i], {0.1f, 7}, -128, 127);
    EXPECT_EQ(ours, Quantize(goldens[i], 0.1f, 7));
    EXPECT_EQ(ours, TflmAdd({2, 3, 1, 2}, x, {0.1f, -10}, shapes2[i], y, {0.05f, -5},
                            out_shapes[i], {0.1f, 7}, -128, 127));
  }
}

// Hand-worked int8: scales 0.5 and 0.5 -> 1.0. twice_max = 1: input multipliers 0.5 = (2^30, 0),
// output 1 / 2^20 = (2^30, -19). q1 - zp1 = 3: 3 * 2^20 -> SRDHM(., 2^30) = 3 * 2^19; likewise
// 2 -> 2^20; sum 5 * 2^19 -> SRDHM(., 2^30) = 5 * 2^18 -> RDBP(., 19) = 2.5 -> 3 (ties away
// from zero); + zp 1 = 4. Negative: -3 and -2 -> -2.5 -> -3 -> -2. Saturation: 127 - (-128) with
// output scale 0.01 -> 127, and the opposite -> -128.
TEST(AddOp, HandWorkedTiesAndSaturation) {
  const std::vector<int> s = {2};
  EXPECT_EQ(OurAdd<int8_t>(s, {3, -3}, {0.5f, 0}, s, {2, -2}, {0.5f, 0}, s, {1.f, 1}, -128, 127),
            (std::vector<int8_t>{4, -2}));
  EXPECT_EQ(OurAdd<int8_t>(s, {127, -128}, {1.f, 0}, s, {127, -128}, {1.f, 0}, s, {0.01f, 0},
                           -128, 127),
            (std::vector<int8_t>{127, -128}));
}

// int16 (left_shift 15, general scales: TFLite Micro never takes the power-of-two path), equal
// and different quantization, element-wise and broadcast, against the transcription.
TEST(AddOp, Int16MatchesTheTranscription) {
  test::Seed(3);
  const std::vector<std::vector<int>> a = {{2, 3, 4}, {2, 3, 4}, {3, 1}, {5}, {}};
  const std::vector<std::vector<int>> b = {{2, 3, 4}, {1, 3, 1}, {1, 4}, {1}, {2, 2}};
  const std::vector<std::vector<int>> o = {{2, 3, 4}, {2, 3, 4}, {3, 4}, {5}, {2, 2}};
  const std::vector<Q> scales = {{1.f / 1024, 0}, {3.f / 4096, 0}, {0.0007f, 3}};
  for (size_t i = 0; i < a.size(); ++i) {
    for (const Q& q2 : scales) {
      SCOPED_TRACE(i);
      const std::vector<int16_t> x = Random<int16_t>(Elements(a[i]));
      const std::vector<int16_t> y = Random<int16_t>(Elements(b[i]));
      const Q q1 = {1.f / 1024, 0}, qo = {1.f / 512, -2};
      EXPECT_EQ(OurAdd(a[i], x, q1, b[i], y, q2, o[i], qo, -32768, 32767),
                TflmAdd(a[i], x, q1, b[i], y, q2, o[i], qo, -32768, 32767));
      EXPECT_EQ(OurAdd(a[i], x, q1, b[i], y, q2, o[i], qo, -100, 2000),
                TflmAdd(a[i], x, q1, b[i], y, q2, o[i], qo, -100, 2000));
    }
  }
}

// Random broadcast shapes up to rank 6 (including size-1 and size-0 dimensions) and random
// quantization, int8 and uint8, against the transcription.
TEST(AddOp, RandomBroadcastsMatchTheTranscription) {
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    test::Seed(seed * 2246822519u);
    const int rank = 1 + int(Next() % 6);
    std::vector<int> so(rank), s1, s2;
    for (int& d : so) d = Next() % 30 == 0 ? 0 : 1 + int(Next() % 4);
    const int r1 = 1 + int(Next() % rank), r2 = 1 + int(Next() % rank);
    for (int i = rank - r1; i < rank; ++i) s1.push_back(Next() % 3 == 0 ? 1 : so[i]);
    for (int i = rank - r2; i < rank; ++i) s2.push_back(Next() % 3 == 0 ? 1 : so[i]);
    // The output must be the broadcast shape: a dimension where both inputs are 1 is 1.
    for (int i = 0; i < rank; ++i) {
      const int j1 = i - (rank - r1), j2 = i - (rank - r2);
      const int d1 = j1 >= 0 ? s1[j1] : 1, d2 = j2 >= 0 ? s2[j2] : 1;
      if (d1 == 1 && d2 == 1) so[i] = 1;
    }
    auto scale = [] { return float(std::ldexp(1.0 + (Next() % 1000) / 1000.0, -int(Next() % 8))); };
    const Q q1{scale(), int(Next() % 256) - 128}, q2{scale(), int(Next() % 256) - 128};
    const Q qo{scale(), int(Next() % 256) - 128};
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::vector<int8_t> x = Random<int8_t>(Elements(s1)), y = Random<int8_t>(Elements(s2));
    ASSERT_EQ(OurAdd(s1, x, q1, s2, y, q2, so, qo, -128, 127),
              TflmAdd(s1, x, q1, s2, y, q2, so, qo, -128, 127));
    const Q u1{q1.scale, q1.zp + 128}, u2{q2.scale, q2.zp + 128}, uo{qo.scale, qo.zp + 128};
    const std::vector<uint8_t> ux(x.begin(), x.end()), uy(y.begin(), y.end());
    ASSERT_EQ(OurAdd(s1, ux, u1, s2, uy, u2, so, uo, 0, 255),
              TflmAdd(s1, ux, u1, s2, uy, u2, so, uo, 0, 255));
  }
}

TEST(AddOp, BroadcastShapeRules) {
  ops::AddParams p;
  std::string error;
  EXPECT_FALSE(ops::PrepareBroadcast({2, 3}, {4, 3}, {2, 3}, &p, &error));
  EXPECT_FALSE(ops::PrepareBroadcast({2, 3}, {1, 3}, {2, 4}, &p, &error));
  EXPECT_FALSE(ops::PrepareBroadcast({0, 3}, {2, 3}, {2, 3}, &p, &error));  // 0 is not 1
  EXPECT_TRUE(ops::PrepareBroadcast({2, 3}, {3}, {2, 3}, &p, &error));
  EXPECT_TRUE(ops::PrepareBroadcast({0, 3}, {1, 3}, {0, 3}, &p, &error));
  // Same shapes: TFLite Micro adds the flat arrays, whatever shape the output declares.
  EXPECT_TRUE(ops::PrepareBroadcast({2, 3}, {1, 2, 3}, {6}, &p, &error));
  EXPECT_FALSE(ops::PrepareBroadcast({2, 3}, {2, 3}, {5}, &p, &error));
  EXPECT_TRUE(ops::PrepareBroadcast({1, 1, 1, 1, 1, 1, 2}, {1, 1, 1, 1, 1, 1, 2}, {2}, &p, &error));
  EXPECT_FALSE(ops::PrepareBroadcast({2, 1, 1, 1, 1, 1, 2}, {1, 2}, {2, 1, 1, 1, 1, 1, 2}, &p,
                                     &error));
  EXPECT_NE(error.find("rank 6"), std::string::npos) << error;
}

TEST(AddOp, RefusesMultipliersOutsideZeroOne) {
  ops::AddParams p;
  std::string error;
  // 2 * max_in / (2^20 * out) >= 1 (TFLite's QuantizeMultiplierSmallerThanOneExp would abort).
  EXPECT_FALSE(ops::PrepareAddQuantization(1.f, 0, 1.f, 0, 1e-7f, 0, 20, &p, &error));
  EXPECT_NE(error.find("outside (0, 1)"), std::string::npos) << error;
}

}  // namespace
}  // namespace rt
}  // namespace qk
