// The tools' ISA checks (see isa_choice.h).
#include "isa_choice.h"

#include <cstdlib>
#include <cstring>

namespace qk {
namespace tools {
namespace {

// Names (to type), or labels (to read: an emulated ISA says so).
std::string Join(const std::vector<Isa>& isas, bool labels) {
  std::string out;
  for (Isa isa : isas) {
    out += std::string(out.empty() ? "" : ", ") + (labels ? IsaLabel(isa) : IsaName(isa));
  }
  return out;
}

std::string Unavailable(const std::string& what, Isa isa) {
  return what + " is not " +
         (IsaCompiledIn(isa) ? "supported by this CPU" : "compiled into this build") +
         " (this machine runs: " + SupportedIsaNames() + ")";
}

}  // namespace

std::string IsaNames() {
  std::vector<Isa> all;
  for (int i = 0; std::strcmp(IsaName(static_cast<Isa>(i)), "unknown") != 0; ++i) {
    all.push_back(static_cast<Isa>(i));
  }
  return Join(all, false);
}

std::string IsaLabel(Isa isa) {
  return std::string(IsaName(isa)) + (IsaEmulated(isa) ? " (emulated by SIMDe)" : "");
}

std::string SupportedIsaNames() { return Join(SupportedIsas(), true); }

bool CheckIsaEnvironment(std::string* error) {
  const char* value = std::getenv("QK_ISA");
  if (value == nullptr || *value == '\0') return true;
  Isa isa = Isa::kAuto;
  if (!ParseIsa(value, &isa)) {
    *error = std::string("QK_ISA: unknown ISA '") + value + "' (valid: " + IsaNames() + ", auto)";
    return false;
  }
  if (isa != Isa::kAuto && !IsaSupported(isa)) {
    *error = Unavailable(std::string("QK_ISA: '") + value + "'", isa);
    return false;
  }
  return true;
}

bool ParseIsaOption(const std::string& value, Isa* isa, std::string* error,
                    const std::string& more_names) {
  if (!ParseIsa(value.c_str(), isa)) {
    *error = "unknown ISA '" + value + "' (valid: " + IsaNames() + ", auto" +
             (more_names.empty() ? "" : ", " + more_names) + ")";
    return false;
  }
  if (*isa != Isa::kAuto && !IsaSupported(*isa)) {
    *error = Unavailable("ISA '" + value + "'", *isa);
    return false;
  }
  return true;
}

}  // namespace tools
}  // namespace qk
