// Concurrency: the dispatcher's one-time initialisation (cpu features, the kernel table, QK_ISA)
// races in a fresh process, then several threads run random ops on every supported ISA against
// the scalar reference, share one PackedOp, and flip the ISA override, all at once; and every op
// split over a thread pool (2, 3, 4, 8 threads) gives the one-thread bytes. Run under
// ThreadSanitizer by scripts/stages/60-tsan.sh; exact (==) comparisons in every build.
#include <gtest/gtest.h>

#include <stdlib.h>

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

// Every op split over pools of 2, 3, 4 and 8 threads, however small (QK_SPLIT_SMALL_OPS, read
// once by the library), on every ISA, gives the scalar reference's one-thread bytes; two callers
// share one pool at once (pthreadpool runs their calls one after the other).
const bool kSplitSmallOps = setenv("QK_SPLIT_SMALL_OPS", "1", 1) == 0;

TEST(ThreadSafety, PoolSplitsGiveTheOneThreadBytes) {
  ASSERT_TRUE(kSplitSmallOps);
  for (int threads : {2, 3, 4, 8}) {
    const ThreadPool pool(threads);
    if (ThreadPool(2).threads() == 1) {
      GTEST_SKIP() << "built without pthreadpool (a cross build): every op runs on one thread";
    }
    ASSERT_EQ(pool.threads(), threads);
    std::vector<std::string> errors(2);
    std::vector<std::thread> callers;
    for (int t = 0; t < 2; ++t) {
      callers.emplace_back([&, t] {
        for (int i = 0; i < 40 && errors[t].empty(); ++i) {
          const uint64_t seed = 7000 + 100 * threads + 50 * t + i;
          test::RngSource rng(seed);
          test::OpCase c;
          test::RandomGeometry(rng, &c);
          test::FillCase(rng, &c, seed % 3 == 0);
          std::vector<uint8_t> expected, got;
          Status s = test::PackAndRun(c, Isa::kScalar, &expected);
          for (Isa isa : SupportedIsas()) {
            std::string kernel;
            if (s.ok()) s = test::PackAndRun(c, isa, &got, &kernel, &pool);
            if (!s.ok() || got != expected) {
              errors[t] = "seed " + std::to_string(seed) + " " + kernel + " " + test::Shape(c) +
                          ", " + std::to_string(threads) + " threads: " +
                          (s.ok() ? "differs from one thread" : s.message());
              break;
            }
          }
        }
      });
    }
    for (std::thread& th : callers) th.join();
    for (int t = 0; t < 2; ++t) EXPECT_EQ(errors[t], "") << "caller " << t;
  }
}

}  // namespace
}  // namespace qk
