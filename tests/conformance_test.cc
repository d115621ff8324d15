// The full public conformance set (../shared/conformance) through the library, for every file and
// every ISA this CPU supports: every case and row must pass, and the number checked must equal
// the `# cases:` / `# rows:` count each file declares.
#include <dirent.h>

#include <stdlib.h>

#include <algorithm>
#include <cfenv>
#include <cstdio>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "conformance_runner.h"
#include "qkernels/isa.h"
#include "qkernels/ops.h"
#include "qkv/qkv.h"
#include "tests/shared_data.h"

namespace qk {
namespace {

// The public set as FORMAT.md section 1 lists it.
const std::vector<std::string> kPublicFiles = {
    "conv2d_int8.qkv",          "conv2d_int8_single_rounding.qkv",
    "conv2d_int8_grouped.qkv",  "depthwise_int8.qkv",
    "fully_connected_int8.qkv", "fully_connected_int8_per_channel.qkv",
    "conv2d_uint8.qkv",         "depthwise_uint8.qkv",
    "fully_connected_uint8.qkv", "conv2d_int16x8.qkv",
    "requantize.qkv",           "requantize_int64.qkv",
    "quantize_multiplier.qkv",
};

class PublicConformance : public ::testing::TestWithParam<std::tuple<std::string, Isa>> {};

TEST_P(PublicConformance, EveryCaseAndRowPasses) {
  QK_REQUIRE_SHARED_DIR(shared);
  const std::string& name = std::get<0>(GetParam());
  const Isa isa = std::get<1>(GetParam());
  qkv::File file;
  std::string error;
  ASSERT_TRUE(qkv::ParseFile(shared + "/conformance/" + name, &file, &error)) << error;
  ASSERT_GE(file.declared_count, 1) << name << " has no '# cases:' or '# rows:' comment";
  ASSERT_EQ(static_cast<long>(file.count()), file.declared_count) << name;
  const conformance::FileOutcome r = conformance::RunFile(file, isa, /*verbose=*/false);
  std::string failures;
  for (size_t i = 0; i < r.lines.size() && i < 20; ++i) failures += r.lines[i] + "\n";
  EXPECT_EQ(r.failed, 0) << name << " [" << IsaName(isa) << "]:\n" << failures;
  EXPECT_EQ(r.passed, file.declared_count) << name << " [" << IsaName(isa) << "]";
}

INSTANTIATE_TEST_SUITE_P(
    Files, PublicConformance,
    ::testing::Combine(::testing::ValuesIn(kPublicFiles), ::testing::ValuesIn(SupportedIsas())),
    [](const auto& info) {
      std::string n = std::get<0>(info.param);
      n = n.substr(0, n.find('.')) + "_" + IsaName(std::get<1>(info.param));
      return n;
    });

// The whole set again with the process in each directed rounding mode: the reader parses the
// decimal scales as in round-to-nearest, the multipliers recomputed from them (the effective
// scales, QuantizeMultiplier) are TFLite's, and every kernel gives the same bytes.
class ConformanceUnderRoundingMode : public ::testing::TestWithParam<int> {};

TEST_P(ConformanceUnderRoundingMode, EveryFileAndIsaPasses) {
  QK_REQUIRE_SHARED_DIR(shared);
  struct Restore {
    ~Restore() { std::fesetround(FE_TONEAREST); }
  } restore;
  const int mode = GetParam();
  long passed = 0, runs = 0;
  for (const std::string& name : kPublicFiles) {
    ASSERT_EQ(std::fesetround(mode), 0);
    qkv::File file;
    std::string error;
    const bool parsed = qkv::ParseFile(shared + "/conformance/" + name, &file, &error);
    for (Isa isa : SupportedIsas()) {
      ASSERT_EQ(std::fegetround(), mode);
      const conformance::FileOutcome r = conformance::RunFile(file, isa, /*verbose=*/false);
      std::fesetround(FE_TONEAREST);  // gtest's messages in the default mode
      ASSERT_TRUE(parsed) << error;
      std::string failures;
      for (size_t i = 0; i < r.lines.size() && i < 10; ++i) failures += r.lines[i] + "\n";
      EXPECT_EQ(r.failed, 0) << name << " [" << IsaName(isa) << "]:\n" << failures;
      passed += r.passed;
      ++runs;
      std::fesetround(mode);
    }
  }
  std::printf("[ mode %d ] %ld file x ISA runs, %ld cases and rows passed\n", mode, runs, passed);
  EXPECT_GT(passed, 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, ConformanceUnderRoundingMode,
                         ::testing::Values(FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO),
                         [](const auto& info) {
                           return std::string(info.param == FE_DOWNWARD   ? "downward"
                                              : info.param == FE_UPWARD ? "upward"
                                                                        : "towardzero");
                         });

// Threads: every op file again on pools of 2, 3, 4 and 8 threads, against the same expected
// bytes (TFLite's), so the output cannot depend on the thread count. QK_SPLIT_SMALL_OPS makes
// the library split even these small ops over every thread (it is read once, before any run).
const bool kSplitSmallOps = setenv("QK_SPLIT_SMALL_OPS", "1", 1) == 0;

std::vector<std::string> OpFiles() {
  std::vector<std::string> files;
  for (const std::string& f : kPublicFiles) {
    if (f.rfind("requantize", 0) != 0 && f.rfind("quantize_multiplier", 0) != 0) {
      files.push_back(f);
    }
  }
  return files;
}

class ThreadedConformance
    : public ::testing::TestWithParam<std::tuple<std::string, Isa, int>> {};

TEST_P(ThreadedConformance, EveryCasePassesOnEveryThreadCount) {
  QK_REQUIRE_SHARED_DIR(shared);
  ASSERT_TRUE(kSplitSmallOps);
  const std::string& name = std::get<0>(GetParam());
  const Isa isa = std::get<1>(GetParam());
  const int threads = std::get<2>(GetParam());
  if (ThreadPool(2).threads() == 1) {
    GTEST_SKIP() << "built without pthreadpool (a cross build): every op runs on one thread";
  }
  ASSERT_EQ(ThreadPool(threads).threads(), threads) << "the pool could not start its threads";
  qkv::File file;
  std::string error;
  ASSERT_TRUE(qkv::ParseFile(shared + "/conformance/" + name, &file, &error)) << error;
  const conformance::FileOutcome r = conformance::RunFile(file, isa, false, threads);
  std::string failures;
  for (size_t i = 0; i < r.lines.size() && i < 20; ++i) failures += r.lines[i] + "\n";
  EXPECT_EQ(r.failed, 0) << name << " [" << IsaName(isa) << ", " << threads << " threads]:\n"
                         << failures;
  EXPECT_EQ(r.passed, file.declared_count) << name << " [" << IsaName(isa) << "]";
}

INSTANTIATE_TEST_SUITE_P(
    Files, ThreadedConformance,
    ::testing::Combine(::testing::ValuesIn(OpFiles()), ::testing::ValuesIn(SupportedIsas()),
                       ::testing::Values(2, 3, 4, 8)),
    [](const auto& info) {
      std::string n = std::get<0>(info.param);
      n = n.substr(0, n.find('.')) + "_" + IsaName(std::get<1>(info.param)) + "_t" +
          std::to_string(std::get<2>(info.param));
      return n;
    });

// The single-rounding file runs with Rounding::kSingle, and it is sensitive to the mode: with
// double rounding forced, some of its cases must fail.
TEST(PublicConformanceModes, SingleRoundingFileNeedsKSingle) {
  QK_REQUIRE_SHARED_DIR(shared);
  qkv::File file;
  std::string error;
  ASSERT_TRUE(
      qkv::ParseFile(shared + "/conformance/conv2d_int8_single_rounding.qkv", &file, &error))
      << error;
  ASSERT_FALSE(file.cases.empty());
  int differ = 0;
  for (qkv::Case& c : file.cases) {
    ASSERT_EQ(c.rounding, qkv::RoundingMode::kSingle) << c.id;
    std::string kernel;
    ASSERT_EQ(conformance::CheckCase(c, Isa::kScalar, &kernel), "") << c.id;
    c.rounding = qkv::RoundingMode::kDouble;
    // Multipliers agree in both modes here (shifts <= 30); only the outputs can differ.
    differ += conformance::CheckCase(c, Isa::kScalar, &kernel).find("index") == 0;
  }
  EXPECT_GT(differ, 0) << "no case of the single-rounding file distinguishes the modes";
}

// Every .qkv file in the shared directory is one this suite runs.
TEST(PublicConformanceModes, EveryFileInTheDirectoryIsListed) {
  QK_REQUIRE_SHARED_DIR(shared);
  DIR* dir = opendir((shared + "/conformance").c_str());
  ASSERT_NE(dir, nullptr);
  std::set<std::string> listed(kPublicFiles.begin(), kPublicFiles.end());
  while (const dirent* e = readdir(dir)) {
    const std::string n = e->d_name;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".qkv") == 0) {
      EXPECT_TRUE(listed.count(n)) << n << " is not in kPublicFiles";
    }
  }
  closedir(dir);
}

}  // namespace
}  // namespace qk
