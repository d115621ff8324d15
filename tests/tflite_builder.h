// Test-only builder of small .tflite models with the generated schema-subset API, and the
// helpers the reader and runtime tests share to build them and check refusals.
#ifndef QKERNELS_TESTS_TFLITE_BUILDER_H_
#define QKERNELS_TESTS_TFLITE_BUILDER_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/interpreter.h"
#include "runtime/tflite_reader.h"
#include "tflite_subset_generated.h"

namespace qk {
namespace test {

namespace fb = ::qk::tflite_fb;

struct TensorSpec {
  std::vector<int32_t> shape;
  int8_t type = 9;  // int8
  uint32_t buffer = 0;
  std::vector<float> scales = {0.5f};
  std::vector<int64_t> zero_points = {0};
  int quantized_dimension = 0;
};

struct OpSpec {
  int builtin = 22;  // RESHAPE
  uint32_t opcode_index = 0;
  std::vector<int32_t> inputs, outputs;
  std::function<std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>>(
      flatbuffers::FlatBufferBuilder&)>
      options;
};

struct ModelSpec {
  std::vector<TensorSpec> tensors;
  std::vector<std::vector<uint8_t>> buffers = {{}};  // buffer 0: the empty sentinel
  std::vector<OpSpec> ops;
  std::vector<int32_t> inputs, outputs;
  const char* identifier = "TFL3";
};

inline std::vector<uint8_t> BuildModel(const ModelSpec& spec) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  for (const auto& b : spec.buffers) buffers.push_back(fb::CreateBufferDirect(fbb, &b));
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const TensorSpec& t : spec.tensors) {
    auto q = fb::CreateQuantizationParametersDirect(fbb, nullptr, nullptr, &t.scales,
                                                    &t.zero_points, t.quantized_dimension);
    tensors.push_back(fb::CreateTensorDirect(fbb, &t.shape, t.type, t.buffer, "t", q));
  }
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  for (const OpSpec& o : spec.ops) {
    codes.push_back(fb::CreateOperatorCode(fbb, int8_t(std::min(o.builtin, 127)), 0, 1, o.builtin));
    std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>> opt{fb::BuiltinOptions_NONE, 0};
    if (o.options) opt = o.options(fbb);
    ops.push_back(fb::CreateOperatorDirect(fbb, o.opcode_index, &o.inputs, &o.outputs, opt.first,
                                           opt.second));
  }
  std::vector<flatbuffers::Offset<fb::SubGraph>> graphs = {
      fb::CreateSubGraphDirect(fbb, &tensors, &spec.inputs, &spec.outputs, &ops)};
  auto model = fb::CreateModelDirect(fbb, 3, &codes, &graphs, "test", &buffers);
  fbb.Finish(model, spec.identifier);
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

// Expects ReadModel (reader == true) or Interpreter::Create to fail with `message` in the error.
inline void ExpectRefused(const ModelSpec& spec, bool reader, const std::string& message) {
  const std::vector<uint8_t> bytes = BuildModel(spec);
  rt::Model model;
  std::string error;
  const bool read = rt::ReadModel(bytes.data(), bytes.size(), &model, &error);
  if (reader) {
    EXPECT_FALSE(read);
    EXPECT_NE(error.find(message), std::string::npos) << "error was: " << error;
    return;
  }
  ASSERT_TRUE(read) << error;
  std::unique_ptr<rt::Interpreter> interp;
  EXPECT_FALSE(rt::Interpreter::Create(std::move(model), {}, &interp, &error));
  EXPECT_NE(error.find(message), std::string::npos) << "error was: " << error;
}

inline std::vector<uint8_t> Int32Bytes(const std::vector<int32_t>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

}  // namespace test
}  // namespace qk

#endif  // QKERNELS_TESTS_TFLITE_BUILDER_H_
