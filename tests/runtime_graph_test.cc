// Small .tflite models through ReadModel + Interpreter: the builders' wiring (types, axis and
// option tensors, keep_dims, quantization checks) for the ops the shared models do not cover,
// and the refusals that mirror TFLite Micro 90b983c's Prepare checks. Expected values are
// hand-worked or come from the transcriptions in tests/tflm_*.h.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/interpreter.h"
#include "runtime/tflite_reader.h"
#include "tests/tflite_builder.h"
#include "tests/tflm_arith.h"
#include "tests/tflm_reduce.h"
#include "tests/xorshift.h"

namespace qk {
namespace {

using test::BuildModel;
using test::ExpectRefused;
using test::Int32Bytes;
using test::ModelSpec;
using test::OpSpec;
using test::TensorSpec;
namespace fb = test::fb;

constexpr int8_t kInt8 = 9, kInt16 = 7, kInt32 = 2, kInt64 = 4;

TensorSpec Act(std::vector<int32_t> shape, float scale, int64_t zp, int8_t type = kInt8) {
  TensorSpec t;
  t.shape = std::move(shape);
  t.type = type;
  t.scales = {scale};
  t.zero_points = {zp};
  return t;
}

TensorSpec Const(std::vector<int32_t> shape, uint32_t buffer, int8_t type = kInt32) {
  TensorSpec t;
  t.shape = std::move(shape);
  t.type = type;
  t.buffer = buffer;
  t.scales = {};
  t.zero_points = {};
  return t;
}

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

OpSpec Op(int builtin, uint32_t opcode, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
          decltype(OpSpec::options) options = nullptr) {
  return OpSpec{builtin, opcode, std::move(inputs), std::move(outputs), std::move(options)};
}

auto Reducer(bool keep_dims) {
  return [keep_dims](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_ReducerOptions,
                          fb::CreateReducerOptions(fbb, keep_dims).Union());
  };
}

// Builds, creates and runs a one-input one-output model; returns false (with `error`) when any
// step fails.
template <typename In, typename Out>
bool RunModel(const ModelSpec& spec, const std::vector<In>& input, std::vector<Out>* output,
         std::string* error) {
  const std::vector<uint8_t> bytes = BuildModel(spec);
  rt::Model model;
  if (!rt::ReadModel(bytes.data(), bytes.size(), &model, error)) return false;
  std::unique_ptr<rt::Interpreter> interp;
  if (!rt::Interpreter::Create(std::move(model), {}, &interp, error)) return false;
  std::memcpy(interp->input_data(0), input.data(), input.size() * sizeof(In));
  if (!interp->Invoke(error)) return false;
  const Out* o = reinterpret_cast<const Out*>(interp->output_data(0));
  output->assign(o, o + output->size());
  return true;
}

using test::Next;

// MobileNetV2's global average pool through the interpreter, with and without keep_dims.
TEST(GraphMean, GlobalAveragePool7x7x1280) {
  for (bool keep_dims : {false, true}) {
    ModelSpec s;
    const std::vector<int32_t> out_shape =
        keep_dims ? std::vector<int32_t>{1, 1, 1, 1280} : std::vector<int32_t>{1, 1280};
    s.tensors = {Act({1, 7, 7, 1280}, 0.0705478862f, -9), Const({2}, 1),
                 Act(out_shape, 0.0705478862f, -9)};
    s.buffers.push_back(Int32Bytes({1, 2}));
    s.ops = {Op(40, 0, {0, 1}, {2}, Reducer(keep_dims))};
    s.inputs = {0};
    s.outputs = {2};
    test::Seed(11);
    std::vector<int8_t> x(7 * 7 * 1280);
    for (int8_t& v : x) v = int8_t(Next() >> 24);
    for (int i = 0; i < 49; ++i) x[size_t(i) * 1280 + 1] = i == 17 ? 40 : 10;  // -> 11 by hand
    std::vector<int8_t> y(1280), want(1280);
    std::string error;
    ASSERT_TRUE(RunModel(s, x, &y, &error)) << error;
    EXPECT_TRUE(tflm::QuantizedMean(x.data(), -9, {1, 7, 7, 1280}, want.data(), 1 << 30, 1, -9,
                                    1280, {1, 2}));
    EXPECT_EQ(y, want);
    EXPECT_EQ(y[1], 11);
  }
}

// int16 MEAN (TFLite Micro accepts nonzero int16 zero points) over axes {-1, 0}, keep_dims.
TEST(GraphMean, Int16KeepDims) {
  ModelSpec s;
  s.tensors = {Act({2, 3, 4}, 0.02f, 7, kInt16), Const({2}, 1), Act({1, 3, 1}, 0.015f, -3, kInt16)};
  s.buffers.push_back(Int32Bytes({-1, 0}));
  s.ops = {Op(40, 0, {0, 1}, {2}, Reducer(true))};
  s.inputs = {0};
  s.outputs = {2};
  test::Seed(5);
  std::vector<int16_t> x(24);
  for (int16_t& v : x) v = int16_t(Next() >> 16);
  std::vector<int16_t> y(3), want(3);
  std::string error;
  ASSERT_TRUE(RunModel(s, x, &y, &error)) << error;
  int32_t m;
  int shift;
  tflm::QuantizeMultiplier(double(0.02f) / double(0.015f), &m, &shift);
  EXPECT_TRUE(tflm::QuantizedMean(x.data(), 7, {2, 3, 4}, want.data(), m, shift, -3, 3, {-1, 0}));
  EXPECT_EQ(y, want);
}

TEST(GraphMean, AxisMustBeInt32) {
  ModelSpec s;
  s.tensors = {Act({2, 3}, 0.5f, 0), Const({1}, 1, kInt64), Act({2}, 0.5f, 0)};
  s.buffers.push_back(Bytes(std::vector<int64_t>{1}));
  s.ops = {Op(40, 0, {0, 1}, {2}, Reducer(false))};
  s.inputs = {0};
  s.outputs = {2};
  ExpectRefused(s, false, "operator 0 (MEAN): axis tensor must be int32");
}

// int16 ADD with a broadcast scalar and RELU. Scales 1/1024, 1/1024 -> 1/512: twice_max = 1/512,
// input multipliers 0.5 = (2^30, 0), output 2^-15 = (2^30, -14); q * 2^15 -> q * 2^14 each; the
// sum (q1 + q2) * 2^14 -> (q1 + q2) * 2^13 -> RDBP(., 14) = (q1 + q2) / 2 rounded half away
// from zero: (5 + 2) / 2 = 3.5 -> 4; (-7 + 2) / 2 = -2.5 -> -3 -> RELU (act_min 0) -> 0.
TEST(GraphAdd, Int16BroadcastWithRelu) {
  ModelSpec s;
  s.tensors = {Act({2}, 1.f / 1024, 0, kInt16), Act({1}, 1.f / 1024, 0, kInt16),
               Act({2}, 1.f / 512, 0, kInt16)};
  s.buffers.push_back(Bytes(std::vector<int16_t>{2}));
  s.tensors[1].buffer = 1;
  s.ops = {Op(0, 0, {0, 1}, {2}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_AddOptions, fb::CreateAddOptions(fbb, 1).Union());
  })};
  s.inputs = {0};
  s.outputs = {2};
  std::vector<int16_t> y(2);
  std::string error;
  ASSERT_TRUE(RunModel(s, std::vector<int16_t>{5, -7}, &y, &error)) << error;
  EXPECT_EQ(y, (std::vector<int16_t>{4, 0}));
}

