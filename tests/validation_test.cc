// Table-driven validation: every invalid parameter is fed to every public C++ and C entry point
// that takes it; each must return the expected status code with a message naming the field, and
// must leave no packed op behind.
#include <gtest/gtest.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "qkernels/qkernels.h"
#include "qkernels/qkernels.hpp"
#include "tests/validation_cases.h"

namespace qk {
namespace {

using namespace validation;  // NOLINT: the case tables

int g_checks = 0;  // (case, entry point) pairs checked, printed at the end

// Large enough for the valid base ops (the invalid ones are refused before any read).
const std::vector<uint8_t>& Weights() {
  static const std::vector<uint8_t> w(4096, 1);
  return w;
}
const std::vector<int64_t>& Bias() {
  static const std::vector<int64_t> b(64, 0);
  return b;
}

void ExpectInvalid(const Status& s, const char* entry, const char* field,
                   StatusCode code = StatusCode::kInvalidArgument) {
  ++g_checks;
  EXPECT_EQ(s.code(), code) << entry << " (" << field << "): " << s.message();
  EXPECT_NE(s.message().find(field), std::string::npos)
      << entry << ": message \"" << s.message() << "\" does not name " << field;
}

void ExpectInvalidC(qk_status s, const char* entry, const char* field,
                    qk_status code = QK_INVALID_ARGUMENT) {
  ++g_checks;
  EXPECT_EQ(s, code) << entry << " (" << field << "): " << qk_last_error();
  EXPECT_NE(std::string(qk_last_error()).find(field), std::string::npos)
      << entry << ": qk_last_error \"" << qk_last_error() << "\" does not name " << field;
}


constexpr DataType kTypes[] = {DataType::kInt8, DataType::kUInt8, DataType::kInt16};

class Validation : public ::testing::Test {
 protected:
  void TearDown() override {
    std::printf("[ checks ] %d invalid (case, entry point) pairs so far\n", g_checks);
  }
};

TEST_F(Validation, ValidBaseOpsPack) {
  for (DataType t : kTypes) {
    PackedOp a, b, c;
    EXPECT_TRUE(PackConv2D(ValidConv(t), Weights().data(), Bias().data(), &a).ok());
    EXPECT_TRUE(PackDepthwiseConv2D(ValidDepthwise(t), Weights().data(), Bias().data(), &b).ok());
    EXPECT_TRUE(PackFullyConnected(ValidFc(t), Weights().data(), Bias().data(), &c).ok());
    qk_conv_params cp = ToCConv(ValidConv(t));
    qk_packed_op* op = nullptr;
    EXPECT_EQ(qk_pack_conv2d(&cp, Weights().data(), nullptr, QK_ISA_AUTO, &op), QK_OK);
    qk_packed_op_free(op);
  }
}

TEST_F(Validation, Conv2DGeometry) {
  for (DataType t : kTypes) {
    for (const auto& c : ConvCases()) {
      Conv2DParams p = ValidConv(t);
      c.mutate(&p);
      PackedOp op;
      ExpectInvalid(PackConv2D(p, Weights().data(), Bias().data(), &op), "PackConv2D", c.field);
      EXPECT_TRUE(op.empty());
      int h = -7, w = -7;
      ExpectInvalid(Conv2DOutputSize(p, &h, &w), "Conv2DOutputSize", c.field);
      const qk_conv_params cp = ToCConv(p);
      qk_packed_op* out = nullptr;
      ExpectInvalidC(qk_pack_conv2d(&cp, Weights().data(), nullptr, QK_ISA_AUTO, &out),
                     "qk_pack_conv2d", c.field);
      EXPECT_EQ(out, nullptr);
    }
  }
}

TEST_F(Validation, DepthwiseGeometry) {
  for (DataType t : kTypes) {
    for (const auto& c : DepthwiseCases()) {
      DepthwiseConv2DParams p = ValidDepthwise(t);
      c.mutate(&p);
      PackedOp op;
      ExpectInvalid(PackDepthwiseConv2D(p, Weights().data(), Bias().data(), &op),
                    "PackDepthwiseConv2D", c.field);
      EXPECT_TRUE(op.empty());
      ExpectInvalid(DepthwiseConv2DOutputSize(p, nullptr, nullptr), "DepthwiseConv2DOutputSize",
                    c.field);
      const qk_conv_params cp = ToCDepthwise(p);
      qk_packed_op* out = nullptr;
      ExpectInvalidC(qk_pack_depthwise_conv2d(&cp, Weights().data(), nullptr, QK_ISA_AUTO, &out),
                     "qk_pack_depthwise_conv2d", c.field);
      EXPECT_EQ(out, nullptr);
    }
  }
}

TEST_F(Validation, FullyConnectedShapes) {
  for (DataType t : kTypes) {
    for (const auto& c : FcCases()) {
      FullyConnectedParams p = ValidFc(t);
      c.mutate(&p);
      PackedOp op;
      ExpectInvalid(PackFullyConnected(p, Weights().data(), Bias().data(), &op),
                    "PackFullyConnected", c.field);
      EXPECT_TRUE(op.empty());
      const qk_fully_connected_params cp = ToCFc(p);
      qk_packed_op* out = nullptr;
      ExpectInvalidC(qk_pack_fully_connected(&cp, Weights().data(), nullptr, QK_ISA_AUTO, &out),
                     "qk_pack_fully_connected", c.field);
      EXPECT_EQ(out, nullptr);
    }
  }
}

TEST_F(Validation, Requantization) {
  for (DataType t : kTypes) {
    for (const auto& c : QuantCases(t)) {
      int32_t m[kOutC], sh[kOutC];
      std::memcpy(m, kMultipliers, sizeof m);
      std::memcpy(sh, kShifts, sizeof sh);
      Requantization q = ValidQuant(t);
      q.output_multiplier = m, q.output_shift = sh;
      c.mutate(&q, m, sh);
      const void* w = Weights().data();
      const void* b = Bias().data();
      Conv2DParams conv = ValidConv(t);
      DepthwiseConv2DParams dw = ValidDepthwise(t);
      FullyConnectedParams fc = ValidFc(t);
      conv.quant = dw.quant = fc.quant = q;
      PackedOp op;
      ExpectInvalid(PackConv2D(conv, w, b, &op), "PackConv2D", c.field);
      ExpectInvalid(PackDepthwiseConv2D(dw, w, b, &op), "PackDepthwiseConv2D", c.field);
      ExpectInvalid(PackFullyConnected(fc, w, b, &op), "PackFullyConnected", c.field);
      EXPECT_TRUE(op.empty());
      EXPECT_TRUE(Conv2DOutputSize(conv, nullptr, nullptr).ok()) << "geometry only";
      qk_packed_op* out = nullptr;
      qk_conv_params cconv = ToCConv(conv), cdw = ToCDepthwise(dw);
      qk_fully_connected_params cfc = ToCFc(fc);
      ExpectInvalidC(qk_pack_conv2d(&cconv, w, b, QK_ISA_AUTO, &out), "qk_pack_conv2d", c.field);
      ExpectInvalidC(qk_pack_depthwise_conv2d(&cdw, w, b, QK_ISA_AUTO, &out),
                     "qk_pack_depthwise_conv2d", c.field);
      ExpectInvalidC(qk_pack_fully_connected(&cfc, w, b, QK_ISA_SCALAR, &out),
                     "qk_pack_fully_connected", c.field);
      EXPECT_EQ(out, nullptr);
      if (t != DataType::kInt8) continue;
      const int32_t acc[2 * kOutC] = {};
      int8_t result[2 * kOutC];
      const Status s = RequantizeInt32ToInt8(acc, nullptr, 2, kOutC, q, result);
      const qk_requantization cq = ToC(q);
      const qk_status cs = qk_requantize_int32_to_int8(acc, nullptr, 2, kOutC, &cq, result);
      if (c.used_by_requantize) {
        ExpectInvalid(s, "RequantizeInt32ToInt8", c.field);
        ExpectInvalidC(cs, "qk_requantize_int32_to_int8", c.field);
      } else {
        EXPECT_TRUE(s.ok()) << c.field << " is documented as unused: " << s.message();
        EXPECT_EQ(cs, QK_OK) << qk_last_error();
      }
    }
  }
}

TEST_F(Validation, Int16BiasOutsideAccumulatorContract) {
  for (int64_t v : {int64_t{1} << 47, -(int64_t{1} << 47), INT64_MAX, INT64_MIN}) {
    std::vector<int64_t> bias(kOutC, 0);
    bias[2] = v;
    PackedOp op;
    ExpectInvalid(PackConv2D(ValidConv(DataType::kInt16), Weights().data(), bias.data(), &op),
                  "PackConv2D", "bias[2]");
    ExpectInvalid(PackFullyConnected(ValidFc(DataType::kInt16), Weights().data(), bias.data(),
                                     &op), "PackFullyConnected", "bias[2]");
  }
}

// A caller who hands per-channel arrays but forgets num_channels (left at its default, 0) gets an
// error naming the field from every entry point, never the first multiplier broadcast.
TEST_F(Validation, ForgottenNumChannelsIsAnError) {
  EXPECT_EQ(Requantization().num_channels, 0);
  for (DataType t : kTypes) {
    Requantization q = ValidQuant(t);
    q.num_channels = Requantization().num_channels;
    Conv2DParams conv = ValidConv(t);
    DepthwiseConv2DParams dw = ValidDepthwise(t);
    FullyConnectedParams fc = ValidFc(t);
    conv.quant = dw.quant = fc.quant = q;
    PackedOp op;
    ExpectInvalid(PackConv2D(conv, Weights().data(), nullptr, &op), "PackConv2D",
                  "quant.num_channels");
    ExpectInvalid(PackDepthwiseConv2D(dw, Weights().data(), nullptr, &op), "PackDepthwiseConv2D",
                  "quant.num_channels");
    ExpectInvalid(PackFullyConnected(fc, Weights().data(), nullptr, &op), "PackFullyConnected",
                  "quant.num_channels");
    EXPECT_TRUE(op.empty());
  }
  Requantization q = ValidQuant(DataType::kInt8);
  q.num_channels = 0;
  const int32_t acc[kOutC] = {};
  int8_t out[kOutC];
  ExpectInvalid(RequantizeInt32ToInt8(acc, nullptr, 1, kOutC, q, out), "RequantizeInt32ToInt8",
                "quant.num_channels");
}

TEST_F(Validation, RequantizeSizesAndPointers) {
  Requantization q = ValidQuant(DataType::kInt8);
  q.num_channels = 1;
  const int32_t acc[4] = {};
  int8_t out[4];
  const qk_requantization cq = ToC(q);
  const struct {
    int rows, channels;
    const int32_t* acc;
    int8_t* out;
    const char* field;
  } cases[] = {{-1, 2, acc, out, "rows"},          {INT_MIN, 2, acc, out, "rows"},
               {2, 0, acc, out, "channels"},       {2, -3, acc, out, "channels"},
               {1 << 20, 1 << 12, acc, out, "rows*channels"},
               {INT_MAX, INT_MAX, acc, out, "rows*channels"},
               {2, 2, nullptr, out, "accumulators"}, {2, 2, acc, nullptr, "output"}};
  for (const auto& c : cases) {
    ExpectInvalid(RequantizeInt32ToInt8(c.acc, nullptr, c.rows, c.channels, q, c.out),
                  "RequantizeInt32ToInt8", c.field);
    ExpectInvalidC(qk_requantize_int32_to_int8(c.acc, nullptr, c.rows, c.channels, &cq, c.out),
                   "qk_requantize_int32_to_int8", c.field);
  }
  ExpectInvalidC(qk_requantize_int32_to_int8(acc, nullptr, 2, 2, nullptr, out),
                 "qk_requantize_int32_to_int8", "quant");
}

TEST_F(Validation, NullPointersAtPacking) {
  const Conv2DParams p = ValidConv(DataType::kInt8);
  PackedOp op;
  ExpectInvalid(PackConv2D(p, nullptr, nullptr, &op), "PackConv2D", "filter");
  ExpectInvalid(PackDepthwiseConv2D(ValidDepthwise(DataType::kInt8), nullptr, nullptr, &op),
                "PackDepthwiseConv2D", "filter");
  ExpectInvalid(PackFullyConnected(ValidFc(DataType::kInt8), nullptr, nullptr, &op),
                "PackFullyConnected", "filter");
  ExpectInvalid(PackConv2D(p, Weights().data(), nullptr, nullptr), "PackConv2D", "out");
  EXPECT_TRUE(op.empty());
  const qk_conv_params cp = ToCConv(p);
  const qk_fully_connected_params cfc = ToCFc(ValidFc(DataType::kInt8));
  qk_packed_op* out = nullptr;
  ExpectInvalidC(qk_pack_conv2d(nullptr, Weights().data(), nullptr, QK_ISA_AUTO, &out),
                 "qk_pack_conv2d", "params");
  ExpectInvalidC(qk_pack_depthwise_conv2d(nullptr, Weights().data(), nullptr, QK_ISA_AUTO, &out),
                 "qk_pack_depthwise_conv2d", "params");
  ExpectInvalidC(qk_pack_fully_connected(nullptr, Weights().data(), nullptr, QK_ISA_AUTO, &out),
                 "qk_pack_fully_connected", "params");
  ExpectInvalidC(qk_pack_conv2d(&cp, nullptr, nullptr, QK_ISA_AUTO, &out), "qk_pack_conv2d",
                 "filter");
  ExpectInvalidC(qk_pack_fully_connected(&cfc, nullptr, nullptr, QK_ISA_AUTO, &out),
                 "qk_pack_fully_connected", "filter");
  ExpectInvalidC(qk_pack_conv2d(&cp, Weights().data(), nullptr, QK_ISA_AUTO, nullptr),
                 "qk_pack_conv2d", "out");
  EXPECT_EQ(out, nullptr);
  // The getters tolerate NULL.
  EXPECT_EQ(qk_packed_op_workspace_size(nullptr), 0u);
  EXPECT_EQ(qk_packed_op_output_elements(nullptr), 0u);
  EXPECT_STREQ(qk_packed_op_kernel_name(nullptr), "none");
  qk_packed_op_free(nullptr);
  qk_conv_params_init(nullptr);
  qk_fully_connected_params_init(nullptr);
}

TEST_F(Validation, Run) {
  PackedOp empty;
  int8_t in[256] = {}, out[256];
  uint8_t uin[256] = {}, uout[256];
  ExpectInvalid(qk::Run(empty, in, out), "Run", "op");
  for (Isa isa : SupportedIsas()) {
    PackedOp op;
    ASSERT_TRUE(PackConv2D(ValidConv(DataType::kInt8), Weights().data(), nullptr, &op, isa).ok());
    ExpectInvalid(qk::Run(op, uin, uout), "Run(uint8 buffers, int8 op)", "element type");
    int16_t in16[256] = {}, out16[256];
    ExpectInvalid(qk::Run(op, in16, out16), "Run(int16 buffers, int8 op)", "element type");
    ExpectInvalid(qk::Run(op, nullptr, out), "Run", "input");
    ExpectInvalid(qk::Run(op, in, nullptr), "Run", "output");
    qk_conv_params cp = ToCConv(ValidConv(DataType::kInt8));
    qk_packed_op* cop = nullptr;
    qk_isa cisa;
    SetEnum(&cisa, static_cast<int>(isa));
    ASSERT_EQ(qk_pack_conv2d(&cp, Weights().data(), nullptr, cisa, &cop), QK_OK);
    ExpectInvalidC(qk_run(nullptr, in, out, nullptr, 0), "qk_run", "op");
    ExpectInvalidC(qk_run(cop, nullptr, out, nullptr, 0), "qk_run", "input");
    ExpectInvalidC(qk_run(cop, in, nullptr, nullptr, 0), "qk_run", "output");
    const size_t need = op.workspace_size();
    if (need > 0) {
      std::vector<uint8_t> ws(need);
      ExpectInvalid(qk::Run(op, in, out, ws.data(), need - 1), "Run", "workspace_bytes",
                    StatusCode::kBufferTooSmall);
      ExpectInvalidC(qk_run(cop, in, out, ws.data(), need - 1), "qk_run", "workspace_bytes",
                     QK_BUFFER_TOO_SMALL);
      EXPECT_TRUE(qk::Run(op, in, out, ws.data(), need).ok());
    } else {
      std::printf("[ note   ] %s (%s) needs no workspace: the too-small case does not apply\n",
                  op.kernel_name(), IsaName(isa));
    }
    EXPECT_TRUE(qk::Run(op, in, out).ok());
    qk_packed_op_free(cop);
  }
}

TEST_F(Validation, UnavailableIsa) {
  std::vector<Isa> unsupported = {static_cast<Isa>(42), static_cast<Isa>(-7)};
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot, Isa::kI8mm}) {
    if (!IsaSupported(isa)) unsupported.push_back(isa);
  }
  for (Isa isa : unsupported) {
    ExpectInvalid(SetIsaOverride(isa), "SetIsaOverride", "isa", StatusCode::kIsaUnavailable);
    EXPECT_EQ(DefaultIsa(), BestIsa()) << "a refused override must not stick";
    PackedOp op;
    ExpectInvalid(PackConv2D(ValidConv(DataType::kInt8), Weights().data(), nullptr, &op, isa),
                  "PackConv2D", "isa", StatusCode::kIsaUnavailable);
    ExpectInvalid(PackFullyConnected(ValidFc(DataType::kInt8), Weights().data(), nullptr, &op,
                                     isa), "PackFullyConnected", "isa",
                  StatusCode::kIsaUnavailable);
    EXPECT_TRUE(op.empty());
    const int raw = static_cast<int>(isa);
    if (raw < -1 || raw > 5) continue;  // out-of-range C enums are tried from C (c_api_test.c)
    qk_isa cisa;
    SetEnum(&cisa, raw);
    ExpectInvalidC(qk_set_isa_override(cisa), "qk_set_isa_override", "isa", QK_ISA_UNAVAILABLE);
    const qk_conv_params cp = ToCConv(ValidConv(DataType::kInt8));
    qk_packed_op* out = nullptr;
    ExpectInvalidC(qk_pack_conv2d(&cp, Weights().data(), nullptr, cisa, &out), "qk_pack_conv2d",
                   "isa", QK_ISA_UNAVAILABLE);
    EXPECT_EQ(out, nullptr);
  }
}

