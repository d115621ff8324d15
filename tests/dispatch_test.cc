// The dispatcher: ISA names, the table's order, overrides, and that asking for an ISA the CPU
// lacks is an error rather than SIGILL.
#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "dispatch/kernel_table.h"
#include "qkernels/qkernels.hpp"

namespace qk {
namespace {

const Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512Vnni,
                        Isa::kNeon,   Isa::kNeonDot, Isa::kI8mm};

TEST(Dispatch, NamesRoundTrip) {
  for (Isa isa : kAllIsas) {
    Isa parsed;
    ASSERT_TRUE(ParseIsa(IsaName(isa), &parsed)) << IsaName(isa);
    EXPECT_EQ(parsed, isa);
  }
  Isa parsed;
  EXPECT_FALSE(ParseIsa("avx9000", &parsed));
  EXPECT_FALSE(ParseIsa(nullptr, &parsed));
}

TEST(Dispatch, SupportedIsBestFirstScalarLast) {
  const std::vector<Isa> isas = SupportedIsas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.back(), Isa::kScalar);
  EXPECT_EQ(isas.front(), BestIsa());
  for (Isa isa : isas) EXPECT_TRUE(IsaCompiledIn(isa));
}

TEST(Dispatch, TableIsOrderedBestFirstWithScalarRowsLast) {
  const std::vector<internal::Kernel>& table = internal::KernelTable();
  ASSERT_FALSE(table.empty());
  for (size_t i = 1; i < table.size(); ++i) {
    EXPECT_GE(internal::IsaRank(table[i - 1].isa), internal::IsaRank(table[i].isa))
        << table[i - 1].name << " before " << table[i].name;
  }
  EXPECT_EQ(table.back().isa, Isa::kScalar);
}

// Every row's name follows the one grammar (docs/ARCHITECTURE.md) and agrees with the row:
// <dtype>_<op>[_<variant>]_<tile>__<isa>, or <dtype>_<op>__scalar for the reference.
TEST(Dispatch, KernelNamesFollowTheGrammar) {
  const std::regex grammar(
      "(qs8|qu8|qs16x8)_(conv|dwconv|fc)(_(1x1|im2col|igemm|smallk|gemv))?"
      "(_([0-9]+x[0-9]+c[0-9]+|[0-9]+c[0-9]+))?__([a-z0-9]+)");
  for (const internal::Kernel& row : internal::KernelTable()) {
    std::smatch m;
    const std::string name = row.name;
    ASSERT_TRUE(std::regex_match(name, m, grammar)) << name;
    const char* dtype = row.type == DataType::kInt8    ? "qs8"
                        : row.type == DataType::kUInt8 ? "qu8"
                                                       : "qs16x8";
    const char* op = row.op == internal::OpKind::kConv2D            ? "conv"
                     : row.op == internal::OpKind::kDepthwiseConv2D ? "dwconv"
                                                                    : "fc";
    EXPECT_EQ(m[1].str(), dtype) << name;
    EXPECT_EQ(m[2].str(), op) << name;
    EXPECT_EQ(m[7].str(), IsaName(row.isa)) << name;
    EXPECT_EQ(m[5].matched, row.isa != Isa::kScalar) << name << ": a SIMD row names its tile";
  }
}

TEST(Dispatch, UnsupportedIsaIsAnErrorNotACrash) {
  for (Isa isa : kAllIsas) {
    if (IsaSupported(isa)) continue;
    EXPECT_EQ(SetIsaOverride(isa).code(), StatusCode::kIsaUnavailable) << IsaName(isa);
    FullyConnectedParams p;
    p.input_depth = 4;
    p.output_depth = 2;
    const int32_t m = 1 << 30, shift = 0;
    p.quant.output_multiplier = &m;
    p.quant.output_shift = &shift;
    p.quant.num_channels = 1;
    const int8_t filter[8] = {};
    PackedOp op;
    EXPECT_EQ(PackFullyConnected(p, filter, nullptr, &op, isa).code(),
              StatusCode::kIsaUnavailable)
        << IsaName(isa);
  }
}

// Packs (with Isa::kAuto, so the override decides) and runs one FC layer; returns its kernel
// name and fills *out.
std::string PackAndRunWithOverride(Isa isa, std::vector<int8_t>* out) {
  constexpr int kBatch = 3, kDepth = 64, kOut = 16;
  EXPECT_TRUE(SetIsaOverride(isa).ok());
  EXPECT_EQ(DefaultIsa(), isa);
  std::vector<int32_t> m(kOut), shift(kOut, -6), bias(kOut);
  std::vector<int8_t> filter(kOut * kDepth), input(kBatch * kDepth);
  uint32_t state = 12345;  // a fixed LCG: the same data for every ISA
  auto next = [&state] { return state = state * 1664525u + 1013904223u; };
  for (int c = 0; c < kOut; ++c) {
    m[c] = int32_t((1u << 30) + (next() >> 2));
    bias[c] = int32_t(next() % 2001) - 1000;
  }
  for (int8_t& w : filter) w = int8_t(next() >> 24);
  for (int8_t& x : input) x = int8_t(next() >> 24);
  FullyConnectedParams p;
  p.batch = kBatch;
  p.input_depth = kDepth;
  p.output_depth = kOut;
  p.quant.input_zero_point = 3;
  p.quant.output_zero_point = -5;
  p.quant.output_multiplier = m.data();
  p.quant.output_shift = shift.data();
  p.quant.num_channels = kOut;
  PackedOp op;
  const Status s = PackFullyConnected(p, filter.data(), bias.data(), &op);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return "";
  // The kernel belongs to the requested ISA or a lesser one of its family (or scalar).
  EXPECT_LE(internal::IsaRank(op.isa()), internal::IsaRank(isa)) << op.kernel_name();
  const std::string name = op.kernel_name();
  EXPECT_NE(name.find(std::string("__") + IsaName(op.isa())), std::string::npos) << name;
  out->assign(kBatch * kOut, 0);
  EXPECT_TRUE(Run(op, input.data(), out->data()).ok());
  return name;
}

// The override really changes the kernel: scalar and the best ISA of this CPU give kernels of
// different names and ISAs, and the same bytes (which vary: not a clamped constant).
TEST(Dispatch, OverrideChangesTheDefaultAndTheKernel) {
  std::vector<int8_t> out;
  for (Isa isa : SupportedIsas()) PackAndRunWithOverride(isa, &out);
  const Isa best = BestIsa();
  std::vector<int8_t> scalar_out, best_out;
  const std::string scalar_name = PackAndRunWithOverride(Isa::kScalar, &scalar_out);
  const std::string best_name = PackAndRunWithOverride(best, &best_out);
  ASSERT_TRUE(SetIsaOverride(Isa::kAuto).ok());
  EXPECT_NE(scalar_name.find("__scalar"), std::string::npos) << scalar_name;
  EXPECT_EQ(scalar_out, best_out) << scalar_name << " vs " << best_name;
  int distinct = 0;
  for (size_t i = 1; i < scalar_out.size(); ++i) distinct += scalar_out[i] != scalar_out[0];
  EXPECT_GT(distinct, int(scalar_out.size()) / 2) << "outputs nearly constant: test too weak";
  if (best == Isa::kScalar) GTEST_SKIP() << "this CPU runs scalar only: no second ISA to compare";
  EXPECT_NE(scalar_name, best_name);
  EXPECT_EQ(best_name.find("__scalar"), std::string::npos) << best_name;
}

}  // namespace
}  // namespace qk
