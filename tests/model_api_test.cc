// The model runner's public API (qkernels/model.h, and the C++ class of qkernels/model.hpp) as a
// user calls it: the shared models' inputs and outputs described as their manifests say, every
// case's outputs and (through the observer) every operator's outputs byte-identical to TFLite
// Micro's goldens on every supported ISA, and every misuse -- NULL pointers, bad indices, wrong
// byte counts, calls at the wrong time, malformed or unsupported models, unusable ISAs -- refused
// with its status and a message naming what is wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "qkernels/isa.h"
#include "qkernels/model.h"
#include "qkernels/model.hpp"
#include "tests/model_manifest.h"
#include "tests/shared_data.h"

namespace qk {
namespace {

using test::Manifest;
using test::ManifestLine;

// Expects `s` with a last-error message containing `text`.
void ExpectError(qk_status s, qk_status code, const std::string& text) {
  EXPECT_EQ(s, code) << qk_last_error();
  EXPECT_NE(std::string(qk_last_error()).find(text), std::string::npos)
      << "message '" << qk_last_error() << "' does not contain '" << text << "'";
}

qk_isa ToC(Isa isa) { return static_cast<qk_isa>(static_cast<int>(isa)); }

// "" when equal, else where they first differ (not a dump of two large tensors).
std::string Difference(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want) {
  if (got.size() != want.size()) {
    return std::to_string(got.size()) + " bytes, want " + std::to_string(want.size());
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i]) {
      return "byte " + std::to_string(i) + ": got " + std::to_string(got[i]) + ", want " +
             std::to_string(want[i]);
    }
  }
  return "";
}

std::string ModelPath(const std::string& shared, const char* name) {
  Manifest m;
  const std::string dir = shared + "/models/" + name;
  return test::LoadManifest(dir, &m) ? dir + "/" + m.Value("model") : dir + "/missing";
}

TEST(ModelApi, VersionMatchesTheHeaders) {
  EXPECT_STREQ(qk_version(), QKERNELS_VERSION_STRING);
  const std::string parts = std::to_string(QKERNELS_VERSION_MAJOR) + "." +
                            std::to_string(QKERNELS_VERSION_MINOR) + "." +
                            std::to_string(QKERNELS_VERSION_PATCH);
  EXPECT_EQ(parts, QKERNELS_VERSION_STRING);
}

TEST(ModelApi, NullPointersAndMissingFiles) {
  qk_model* m = reinterpret_cast<qk_model*>(&m);  // must be reset to NULL on failure
  ExpectError(qk_model_load_file(nullptr, QK_ISA_AUTO, &m), QK_INVALID_ARGUMENT, "path");
  EXPECT_EQ(m, nullptr);
  ExpectError(qk_model_load_file("x.tflite", QK_ISA_AUTO, nullptr), QK_INVALID_ARGUMENT, "out");
  ExpectError(qk_model_load_file("/no/such/model.tflite", QK_ISA_AUTO, &m), QK_INVALID_ARGUMENT,
              "/no/such/model.tflite");
  ExpectError(qk_model_load_buffer(nullptr, 10, QK_ISA_AUTO, &m), QK_INVALID_ARGUMENT, "data");
  ExpectError(qk_model_load_buffer("x", 1, QK_ISA_AUTO, nullptr), QK_INVALID_ARGUMENT, "out");
  // A NULL model: counts are 0, the rest refuse.
  EXPECT_EQ(qk_model_num_inputs(nullptr), 0);
  EXPECT_EQ(qk_model_num_outputs(nullptr), 0);
  EXPECT_EQ(qk_model_num_ops(nullptr), 0);
  qk_tensor_info info;
  ExpectError(qk_model_input_info(nullptr, 0, &info), QK_INVALID_ARGUMENT, "model");
  ExpectError(qk_model_set_input(nullptr, 0, "x", 1), QK_INVALID_ARGUMENT, "model");
  ExpectError(qk_model_invoke(nullptr), QK_INVALID_ARGUMENT, "model");
  ExpectError(qk_model_get_output(nullptr, 0, &info, 1), QK_INVALID_ARGUMENT, "model");
  qk_model_free(nullptr);
}

