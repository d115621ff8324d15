// RequantizeInt32ToInt8 on every ISA this host supports (each through SetIsaOverride, with the
// requantization that dispatch names for it) against TFLite's arithmetic lane by lane:
// clamp(MultiplyByQuantizedMultiplier(acc + bias) + zp) as in TFLite's
// kernels/internal/common.h (MultiplyByQuantizedMultiplier) and reference_ops requantization.
// Per-channel and per-tensor, with and without bias, both roundings, every row/channel count
// around the vector widths (8, 16, 64), accumulators and outputs in guarded buffers (a read or
// write past either end faults and is reported), and every MXCSR rounding mode / FTZ+DAZ on x86.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "dispatch/requantize_rows.h"
#include "qkernels/isa.h"
#include "qkernels/ops.h"
#include "qkernels/requantize.h"
#include "tests/guarded_buffer.h"
#include "tests/requantize_lanes.h"

namespace qk {
namespace {

struct Problem {
  int rows, channels;
  bool per_channel, with_bias;
  Rounding rounding;
  std::vector<int32_t> acc, bias, mult, shift;
  int32_t zp, lo, hi;
};

// TFLite's requantization of one value (the spec; qk::MultiplyByQuantizedMultiplier is its
// transcription, checked against TFLite's own vectors by requantize_test).
int8_t Expected(const Problem& p, size_t i) {
  const int c = static_cast<int>(i % size_t(p.channels));
  const int q = p.per_channel ? c : 0;
  const int32_t x = p.with_bias ? static_cast<int32_t>(static_cast<uint32_t>(p.acc[i]) +
                                                       static_cast<uint32_t>(p.bias[size_t(c)]))
                                : p.acc[i];
  const int64_t scaled =
      MultiplyByQuantizedMultiplier(x, p.mult[size_t(q)], p.shift[size_t(q)], p.rounding);
  return static_cast<int8_t>(std::min<int64_t>(std::max<int64_t>(scaled + p.zp, p.lo), p.hi));
}

Problem Make(std::mt19937* rng, int rows, int channels, bool per_channel, bool with_bias,
             Rounding rounding) {
  Problem p{rows, channels, per_channel, with_bias, rounding, {}, {}, {}, {}, 0, -128, 127};
  std::uniform_int_distribution<int32_t> m_dist(1 << 30, test::kMax), small(-3000, 3000);
  std::uniform_int_distribution<int> shift_dist(-12, -1), any_shift(-31, 30), pick(0, 15);
  std::uniform_int_distribution<uint32_t> any;
  const int nq = per_channel ? channels : 1;
  for (int c = 0; c < nq; ++c) {
    const int k = pick(*rng);
    // Ordinary, coarse (2^30, 7 * 2^28: the estimate's offset rule) and zero multipliers; mostly
    // shifts of the float estimate, some of the exact route (left shifts, e > 22).
    p.mult.push_back(k < 8 ? m_dist(*rng) : k < 11 ? (1 << 30) : k < 14 ? 7 * (1 << 28) : 0);
    p.shift.push_back(k % 5 == 4 ? any_shift(*rng) : shift_dist(*rng));
  }
  for (int c = 0; c < channels; ++c) p.bias.push_back(small(*rng) * 10);
  for (size_t i = 0; i < size_t(rows) * size_t(channels); ++i) {
    const int k = pick(*rng);
    p.acc.push_back(k == 0 ? static_cast<int32_t>(any(*rng)) : k == 1 ? test::kMin : small(*rng));
  }
  std::uniform_int_distribution<int32_t> zp_dist(-128, 127);
  p.zp = zp_dist(*rng);
  if (pick(*rng) < 4) {
    p.lo = std::min(zp_dist(*rng), zp_dist(*rng));
    p.hi = std::max(p.lo, zp_dist(*rng));
  }
  return p;
}

// Runs p through the API on the current ISA in guarded buffers; returns "" or what went wrong.
std::string RunGuarded(const Problem& p, test::GuardedBuffer::Flush flush) {
  const size_t n = size_t(p.rows) * size_t(p.channels);
  test::GuardedBuffer acc("accumulators", n * 4, flush), out("output", n, flush);
  acc.Fill(p.acc.data(), n * 4);
  Requantization q;
  q.output_zero_point = p.zp;
  q.output_multiplier = p.mult.data();
  q.output_shift = p.shift.data();
  q.num_channels = p.per_channel ? p.channels : 1;
  q.activation_min = p.lo;
  q.activation_max = p.hi;
  q.rounding = p.rounding;
  Status s;
  const void* fault = nullptr;
  const bool ok = test::RunTrappingFaults(
      [&] {
        s = RequantizeInt32ToInt8(acc.as<int32_t>(), p.with_bias ? p.bias.data() : nullptr,
                                  p.rows, p.channels, q, out.as<int8_t>());
      },
      &fault);
  std::string what;
  if (!ok) {
    if (!acc.DescribeFault(fault, &what) && !out.DescribeFault(fault, &what)) what = "fault";
    return what;
  }
  if (!s.ok()) return "status: " + s.message();
  if (!(what = out.DamagedCanary()).empty()) return what;
  for (size_t i = 0; i < n; ++i) {
    const int8_t want = Expected(p, i);
    if (out.as<int8_t>()[i] != want) {
      return "element " + std::to_string(i) + " (acc " + std::to_string(p.acc[i]) + ", channel " +
             std::to_string(i % size_t(p.channels)) + "): got " +
             std::to_string(out.as<int8_t>()[i]) + ", TFLite " + std::to_string(want);
    }
  }
  return "";
}

class RequantizeRows : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(SetIsaOverride(Isa::kAuto).ok()); }
};

