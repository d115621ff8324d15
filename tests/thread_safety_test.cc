// Concurrency: the dispatcher's one-time initialisation (cpu features, the kernel table, QK_ISA)
// races in a fresh process, then several threads run random ops on every supported ISA against
// the scalar reference, share one PackedOp, and flip the ISA override, all at once. Run under
// ThreadSanitizer by scripts/stages/60-tsan.sh; exact (==) comparisons in every build.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "qkernels/ops.h"
#include "tests/op_case.h"

namespace qk {
namespace {

constexpr int kThreads = 4;

// All threads leave Wait() together (a spinning barrier: no thread starts early).
class StartLine {
 public:
  void Wait() {
    arrived_.fetch_add(1);
    while (arrived_.load() < kThreads) std::this_thread::yield();
  }

 private:
  std::atomic<int> arrived_{0};
};

// One random case on every supported ISA vs the scalar reference; "" or the failure.
std::string CheckCase(uint64_t seed) {
  test::RngSource rng(seed);
  test::OpCase c;
  test::RandomGeometry(rng, &c);
  test::FillCase(rng, &c, /*wild=*/seed % 3 == 0);
  std::vector<uint8_t> expected, got;
  Status s = test::PackAndRun(c, Isa::kScalar, &expected);
  if (!s.ok()) return "seed " + std::to_string(seed) + ": " + s.message();
  for (Isa isa : SupportedIsas()) {
    std::string kernel;
    s = test::PackAndRun(c, isa, &got, &kernel);
    if (!s.ok() || got != expected) {
      return "seed " + std::to_string(seed) + " " + kernel + " " + test::Shape(c) + ": " +
             (s.ok() ? "differs from the scalar reference" : s.message());
    }
  }
  return "";
}

TEST(ThreadSafety, RacingFirstUseThenConcurrentOps) {
  test::OpCase first;
  first.in_h = first.in_w = 6, first.in_c = 8, first.out_c = 16;
  first.kernel_h = first.kernel_w = 3;
  test::RngSource rng(7);
  test::FillCase(rng, &first, false);

  StartLine start;
  std::vector<std::string> errors(kThreads + 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.Wait();
      // First thing in a fresh process: every thread packs at once (dispatcher initialisation).
      PackedOp op;
      Status s = test::PackCase(first, &op, Isa::kAuto);
      if (!s.ok()) errors[t] = "first PackConv2D: " + s.message();
      for (int i = 0; i < 100 && errors[t].empty(); ++i) errors[t] = CheckCase(1000 * t + i);
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], "") << "thread " << t;
}

TEST(ThreadSafety, SharedPackedOpAndOverrideFlips) {
  test::OpCase c;
  c.in_h = 9, c.in_w = 7, c.in_c = 24, c.out_c = 40;
  c.kernel_h = c.kernel_w = 3, c.padding = Padding::kSame;
  test::RngSource rng(11);
  test::FillCase(rng, &c, false);
  std::vector<uint8_t> expected;
  ASSERT_TRUE(test::PackAndRun(c, Isa::kScalar, &expected).ok());
  PackedOp shared;
  ASSERT_TRUE(test::PackCase(c, &shared, BestIsa()).ok());

  StartLine start;
  std::atomic<int> finished{0};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.Wait();
      if (t == 0) {  // flips the default ISA while the others pack with kAuto
        while (finished.load() < kThreads - 1) {
          SetIsaOverride(Isa::kScalar);
          SetIsaOverride(Isa::kAuto);
        }
        return;
      }
      std::vector<uint8_t> out(expected.size());
      std::vector<uint8_t> workspace(shared.workspace_size());
      for (int i = 0; i < 30 && errors[t].empty(); ++i) {
        Status s = test::RunRaw(shared, c.input.data(), out.data(), workspace.data(),
                                workspace.size());
        if (!s.ok() || out != expected) errors[t] = "shared op: " + s.message() + " or mismatch";
        std::vector<uint8_t> mine;
        s = test::PackAndRun(c, Isa::kAuto, &mine);
        if (!s.ok() || mine != expected) errors[t] = "kAuto pack: " + s.message() + " or mismatch";
      }
      finished.fetch_add(1);
    });
  }
  for (std::thread& th : threads) th.join();
  SetIsaOverride(Isa::kAuto);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], "") << "thread " << t;
}

}  // namespace
}  // namespace qk
