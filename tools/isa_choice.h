// Shared by the tools (qk-run, qk-conformance, qk-bench): the ISA a command line or QK_ISA asks
// for, checked before any work starts, with messages that list the valid names.
#ifndef QKERNELS_TOOLS_ISA_CHOICE_H_
#define QKERNELS_TOOLS_ISA_CHOICE_H_

#include <string>

#include "qkernels/isa.h"

namespace qk {
namespace tools {

// Exit status of a tool for bad usage, including an unusable ISA.
constexpr int kExitUsage = 2;

// "scalar, avx2, avx512vnni, neon, neondot, i8mm": every ISA name the library knows.
std::string IsaNames();
// The ISAs this build and CPU can run, best first: "avx512vnni, avx2, scalar".
std::string SupportedIsaNames();

// The ISA's name as a tool reports it: "avx512vnni (emulated by SIMDe)" in a verification build
// that emulates it (IsaEmulated), else IsaName.
std::string IsaLabel(Isa isa);

// QK_ISA checked up front: true when it is unset, "auto", or an ISA that runs here; otherwise
// false with a message saying why and listing the valid (or the runnable) names.
bool CheckIsaEnvironment(std::string* error);

// An --isa value: one of IsaNames() (or "auto", meaning the dispatcher's choice) that runs here.
// False with a message listing the valid names (unknown name; `more_names`, e.g. "all", are the
// tool's own extra values) or the runnable ones.
bool ParseIsaOption(const std::string& value, Isa* isa, std::string* error,
                    const std::string& more_names = "");

}  // namespace tools
}  // namespace qk

#endif  // QKERNELS_TOOLS_ISA_CHOICE_H_