TEST(ModelApi, BytesThatAreNotAModelAreRefused) {
  qk_model* m = nullptr;
  const std::string text = "this is not a flatbuffer, let alone a TFLite model";
  ExpectError(qk_model_load_buffer(text.data(), text.size(), QK_ISA_AUTO, &m), QK_INVALID_ARGUMENT,
              "model: ");
  EXPECT_EQ(m, nullptr);
  ExpectError(qk_model_load_buffer(text.data(), 0, QK_ISA_AUTO, &m), QK_INVALID_ARGUMENT,
              "model: ");
}

TEST(ModelApi, TensorTypeNames) {
  EXPECT_STREQ(qk_tensor_type_name(QK_TENSOR_INT8), "int8");
  EXPECT_STREQ(qk_tensor_type_name(QK_TENSOR_UINT8), "uint8");
  EXPECT_STREQ(qk_tensor_type_name(QK_TENSOR_FLOAT32), "float32");
  EXPECT_STREQ(qk_tensor_type_name(static_cast<qk_tensor_type>(0)), "unknown");
}

// Inputs and outputs as the manifest describes them, then every case on every ISA: outputs and
// each operator's outputs (read in the observer) identical to the goldens.
class ModelApiShared : public ::testing::TestWithParam<const char*> {};

void ExpectInfoAsManifest(const qk_tensor_info& t, const ManifestLine& l) {
  EXPECT_EQ(t.index, std::stoi(l.keys.at("tensor")));
  EXPECT_STREQ(qk_tensor_type_name(t.type), l.keys.at("dtype").c_str());
  const std::vector<int> shape = test::ParseInts(l.keys.at("shape"));
  ASSERT_EQ(t.num_dims, int(shape.size()));
  size_t elements = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    EXPECT_EQ(t.dims[d], shape[d]);
    elements *= size_t(shape[d]);
  }
  EXPECT_EQ(t.bytes, elements * (t.type == QK_TENSOR_INT16 ? 2 : 1));
  EXPECT_EQ(t.scale, std::stof(l.keys.at("scale")));  // the file's float, printed with 9 digits
  EXPECT_EQ(t.zero_point, std::stoi(l.keys.at("zero_point")));
}

struct Observed {
  qk_model* model;
  std::multimap<int, std::pair<int, std::string>> golden;  // op -> (tensor, file)
  std::string dir;
  int next_event = 0;  // 2 * op + (0 = BEGIN, 1 = END) expected next
  size_t compared = 0;
};

void CompareIntermediates(void* user_data, int op, qk_op_event event) {
  Observed* o = static_cast<Observed*>(user_data);
  EXPECT_EQ(2 * op + (event == QK_OP_END ? 1 : 0), o->next_event++);
  if (event != QK_OP_END) {
    std::vector<uint8_t> buffer(1);
    ExpectError(qk_model_get_op_output(o->model, op, 0, buffer.data(), 1), QK_UNSUPPORTED,
                "only in its QK_OP_END");
    return;
  }
  ExpectError(qk_model_invoke(o->model), QK_UNSUPPORTED, "observer");
  ExpectError(qk_model_set_input(o->model, 0, nullptr, 0), QK_UNSUPPORTED, "during invoke");
  qk_op_info info;
  ASSERT_EQ(qk_model_op_info(o->model, op, &info), QK_OK) << qk_last_error();
  auto range = o->golden.equal_range(op);
  ASSERT_EQ(std::distance(range.first, range.second), info.num_outputs) << "op " << op;
  for (int k = 0; k < info.num_outputs; ++k, ++range.first) {
    qk_tensor_info t;
    ASSERT_EQ(qk_model_op_output_info(o->model, op, k, &t), QK_OK) << qk_last_error();
    EXPECT_EQ(t.index, range.first->second.first);
    const std::vector<uint8_t> want = test::ReadBytes(o->dir + "/" + range.first->second.second);
    std::vector<uint8_t> got(t.bytes);
    ASSERT_EQ(qk_model_get_op_output(o->model, op, k, got.data(), got.size()), QK_OK)
        << qk_last_error();
    EXPECT_EQ(Difference(got, want), "")
        << range.first->second.second << ", kernel " << info.kernel;
    ++o->compared;
  }
}

