// Every SIMD row of the kernel table against the scalar reference, exactly (==): shapes around
// every tile edge and extreme values, through the public API (Pack*(..., isa) + Run), checking
// that the packed op really chose the row under test (kernel_name()).
//
// Rows whose ISA this CPU lacks are skipped with a message, never counted as passed. The last
// test runs in its own process under ctest, so it re-runs a few cases itself to prove that every
// host-supported SIMD ISA with rows executed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dispatch/cpu_features.h"
#include "dispatch/kernel_table.h"
#include "qkernels/ops.h"
#include "src/packed_op_impl.h"
#include "src/validate.h"
#include "tests/kernel_sweep_shapes.h"

namespace qk {
namespace {

using internal::Kernel;
using internal::KernelTable;
using internal::OpDesc;
using internal::OpKind;
using sweep::Shape;
using sweep::ShapeName;
using sweep::ShapesFor;

constexpr uint32_t kBaseSeed = 20261126;

// How weights, inputs and the requantization block are drawn.
enum class Values {
  kRandom,       // full-range data, multipliers that spread the outputs over the range
  kMinWeights,   // every weight at its extreme (-128; uint8 0/255 against the filter zero point)
  kExtremeZp,    // zero points at the ends of their range, inputs at the extremes
  kShiftSweep,   // per-channel shifts cycling through the whole legal range, odd multipliers
  kBigAcc,       // bias near INT32_MIN/MAX (int16: near +-2^40): accumulators wrap
  kNarrowClamp,  // activation range of a few values (or a single value)
  // int8 weights at +-127 (TFLite's symmetric range, which the converter produces), inputs at the
  // extremes: the largest sums of two int8 products (2 * 128 * 127 = 32512) that still fit int16.
  kSymmetricWeights,
};
constexpr Values kExtremeModes[] = {Values::kMinWeights,  Values::kExtremeZp,
                                    Values::kShiftSweep,  Values::kBigAcc,
                                    Values::kNarrowClamp, Values::kSymmetricWeights};
constexpr size_t kNumExtremeModes = sizeof(kExtremeModes) / sizeof(kExtremeModes[0]);
const char* ValuesName(Values v) {
  switch (v) {
    case Values::kRandom: return "random";
    case Values::kMinWeights: return "min_weights";
    case Values::kExtremeZp: return "extreme_zp";
    case Values::kShiftSweep: return "shift_sweep";
    case Values::kBigAcc: return "big_acc";
    case Values::kNarrowClamp: return "narrow_clamp";
    case Values::kSymmetricWeights: return "symmetric_weights";
  }
  return "?";
}

// Everything one run needs, generated from a seed.
struct Problem {
  Shape shape;
  DataType type;
  Values values;
  Rounding rounding;
  uint32_t seed;
  Conv2DParams conv;
  DepthwiseConv2DParams dw;
  FullyConnectedParams fc;
  std::vector<int32_t> multiplier, shift;
  std::vector<uint8_t> filter;   // bytes of int8 or uint8 weights
  std::vector<int32_t> bias32;
  std::vector<int64_t> bias64;
  std::vector<int16_t> input;    // values; narrowed to the element type when run
  OpDesc desc;

