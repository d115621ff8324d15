// The synthetic MobileNetV2 (synthetic_mobilenet_v2.h: MobileNetV2 1.0's layers, seeded random
// weights) through the runtime on every ISA this CPU supports: every operator's output is the
// same bytes on 1, 2, 3 and 8 threads and on every ISA. Its weights are not a trained network and
// there is no TFLite output for it, so this checks thread-count (and ISA) invariance, not
// agreement with TFLite (model_test does that on the shared models). With QK_SPLIT_SMALL_OPS=1
// (a second ctest entry) even the small layers are split over every thread.
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "qkernels/isa.h"
#include "qkernels/ops.h"
#include "runtime/interpreter.h"
#include "runtime/tflite_reader.h"
#include "tests/synthetic_mobilenet_v2.h"

namespace qk {
namespace {

using Tensors = std::vector<std::vector<uint8_t>>;  // every operator's output, in order

const std::vector<uint8_t>& ModelBytes() {
  static const std::vector<uint8_t> bytes = [] {
    std::vector<uint8_t> b;
    std::string error;
    EXPECT_TRUE(test::BuildSyntheticMobileNetV2({}, &b, &error)) << error;
    return b;
  }();
  return bytes;
}

// Runs the model on `image` and returns every operator's output bytes.
bool RunAll(Isa isa, int threads, const std::vector<uint8_t>& image, Tensors* out,
            std::string* kernels) {
  rt::Model model;
  std::string error;
  const std::vector<uint8_t>& bytes = ModelBytes();
  if (!rt::ReadModel(bytes.data(), bytes.size(), &model, &error)) {
    ADD_FAILURE() << error;
    return false;
  }
  rt::InterpreterOptions options;
  options.isa = isa;
  options.threads = threads;
  std::unique_ptr<rt::Interpreter> interp;
  if (!rt::Interpreter::Create(std::move(model), options, &interp, &error)) {
    ADD_FAILURE() << error;
    return false;
  }
  EXPECT_EQ(interp->threads(), threads);
  EXPECT_EQ(image.size(), interp->input_tensor(0).bytes());
  std::memcpy(interp->input_data(0), image.data(), image.size());
  out->clear();
  const bool ok = interp->Invoke(&error, [&](int op) {
    const int t = interp->model().operators[op].outputs[0];
    const uint8_t* p = interp->tensor_data(t);
    out->emplace_back(p, p + interp->model().tensors[t].bytes());
    *kernels += "\n  " + std::to_string(op) + " " + interp->kernel_name(op);
  });
  if (!ok) ADD_FAILURE() << error;
  return ok;
}

TEST(SyntheticMobileNetV2, HasTheLayersOfTable2) {
  rt::Model model;
  std::string error;
  ASSERT_TRUE(rt::ReadModel(ModelBytes().data(), ModelBytes().size(), &model, &error)) << error;
  std::map<std::string, int> count;
  for (const rt::Operator& op : model.operators) ++count[op.name];
  // 1 stem + 16 expansions (every bottleneck but the first, t = 1) + 17 projections + 1 (1280);
  // a PAD before each of the 4 stride-2 depthwise layers; ADD where stride 1 and c_in == c_out:
  // 1 + 2 + 3 + 2 + 2 (the repeats of the 24, 32, 64, 96 and 160 groups).
  EXPECT_EQ(count["CONV_2D"], 35);
  EXPECT_EQ(count["DEPTHWISE_CONV_2D"], 17);
  EXPECT_EQ(count["PAD"], 4);
  EXPECT_EQ(count["ADD"], 10);
  EXPECT_EQ(count["MEAN"], 1);
  EXPECT_EQ(count["FULLY_CONNECTED"], 1);
  EXPECT_EQ(count["SOFTMAX"], 1);
  EXPECT_EQ(model.operators.size(), 69u);
  EXPECT_EQ(model.tensors[model.inputs[0]].shape, (std::vector<int>{1, 224, 224, 3}));
  EXPECT_EQ(model.tensors[model.outputs[0]].shape, (std::vector<int>{1, 1000}));
}

// Held-out input: another seed than the calibration image's.
TEST(SyntheticMobileNetV2, EveryTensorIdenticalOnEveryThreadCountAndIsa) {
  if (ThreadPool(2).threads() == 1) {
    GTEST_SKIP() << "built without pthreadpool (a cross build): every op runs on one thread";
  }
  const std::vector<uint8_t> image = test::SyntheticImage(224, 7);
  Tensors want;
  std::string want_kernels;
  const std::vector<Isa> isas = SupportedIsas();
  ASSERT_FALSE(isas.empty());
  int runs = 0;
  for (Isa isa : isas) {
    for (int threads : {1, 2, 3, 8}) {
      SCOPED_TRACE(std::string("isa ") + IsaName(isa) + ", " + std::to_string(threads) +
                   " threads");
      Tensors got;
      std::string kernels;
      ASSERT_TRUE(RunAll(isa, threads, image, &got, &kernels));
      ++runs;
      if (want.empty()) {
        want = got;
        want_kernels = kernels;
        continue;
      }
      ASSERT_EQ(got.size(), want.size());
      for (size_t op = 0; op < got.size(); ++op) {
        ASSERT_EQ(got[op].size(), want[op].size());
        size_t diffs = 0, first = 0;
        for (size_t i = 0; i < got[op].size(); ++i) {
          if (got[op][i] != want[op][i] && diffs++ == 0) first = i;
        }
        ASSERT_EQ(diffs, 0u) << "operator " << op << ": first difference at byte " << first
                             << " (got " << int(got[op][first]) << ", want "
                             << int(want[op][first]) << "); kernels:" << kernels;
      }
    }
  }
  EXPECT_EQ(runs, int(isas.size()) * 4);
  // The case tests something: no operator's output is (almost) one clamped value, and the
  // classifier's scores are not all equal.
  for (size_t op = 0; op + 1 < want.size(); ++op) {
    std::map<uint8_t, size_t> histogram;
    for (uint8_t v : want[op]) ++histogram[v];
    size_t top = 0;
    for (const auto& h : histogram) top = std::max(top, h.second);
    EXPECT_GE(histogram.size(), 32u) << "operator " << op;
    EXPECT_LT(double(top), 0.9 * double(want[op].size())) << "operator " << op;
  }
  const std::vector<uint8_t>& scores = want.back();
  EXPECT_NE(*std::max_element(scores.begin(), scores.end()),
            *std::min_element(scores.begin(), scores.end()));
}

}  // namespace
}  // namespace qk