TEST_P(ModelApiShared, EveryCaseAndIntermediateIdenticalOnEveryIsa) {
  QK_REQUIRE_SHARED_DIR(shared);
  const std::string dir = shared + "/models/" + GetParam();
  Manifest m;
  ASSERT_TRUE(test::LoadManifest(dir, &m)) << dir;
  for (Isa isa : SupportedIsas()) {
    SCOPED_TRACE(std::string("isa ") + IsaName(isa));
    qk_model* model = nullptr;
    ASSERT_EQ(qk_model_load_file((dir + "/" + m.Value("model")).c_str(), ToC(isa), &model), QK_OK)
        << qk_last_error();
    EXPECT_EQ(qk_model_isa(model), ToC(isa));
    for (const ManifestLine* c : m.Of("case")) {
      const std::string name = c->words.at(0);
      SCOPED_TRACE("case " + name);
      auto in_case = [&](const ManifestLine* l) {
        return l->words.at(0).rfind(name + "/", 0) == 0;
      };
      Observed o{model, {}, dir};
      for (const ManifestLine* l : m.Of("input")) {
        if (!in_case(l)) continue;
        qk_tensor_info t;
        ASSERT_EQ(qk_model_input_info(model, std::stoi(l->keys.at("index")), &t), QK_OK);
        ExpectInfoAsManifest(t, *l);
        const std::vector<uint8_t> bytes = test::ReadBytes(dir + "/" + l->words[0]);
        ASSERT_EQ(
            qk_model_set_input(model, std::stoi(l->keys.at("index")), bytes.data(), bytes.size()),
            QK_OK)
            << qk_last_error();
      }
      for (const ManifestLine* l : m.Of("intermediate")) {
        if (in_case(l))
          o.golden.emplace(std::stoi(l->keys.at("op")),
                           std::make_pair(std::stoi(l->keys.at("tensor")), l->words[0]));
      }
      ASSERT_EQ(qk_model_invoke_observed(model, CompareIntermediates, &o), QK_OK)
          << qk_last_error();
      EXPECT_EQ(o.next_event, 2 * qk_model_num_ops(model));
      EXPECT_EQ(o.compared, o.golden.size());
      int outputs = 0;
      for (const ManifestLine* l : m.Of("output")) {
        if (!in_case(l)) continue;
        qk_tensor_info t;
        ASSERT_EQ(qk_model_output_info(model, std::stoi(l->keys.at("index")), &t), QK_OK);
        ExpectInfoAsManifest(t, *l);
        std::vector<uint8_t> got(t.bytes);
        ASSERT_EQ(
            qk_model_get_output(model, std::stoi(l->keys.at("index")), got.data(), got.size()),
            QK_OK)
            << qk_last_error();
        EXPECT_EQ(Difference(got, test::ReadBytes(dir + "/" + l->words[0])), "") << l->words[0];
        ++outputs;
      }
      EXPECT_EQ(outputs, qk_model_num_outputs(model));
    }
    qk_model_free(model);
  }
}

INSTANTIATE_TEST_SUITE_P(Shared, ModelApiShared,
                         ::testing::Values("person_detect", "mnist", "mnist_int8io",
                                           "micro_speech"));

