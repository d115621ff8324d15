// qk-fuzz-conv: bytes -> a valid random op (conv2d / depthwise / fully connected; int8, uint8,
// int16x8; geometry, zero points, multipliers and shifts, rounding, clamp) and its data; every ISA
// this CPU supports must produce exactly the scalar reference's output. Any difference (or a valid
// op refused) prints the whole case and aborts.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/byte_source.h"
#include "qkernels/ops.h"
#include "tests/op_case.h"

namespace {

[[noreturn]] void Fail(const qk::test::OpCase& c, const std::string& what) {
  std::fprintf(stderr, "qk-fuzz-conv: %s\ncase:\n%s", what.c_str(), qk::test::Describe(c).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qk;
  fuzz::ByteSource src(data, size);
  test::OpCase c;
  test::RandomGeometry(src, &c);
  test::FillCase(src, &c, /*wild=*/src.Range(0, 1) == 1);
  std::vector<uint8_t> expected, got;
  Status s = test::PackAndRun(c, Isa::kScalar, &expected);
  if (!s.ok()) Fail(c, "the scalar reference refused a valid op: " + s.message());
  const size_t es = test::ElementSize(c.type);
  for (Isa isa : SupportedIsas()) {
    std::string kernel;
    s = test::PackAndRun(c, isa, &got, &kernel);
    if (!s.ok()) Fail(c, std::string(IsaName(isa)) + " refused a valid op: " + s.message());
    for (size_t i = 0; i < expected.size(); i += es) {
      if (std::memcmp(&got[i], &expected[i], es) != 0) {
        const bool u8 = c.type == DataType::kUInt8;
        Fail(c, kernel + " (" + IsaName(isa) + ") output element " + std::to_string(i / es) +
                    " = " + test::ValuesToString(&got[i], 1, es, u8) + ", reference " +
                    test::ValuesToString(&expected[i], 1, es, u8));
      }
    }
  }
  return 0;
}
