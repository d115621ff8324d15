// qk-fuzz-requant: the requantization primitives against independent 128-bit formulas written from
// FORMAT.md section 4, then tiny K = 1 ops (fully connected, 1x1 conv, 1x1 depthwise) whose
// accumulators the bytes choose lane by lane (full int32 range: wrapping and saturation included),
// pushed through every supported ISA's vector epilogue. Any difference prints and aborts.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz/byte_source.h"
#include "qkernels/ops.h"
#include "qkernels/requantize.h"
#include "tests/op_case.h"

namespace {

using i128 = __int128;

i128 FloorShift(i128 v, int e) {
  const i128 d = static_cast<i128>(1) << e;
  i128 q = v / d;
  if (v % d != 0 && v < 0) --q;
  return q;
}
int32_t Wrap32(i128 v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

// Double rounding: a = x * 2^left (wrapping, as the contract says), h = round(a*m / 2^31) ties up,
// then round(h / 2^right) ties away from zero.
int32_t MulQDouble(int32_t x, int32_t m, int s) {
  const int left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;
  const int32_t a = Wrap32(static_cast<i128>(x) * (static_cast<i128>(1) << left));
  const i128 h = (a == INT32_MIN && m == INT32_MIN)
                     ? INT32_MAX
                     : FloorShift(static_cast<i128>(a) * m + (static_cast<i128>(1) << 30), 31);
  if (right == 0) return static_cast<int32_t>(h);
  const i128 d = static_cast<i128>(1) << right;
  const i128 magnitude = (2 * (h < 0 ? -h : h) + d) / (2 * d);
  return static_cast<int32_t>(h < 0 ? -magnitude : magnitude);
}

// Single rounding: round(x * m * 2^(s-31)), ties toward +inf, truncated to int32.
int32_t MulQSingle(int32_t x, int32_t m, int s) {
  const int total = 31 - s;
  const i128 half = static_cast<i128>(1) << (total - 1);
  return Wrap32(FloorShift(static_cast<i128>(x) * m + half, total));
}

// int16x8: the multiplier reduced to Q15 (saturating at 0x7FFF), floor((x*rm + 2^(14-s)) /
// 2^(15-s)); outside |x| < 2^47 the sum wraps modulo 2^64 as the library documents.
int32_t MulQ64(int64_t x, int32_t m, int s) {
  const int64_t reduced = m < 0x7FFF0000 ? (int64_t{m} + (1 << 15)) >> 16 : 0x7FFF;
  const int total = 15 - s;
  const i128 exact = static_cast<i128>(x) * reduced + (static_cast<i128>(1) << (total - 1));
  const int64_t wrapped = static_cast<int64_t>(static_cast<uint64_t>(exact));
  return Wrap32(FloorShift(wrapped, total));
}

int32_t Multiplier(qk::fuzz::ByteSource& src) {
  switch (src.Range(0, 5)) {
    case 0: return 0;
    case 1: return 1 << 30;
    case 2: return INT32_MAX;
    case 3: return 0x7FFF0000 + static_cast<int32_t>(src.Range(-2, 0xFFFF));
    default: return static_cast<int32_t>(src.Range(1 << 30, INT32_MAX));
  }
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "qk-fuzz-requant: %s\n", what.c_str());
  std::abort();
}

void CheckPrimitives(qk::fuzz::ByteSource& src) {
  const int32_t x = static_cast<int32_t>(src.Range(INT32_MIN, INT32_MAX));
  const int32_t m = Multiplier(src);
  const int s = static_cast<int>(src.Range(-31, 30));
  const std::string args = "(" + std::to_string(x) + ", " + std::to_string(m) + ", " +
                           std::to_string(s) + ")";
  const int32_t d = qk::MultiplyByQuantizedMultiplier(x, m, s, qk::Rounding::kDouble);
  if (d != MulQDouble(x, m, s)) Fail("double MulQ" + args + " = " + std::to_string(d));
  const int32_t g = qk::MultiplyByQuantizedMultiplier(x, m, s, qk::Rounding::kSingle);
  if (g != MulQSingle(x, m, s)) Fail("single MulQ" + args + " = " + std::to_string(g));
  const int64_t x64 = src.Range(0, 3) == 0 ? src.Range(INT64_MIN, INT64_MAX)
                                           : src.Range(-(int64_t{1} << 47), (int64_t{1} << 47) - 1);
  const int s16 = static_cast<int>(src.Range(-31, 7));
  const int32_t r = qk::MultiplyByQuantizedMultiplier(x64, m, s16);
  if (r != MulQ64(x64, m, s16)) {
    Fail("MulQ64(" + std::to_string(x64) + ", " + std::to_string(m) + ", " + std::to_string(s16) +
         ") = " + std::to_string(r));
  }
}

int64_t Load(const std::vector<uint8_t>& bytes, size_t i, size_t es, bool u8) {
  if (es == 1) return u8 ? int64_t{bytes[i]} : int64_t{static_cast<int8_t>(bytes[i])};
  if (es == 2) { int16_t v; std::memcpy(&v, &bytes[2 * i], 2); return v; }
  if (es == 4) { int32_t v; std::memcpy(&v, &bytes[4 * i], 4); return v; }
  int64_t v;
  std::memcpy(&v, &bytes[8 * i], 8);
  return v;
}

// A K = 1 op: accumulator (p, n) = (w[n] - fzp) * (x - izp) + bias[n] with x = input[p] (fully
// connected, 1x1 conv) or input[p * N + n] (1x1 depthwise).
void CheckEpilogues(qk::fuzz::ByteSource& src) {
  using namespace qk;
  using internal::OpKind;
  test::OpCase c;
  c.op = static_cast<OpKind>(src.Range(0, 2));
  c.type = static_cast<DataType>(src.Range(0, 2));
  const int lanes = static_cast<int>(src.Range(1, 80));
  c.in_h = static_cast<int>(src.Range(1, 3)), c.in_w = static_cast<int>(src.Range(1, 7));
  if (c.op == OpKind::kFullyConnected) c.batch = c.in_h * c.in_w, c.in_h = c.in_w = 1;
  c.in_c = c.op == OpKind::kDepthwiseConv2D ? lanes : 1;
  c.out_c = lanes;
  const int positions = c.batch * c.in_h * c.in_w;
  test::FillCase(src, &c, /*wild=*/true);  // data, zero points, clamp, rounding, num_channels
  for (size_t i = 0; i < c.multiplier.size(); ++i) c.multiplier[i] = Multiplier(src);
  if (c.bias.empty()) c.bias.assign(size_t(lanes) * test::BiasElementSize(c.type), 0);
  for (int n = 0; n < lanes && c.type != DataType::kInt16; ++n) {
    const int32_t b = static_cast<int32_t>(src.Range(INT32_MIN, INT32_MAX));
    std::memcpy(&c.bias[4 * n], &b, 4);
  }
  const Requantization& q = c.quant;
  const size_t es = test::ElementSize(c.type);
  const bool u8 = c.type == DataType::kUInt8;
  std::vector<int32_t> expected(size_t(positions) * lanes);
  for (int p = 0; p < positions; ++p) {
    for (int n = 0; n < lanes; ++n) {
      const size_t xi = c.op == OpKind::kDepthwiseConv2D ? size_t(p) * lanes + n : size_t(p);
      const int64_t w = u8 ? c.filter[n] : static_cast<int8_t>(c.filter[n]);
      const int64_t x = Load(c.input, xi, es, u8);
      const int64_t bias = Load(c.bias, n, test::BiasElementSize(c.type), false);
      const size_t qi = q.num_channels == 1 ? 0 : n;
      const int32_t m = c.multiplier[qi], s = c.shift[qi];
      int64_t v;
      if (c.type == DataType::kInt16) {
        v = MulQ64(w * x + bias, m, s);
      } else {
        const int32_t acc = Wrap32(static_cast<i128>((w - q.filter_zero_point) *
                                                     (x - q.input_zero_point)) + bias);
        v = int64_t{q.rounding == Rounding::kSingle ? MulQSingle(acc, m, s)
                                                    : MulQDouble(acc, m, s)} +
            q.output_zero_point;
      }
      v = v < q.activation_min ? q.activation_min : v > q.activation_max ? q.activation_max : v;
      expected[size_t(p) * lanes + n] = static_cast<int32_t>(v);
    }
  }
  for (Isa isa : SupportedIsas()) {
    std::vector<uint8_t> got;
    std::string kernel;
    const Status s = test::PackAndRun(c, isa, &got, &kernel);
    if (!s.ok()) Fail(std::string(IsaName(isa)) + " refused a valid op: " + s.message());
    for (size_t i = 0; i < expected.size(); ++i) {
      if (Load(got, i, es, u8) != expected[i]) {
        Fail(kernel + " output " + std::to_string(i) + " = " +
             std::to_string(Load(got, i, es, u8)) + ", expected " + std::to_string(expected[i]) +
             "\ncase:\n" + test::Describe(c));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qk::fuzz::ByteSource src(data, size);
  for (int i = 0; i < 8; ++i) CheckPrimitives(src);
  CheckEpilogues(src);
  return 0;
}
