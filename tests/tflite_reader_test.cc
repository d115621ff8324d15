// The .tflite reader and the runtime's refusal of what it cannot run: the shared models read back
// exactly as their manifests describe them; truncated, corrupted and inconsistent files (built
// here with the generated schema-subset builder) give clear errors, never a crash.
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/interpreter.h"
#include "runtime/tflite_reader.h"
#include "tests/model_manifest.h"
#include "tests/shared_data.h"
#include "tests/tflite_builder.h"
#include "tflite_subset_generated.h"
#include "tests/xorshift.h"

namespace qk {
namespace {

using rt::Model;
using test::Manifest;
using test::ManifestLine;
using test::BuildModel;
using test::ExpectRefused;
using test::Int32Bytes;
using test::ModelSpec;
using test::OpSpec;
using test::TensorSpec;
namespace fb = test::fb;

std::string ScaleString(float s) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", double(s));
  return buf;
}

const char* PaddingName(rt::Padding p) { return p == rt::Padding::kSame ? "SAME" : "VALID"; }

// Every key=value of an "op" manifest line against the reader's Operator.
void CheckOp(const ManifestLine& l, const rt::Operator& op) {
  EXPECT_EQ(l.words.at(1), op.name);
  EXPECT_EQ(test::ParseInts(l.keys.at("inputs")), op.inputs);
  EXPECT_EQ(test::ParseInts(l.keys.at("outputs")), op.outputs);
  const rt::OpOptions& o = op.options;
  for (const auto& kv : l.keys) {
    const std::string& k = kv.first;
    const std::string& v = kv.second;
    SCOPED_TRACE(k);
    if (k == "inputs" || k == "outputs") continue;
    if (op.name == "SVDF") continue;  // SVDF (unsupported) options are not read
    if (k == "padding") EXPECT_EQ(v, PaddingName(o.padding));
    else if (k == "stride_h") EXPECT_EQ(std::stoi(v), o.stride_h);
    else if (k == "stride_w") EXPECT_EQ(std::stoi(v), o.stride_w);
    else if (k == "dilation_h") EXPECT_EQ(std::stoi(v), o.dilation_h);
    else if (k == "dilation_w") EXPECT_EQ(std::stoi(v), o.dilation_w);
    else if (k == "filter_h") EXPECT_EQ(std::stoi(v), o.filter_h);
    else if (k == "filter_w") EXPECT_EQ(std::stoi(v), o.filter_w);
    else if (k == "depth_multiplier") EXPECT_EQ(std::stoi(v), o.depth_multiplier);
    else if (k == "fused_activation") EXPECT_EQ(v, rt::ActivationName(o.activation));
    else if (k == "beta") EXPECT_EQ(std::stof(v), o.beta);
    else if (k == "new_shape") EXPECT_EQ(test::ParseInts(v), o.new_shape);
    else if (k == "weights_format") EXPECT_EQ(v, o.weights_format == 0 ? "DEFAULT" : "other");
    else if (k == "keep_num_dims") EXPECT_EQ(std::stoi(v), int(o.keep_num_dims));
    else if (k == "asymmetric_quantize_inputs") EXPECT_EQ(std::stoi(v), int(o.asymmetric_quantize_inputs));
    else ADD_FAILURE() << "manifest key the test does not check: " << k;
  }
}

void CheckTensor(const ManifestLine& l, const rt::Tensor& t) {
  const std::string kind = l.words.at(1);
  EXPECT_EQ(kind, t.is_constant() ? "const" : t.is_variable ? "variable" : "activation");
  EXPECT_EQ(l.keys.at("dtype"), rt::TensorTypeName(t.type));
  EXPECT_EQ(test::ParseInts(l.keys.at("shape")), t.shape);
  EXPECT_EQ(l.keys.at("name"), t.name);
  if (l.keys.count("per_channel")) {
    EXPECT_EQ(size_t(std::stoi(l.keys.at("per_channel"))), t.scales.size());
    EXPECT_EQ(std::stoi(l.keys.at("quantized_dimension")), t.quantized_dimension);
  } else if (l.keys.at("scale") == "none") {
    EXPECT_TRUE(t.scales.empty());
    EXPECT_EQ(l.keys.at("zero_point"), "none");
  } else {
    ASSERT_EQ(t.scales.size(), 1u);
    EXPECT_EQ(l.keys.at("scale"), ScaleString(t.scales[0]));
    EXPECT_EQ(std::stoi(l.keys.at("zero_point")), t.zero_point());
  }
}

class ManifestTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ManifestTest, ReaderMatchesManifest) {
  QK_REQUIRE_SHARED_DIR(shared);
  const std::string dir = shared + "/models/" + GetParam();
  Manifest m;
  ASSERT_TRUE(test::LoadManifest(dir, &m));
  Model model;
  std::string error;
  ASSERT_TRUE(rt::ReadModelFile(dir + "/" + m.Value("model"), &model, &error)) << error;
  EXPECT_EQ(test::ParseInts(m.Value("model_inputs")), model.inputs);
  EXPECT_EQ(test::ParseInts(m.Value("model_outputs")), model.outputs);
  const auto ops = m.Of("op");
  ASSERT_EQ(std::to_string(ops.size()), m.Value("operators"));
  ASSERT_EQ(ops.size(), model.operators.size());
  for (const ManifestLine* l : ops) {
    const int i = std::stoi(l->words.at(0));
    SCOPED_TRACE("op " + std::to_string(i));
    ASSERT_LT(size_t(i), model.operators.size());
    CheckOp(*l, model.operators[i]);
  }
  const auto tensors = m.Of("tensor_info");
  ASSERT_EQ(tensors.size(), model.tensors.size());
  for (const ManifestLine* l : tensors) {
    const int i = std::stoi(l->words.at(0));
    SCOPED_TRACE("tensor " + std::to_string(i));
    ASSERT_LT(size_t(i), model.tensors.size());
    CheckTensor(*l, model.tensors[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(Shared, ManifestTest,
                         ::testing::Values("person_detect", "mnist", "mnist_int8io",
                                           "micro_speech", "keyword_scrambled"));

TEST(UnsupportedModel, KeywordScrambledSvdfIsRefusedClearly) {
  QK_REQUIRE_SHARED_DIR(shared);
  Model model;
  std::string error;
  ASSERT_TRUE(rt::ReadModelFile(shared + "/models/keyword_scrambled/keyword_scrambled.tflite",
                                &model, &error))
      << error;
  std::unique_ptr<rt::Interpreter> interp;
  EXPECT_FALSE(rt::Interpreter::Create(std::move(model), {}, &interp, &error));
  EXPECT_NE(error.find("operator 1 (SVDF): unsupported operator"), std::string::npos) << error;
}

// Reads (and, when accepted, builds and runs) a damaged model: must never crash; returns whether
// the reader accepted it.
bool ReadBuildRun(const std::vector<uint8_t>& bytes, std::string* error) {
  Model model;
  if (!rt::ReadModel(bytes.data(), bytes.size(), &model, error)) {
    EXPECT_FALSE(error->empty());
    return false;
  }
  std::unique_ptr<rt::Interpreter> interp;
  if (rt::Interpreter::Create(std::move(model), {}, &interp, error)) {
    std::string run_error;
    interp->Invoke(&run_error);
  } else {
    EXPECT_FALSE(error->empty());
  }
  return true;
}

TEST(DamagedModel, EveryTruncationIsRefused) {
  QK_REQUIRE_SHARED_DIR(shared);
  const std::vector<uint8_t> bytes =
      test::ReadBytes(shared + "/models/mnist/mnist_cnn_int8.tflite");
  ASSERT_EQ(bytes.size(), 9968u);
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + n);
    std::string error;
    EXPECT_FALSE(ReadBuildRun(cut, &error)) << "accepted a file truncated to " << n << " bytes";
  }
  std::string error;
  EXPECT_TRUE(ReadBuildRun(bytes, &error)) << error;
}

TEST(DamagedModel, CorruptedBytesNeverCrash) {
  QK_REQUIRE_SHARED_DIR(shared);
  const std::vector<uint8_t> bytes =
      test::ReadBytes(shared + "/models/mnist_int8io/mnist_model_quantized.tflite");
  ASSERT_FALSE(bytes.empty());
  test::XorShift32 rng;
  auto next = [&rng] { return rng.Next(); };
  size_t refused = 0, tried = 0;
  // Every byte of the flatbuffer's structure (the first 2 KB and the last 2 KB hold the tables),
  // and random positions in between, each set to a few values.
  std::vector<size_t> positions;
  for (size_t i = 0; i < std::min<size_t>(2048, bytes.size()); ++i) positions.push_back(i);
  for (size_t i = bytes.size() > 2048 ? bytes.size() - 2048 : 0; i < bytes.size(); ++i) {
    positions.push_back(i);
  }
  for (int i = 0; i < 2000; ++i) positions.push_back(next() % bytes.size());
  for (size_t pos : positions) {
    for (uint8_t value : {uint8_t(bytes[pos] ^ 0xFF), uint8_t(0x7F), uint8_t(next())}) {
      std::vector<uint8_t> bad = bytes;
      bad[pos] = value;
      std::string error;
      if (!ReadBuildRun(bad, &error)) ++refused;
      ++tried;
    }
  }
  EXPECT_GT(refused, 0u);
  std::printf("corrupted models: %zu tried, %zu refused by the reader\n", tried, refused);
}

// ---------------------------------------------------------------------------------------------
// Small models built with the generated schema-subset builder.

// int8 [1,4] -> RESHAPE -> int8 [4]: valid.
ModelSpec ReshapeModel() {
  ModelSpec s;
  s.tensors = {TensorSpec{{1, 4}}, TensorSpec{{4}}};
  s.ops = {OpSpec{22, 0, {0}, {1}, nullptr}};
  s.inputs = {0};
  s.outputs = {1};
  return s;
}

TEST(BuiltModel, ValidReshapeRuns) {
  const std::vector<uint8_t> bytes = BuildModel(ReshapeModel());
  Model model;
  std::string error;
  ASSERT_TRUE(rt::ReadModel(bytes.data(), bytes.size(), &model, &error)) << error;
  std::unique_ptr<rt::Interpreter> interp;
  ASSERT_TRUE(rt::Interpreter::Create(std::move(model), {}, &interp, &error)) << error;
  const int8_t in[4] = {1, -2, 3, -4};
  std::memcpy(interp->input_data(0), in, 4);
  ASSERT_TRUE(interp->Invoke(&error)) << error;
  EXPECT_EQ(0, std::memcmp(interp->output_data(0), in, 4));
}

TEST(BuiltModel, WrongIdentifier) {
  ModelSpec s = ReshapeModel();
  s.identifier = "XYZ3";
  ExpectRefused(s, true, "TFL3");
}

TEST(BuiltModel, BufferIndexOutOfRange) {
  ModelSpec s = ReshapeModel();
  s.tensors[0].buffer = 7;
  ExpectRefused(s, true, "tensor 0: buffer index 7 out of range (1 buffers)");
}

TEST(BuiltModel, OperatorTensorIndexOutOfRange) {
  ModelSpec s = ReshapeModel();
  s.ops[0].inputs = {5};
  ExpectRefused(s, true, "operator 0 (RESHAPE) input: tensor index 5 out of range (2 tensors)");
  s = ReshapeModel();
  s.ops[0].outputs = {-1};
  ExpectRefused(s, true, "operator 0 (RESHAPE) output: tensor index -1 out of range");
}

TEST(BuiltModel, ModelInputOutputIndexOutOfRange) {
  ModelSpec s = ReshapeModel();
  s.inputs = {2};
  ExpectRefused(s, true, "model input: tensor index 2 out of range");
  s = ReshapeModel();
  s.outputs = {-3};
  ExpectRefused(s, true, "model output: tensor index -3 out of range");
}

TEST(BuiltModel, OpcodeIndexOutOfRange) {
  ModelSpec s = ReshapeModel();
  s.ops[0].opcode_index = 4;
  ExpectRefused(s, true, "operator 0: opcode index 4 out of range (1 operator codes)");
}

TEST(BuiltModel, BufferSizeDoesNotMatchShape) {
  ModelSpec s = ReshapeModel();
  s.buffers.push_back({1, 2, 3});  // 3 bytes for a [1,4] int8 tensor
  s.tensors[0].buffer = 1;
  ExpectRefused(s, true, "buffer 1 holds 3 bytes, shape and type need 4");
}

TEST(BuiltModel, NegativeDimensionAndScaleCounts) {
  ModelSpec s = ReshapeModel();
  s.tensors[0].shape = {1, -4};
  ExpectRefused(s, true, "tensor 0: negative dimension -4");
  s = ReshapeModel();
  s.tensors[0].scales = {0.5f, 0.25f, 1.f};
  s.tensors[0].zero_points = {0, 0, 0};
  s.tensors[0].quantized_dimension = 1;
  ExpectRefused(s, true, "tensor 0: 3 scales but dimension 1 has size 4");
}

TEST(BuiltModel, OptionsOfTheWrongType) {
  ModelSpec s = ReshapeModel();
  s.ops[0].options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions_SoftmaxOptions,
                          fb::CreateSoftmaxOptions(fbb, 1.f).Union());
  };
  ExpectRefused(s, true, "operator 0 (RESHAPE): builtin options of type 9, expected 17");
}

