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

TEST(Dispatch, OverrideChangesTheDefaultAndTheKernel) {
  for (Isa isa : SupportedIsas()) {
    ASSERT_TRUE(SetIsaOverride(isa).ok());
    EXPECT_EQ(DefaultIsa(), isa);
    FullyConnectedParams p;
    p.input_depth = 64;
    p.output_depth = 16;
    const int32_t m = 1 << 30, shift = 0;
    p.quant.output_multiplier = &m;
    p.quant.output_shift = &shift;
    p.quant.num_channels = 1;
    std::vector<int8_t> filter(64 * 16, 1);
    PackedOp op;
    ASSERT_TRUE(PackFullyConnected(p, filter.data(), nullptr, &op).ok());
    // The kernel belongs to the requested ISA or a lesser one of its family (or scalar).
    EXPECT_LE(internal::IsaRank(op.isa()), internal::IsaRank(isa)) << op.kernel_name();
  }
  ASSERT_TRUE(SetIsaOverride(Isa::kAuto).ok());
}

}  // namespace
}  // namespace qk
