// Guard pages: every kernel row of the table that this CPU can run, on a spread of shapes (tails of
// 1..63 in the channel / K / N dimensions, odd spatial sizes), with each user buffer (input,
// filter, bias, multipliers, shifts, output, workspace) flush against a PROT_NONE page, once at
// the end and once at the start. No access may fault, no byte outside the output may change, the
// inputs must stay untouched, and the output must equal the scalar reference exactly.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dispatch/kernel_table.h"
#include "qkernels/ops.h"
#include "tests/guarded_buffer.h"
#include "tests/op_case.h"

namespace qk {
namespace {

using test::GuardedBuffer;
using internal::OpKind;
using test::OpCase;

OpCase Fc(int batch, int depth, int out) {
  OpCase c;
  c.op = OpKind::kFullyConnected;
  c.batch = batch, c.in_c = depth, c.out_c = out;
  return c;
}

OpCase Conv(int batch, int h, int w, int cin, int cout, int k, Padding pad = Padding::kSame,
            int stride = 1, int dilation = 1, int groups = 1) {
  OpCase c;
  c.op = OpKind::kConv2D;
  c.batch = batch, c.in_h = h, c.in_w = w, c.in_c = cin, c.out_c = cout;
  c.kernel_h = c.kernel_w = k;
  c.padding = pad;
  c.stride_h = c.stride_w = stride;
  c.dilation_h = c.dilation_w = dilation;
  c.groups = groups;
  return c;
}

OpCase Depthwise(int batch, int h, int w, int channels, int mult, int k,
                 Padding pad = Padding::kSame, int stride = 1, int dilation = 1) {
  OpCase c = Conv(batch, h, w, channels, 0, k, pad, stride, dilation);
  c.op = OpKind::kDepthwiseConv2D;
  c.depth_multiplier = mult;
  return c;
}

OpCase WithPads(OpCase c, int top, int bottom, int left, int right) {
  c.padding = Padding::kExplicit;
  c.pad_top = top, c.pad_bottom = bottom, c.pad_left = left, c.pad_right = right;
  return c;
}

std::vector<OpCase> ShapePool(OpKind op) {
  std::vector<OpCase> pool;
  if (op == OpKind::kFullyConnected) {
    for (int t = 1; t <= 63; ++t) {
      pool.push_back(Fc(1, t, 19));  // K tails, GEMV
      pool.push_back(Fc(5, 37, t));  // N tails, batched
      pool.push_back(Fc(t % 9 + 1, t + 64, (t * 7) % 63 + 1));
    }
    for (int k : {64, 128, 129, 255, 256, 257, 1000}) {
      pool.push_back(Fc(1, k, 33));
      pool.push_back(Fc(4, k, 16));
    }
    for (OpCase c : {Fc(1, 1, 1), Fc(13, 64, 64), Fc(7, 100, 70), Fc(2, 3, 129), Fc(6, 1, 5)}) {
      pool.push_back(c);
    }
  } else if (op == OpKind::kConv2D) {
    for (int t = 1; t <= 63; ++t) {
      pool.push_back(Conv(1, 3, 5, t, (t * 37) % 63 + 1, 1, Padding::kValid));  // pointwise
      pool.push_back(Conv(1, 5, 7, t, t, 3));                                  // 3x3 SAME
      pool.push_back(Conv(1, 6, 5, 3, t, 3, Padding::kValid));                 // out-channel tails
    }
    pool.push_back(Conv(1, 9, 7, 5, 17, 3, Padding::kValid, 2));
    pool.push_back(Conv(1, 7, 9, 4, 8, 3, Padding::kSame, 1, 2));
    pool.push_back(Conv(1, 5, 5, 6, 10, 3, Padding::kSame, 1, 1, 2));
    pool.push_back(Conv(2, 5, 3, 9, 6, 1, Padding::kValid, 1, 1, 3));
    pool.push_back(WithPads(Conv(1, 6, 7, 3, 5, 5), 2, 1, 0, 3));
    pool.push_back(Conv(1, 3, 3, 2, 3, 7));  // kernel larger than the input
    pool.push_back(Conv(1, 7, 7, 8, 8, 1, Padding::kValid, 2));
    pool.push_back(Conv(2, 4, 4, 64, 65, 1, Padding::kValid));
    pool.push_back(WithPads(Conv(1, 4, 5, 16, 16, 1), 1, 1, 1, 1));  // 1x1, but not pointwise
    pool.push_back(Conv(1, 14, 14, 32, 64, 3));
    pool.push_back(Conv(1, 28, 28, 1, 32, 3, Padding::kValid));
    pool.push_back(Conv(1, 20, 300, 3, 32, 3, Padding::kSame, 2));  // direct kernel, 2 bands
    OpCase rect = Conv(1, 6, 9, 5, 7, 3);
    rect.kernel_w = 1;
    pool.push_back(rect);
  } else {
    for (int t = 1; t <= 63; ++t) {
      pool.push_back(Depthwise(1, 5, 7, t, 1, 3));
      if (t % 2 == 1) pool.push_back(Depthwise(1, 7, 5, t, 2, 3, Padding::kSame, 2));
    }
    for (int c : {64, 65, 127, 128, 129}) pool.push_back(Depthwise(1, 9, 9, c, 1, 3));
    pool.push_back(Depthwise(1, 9, 11, 16, 1, 5, Padding::kSame, 1, 2));
    pool.push_back(Depthwise(3, 4, 4, 24, 1, 1, Padding::kValid));
    pool.push_back(WithPads(Depthwise(1, 6, 5, 32, 1, 3), 1, 0, 2, 1));
    pool.push_back(Depthwise(1, 2, 3, 17, 3, 5));
    pool.push_back(Depthwise(2, 8, 8, 40, 1, 3, Padding::kValid, 2));
  }
  return pool;
}

// Runs one case on `isa` with every buffer guarded; returns "" or what went wrong.
std::string GuardedRun(const OpCase& c, Isa isa, const std::string& kernel,
                       GuardedBuffer::Flush flush, const std::vector<uint8_t>& expected) {
  const size_t es = test::ElementSize(c.type);
  GuardedBuffer filter("filter", c.filter.size(), flush);
  GuardedBuffer bias("bias", c.bias.size(), flush);
  GuardedBuffer mult("output_multiplier", 4 * c.multiplier.size(), flush);
  GuardedBuffer shift("output_shift", 4 * c.shift.size(), flush);
  filter.Fill(c.filter.data(), c.filter.size());
  bias.Fill(c.bias.data(), c.bias.size());
  mult.Fill(c.multiplier.data(), mult.size());
  shift.Fill(c.shift.data(), shift.size());
  std::vector<const GuardedBuffer*> buffers = {&filter, &bias, &mult, &shift};
  auto fault_text = [&](const void* address) {
    std::string what = "fault at an address outside every guard page";
    for (const GuardedBuffer* b : buffers) {
      if (b->DescribeFault(address, &what)) break;
    }
    return what;
  };
  PackedOp op;
  Status status;
  const void* address = nullptr;
  if (!test::RunTrappingFaults(
          [&] {
            status = test::PackCaseWith(c, filter.data(), c.bias.empty() ? nullptr : bias.data(),
                                        mult.as<int32_t>(), shift.as<int32_t>(), &op, isa);
          },
          &address)) {
    return "packing: " + fault_text(address);
  }
  if (!status.ok()) return "packing failed: " + status.message();
  if (kernel != op.kernel_name()) return std::string("packed for ") + op.kernel_name();
  GuardedBuffer input("input", c.input.size(), flush);
  GuardedBuffer output("output", op.output_elements() * es, flush);
  GuardedBuffer workspace("workspace", op.workspace_size(), flush);
  input.Fill(c.input.data(), c.input.size());
  buffers.insert(buffers.end(), {&input, &output, &workspace});
  if (!test::RunTrappingFaults(
          [&] {
            status = test::RunRaw(op, input.data(), output.data(), workspace.data(),
                                  workspace.size());
          },
          &address)) {
    return "run: " + fault_text(address);
  }
  if (!status.ok()) return "run failed: " + status.message();
  for (const GuardedBuffer* b : buffers) {
    const std::string damage = b->DamagedCanary();
    if (!damage.empty()) return damage;
  }
  if (std::memcmp(input.data(), c.input.data(), c.input.size()) != 0) return "input modified";
  if (std::memcmp(filter.data(), c.filter.data(), c.filter.size()) != 0) return "filter modified";
  for (size_t i = 0; i < expected.size(); i += es) {
    if (std::memcmp(output.as<uint8_t>() + i, expected.data() + i, es) != 0) {
      return "output element " + std::to_string(i / es) + " differs from the scalar reference: " +
             test::ValuesToString(output.as<uint8_t>() + i, 1, es, c.type == DataType::kUInt8) +
             " vs " +
             test::ValuesToString(expected.data() + i, 1, es, c.type == DataType::kUInt8);
    }
  }
  return "";
}

// The harness itself: an over-read, an under-read and a stray write must each be caught.
TEST(GuardedBufferSelfCheck, CatchesOutOfBoundsAccess) {
  for (size_t bytes : {size_t{1}, size_t{63}, size_t{4096}, size_t{5000}}) {
    GuardedBuffer end("output", bytes, GuardedBuffer::Flush::kEnd);
    GuardedBuffer start("input", bytes, GuardedBuffer::Flush::kStart);
    const void* address = nullptr;
    std::string what;
    volatile uint8_t sink = 0;
    EXPECT_FALSE(test::RunTrappingFaults([&] { sink = end.as<uint8_t>()[bytes]; }, &address));
    EXPECT_TRUE(end.DescribeFault(address, &what));
    EXPECT_NE(what.find("+" + std::to_string(bytes)), std::string::npos) << what;
    EXPECT_FALSE(test::RunTrappingFaults([&] { sink = start.as<uint8_t>()[-1]; }, &address));
    EXPECT_TRUE(start.DescribeFault(address, &what));
    EXPECT_NE(what.find("1 byte(s) before"), std::string::npos) << what;
    EXPECT_TRUE(test::RunTrappingFaults([&] { sink = end.as<uint8_t>()[bytes - 1]; }, &address));
    EXPECT_TRUE(start.DamagedCanary().empty());
    if (bytes % static_cast<size_t>(sysconf(_SC_PAGESIZE)) != 0) {  // a stray write past the end
      start.as<uint8_t>()[bytes] = 0;
      EXPECT_NE(start.DamagedCanary(), "");
    }
    (void)sink;
  }
}

struct Family {
  OpKind op;
  DataType type;
};

class GuardPage : public ::testing::TestWithParam<Family> {};

TEST_P(GuardPage, EveryRowEveryShape) {
  const Family f = GetParam();
  std::map<std::string, int> coverage;  // kernel name -> shapes run
  int failures = 0;
  const std::vector<OpCase> pool = ShapePool(f.op);
  for (size_t i = 0; i < pool.size(); ++i) {
    OpCase c = pool[i];
    c.type = f.type;
    test::RngSource rng(0x9A6E + 1000 * static_cast<int>(f.op) + 100 * static_cast<int>(f.type) +
                        i);
    test::FillCase(rng, &c, /*wild=*/i % 4 == 3);
    std::vector<uint8_t> expected;
    const Status s = test::PackAndRun(c, Isa::kScalar, &expected);
    ASSERT_TRUE(s.ok()) << test::Shape(c) << ": " << s.message();
    std::set<std::string> done;
    for (Isa isa : SupportedIsas()) {
      PackedOp probe;
      ASSERT_TRUE(test::PackCase(c, &probe, isa).ok());
      const std::string kernel = probe.kernel_name();
      if (!done.insert(kernel).second) continue;  // this ISA fell back to a row already run
      for (auto flush : {GuardedBuffer::Flush::kEnd, GuardedBuffer::Flush::kStart}) {
        const std::string error = GuardedRun(c, isa, kernel, flush, expected);
        if (!error.empty() && ++failures <= 20) {
          ADD_FAILURE() << kernel << " on " << test::Shape(c) << " (buffers flush against the "
                        << (flush == GuardedBuffer::Flush::kEnd ? "end" : "start")
                        << " guard page): " << error << "\ncase:\n" << test::Describe(c);
        }
      }
      ++coverage[kernel];
    }
  }
  int runs = 0;
  for (const auto& [kernel, shapes] : coverage) {
    std::printf("[coverage] %-36s %4d shapes x 2 placements\n", kernel.c_str(), shapes);
    runs += shapes;
  }
  std::printf("[coverage] %d kernel x shape pairs, %d failures\n", runs, failures);
  for (const internal::Kernel& row : internal::KernelTable()) {
    if (row.op != f.op || row.type != f.type) continue;
    if (!IsaSupported(row.isa)) {
      std::printf("[skipped ] %s: this CPU lacks %s (not counted)\n", row.name, IsaName(row.isa));
      continue;
    }
    EXPECT_GT(coverage[row.name], 0) << row.name << " was never selected by any shape of the pool";
  }
}

std::string FamilyName(const ::testing::TestParamInfo<Family>& info) {
  return std::string(internal::OpKindName(info.param.op)) + "_" + DataTypeName(info.param.type);
}

INSTANTIATE_TEST_SUITE_P(
    AllFamilies, GuardPage,
    ::testing::Values(Family{OpKind::kConv2D, DataType::kInt8},
                      Family{OpKind::kConv2D, DataType::kUInt8},
                      Family{OpKind::kConv2D, DataType::kInt16},
                      Family{OpKind::kDepthwiseConv2D, DataType::kInt8},
                      Family{OpKind::kDepthwiseConv2D, DataType::kUInt8},
                      Family{OpKind::kDepthwiseConv2D, DataType::kInt16},
                      Family{OpKind::kFullyConnected, DataType::kInt8},
                      Family{OpKind::kFullyConnected, DataType::kUInt8},
                      Family{OpKind::kFullyConnected, DataType::kInt16}),
    FamilyName);

}  // namespace
}  // namespace qk