TEST(BuiltModel, UnsupportedOperator) {
  ModelSpec s = ReshapeModel();
  s.ops[0].builtin = 18;  // MUL
  ExpectRefused(s, false, "operator 0 (MUL): unsupported operator");
  s.ops[0].builtin = 200;
  ExpectRefused(s, false, "operator 0 (BUILTIN_200): unsupported operator");
}

TEST(BuiltModel, UnsupportedTensorType) {
  ModelSpec s = ReshapeModel();
  s.tensors[0].type = 8;  // COMPLEX64
  s.tensors[1].type = 8;
  ExpectRefused(s, false, "tensor 0 has unsupported type 8");
}

TEST(BuiltModel, ShapeMismatchIsRefused) {
  ModelSpec s = ReshapeModel();
  s.tensors[1].shape = {5};
  ExpectRefused(s, false, "operator 0 (RESHAPE): input has 4 elements, output 5");
}

TEST(BuiltModel, HugeActivationsAreRefusedBeforeAllocating) {
  ModelSpec s = ReshapeModel();
  s.tensors[0].shape = {32768, 32768};  // 1 GiB each, 2 GiB of activations
  s.tensors[1].shape = {32768 * 32768};
  ExpectRefused(s, false, "above the 1 GiB limit");
}

// PAD -> ADD -> MEAN and PAD -> TRANSPOSE through the interpreter (the builders' wiring: the pad
// value from the output zero point, constant paddings/axes/permutation), values derived by hand
// from TFLite Micro's reference formulas.
TEST(BuiltModel, PadAddMeanTransposeGraph) {
  ModelSpec s;
  auto q = [](std::vector<int32_t> shape, float scale, int zp) {
    TensorSpec t;
    t.shape = std::move(shape);
    t.scales = {scale};
    t.zero_points = {zp};
    return t;
  };
  auto c = [](std::vector<int32_t> shape, uint32_t buffer) {
    TensorSpec t;
    t.shape = std::move(shape);
    t.type = 2;  // int32
    t.buffer = buffer;
    t.scales = {};
    t.zero_points = {};
    return t;
  };
  s.tensors = {q({1, 2, 2, 1}, 0.5f, -3), c({4, 2}, 1), q({1, 3, 3, 1}, 0.5f, -3),
               q({1, 3, 3, 1}, 1.f, -3),  c({2}, 2),    q({1, 1}, 0.5f, 0),
               c({4}, 3),                 q({1, 3, 3, 1}, 0.5f, -3)};
  s.buffers.push_back(Int32Bytes({0, 0, 1, 0, 0, 1, 0, 0}));  // pad H before, W after
  s.buffers.push_back(Int32Bytes({1, 2}));
  s.buffers.push_back(Int32Bytes({0, 2, 1, 3}));
  s.ops = {OpSpec{34, 0, {0, 1}, {2}, nullptr},
           OpSpec{0, 1, {2, 2}, {3}, nullptr},
           OpSpec{40, 2, {3, 4}, {5},
                  [](flatbuffers::FlatBufferBuilder& fbb) {
                    return std::make_pair(fb::BuiltinOptions_ReducerOptions,
                                          fb::CreateReducerOptions(fbb, false).Union());
                  }},
           OpSpec{39, 3, {2, 6}, {7}, nullptr}};
  s.inputs = {0};
  s.outputs = {5, 7};
  const std::vector<uint8_t> bytes = BuildModel(s);
  Model model;
  std::string error;
  ASSERT_TRUE(rt::ReadModel(bytes.data(), bytes.size(), &model, &error)) << error;
  std::unique_ptr<rt::Interpreter> interp;
  ASSERT_TRUE(rt::Interpreter::Create(std::move(model), {}, &interp, &error)) << error;
  const int8_t in[4] = {1, 2, 3, 4};
  std::memcpy(interp->input_data(0), in, 4);
  std::vector<int8_t> pad, sum;
  ASSERT_TRUE(interp->Invoke(&error, [&](int op) {
    const int8_t* p = reinterpret_cast<const int8_t*>(interp->tensor_data(op == 0 ? 2 : 3));
    if (op == 0) pad.assign(p, p + 9);
    if (op == 1) sum.assign(p, p + 9);
  })) << error;
  // PAD: a row above and a column to the right, filled with the zero point -3.
  EXPECT_EQ(pad, (std::vector<int8_t>{-3, -3, -3, 1, 2, -3, 3, 4, -3}));
  // ADD: x + x at half the input scale is exact: (q + 3) * 0.5 * 2 / 1.0 - 3 = q.
  EXPECT_EQ(sum, pad);
  // MEAN (rescale path): sum(q - zp) = 22 over 9, ratio 1.0 / 0.5: M = (2^30, 2) -> count folded:
  // shift 3, M' = 2^33 / 9 = 954437176, shift' = -1 -> SRDHM(22, M') = 10 -> RDBP(10, 1) = 5.
  EXPECT_EQ(int8_t(interp->output_data(0)[0]), 5);
  // TRANSPOSE (0, 2, 1, 3): the 3x3 image transposed.
  const int8_t* t = reinterpret_cast<const int8_t*>(interp->output_data(1));
  EXPECT_EQ(std::vector<int8_t>(t, t + 9), (std::vector<int8_t>{-3, 1, 3, -3, 2, 4, -3, -3, -3}));
}

TEST(BuiltModel, ReadBeforeWriteIsRefused) {
  ModelSpec s = ReshapeModel();
  s.tensors.push_back(TensorSpec{{4}});
  s.ops[0].inputs = {2};
  ExpectRefused(s, false, "reads tensor 2 before any operator writes it");
}

}  // namespace
}  // namespace qk
