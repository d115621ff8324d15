// ISA names, what is compiled in and supported, and the default choice (API override, QK_ISA,
// else the best the CPU has).
#include "qkernels/isa.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>

#include "dispatch/cpu_features.h"
#include "dispatch/isa_info.h"

namespace qk {
namespace {

using internal::IsaInfo;
using internal::kIsaInfos;

// "scalar, avx2, ... or i8mm", worst first as users read it.
std::string IsaNameList() {
  std::string list;
  const int count = static_cast<int>(std::size(kIsaInfos));
  for (int i = count - 1; i >= 0; --i) {
    list += kIsaInfos[i].name;
    list += i == 0 ? "" : i == 1 ? " or " : ", ";
  }
  return list;
}

constexpr int kNoOverride = -2;
std::atomic<int> g_override{kNoOverride};

struct EnvChoice {
  Isa isa = Isa::kAuto;
  Status status;
};

EnvChoice ReadEnvironment() {
  EnvChoice choice;
  const char* value = std::getenv("QK_ISA");
  if (value == nullptr || *value == '\0' || std::strcmp(value, "auto") == 0) return choice;
  Isa isa;
  if (!ParseIsa(value, &isa)) {
    choice.status = Status(StatusCode::kInvalidArgument,
                           std::string("QK_ISA: unknown ISA '") + value +
                               "' (expected " + IsaNameList() + ")");
  } else if (!IsaSupported(isa)) {
    choice.status = Status(StatusCode::kIsaUnavailable,
                           std::string("QK_ISA: '") + value +
                               "' is not " + (IsaCompiledIn(isa) ? "supported by this CPU" :
                                                                   "compiled into this build"));
  } else {
    choice.isa = isa;
  }
  return choice;
}

const EnvChoice& Environment() {
  static const EnvChoice choice = ReadEnvironment();
  return choice;
}

}  // namespace

const char* IsaName(Isa isa) {
  if (isa == Isa::kAuto) return "auto";
  const IsaInfo* info = internal::FindIsaInfo(isa);
  return info != nullptr ? info->name : "unknown";
}

bool ParseIsa(const char* name, Isa* isa) {
  if (name == nullptr || isa == nullptr) return false;
  if (std::strcmp(name, "auto") == 0) {
    *isa = Isa::kAuto;
    return true;
  }
  for (const IsaInfo& info : kIsaInfos) {
    if (std::strcmp(info.name, name) == 0) {
      *isa = info.isa;
      return true;
    }
  }
  return false;
}

bool IsaCompiledIn(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return true;
#if defined(QK_HAVE_AVX2)
    case Isa::kAvx2: return true;
#endif
#if defined(QK_HAVE_AVX512VNNI)
    case Isa::kAvx512Vnni: return true;
#endif
#if defined(QK_HAVE_NEON)
    case Isa::kNeon: return true;
#endif
#if defined(QK_HAVE_NEONDOT)
    case Isa::kNeonDot: return true;
#endif
#if defined(QK_HAVE_I8MM)
    case Isa::kI8mm: return true;
#endif
    default: return false;
  }
}

bool IsaSupported(Isa isa) {
  if (!IsaCompiledIn(isa)) return false;
  const internal::CpuFeatures& f = internal::GetCpuFeatures();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return f.avx2;
    case Isa::kAvx512Vnni: return f.avx512vnni;
    case Isa::kNeon: return f.neon;
    case Isa::kNeonDot: return f.neon_dot;
    case Isa::kI8mm: return f.i8mm;
    default: return false;
  }
}

bool IsaEmulated(Isa isa) {
#if defined(QK_EMULATE_AVX512VNNI)
  return isa == Isa::kAvx512Vnni;
#else
  (void)isa;
  return false;
#endif
}

std::vector<Isa> CompiledIsas() {
  std::vector<Isa> out;
  for (const IsaInfo& info : kIsaInfos) {
    if (IsaCompiledIn(info.isa)) out.push_back(info.isa);
  }
  return out;
}

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> out;
  for (const IsaInfo& info : kIsaInfos) {
    if (IsaSupported(info.isa)) out.push_back(info.isa);
  }
  return out;
}

Isa BestIsa() { return SupportedIsas().front(); }

Isa DefaultIsa() {
  const int forced = g_override.load(std::memory_order_acquire);
  if (forced != kNoOverride) return static_cast<Isa>(forced);
  const EnvChoice& env = Environment();
  if (env.isa != Isa::kAuto) return env.isa;
  return BestIsa();
}

Status DefaultIsaStatus() {
  if (g_override.load(std::memory_order_acquire) != kNoOverride) return Status::Ok();
  return Environment().status;
}

Status SetIsaOverride(Isa isa) {
  if (isa == Isa::kAuto) {
    g_override.store(kNoOverride, std::memory_order_release);
    return Status::Ok();
  }
  if (!IsaSupported(isa)) {
    return Status(StatusCode::kIsaUnavailable,
                  std::string("isa: '") + IsaName(isa) + "' is not " +
                      (IsaCompiledIn(isa) ? "supported by this CPU" : "compiled into this build"));
  }
  g_override.store(static_cast<int>(isa), std::memory_order_release);
  return Status::Ok();
}

}  // namespace qk