TEST_F(RequantizeRows, EveryIsaEqualsTflite) {
  std::mt19937 rng(20261206);
  const int row_counts[] = {0, 1, 2, 3, 5, 33};
  const int channel_counts[] = {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100, 129};
  int runs = 0;
  for (Isa isa : SupportedIsas()) {
    ASSERT_TRUE(SetIsaOverride(isa).ok());
    SCOPED_TRACE(IsaName(isa));
    // The x86 ISAs and scalar run their own epilogue (dispatch/requantize_rows.cc).
    if (isa == Isa::kAvx2 || isa == Isa::kAvx512Vnni || isa == Isa::kScalar) {
      EXPECT_EQ(std::string(internal::RequantizeRowsName(isa)),
                std::string("requantize_rows__") + IsaName(isa));
    }
    int failures = 0;
    for (int rows : row_counts) {
      for (int channels : channel_counts) {
        for (int variant = 0; variant < 8; ++variant) {
          const bool per_channel = variant & 1, with_bias = variant & 2;
          const Rounding rounding = (variant & 4) ? Rounding::kSingle : Rounding::kDouble;
          const Problem p = Make(&rng, rows, channels, per_channel, with_bias, rounding);
          for (auto flush : {test::GuardedBuffer::Flush::kEnd, test::GuardedBuffer::Flush::kStart}) {
            const std::string error = RunGuarded(p, flush);
            ++runs;
            if (!error.empty() && failures++ < 5) {
              ADD_FAILURE() << rows << "x" << channels << (per_channel ? " per-channel" : " per-tensor")
                            << (with_bias ? " bias" : "")
                            << (rounding == Rounding::kSingle ? " single" : " double") << ": "
                            << error;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(runs, 0);
}

#if defined(QK_TEST_X86)
// The float estimate inside the x86 epilogues must not depend on the caller's floating-point
// environment (kernels/x86/requantize_estimate.h, E2 to E4).
TEST_F(RequantizeRows, EveryFloatEnvironment) {
  std::mt19937 rng(77);
  test::FloatEnv env;
  for (Isa isa : SupportedIsas()) {
    ASSERT_TRUE(SetIsaOverride(isa).ok());
    for (int i = 0; i < test::FloatEnv::kCount; ++i) {
      env.Apply(i);
      for (int variant = 0; variant < 8; ++variant) {
        const Problem p = Make(&rng, 40, 64 + variant, variant & 1, variant & 2,
                               (variant & 4) ? Rounding::kSingle : Rounding::kDouble);
        EXPECT_EQ(RunGuarded(p, test::GuardedBuffer::Flush::kEnd), "")
            << IsaName(isa) << ", " << test::FloatEnv::Name(i);
      }
    }
  }
}
#endif

}  // namespace
}  // namespace qk