// Registered twice more by tests/CMakeLists.txt with QK_ISA set to an unknown name and to an ISA
// this CPU lacks: the default falls back to the best ISA, and DefaultIsaStatus() says why.
TEST_F(Validation, QkIsaEnvironmentVariable) {
  const char* value = std::getenv("QK_ISA");
  const char* expect = std::getenv("QK_EXPECT_ISA_ERROR");  // "invalid" or "unavailable"
  if (value == nullptr || expect == nullptr) {
    GTEST_SKIP() << "ctest runs this with QK_ISA=<bad value> QK_EXPECT_ISA_ERROR=<kind>";
  }
  EXPECT_EQ(DefaultIsa(), BestIsa()) << "QK_ISA=" << value << " must not be used";
  ExpectInvalid(DefaultIsaStatus(), "DefaultIsaStatus", "QK_ISA",
                std::string(expect) == "invalid" ? StatusCode::kInvalidArgument
                                                 : StatusCode::kIsaUnavailable);
  EXPECT_TRUE(SetIsaOverride(Isa::kScalar).ok());
  EXPECT_TRUE(DefaultIsaStatus().ok()) << "an API override replaces QK_ISA";
  EXPECT_EQ(DefaultIsa(), Isa::kScalar);
  EXPECT_TRUE(SetIsaOverride(Isa::kAuto).ok());
}

}  // namespace
}  // namespace qk
