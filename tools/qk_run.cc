// qk-run: runs an int8/uint8 .tflite model through the model API (qkernels/model.h). See kUsage.
// Tensor files are raw little-endian bytes in the model's input/output order.
#include "qk_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "isa_choice.h"
#include "runtime/model_api_internal.h"

namespace qkrun {
namespace {

const char kUsage[] =
    "usage: qk-run MODEL.tflite [--input FILE...] [--output FILE...] [--compare FILE...]\n"
    "              [--isa NAME] [--threads N] [--time] [--bench N] [--repeat R] [--dump DIR]\n"
    "              [--verbose]\n"
    "              [--mnist IMAGES.gz LABELS.gz] [--naive-requant]\n"
    "\n"
    "Runs an int8/uint8 TensorFlow Lite model with qkernels (byte-identical to TFLite) and\n"
    "prints each output: name, type, shape and, for a classifier (1-D or [1, N]), the top-5\n"
    "classes with their dequantized scores.\n"
    "\n"
    "  --input FILE...    raw bytes of each model input, in order (default: all zero)\n"
    "  --output FILE...   write each output's raw bytes instead of printing the summary\n"
    "  --compare FILE...  compare each output with FILE byte for byte (exit 1 if one differs)\n"
    "  --isa NAME         scalar, avx2, avx512vnni, neon, neondot, i8mm or auto (default: auto,\n"
    "                     the best ISA of this CPU, or the QK_ISA environment variable)\n"
    "  --threads N        split the kernels over N threads (default 1; 0: one per logical CPU);\n"
    "                     the outputs are the same bytes for any N\n"
    "  --time             per-operator time (index, name, kernel) and the total per invoke\n"
    "  --bench N          N more invokes, timed (with --time, the table averages all of them)\n"
    "  --repeat R         R more invokes, each timed: prints 'invoke median <ms> ms over R runs'\n"
    "  --dump DIR         write every operator's outputs as DIR/<op>_<OPNAME>_<tensor>.bin\n"
    "  --verbose          the ISA, the memory and each operator's kernel\n"
    "  --mnist IMAGES.gz LABELS.gz\n"
    "                     run the MNIST test set (IDX files), print the top-1 accuracy; with\n"
    "                     --compare FILE, check every output (concatenated) against FILE\n"
    "  --naive-requant    requantize CONV_2D / FULLY_CONNECTED by \"divide by 256\" instead of\n"
    "                     TFLite's multipliers (to show what that guess costs)\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 ok, 1 a --compare mismatch, 2 bad arguments, an unusable ISA or a model\n"
    "that cannot be run.\n";

[[noreturn]] void UsageError(const std::string& message) {
  std::fprintf(stderr, "qk-run: %s\n\n%s", message.c_str(), kUsage);
  std::exit(qk::tools::kExitUsage);
}

long PositiveCount(const std::string& option, const std::string& value) {
  char* end = nullptr;
  const long n = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n <= 0) UsageError(option + " needs a positive count");
  return n;
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  std::vector<std::string>* list = nullptr;  // the option collecting FILE... operands
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) UsageError(s + " needs a value");
      return argv[++i];
    };
    if (s == "-h" || s == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (s == "--input" || s == "--output" || s == "--compare") {
      list = s == "--input" ? &a.inputs : s == "--output" ? &a.outputs : &a.compare;
      continue;
    }
    if (s.size() < 2 || s.compare(0, 2, "--") != 0) {
      if (list != nullptr) {
        list->push_back(s);
      } else if (a.model.empty()) {
        a.model = s;
      } else {
        UsageError("unexpected argument '" + s + "'");
      }
      continue;
    }
    list = nullptr;
    std::string error;
    if (s == "--isa") {
      if (!qk::tools::ParseIsaOption(value(), &a.isa, &error)) Die(error);
    } else if (s == "--naive-requant") {
      a.naive = true;
    } else if (s == "--verbose") {
      a.verbose = true;
    } else if (s == "--time") {
      a.time = true;
    } else if (s == "--dump") {
      a.dump_dir = value();
    } else if (s == "--mnist") {
      a.mnist_images = value();
      a.mnist_labels = value();
    } else if (s == "--bench") {
      a.bench = PositiveCount(s, value());
    } else if (s == "--repeat") {
      a.repeat = PositiveCount(s, value());
    } else if (s == "--threads") {
      const std::string v = value();
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 0 || n > 1024) {
        UsageError("--threads needs a count in [0, 1024]");
      }
      a.threads = static_cast<int>(n);
    } else {
      UsageError("unknown option " + s);
    }
  }
  if (a.model.empty()) UsageError("no MODEL.tflite given");
  return a;
}

