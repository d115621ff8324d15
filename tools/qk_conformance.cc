// qk-conformance: runs .qkv conformance vectors (../shared/conformance/FORMAT.md) through the
// public qkernels API on one or more ISAs and compares every result exactly.
//
//   qk-conformance [--isa NAME|all] [--threads N] [--verbose] FILE_OR_DIR...
//   qk-conformance --list-isas
//
// Exit status: 0 when every case and row passed, 1 when some failed, 2 for a malformed file
// (`file:line: message`, stops there), bad usage, or an ISA this build/CPU cannot run.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "conformance_runner.h"
#include "isa_choice.h"
#include "qkernels/isa.h"
#include "qkv/qkv.h"

namespace {

constexpr int kExitMalformed = 2;

const char kUsage[] =
    "usage: qk-conformance [--isa NAME|all] [--threads N] [--verbose] FILE_OR_DIR...\n"
    "       qk-conformance --list-isas\n"
    "\n"
    "Runs every case and row of the given .qkv files (directories: their *.qkv files, sorted)\n"
    "through qkernels and compares the results exactly with the file. Cases also check the\n"
    "(multiplier, shift) recomputed from the scales and the library's output geometry.\n"
    "Rows (requantize*.qkv, quantize_multiplier.qkv) test scalar helpers; they are checked\n"
    "and counted once per ISA, like the cases.\n"
    "\n"
    "  --isa NAME   scalar, avx2, avx512vnni, neon, neondot, i8mm or auto; 'all' = every ISA\n"
    "               compiled in and supported by this CPU. Default: auto, the dispatcher's choice\n"
    "               (the QK_ISA environment variable, if set, else the best ISA of this CPU).\n"
    "  --threads N  run every op on a pool of N threads (default 1); the expected bytes are the\n"
    "               same (with QK_SPLIT_SMALL_OPS=1 even small ops are split)\n"
    "  --verbose    one line per case with the kernel used\n"
    "  --list-isas  '<name> yes|no' per compiled-in ISA (runnable here), then 'default <name>'\n"
    "\n"
    "Exit: 0 all passed, 1 some failed, 2 malformed file / bad usage / unknown or unavailable\n"
    "ISA (in --isa or QK_ISA).\n";

int Usage(const std::string& message) {
  std::fprintf(stderr, "qk-conformance: %s\n\n%s", message.c_str(), kUsage);
  return kExitMalformed;
}

int ListIsas() {
  for (qk::Isa isa : qk::CompiledIsas()) {
    std::printf("%s %s%s\n", qk::IsaName(isa), qk::IsaSupported(isa) ? "yes" : "no",
                qk::IsaEmulated(isa) ? " (emulated by SIMDe)" : "");
  }
  std::printf("default %s\n", qk::IsaName(qk::DefaultIsa()));
  return 0;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Expands directories to their sorted *.qkv files. False (with a message) for a missing path or a
// directory without .qkv files.
bool ExpandPaths(const std::vector<std::string>& args, std::vector<std::string>* files,
                 std::string* error) {
  for (const std::string& arg : args) {
    struct stat st;
    if (stat(arg.c_str(), &st) != 0) {
      *error = arg + ": no such file or directory";
      return false;
    }
    if (!S_ISDIR(st.st_mode)) {
      files->push_back(arg);
      continue;
    }
    DIR* dir = opendir(arg.c_str());
    if (dir == nullptr) {
      *error = arg + ": cannot open directory";
      return false;
    }
    std::vector<std::string> found;
    while (const dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (EndsWith(name, ".qkv")) found.push_back(name);
    }
    closedir(dir);
    if (found.empty()) {
      *error = arg + ": no .qkv files in this directory";
      return false;
    }
    std::sort(found.begin(), found.end());
    const std::string prefix = EndsWith(arg, "/") ? arg : arg + "/";
    for (const std::string& name : found) files->push_back(prefix + name);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  std::string isa_arg;
  bool verbose = false;
  bool list = false;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--verbose" || arg == "-v") {
      verbose = true;
    } else if (arg == "--list-isas") {
      list = true;
    } else if (arg == "--threads") {
      if (i + 1 >= argc) return Usage("--threads needs a value");
      char* end = nullptr;
      const long n = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || n < 1 || n > 1024) return Usage("--threads: an integer in [1, 1024]");
      threads = static_cast<int>(n);
    } else if (arg == "--isa") {
      if (i + 1 >= argc) return Usage("--isa needs a value");
      isa_arg = argv[++i];
    } else if (arg.rfind("--isa=", 0) == 0) {
      isa_arg = arg.substr(6);
    } else if (arg == "--") {
      for (++i; i < argc; ++i) paths.push_back(argv[i]);
    } else if (!arg.empty() && arg[0] == '-') {
      return Usage("unknown option '" + arg + "'");
    } else {
      paths.push_back(arg);
    }
  }
  // An unusable QK_ISA is refused before anything runs (it would change the default ISA).
  std::string isa_error;
  if (!qk::tools::CheckIsaEnvironment(&isa_error)) {
    std::fprintf(stderr, "qk-conformance: %s\n", isa_error.c_str());
    return kExitMalformed;
  }
  if (list) return paths.empty() ? ListIsas() : Usage("--list-isas takes no files");
  if (paths.empty()) return Usage("no FILE_OR_DIR given");

  std::vector<qk::Isa> isas;
  std::string error;
  if (isa_arg.empty()) {
    isas.push_back(qk::DefaultIsa());
  } else if (isa_arg == "all") {
    isas = qk::SupportedIsas();
  } else {
    qk::Isa isa = qk::Isa::kAuto;
    if (!qk::tools::ParseIsaOption(isa_arg, &isa, &error, "all")) {
      std::fprintf(stderr, "qk-conformance: %s\n", error.c_str());
      return kExitMalformed;
    }
    isas.push_back(isa == qk::Isa::kAuto ? qk::DefaultIsa() : isa);
  }

  std::vector<std::string> files;
  if (!ExpandPaths(paths, &files, &error)) {
    std::fprintf(stderr, "qk-conformance: %s\n", error.c_str());
    return kExitMalformed;
  }
  long passed = 0, failed = 0;
  for (const std::string& path : files) {
    qk::qkv::File file;
    if (!qk::qkv::ParseFile(path, &file, &error)) {
      std::fflush(stdout);
      std::fprintf(stderr, "%s\n", error.c_str());
      return kExitMalformed;
    }
    for (qk::Isa isa : isas) {
      const qk::conformance::FileOutcome r = qk::conformance::RunFile(file, isa, verbose, threads);
      std::printf("%s [%s]: %ld passed, %ld failed (%.2f s)\n",
                  qk::conformance::BaseName(path).c_str(), qk::tools::IsaLabel(isa).c_str(),
                  r.passed, r.failed,
                  r.seconds);
      for (const std::string& line : r.lines) std::printf("%s\n", line.c_str());
      passed += r.passed;
      failed += r.failed;
    }
  }
  std::printf("%ld passed, %ld failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