// A loaded model refuses bad indices, byte counts and out-of-order calls, naming them.
TEST(ModelApi, MisuseOfALoadedModel) {
  QK_REQUIRE_SHARED_DIR(shared);
  qk_model* m = nullptr;
  ASSERT_EQ(qk_model_load_file(ModelPath(shared, "mnist").c_str(), QK_ISA_AUTO, &m), QK_OK)
      << qk_last_error();
  EXPECT_EQ(qk_model_num_inputs(m), 1);
  EXPECT_EQ(qk_model_num_outputs(m), 1);
  qk_tensor_info info;
  ExpectError(qk_model_input_info(m, 1, &info), QK_INVALID_ARGUMENT, "index 1 out of range");
  ExpectError(qk_model_output_info(m, -1, &info), QK_INVALID_ARGUMENT, "index -1 out of range");
  ExpectError(qk_model_input_info(m, 0, nullptr), QK_INVALID_ARGUMENT, "info");
  std::vector<uint8_t> image(784, 0), out(10);
  ExpectError(qk_model_set_input(m, 0, image.data(), 783), QK_INVALID_ARGUMENT,
              "has 784 bytes, got 783");
  ExpectError(qk_model_set_input(m, 0, nullptr, 784), QK_INVALID_ARGUMENT, "data");
  ExpectError(qk_model_set_input(m, 1, image.data(), 784), QK_INVALID_ARGUMENT, "out of range");
  ExpectError(qk_model_get_output(m, 0, out.data(), 10), QK_UNSUPPORTED, "not been invoked");
  ASSERT_EQ(qk_model_set_input(m, 0, image.data(), 784), QK_OK);
  EXPECT_STREQ(qk_last_error(), "");  // success clears the message
  ASSERT_EQ(qk_model_invoke(m), QK_OK);
  ExpectError(qk_model_get_output(m, 0, out.data(), 11), QK_INVALID_ARGUMENT,
              "has 10 bytes, got 11");
  EXPECT_EQ(qk_model_get_output(m, 0, out.data(), 10), QK_OK);
  ExpectError(qk_model_get_op_output(m, 0, 0, out.data(), 10), QK_UNSUPPORTED,
              "only in its QK_OP_END");
  qk_op_info op;
  ExpectError(qk_model_op_info(m, qk_model_num_ops(m), &op), QK_INVALID_ARGUMENT, "out of range");
  ExpectError(qk_model_op_output_info(m, 0, 1, &info), QK_INVALID_ARGUMENT,
              "output 1 out of range");
  qk_model_free(m);
}

TEST(ModelApi, UnsupportedModelAndUnusableIsa) {
  QK_REQUIRE_SHARED_DIR(shared);
  qk_model* m = nullptr;
  ExpectError(qk_model_load_file(ModelPath(shared, "keyword_scrambled").c_str(), QK_ISA_AUTO, &m),
              QK_UNSUPPORTED, "operator 1 (SVDF): unsupported operator");
  EXPECT_EQ(m, nullptr);
  const std::string mnist = ModelPath(shared, "mnist");
  ExpectError(qk_model_load_file(mnist.c_str(), static_cast<qk_isa>(42), &m), QK_ISA_UNAVAILABLE,
              "isa: 42 is not a qk_isa value");
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot, Isa::kI8mm}) {
    if (IsaSupported(isa)) continue;
    ExpectError(qk_model_load_file(mnist.c_str(), ToC(isa), &m), QK_ISA_UNAVAILABLE,
                std::string("isa: '") + IsaName(isa) + "' is not");
    EXPECT_EQ(m, nullptr);
  }
}

// With QK_EXPECT_ISA_ERROR set (by ctest, with QK_ISA naming an unknown or unavailable ISA),
// QK_ISA_AUTO is refused with QK_ISA's error while an explicit ISA still loads.
TEST(ModelApi, QkIsaEnvironmentVariable) {
  QK_REQUIRE_SHARED_DIR(shared);
  const std::string mnist = ModelPath(shared, "mnist");
  const char* expect = std::getenv("QK_EXPECT_ISA_ERROR");
  qk_model* m = nullptr;
  if (expect == nullptr) {
    ASSERT_EQ(qk_model_load_file(mnist.c_str(), QK_ISA_AUTO, &m), QK_OK) << qk_last_error();
  } else {
    const qk_status code =
        std::string(expect) == "invalid" ? QK_INVALID_ARGUMENT : QK_ISA_UNAVAILABLE;
    ExpectError(qk_model_load_file(mnist.c_str(), QK_ISA_AUTO, &m), code, "QK_ISA: ");
    ASSERT_EQ(qk_model_load_file(mnist.c_str(), QK_ISA_SCALAR, &m), QK_OK) << qk_last_error();
  }
  qk_model_free(m);
}