qk::Model Load(const Args& a) {
  qk_model* raw = nullptr;
  qk_status s;
  if (a.naive) {
    qk::rt::InterpreterOptions options;
    options.isa = a.isa;
    options.naive_requantization = true;
    options.threads = a.threads;
    s = qk::rt::LoadModelFile(a.model, options, &raw);
  } else {
    s = qk_model_load_file_threads(a.model.c_str(), static_cast<qk_isa>(static_cast<int>(a.isa)),
                                   a.threads, &raw);
  }
  if (s != QK_OK) Die(qk_last_error());
  return qk::Model(raw);
}

void SetInputs(const Args& a, qk::Model* model) {
  if (!a.inputs.empty() && a.inputs.size() != size_t(model->num_inputs())) {
    Die("the model has " + std::to_string(model->num_inputs()) + " inputs, " +
        std::to_string(a.inputs.size()) + " --input files given");
  }
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const std::vector<uint8_t> bytes = ReadFile(a.inputs[i]);
    qk_tensor_info info;
    qk::Status s = model->InputInfo(int(i), &info);
    if (s.ok() && bytes.size() != info.bytes) {
      Die(a.inputs[i] + ": " + std::to_string(bytes.size()) + " bytes, input " + std::to_string(i) +
          " needs " + std::to_string(info.bytes));
    }
    if (s.ok()) s = model->SetInput(int(i), bytes.data(), bytes.size());
    if (!s.ok()) Die(s.message());
  }
}

void Bench(long count, RunObserver* observer) {
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < count; ++i) observer->Invoke();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%ld invokes in %.3f s: %.3f ms/invoke, %.1f invokes/s\n", count, s,
              1e3 * s / double(count), double(count) / s);
}

// --repeat: times each invoke on its own and prints the median (robust to a busy machine).
void Repeat(long count, RunObserver* observer) {
  std::vector<double> ms;
  for (long i = 0; i < count; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    observer->Invoke();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  const double median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  std::printf("invoke median %.3f ms over %ld runs\n", median, count);
}

// Writes (--output) or compares (--compare) the outputs; returns the exit status.
int HandleOutputs(const Args& a, const qk::Model& model) {
  const size_t n = size_t(model.num_outputs());
  for (const auto* files : {&a.outputs, &a.compare}) {
    if (!files->empty() && files->size() != n) {
      Die("the model has " + std::to_string(n) + " outputs, " + std::to_string(files->size()) +
          (files == &a.outputs ? " --output" : " --compare") + " files given");
    }
  }
  int status = 0;
  for (size_t i = 0; i < n && (!a.outputs.empty() || !a.compare.empty()); ++i) {
    std::vector<uint8_t> got;
    const qk::Status s = model.GetOutput(int(i), &got);
    if (!s.ok()) Die(s.message());
    if (!a.outputs.empty()) WriteFile(a.outputs[i], got.data(), got.size());
    if (a.compare.empty()) continue;
    const bool same = ReadFile(a.compare[i]) == got;
    std::printf("output %zu %s %s\n", i, same ? "identical to" : "differs from",
                a.compare[i].c_str());
    if (!same) status = 1;
  }
  return status;
}

}  // namespace

[[noreturn]] void Die(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "qk-run: %s\n", message.c_str());
  std::exit(qk::tools::kExitUsage);
}

}  // namespace qkrun

int main(int argc, char** argv) {
  using namespace qkrun;
  const Args a = ParseArgs(argc, argv);
  std::string error;
  if (!qk::tools::CheckIsaEnvironment(&error)) Die(error);
  qk::Model model = Load(a);
  if (a.verbose) PrintModelDetails(model);
  if (!a.mnist_images.empty()) return RunMnist(a, &model);

  SetInputs(a, &model);
  RunObserver observer(model.get(), a.dump_dir, a.time);
  observer.Invoke();
  if (a.bench > 0) Bench(a.bench, &observer);
  if (a.repeat > 0) Repeat(a.repeat, &observer);
  if (a.time) observer.PrintTimes();
  const int status = HandleOutputs(a, model);
  if (a.outputs.empty()) PrintOutputSummary(model);
  return status;
}