ModelSpec SoftmaxModel(std::vector<int32_t> shape, int8_t in_type, int8_t out_type,
                       float out_scale, int64_t out_zp) {
  ModelSpec s;
  s.tensors = {Act(shape, 0.1f, 0, in_type), Act(shape, out_scale, out_zp, out_type)};
  s.ops = {Op(25, 0, {0}, {1}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_SoftmaxOptions,
                          fb::CreateSoftmaxOptions(fbb, 1.f).Union());
  })};
  s.inputs = {0};
  s.outputs = {1};
  return s;
}

TEST(GraphSoftmax, OutputQuantizationAndTypes) {
  ExpectRefused(SoftmaxModel({1, 4}, kInt8, kInt8, 0.00390626f, -128), false,
                "output quantization must be");
  ExpectRefused(SoftmaxModel({1, 4}, kInt16, kInt16, 1.f / 32768, 0), false,
                "int16 softmax is not supported");
  // int8 -> int16: four equal inputs give 1/4 = 16384 steps of 1/65536 above -32768.
  std::vector<int16_t> y(4);
  std::string error;
  ASSERT_TRUE(RunModel(SoftmaxModel({1, 4}, kInt8, kInt16, 1.f / 65536, -32768),
                  std::vector<int8_t>(4, 3), &y, &error))
      << error;
  EXPECT_EQ(y, std::vector<int16_t>(4, -32768 + 16384));
}

