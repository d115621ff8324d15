// Runs parsed .qkv files through the public qkernels API and compares exactly (the engine of
// qk-conformance, shared with tests/conformance_test.cc).
#ifndef QKERNELS_TOOLS_CONFORMANCE_RUNNER_H_
#define QKERNELS_TOOLS_CONFORMANCE_RUNNER_H_

#include <string>
#include <vector>

#include "qkernels/isa.h"
#include "qkernels/ops.h"
#include "qkv/qkv.h"

namespace qk {
namespace conformance {

struct FileOutcome {
  long passed = 0;
  long failed = 0;
  // "  FAIL <case id or file:line>: <first mismatch>" for every failure, and with `verbose` one
  // "  ok ..." line per case plus the kernels used.
  std::vector<std::string> lines;
  double seconds = 0.0;
};

// Checks every case or row of `file` on `isa` (which must be supported). Every case counts once:
// it passes only if the multipliers recomputed from its scales, the library's output geometry and
// every output element all agree with the file (conv/depthwise: both with the file's SAME/VALID
// rule and with the same padding given as Padding::kExplicit; no write outside the output). Rows test ISA-independent scalar helpers; they
// are checked (and counted) once per call, i.e. once per ISA like the cases.
// With threads > 1 every op runs on a ThreadPool of that many threads (Run(..., pool)), against
// the same expected bytes.
FileOutcome RunFile(const qkv::File& file, Isa isa, bool verbose, int threads = 1);

// One case: "" when it passes, else a description of the first mismatch. `kernel` receives the
// kernel name the library chose (PackedOp::kernel_name()).
std::string CheckCase(const qkv::Case& c, Isa isa, std::string* kernel,
                      const ThreadPool* pool = nullptr);
// Recomputes (multiplier, shift) from the case's scales (FORMAT.md section 5): "" when they agree.
std::string CheckMultipliers(const qkv::Case& c);
std::string CheckRequantizeRow(const qkv::RequantizeRow& row, bool int64);
std::string CheckQuantizeMultiplierRow(const qkv::QuantizeMultiplierRow& row);

// The file name without its directories.
std::string BaseName(const std::string& path);

}  // namespace conformance
}  // namespace qk

#endif  // QKERNELS_TOOLS_CONFORMANCE_RUNNER_H_