  std::string Describe() const {
    std::ostringstream o;
    o << ShapeName(shape) << " type " << DataTypeName(type) << " values " << ValuesName(values)
      << " rounding " << (rounding == Rounding::kDouble ? "double" : "single") << " seed " << seed;
    return o.str();
  }
};

Requantization* QuantOf(Problem* p) {
  switch (p->shape.op) {
    case OpKind::kConv2D: return &p->conv.quant;
    case OpKind::kDepthwiseConv2D: return &p->dw.quant;
    default: return &p->fc.quant;
  }
}

// Fills the parameter structs from the shape; false when the geometry is invalid.
bool Resolve(Problem* p, bool placeholder_quant = true) {
  const Shape& s = p->shape;
  if (placeholder_quant) {
  // A placeholder requantization block, valid for every type; Generate() replaces it.
  static const int32_t kMultiplier = 1 << 30, kShift = 0;
  Requantization& q = *QuantOf(p);
  q = Requantization();
  q.output_multiplier = &kMultiplier;
  q.output_shift = &kShift;
  q.num_channels = 1;
  q.activation_min = p->type == DataType::kUInt8 ? 0 : p->type == DataType::kInt16 ? -32768 : -128;
  q.activation_max = p->type == DataType::kUInt8 ? 255 : p->type == DataType::kInt16 ? 32767 : 127;
  }
  Status st;
  if (s.op == OpKind::kConv2D) {
    Conv2DParams& c = p->conv;
    c.type = p->type, c.batch = s.batch, c.input_height = s.h, c.input_width = s.w;
    c.input_channels = s.c, c.output_channels = s.out_c, c.kernel_height = s.kh;
    c.kernel_width = s.kw, c.groups = s.groups, c.stride_height = s.sh, c.stride_width = s.sw;
    c.dilation_height = s.dh, c.dilation_width = s.dw, c.padding = s.padding;
    c.pad_top = s.pt, c.pad_bottom = s.pb, c.pad_left = s.pl, c.pad_right = s.pr;
    st = internal::ResolveConv2D(c, &p->desc);
  } else if (s.op == OpKind::kDepthwiseConv2D) {
    DepthwiseConv2DParams& d = p->dw;
    d.type = p->type, d.batch = s.batch, d.input_height = s.h, d.input_width = s.w;
    d.input_channels = s.c, d.depth_multiplier = s.out_c, d.kernel_height = s.kh;
    d.kernel_width = s.kw, d.stride_height = s.sh, d.stride_width = s.sw;
    d.dilation_height = s.dh, d.dilation_width = s.dw, d.padding = s.padding;
    d.pad_top = s.pt, d.pad_bottom = s.pb, d.pad_left = s.pl, d.pad_right = s.pr;
    st = internal::ResolveDepthwiseConv2D(d, &p->desc);
  } else {
    FullyConnectedParams& f = p->fc;
    f.type = p->type, f.batch = s.batch, f.input_depth = s.c, f.output_depth = s.out_c;
    st = internal::ResolveFullyConnected(f, &p->desc);
  }
  return st.ok();
}

// Draws data and quantization for a resolved problem.
void Generate(Problem* p) {
  std::mt19937 rng(p->seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const OpDesc& d = p->desc;
  const bool u8 = p->type == DataType::kUInt8, i16 = p->type == DataType::kInt16;
  const int lo = u8 ? 0 : i16 ? -32768 : -128, hi = u8 ? 255 : i16 ? 32767 : 127;
  // int8 weights: [-128, 127], or TFLite's symmetric [-127, 127] for half the random cases (by
  // seed) and the symmetric mode, so that kernels which check the weights at pack time (NEON
  // 2x8c16 takes only [-127, 127]) run both of their paths.
  const Values v = p->values;
  const bool symmetric =
      v == Values::kSymmetricWeights || (v == Values::kRandom && p->seed % 2 == 0);
  const int wlo = u8 ? 0 : symmetric && !i16 ? -127 : -128, whi = u8 ? 255 : 127;
  Requantization& q = *QuantOf(p);
  q = Requantization();
  q.rounding = p->rounding;
  q.activation_min = lo, q.activation_max = hi;
  if (!i16) {
    const bool extreme = v == Values::kExtremeZp || v == Values::kMinWeights ||
                         v == Values::kSymmetricWeights;
    auto zp = [&] { return extreme ? (uniform(0, 1) ? lo : hi) : uniform(lo, hi); };
    q.input_zero_point = zp();
    q.output_zero_point = zp();
    if (u8) q.filter_zero_point = extreme ? (uniform(0, 1) ? 0 : 255) : uniform(0, 255);
  }
  p->filter.resize(d.FilterElements());
  for (auto& w : p->filter) {
    int value = uniform(wlo, whi);
    if (v == Values::kMinWeights) {
      value = u8 ? (q.filter_zero_point >= 128 ? 0 : 255) : -128;
      if (uniform(0, 15) == 0) value = u8 ? 255 - value : 127;
    } else if (v == Values::kSymmetricWeights && !u8 && uniform(0, 7) != 0) {
      value = uniform(0, 1) ? -127 : 127;
    }
    w = static_cast<uint8_t>(value);
  }
  p->input.resize(d.InputElements());
  for (auto& x : p->input) {
    int value = uniform(lo, hi);
    if (v == Values::kMinWeights || v == Values::kExtremeZp || v == Values::kSymmetricWeights) {
      value = uniform(0, 7) == 0 ? uniform(lo, hi) : (uniform(0, 1) ? lo : hi);
    }
    x = static_cast<int16_t>(value);
  }
  // Scale so that typical accumulators land inside the output range.
  const double k = d.KernelDepth();
  const double term = i16 ? 19000.0 * 74 : u8 ? 100.0 * 100 : 80.0 * 80;
  const double target = i16 ? 8000.0 : 40.0;
  const double base = target / (std::sqrt(k) * term + 1.0);
  const bool per_channel = !u8 || uniform(0, 3) == 0;
  const int channels = per_channel ? d.out_c : 1;
  q.num_channels = channels;
  p->multiplier.resize(channels);
  p->shift.resize(channels);
  for (int c = 0; c < channels; ++c) {
    QuantizedMultiplier m =
        QuantizeMultiplier(base * std::ldexp(1.0, uniform(-2, 2)) * (1.0 + uniform(0, 99) / 100.0),
                           i16 ? Rounding::kDouble : p->rounding);
    if (v == Values::kShiftSweep) {
      const int span = i16 ? 39 : 62;  // [-31, 7] or [-31, 30]
      m.shift = -31 + (c * 7 + static_cast<int>(p->seed % 61)) % span;
      const int32_t edges[] = {1 << 30, std::numeric_limits<int32_t>::max(), 0, (1 << 30) + 1};
      m.multiplier = uniform(0, 2) == 0 ? edges[uniform(0, 3)] : uniform(1 << 30, 0x7FFFFFFF);
    }
    if (i16) m.shift = std::min(m.shift, 7);
    if (m.shift < -31) m = {0, 0};
    p->multiplier[c] = m.multiplier;
    p->shift[c] = m.shift;
  }
  q.output_multiplier = p->multiplier.data();
  q.output_shift = p->shift.data();
  if (v == Values::kNarrowClamp) {
    const int zp = q.output_zero_point;
    const int a = std::clamp(zp + uniform(-3, 3), lo, hi);
    q.activation_min = a;
    q.activation_max = std::clamp(a + uniform(0, 4), a, hi);
  }
  const double acc_span = std::sqrt(k) * term;
  const int bias_span = static_cast<int>(std::min(acc_span, 1e9));
  // Zero points off the middle of the data give accumulators a mean of k * E[w'] * E[x']: the
  // bias recentres them so that the outputs spread over the range instead of clamping.
  const double mean_w = u8 ? 127.5 - q.filter_zero_point : -0.5;
  const double mean_x = (lo + hi) / 2.0 - q.input_zero_point;
  const double center = std::clamp(-k * mean_w * mean_x, -1e9, 1e9);
  p->bias32.assign(d.out_c, 0);
  p->bias64.assign(d.out_c, 0);
  for (int c = 0; c < d.out_c; ++c) {
    if (v == Values::kBigAcc) {
      const int32_t r = uniform(0, 1 << 20);
      p->bias32[c] = uniform(0, 1) ? std::numeric_limits<int32_t>::max() - r
                                   : std::numeric_limits<int32_t>::min() + r;
      p->bias64[c] = (uniform(0, 1) ? 1 : -1) * ((int64_t{1} << 40) - r);
    } else {
      p->bias32[c] = static_cast<int32_t>(center) + uniform(-bias_span, bias_span);
      p->bias64[c] = int64_t{uniform(-bias_span, bias_span)} * 4;
    }
  }
}

Status PackProblem(const Problem& p, Isa isa, bool with_bias, PackedOp* op) {
  const void* bias = !with_bias ? nullptr
                     : p.type == DataType::kInt16 ? static_cast<const void*>(p.bias64.data())
                                                  : static_cast<const void*>(p.bias32.data());
  switch (p.shape.op) {
    case OpKind::kConv2D: return PackConv2D(p.conv, p.filter.data(), bias, op, isa);
    case OpKind::kDepthwiseConv2D:
      return PackDepthwiseConv2D(p.dw, p.filter.data(), bias, op, isa);
    default: return PackFullyConnected(p.fc, p.filter.data(), bias, op, isa);
  }
}

// Runs a packed op with an exactly sized heap workspace; returns the output values.
template <typename T>
std::vector<int32_t> RunAs(const PackedOp& op, const Problem& p, std::string* error) {
  std::vector<T> in(p.input.begin(), p.input.end());
  std::vector<T> out(op.output_elements());
  std::vector<unsigned char> workspace(op.workspace_size());
  Status s = Run(op, in.data(), out.data(), workspace.empty() ? nullptr : workspace.data(),
                 workspace.size());
  if (!s.ok()) *error = "Run failed: " + s.message();
  return std::vector<int32_t>(out.begin(), out.end());
}

std::vector<int32_t> RunProblem(const PackedOp& op, const Problem& p, std::string* error) {
  switch (p.type) {
    case DataType::kInt8: return RunAs<int8_t>(op, p, error);
    case DataType::kUInt8: return RunAs<uint8_t>(op, p, error);
    default: return RunAs<int16_t>(op, p, error);
  }
}

struct Tally {
  int cases = 0;
  long outputs = 0, clamped = 0;  // kRandom cases only
  int variant_cases[4] = {};      // cases by the packing the row chose (PackedData::pack_variant)
};

// Packs and runs `p` with `row` and with the scalar reference; adds a failure on any difference.
void CheckProblem(const Kernel& row, const Problem& p, bool with_bias, Tally* tally) {
  SCOPED_TRACE(std::string(row.name) + ": " + p.Describe() + (with_bias ? " bias" : " no-bias"));
  PackedOp simd, ref;
  Status s = PackProblem(p, row.isa, with_bias, &simd);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_STREQ(simd.kernel_name(), row.name) << "the API chose another row for this case";
  const int variant = PackedOpAccess::Get(simd)->data.pack_variant;
  ASSERT_TRUE(variant >= 0 && variant < 4) << variant;
  ++tally->variant_cases[variant];
  s = PackProblem(p, Isa::kScalar, with_bias, &ref);
  ASSERT_TRUE(s.ok()) << s.message();
  std::string error;
  const std::vector<int32_t> got = RunProblem(simd, p, &error);
  ASSERT_EQ(error, "");
  const std::vector<int32_t> want = RunProblem(ref, p, &error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(got.size(), want.size());
  size_t mismatches = 0, first = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i] && mismatches++ == 0) first = i;
  }
  EXPECT_EQ(mismatches, 0u) << "first mismatch at output " << first << " (pixel "
                            << first / p.desc.out_c << ", channel " << first % p.desc.out_c
                            << "): got " << got[first] << ", reference " << want[first];
  ++tally->cases;
  if (p.values == Values::kRandom) {
    const Requantization& q = *QuantOf(const_cast<Problem*>(&p));
    tally->outputs += static_cast<long>(want.size());
    for (int32_t w : want) tally->clamped += (w == q.activation_min || w == q.activation_max);
  }
}

// The problems of one row: every shape of its op that selects this row, once with random data
// and once with an extreme mode (rotating), both rounding modes alternating. `limit` caps the
// count (0 = all).
std::vector<Problem> ProblemsFor(const Kernel& row, size_t limit) {
  std::vector<Problem> out;
  const std::vector<Shape> shapes = ShapesFor(row.op);
  for (size_t i = 0; i < shapes.size(); ++i) {
    for (int variant = 0; variant < 2; ++variant) {
      Problem p;
      p.shape = shapes[i];
      p.type = row.type;
      p.values = variant == 0 ? Values::kRandom : kExtremeModes[i % kNumExtremeModes];
      p.rounding = (i + variant) % 2 ? Rounding::kSingle : Rounding::kDouble;
      p.seed = kBaseSeed + static_cast<uint32_t>(i * 7919 + variant);
      if (!Resolve(&p)) continue;
      Generate(&p);
      if (!Resolve(&p, /*placeholder_quant=*/false)) {
        ADD_FAILURE() << "generated an invalid problem: " << p.Describe();
        continue;
      }
      if (internal::SelectKernel(p.desc, row.isa) != &row) break;
      out.push_back(std::move(p));
      if (limit && out.size() >= limit) return out;
    }
  }
  return out;
}

// The extreme sweep: a few shapes per op, every extreme mode, both roundings, several seeds.
std::vector<Problem> ExtremeProblemsFor(const Kernel& row) {
  std::vector<Problem> out;
  const std::vector<Shape> shapes = ShapesFor(row.op);
  for (size_t i = 0; i < shapes.size(); i += 7) {
    for (Values v : kExtremeModes) {
      for (int r = 0; r < 2; ++r) {
        Problem p;
        p.shape = shapes[i];
        p.type = row.type;
        p.values = v;
        p.rounding = r ? Rounding::kSingle : Rounding::kDouble;
        p.seed = kBaseSeed + 1000003u + static_cast<uint32_t>(i * 131 + int(v) * 2 + r);
        if (!Resolve(&p)) continue;
        Generate(&p);
        if (!Resolve(&p, /*placeholder_quant=*/false)) {
          ADD_FAILURE() << "generated an invalid problem: " << p.Describe();
          continue;
        }
        if (internal::SelectKernel(p.desc, row.isa) == &row) out.push_back(std::move(p));
      }
    }
  }
  return out;
}

std::vector<size_t> SimdRows() {
  std::vector<size_t> rows;
  for (size_t i = 0; i < KernelTable().size(); ++i) {
    if (KernelTable()[i].isa != Isa::kScalar) rows.push_back(i);
  }
  return rows;
}

class KernelSweep : public ::testing::TestWithParam<size_t> {
 protected:
  const Kernel& Row() const { return KernelTable()[GetParam()]; }
  void SkipUnlessSupported() {
    if (!IsaSupported(Row().isa)) {
      GTEST_SKIP() << "SKIPPED (not passed): this CPU lacks " << IsaName(Row().isa) << ", row "
                   << Row().name << " was not run";
    }
  }
};

TEST_P(KernelSweep, ShapesAroundTileEdges) {
  SkipUnlessSupported();
  if (IsSkipped()) return;
  Tally tally;
  for (const Problem& p : ProblemsFor(Row(), 0)) {
    CheckProblem(Row(), p, /*with_bias=*/(p.seed % 3) != 0, &tally);
    if (HasFatalFailure() || ::testing::Test::HasFailure()) break;  // one detailed report
  }
  ASSERT_GT(tally.cases, 0) << "no sweep shape selects row " << Row().name
                            << ": add a shape its `applies` accepts";
  std::printf("[ sweep    ] %s%s: %d cases\n", Row().name,
              IsaEmulated(Row().isa) ? " (emulated by SIMDe)" : "", tally.cases);
  // The NEON int8 GEMM rows pack weights in [-127, 127] for the core class dispatch reports
  // (QK_ARM_CORE_CLASS forces it): the 2x8c16 tile (pack variant 1) for out-of-order cores, the
  // 4x4c16 one (variant 2) for in-order cores; other weights take the int16 path (variant 0).
  const Kernel& row = Row();
  if (row.isa == Isa::kNeon && row.type == DataType::kInt8 && row.op != OpKind::kDepthwiseConv2D) {
    const bool in_order = internal::GetCpuFeatures().in_order;
    const int chosen = tally.variant_cases[in_order ? 2 : 1];
    EXPECT_GT(chosen, 0) << "no case ran the " << (in_order ? "in-order" : "out-of-order")
                         << " int8-pair tile";
    EXPECT_EQ(tally.variant_cases[in_order ? 1 : 2], 0) << "a tile of the other core class ran";
    std::printf("[ pairs    ] %s: %d cases on the %s tile (%s core), %d on int16 products\n",
                row.name, chosen, in_order ? "4x4c16" : "2x8c16",
                in_order ? "in-order" : "out-of-order", tally.variant_cases[0]);
  }
  // A case whose outputs are all clamped tests nothing: the random cases must spread out.
  EXPECT_LT(tally.clamped, tally.outputs * 6 / 10)
      << "random cases are mostly clamped: the generator's scale is wrong for " << Row().name;
}

TEST_P(KernelSweep, ExtremeValues) {
  SkipUnlessSupported();
  if (IsSkipped()) return;
  Tally tally;
  for (const Problem& p : ExtremeProblemsFor(Row())) {
    CheckProblem(Row(), p, /*with_bias=*/true, &tally);
    if (::testing::Test::HasFailure()) break;
  }
  ASSERT_GT(tally.cases, 0) << "no extreme-value shape selects row " << Row().name;
  std::printf("[ extreme  ] %s%s: %d cases\n", Row().name,
              IsaEmulated(Row().isa) ? " (emulated by SIMDe)" : "", tally.cases);
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(KernelSweep);
INSTANTIATE_TEST_SUITE_P(Table, KernelSweep, ::testing::ValuesIn(SimdRows()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return std::string(KernelTable()[info.param].name);
                         });

// Runs in its own process: every host-supported SIMD ISA that has rows runs a few cases of each
// of its rows here, so "this ISA ran" is proven, not assumed from other processes.
TEST(KernelSweepCoverage, EveryHostIsaRan) {
  std::vector<Isa> with_rows;
  for (size_t i : SimdRows()) {
    const Isa isa = KernelTable()[i].isa;
    if (std::find(with_rows.begin(), with_rows.end(), isa) == with_rows.end()) {
      with_rows.push_back(isa);
    }
  }
  int ran_isas = 0;
  for (Isa isa : with_rows) {
    if (!IsaSupported(isa)) {
      std::printf("[ coverage ] %s: SKIPPED, this CPU lacks it (not counted as passed)\n",
                  IsaName(isa));
      continue;
    }
    int ran = 0;
    for (size_t i : SimdRows()) {
      const Kernel& row = KernelTable()[i];
      if (row.isa != isa) continue;
      Tally tally;
      for (const Problem& p : ProblemsFor(row, 3)) CheckProblem(row, p, true, &tally);
      EXPECT_GT(tally.cases, 0) << "row " << row.name << " never ran";
      ran += tally.cases;
    }
    std::printf("[ coverage ] %s%s: %d cases ran\n", IsaName(isa),
                IsaEmulated(isa) ? " (emulated by SIMDe)" : "", ran);
    EXPECT_GT(ran, 0) << IsaName(isa) << " is supported here but ran no case";
    ran_isas += ran > 0;
  }
  if (with_rows.empty()) std::printf("[ coverage ] no SIMD rows are compiled in\n");
  std::printf("[ coverage ] %d host-supported SIMD ISA(s) ran\n", ran_isas);
}

}  // namespace
}  // namespace qk