// 512 equal int8 inputs: the sum of exponentials is 512, the int8 output shift 32; TFLite Micro
// aborts there, the runner reports an error from Invoke.
TEST(GraphSoftmax, SumOfExponentialsTooLargeIsAnError) {
  std::vector<int8_t> y(512);
  std::string error;
  EXPECT_FALSE(RunModel(SoftmaxModel({1, 512}, kInt8, kInt8, 1.f / 256, -128),
                   std::vector<int8_t>(512, 0), &y, &error));
  EXPECT_NE(error.find("operator 0 (SOFTMAX): sum of exponentials too large"), std::string::npos)
      << error;
}

TEST(GraphPool, QuantizationMustAgree) {
  ModelSpec s;
  s.tensors = {Act({1, 2, 2, 1}, 0.5f, 0), Act({1, 1, 1, 1}, 0.25f, 0)};
  s.ops = {Op(1, 0, {0}, {1}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_Pool2DOptions,
                          fb::CreatePool2DOptions(fbb, 1, 2, 2, 2, 2, 0).Union());
  })};
  s.inputs = {0};
  s.outputs = {1};
  ExpectRefused(s, false, "operator 0 (AVERAGE_POOL_2D): input and output quantization differ");
  // int16 with equal quantization runs: (-3 + 1 + 2 + 4) / 4 = 1.
  s.tensors = {Act({1, 2, 2, 1}, 0.5f, 0, kInt16), Act({1, 1, 1, 1}, 0.5f, 0, kInt16)};
  std::vector<int16_t> y(1);
  std::string error;
  ASSERT_TRUE(RunModel(s, std::vector<int16_t>{-3, 1, 2, 4}, &y, &error)) << error;
  EXPECT_EQ(y[0], 1);
}

TEST(GraphConcatenation, Int8QuantizationMustAgree) {
  ModelSpec s;
  s.tensors = {Act({1, 2}, 0.5f, 1), Act({1, 2}, 0.5f, 0), Act({1, 4}, 0.5f, 0)};
  s.ops = {Op(2, 0, {0, 1}, {2}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_ConcatenationOptions,
                          fb::CreateConcatenationOptions(fbb, 1, 0).Union());
  })};
  s.inputs = {0, 1};
  s.outputs = {2};
  ExpectRefused(s, false, "inputs must be quantized like the output");
}

// PAD copies the values whatever the quantizations (TFLite Micro does not compare them); PADV2's
// int8 constant must be quantized like the output.
TEST(GraphPad, QuantizationRules) {
  ModelSpec s;
  s.tensors = {Act({2}, 0.5f, 0), Const({1, 2}, 1), Act({4}, 0.25f, 5)};
  s.buffers.push_back(Int32Bytes({1, 1}));
  s.ops = {Op(34, 0, {0, 1}, {2})};
  s.inputs = {0};
  s.outputs = {2};
  std::vector<int8_t> y(4);
  std::string error;
  ASSERT_TRUE(RunModel(s, std::vector<int8_t>{-7, 9}, &y, &error)) << error;
  EXPECT_EQ(y, (std::vector<int8_t>{5, -7, 9, 5}));
  s.tensors.push_back(Act({1}, 0.5f, 5));
  s.buffers.push_back({uint8_t(-2)});
  s.tensors[3].buffer = 2;
  s.ops = {Op(60, 0, {0, 1, 3}, {2})};
  ExpectRefused(s, false, "operator 0 (PADV2): constant_values quantized unlike the output");
}