// load_buffer copies what it keeps; truncated and corrupted copies of a real model are refused
// with a message or load, never crash (the reader is also fuzzed, through this API).
TEST(ModelApi, BufferIsCopiedAndDamagedBuffersAreSafe) {
  QK_REQUIRE_SHARED_DIR(shared);
  const std::string dir = shared + "/models/micro_speech";
  std::vector<uint8_t> bytes = test::ReadBytes(ModelPath(shared, "micro_speech"));
  ASSERT_FALSE(bytes.empty());
  qk_model* m = nullptr;
  {
    std::vector<uint8_t> copy = bytes;
    ASSERT_EQ(qk_model_load_buffer(copy.data(), copy.size(), QK_ISA_AUTO, &m), QK_OK)
        << qk_last_error();
    std::fill(copy.begin(), copy.end(), 0xA5);
  }
  const std::vector<uint8_t> input = test::ReadBytes(dir + "/yes/input0.bin");
  std::vector<uint8_t> out(4);
  ASSERT_EQ(qk_model_set_input(m, 0, input.data(), input.size()), QK_OK) << qk_last_error();
  ASSERT_EQ(qk_model_invoke(m), QK_OK) << qk_last_error();
  ASSERT_EQ(qk_model_get_output(m, 0, out.data(), out.size()), QK_OK);
  EXPECT_EQ(out, test::ReadBytes(dir + "/yes/output0.bin"));
  qk_model_free(m);
  for (size_t size = 0; size < bytes.size(); size += 97) {
    m = nullptr;
    const qk_status s = qk_model_load_buffer(bytes.data(), size, QK_ISA_AUTO, &m);
    EXPECT_NE(s, QK_OK) << "truncated to " << size;
    EXPECT_STRNE(qk_last_error(), "") << "truncated to " << size;
    qk_model_free(m);
  }
  for (size_t at = 0; at < bytes.size(); at += 61) {
    std::vector<uint8_t> bad = bytes;
    bad[at] ^= 0xFF;
    m = nullptr;
    if (qk_model_load_buffer(bad.data(), bad.size(), QK_ISA_AUTO, &m) == QK_OK) {
      if (qk_model_arena_bytes(m) <= (size_t{1} << 20) && qk_model_invoke(m) != QK_OK) {
        EXPECT_STRNE(qk_last_error(), "") << "byte " << at << " flipped";
      }
    } else {
      EXPECT_STRNE(qk_last_error(), "") << "byte " << at << " flipped";
    }
    qk_model_free(m);
  }
}

// The C++ class: statuses and messages, typed outputs, move-only ownership.
TEST(ModelApi, CppClass) {
  QK_REQUIRE_SHARED_DIR(shared);
  Model missing;
  Status s = Model::Load("/no/such.tflite", &missing);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("/no/such.tflite"), std::string::npos) << s.message();
  EXPECT_FALSE(missing.loaded());
  EXPECT_EQ(missing.Invoke().code(), StatusCode::kInvalidArgument);

  Model loaded;
  ASSERT_TRUE(Model::Load(ModelPath(shared, "mnist_int8io"), &loaded, Isa::kScalar).ok());
  Model model = std::move(loaded);
  EXPECT_FALSE(loaded.loaded());
  ASSERT_TRUE(model.loaded());
  const std::string dir = shared + "/models/mnist_int8io/test0";
  const std::vector<uint8_t> input = test::ReadBytes(dir + "/input0.bin");
  EXPECT_EQ(model.SetInput(0, std::vector<uint8_t>(3)).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(model.SetInput(0, input).ok());
  ASSERT_TRUE(model.Invoke().ok());
  std::vector<int8_t> scores;
  ASSERT_TRUE(model.GetOutput(0, &scores).ok());
  const std::vector<uint8_t> want = test::ReadBytes(dir + "/output0.bin");
  ASSERT_EQ(scores.size(), want.size());
  EXPECT_EQ(0, std::memcmp(scores.data(), want.data(), want.size()));
  std::vector<int32_t> wrong;
  EXPECT_EQ(model.GetOutput(0, &wrong).code(), StatusCode::kInvalidArgument);  // 10 % 4 != 0
}

}  // namespace
}  // namespace qk
