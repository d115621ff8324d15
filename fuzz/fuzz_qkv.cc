// qk-fuzz-qkv: the .qkv reader (tools/qkv) on arbitrary bytes, under each of the names that select
// a file kind. It must either refuse with a non-empty "name:line: ..." message or return records
// that the library then runs (through the qk-conformance engine, on every supported ISA) without
// crashing; the expected values of fuzzed cases are arbitrary, so mismatches are not findings.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "conformance_runner.h"
#include "qkernels/isa.h"
#include "qkv/qkv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qk;
  static const char* const kNames[] = {"fuzz.qkv", "requantize.qkv", "requantize_int64.qkv",
                                       "quantize_multiplier.qkv"};
  for (const char* name : kNames) {
    qkv::File file;
    std::string error;
    if (!qkv::ParseBuffer(reinterpret_cast<const char*>(data), size, name, &file, &error)) {
      if (error.rfind(std::string(name) + ":", 0) != 0) {
        std::fprintf(stderr, "qk-fuzz-qkv: refusal without a '%s:line:' message: '%s'\n", name,
                     error.c_str());
        std::abort();
      }
      continue;
    }
    for (const qkv::Case& c : file.cases) {
      conformance::CheckMultipliers(c);
      for (Isa isa : SupportedIsas()) {
        std::string kernel;
        conformance::CheckCase(c, isa, &kernel);
      }
    }
    for (const qkv::RequantizeRow& row : file.requantize_rows) {
      conformance::CheckRequantizeRow(row, file.kind == qkv::FileKind::kRequantizeInt64);
    }
    for (const qkv::QuantizeMultiplierRow& row : file.quantize_rows) {
      conformance::CheckQuantizeMultiplierRow(row);
    }
  }
  return 0;
}