// A depthwise whose depth_multiplier option disagrees with the shapes; a per-tensor fully
// connected whose bias scale is not input x filter scale; a fully connected output whose last
// dimension is not the filter's rows.
TEST(GraphPacked, ParameterChecks) {
  ModelSpec dw;
  dw.tensors = {Act({1, 1, 1, 1}, 0.5f, 0), Const({1, 1, 1, 2}, 1, kInt8),
                Act({1, 1, 1, 2}, 0.5f, 0)};
  dw.tensors[1].scales = {0.5f};
  dw.tensors[1].zero_points = {0};
  dw.buffers.push_back({1, 2});
  auto dw_options = [](int depth_multiplier) {
    return [depth_multiplier](flatbuffers::FlatBufferBuilder& fbb) {
      return std::make_pair(
          fb::BuiltinOptions_DepthwiseConv2DOptions,
          fb::CreateDepthwiseConv2DOptions(fbb, 1, 1, 1, depth_multiplier, 0).Union());
    };
  };
  dw.ops = {Op(4, 0, {0, 1}, {2}, dw_options(1))};
  dw.inputs = {0};
  dw.outputs = {2};
  ExpectRefused(dw, false, "depth_multiplier option 1 does not match");
  dw.ops = {Op(4, 0, {0, 1}, {2}, dw_options(2))};
  std::vector<int8_t> y(2);
  std::string error;
  ASSERT_TRUE(RunModel(dw, std::vector<int8_t>{6}, &y, &error)) << error;
  EXPECT_EQ(y, (std::vector<int8_t>{3, 6}));  // 6 * {1, 2} * 0.5 * 0.5 / 0.5

  ModelSpec fc;
  fc.tensors = {Act({1, 2}, 0.5f, 0), Const({2, 2}, 1, kInt8), Const({2}, 2),
                Act({1, 2}, 1.f, 0)};
  fc.tensors[1].scales = {0.25f};
  fc.tensors[1].zero_points = {0};
  fc.tensors[2].scales = {0.2f};  // input x filter = 0.125: |0.125 - 0.2| / 1 > 0.02
  fc.tensors[2].zero_points = {0};
  fc.buffers.push_back({1, 2, 3, 4});
  fc.buffers.push_back(Int32Bytes({0, 0}));
  fc.ops = {Op(9, 0, {0, 1, 2}, {3})};
  fc.inputs = {0};
  fc.outputs = {3};
  ExpectRefused(fc, false, "bias scale differs from input scale x filter scale");
  fc.tensors[2].scales = {0.125f};
  fc.tensors[3].shape = {2, 1};
  ExpectRefused(fc, false, "output shape is not batch x 2 (the filter's rows)");
  fc.tensors[3].shape = {1, 2};
  std::vector<int8_t> z(2);
  ASSERT_TRUE(RunModel(fc, std::vector<int8_t>{8, -8}, &z, &error)) << error;
  EXPECT_EQ(z, (std::vector<int8_t>{-1, -1}));  // (8 - 16) * 0.125 = -1; (24 - 32) * 0.125 = -1
}

// QUANTIZE int32 -> int8 (a TFLite Micro pair): scale 0.125 -> 0.5 is (2^30, -1); 10 -> 2.5 -> 3,
// -10 -> -2.5 -> -3 (ties away from zero), then + zero point 3; 100000 saturates.
TEST(GraphQuantize, Int32ToInt8) {
  ModelSpec s;
  s.tensors = {Act({3}, 0.125f, 0, kInt32), Act({3}, 0.5f, 3)};
  s.ops = {Op(114, 0, {0}, {1})};
  s.inputs = {0};
  s.outputs = {1};
  std::vector<int8_t> y(3);
  std::string error;
  ASSERT_TRUE(RunModel(s, std::vector<int32_t>{10, -10, 100000}, &y, &error)) << error;
  EXPECT_EQ(y, (std::vector<int8_t>{6, 0, 127}));
}

}  // namespace
}  // namespace qk
