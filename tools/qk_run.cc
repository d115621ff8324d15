// qk-run: runs an int8/uint8 .tflite model with the qkernels runtime.
//
//   qk-run MODEL.tflite [--isa NAME] [--naive-requant] [--verbose]
//          [--input FILE...] [--output FILE...] [--compare FILE...] [--dump DIR]
//          [--mnist IMAGES.gz LABELS.gz] [--bench N]
//
// Tensor files are raw little-endian bytes in the model's input/output order. --compare checks the
// outputs byte for byte (with --mnist: against the concatenated outputs of every image, as in
// t10k_outputs.bin). --dump writes every operator's outputs as <op>_<OPNAME>_<tensor>.bin.
// Exit status: 0 ok, 1 a --compare mismatch, 2 bad arguments or a model that cannot be run.
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "qkernels/isa.h"
#include "runtime/interpreter.h"
#include "runtime/tflite_reader.h"

namespace {

using qk::rt::Interpreter;
using qk::rt::Tensor;
using qk::rt::TensorType;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "qk-run: %s\n", message.c_str());
  std::exit(2);
}

void Usage() {
  std::fprintf(stderr,
               "usage: qk-run MODEL.tflite [--isa NAME] [--naive-requant] [--verbose]\n"
               "              [--input FILE...] [--output FILE...] [--compare FILE...]\n"
               "              [--dump DIR] [--mnist IMAGES.gz LABELS.gz] [--bench N]\n");
  std::exit(2);
}

struct Args {
  std::string model;
  qk::Isa isa = qk::Isa::kAuto;
  bool naive = false, verbose = false;
  std::vector<std::string> inputs, outputs, compare;
  std::string dump_dir, mnist_images, mnist_labels;
  long bench = 0;
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  std::vector<std::string>* list = nullptr;  // the option collecting FILE... operands
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(s + " needs a value");
      return argv[++i];
    };
    if (s == "--isa") {
      const std::string name = value();
      if (!qk::ParseIsa(name.c_str(), &a.isa)) Die("unknown ISA '" + name + "'");
      list = nullptr;
    } else if (s == "--naive-requant") {
      a.naive = true, list = nullptr;
    } else if (s == "--verbose") {
      a.verbose = true, list = nullptr;
    } else if (s == "--input") {
      list = &a.inputs;
    } else if (s == "--output") {
      list = &a.outputs;
    } else if (s == "--compare") {
      list = &a.compare;
    } else if (s == "--dump") {
      a.dump_dir = value(), list = nullptr;
    } else if (s == "--mnist") {
      a.mnist_images = value();
      a.mnist_labels = value();
      list = nullptr;
    } else if (s == "--bench") {
      char* end = nullptr;
      const std::string v = value();
      a.bench = std::strtol(v.c_str(), &end, 10);
      if (*end != '\0' || a.bench <= 0) Die("--bench needs a positive count");
      list = nullptr;
    } else if (s == "-h" || s == "--help") {
      Usage();
    } else if (s.size() > 1 && s[0] == '-' && s[1] == '-') {
      Die("unknown option " + s);
    } else if (list != nullptr) {
      list->push_back(s);
    } else if (a.model.empty()) {
      a.model = s;
    } else {
      Die("unexpected argument '" + s + "'");
    }
  }
  if (a.model.empty()) Usage();
  return a;
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) Die(path + ": cannot open");
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  std::fclose(f);
  return bytes;
}

void WriteFile(const std::string& path, const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(data, 1, size, f) != size) Die(path + ": cannot write");
  std::fclose(f);
}

// Reads a gzip'd IDX file: magic (2 zero bytes, type 0x08 = ubyte, rank), big-endian dims, data.
std::vector<uint8_t> ReadIdx(const std::string& path, int rank, std::vector<uint32_t>* dims) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) Die(path + ": cannot open");
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  int n;
  while ((n = gzread(f, chunk, sizeof(chunk))) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  const bool read_error = n < 0;
  gzclose(f);
  if (read_error) Die(path + ": gzip read error");
  const size_t header = 4 + 4 * size_t(rank);
  if (bytes.size() < header || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 ||
      bytes[3] != rank) {
    Die(path + ": not an IDX ubyte file of rank " + std::to_string(rank));
  }
  size_t total = 1;
  dims->clear();
  for (int d = 0; d < rank; ++d) {
    const uint8_t* p = &bytes[4 + 4 * d];
    dims->push_back(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
    total *= dims->back();
  }
  if (bytes.size() - header != total) Die(path + ": size does not match the IDX header");
  return std::vector<uint8_t>(bytes.begin() + header, bytes.end());
}

// Argmax over a quantized output (signed for int8), first index on ties.
int Argmax(const Tensor& t, const uint8_t* data) {
  int best = 0;
  for (size_t i = 1; i < t.elements(); ++i) {
    const int v = t.type == TensorType::kInt8 ? int(int8_t(data[i])) : int(data[i]);
    const int b = t.type == TensorType::kInt8 ? int(int8_t(data[best])) : int(data[best]);
    if (v > b) best = int(i);
  }
  return best;
}

void Invoke(Interpreter* interp) {
  std::string error;
  if (!interp->Invoke(&error)) Die("invoke failed: " + error);
}

int RunMnist(const Args& a, Interpreter* interp) {
  std::vector<uint32_t> idims, ldims;
  const std::vector<uint8_t> images = ReadIdx(a.mnist_images, 3, &idims);
  const std::vector<uint8_t> labels = ReadIdx(a.mnist_labels, 1, &ldims);
  const size_t count = idims[0], pixels = size_t(idims[1]) * idims[2];
  if (ldims[0] != count) Die("image and label counts differ");
  const Tensor& in = interp->input_tensor(0);
  const Tensor& out = interp->output_tensor(0);
  if (in.elements() != pixels || (in.type != TensorType::kInt8 && in.type != TensorType::kUInt8)) {
    Die("model input is not an 8-bit tensor of " + std::to_string(pixels) + " pixels");
  }
  if (out.type != TensorType::kInt8 && out.type != TensorType::kUInt8) {
    Die("model output is not 8-bit");
  }
  // The input quantization: q = round(pixel / 255 / scale) + zero_point, clamped to the type.
  uint8_t lut[256];
  const int lo = in.type == TensorType::kInt8 ? -128 : 0, hi = lo + 255;
  for (int p = 0; p < 256; ++p) {
    const long q = std::lround(p / 255.0 / double(in.scale())) + in.zero_point();
    lut[p] = uint8_t(std::min<long>(std::max<long>(q, lo), hi));
  }
  std::vector<uint8_t> all_outputs;
  all_outputs.reserve(count * out.bytes());
  size_t correct = 0;
  uint8_t* x = interp->input_data(0);
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t n = 0; n < count; ++n) {
    const uint8_t* img = &images[n * pixels];
    for (size_t i = 0; i < pixels; ++i) x[i] = lut[img[i]];
    Invoke(interp);
    const uint8_t* y = interp->output_data(0);
    all_outputs.insert(all_outputs.end(), y, y + out.bytes());
    if (Argmax(out, y) == labels[n]) ++correct;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("accuracy %.4f (%zu/%zu)\n", double(correct) / double(count), correct, count);
  std::printf("%.0f images/s (%zu images in %.3f s)\n", double(count) / seconds, count, seconds);
  if (!a.compare.empty()) {
    const std::vector<uint8_t> want = ReadFile(a.compare[0]);
    if (want != all_outputs) {
      size_t i = 0;
      while (i < std::min(want.size(), all_outputs.size()) && want[i] == all_outputs[i]) ++i;
      std::printf("MISMATCH with %s: first difference at byte %zu (record %zu)\n",
                  a.compare[0].c_str(), i, i / out.bytes());
      return 1;
    }
    std::printf("outputs identical to %s (%zu records)\n", a.compare[0].c_str(), count);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  if (a.isa != qk::Isa::kAuto && !qk::IsaSupported(a.isa)) {
    Die(std::string("ISA ") + qk::IsaName(a.isa) + " is not supported on this CPU/build");
  }
  qk::rt::Model model;
  std::string error;
  if (!qk::rt::ReadModelFile(a.model, &model, &error)) Die(error);
  qk::rt::InterpreterOptions options;
  options.isa = a.isa;
  options.naive_requantization = a.naive;
  std::unique_ptr<Interpreter> interp;
  if (!Interpreter::Create(std::move(model), options, &interp, &error)) Die(a.model + ": " + error);
  const qk::rt::Model& m = interp->model();
  if (a.verbose) {
    std::printf("isa %s, arena %zu bytes, workspace %zu bytes\n",
                qk::IsaName(a.isa == qk::Isa::kAuto ? qk::DefaultIsa() : a.isa),
                interp->arena_bytes(), interp->workspace_bytes());
    for (size_t i = 0; i < m.operators.size(); ++i) {
      std::printf("op %zu %s: %s\n", i, m.operators[i].name.c_str(),
                  interp->kernel_name(int(i)).c_str());
    }
  }
  if (!a.mnist_images.empty()) return RunMnist(a, interp.get());

  if (!a.inputs.empty() && a.inputs.size() != interp->num_inputs()) {
    Die("the model has " + std::to_string(interp->num_inputs()) + " inputs, " +
        std::to_string(a.inputs.size()) + " --input files given");
  }
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const std::vector<uint8_t> bytes = ReadFile(a.inputs[i]);
    const size_t want = interp->input_tensor(i).bytes();
    if (bytes.size() != want) {
      Die(a.inputs[i] + ": " + std::to_string(bytes.size()) + " bytes, input " +
          std::to_string(i) + " needs " + std::to_string(want));
    }
    std::memcpy(interp->input_data(i), bytes.data(), want);
  }
  std::function<void(int)> dump;
  if (!a.dump_dir.empty()) {
    dump = [&](int op) {
      for (int t : m.operators[op].outputs) {
        const std::string path = a.dump_dir + "/" + std::to_string(op) + "_" +
                                 m.operators[op].name + "_" + std::to_string(t) + ".bin";
        WriteFile(path, interp->tensor_data(t), m.tensors[t].bytes());
      }
    };
  }
  if (!interp->Invoke(&error, dump)) Die("invoke failed: " + error);

  if (a.bench > 0) {
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < a.bench; ++i) Invoke(interp.get());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%ld invokes in %.3f s: %.3f ms/invoke, %.1f invokes/s\n", a.bench, s,
                1e3 * s / double(a.bench), double(a.bench) / s);
  }
  if (!a.outputs.empty() && a.outputs.size() != interp->num_outputs()) {
    Die("the model has " + std::to_string(interp->num_outputs()) + " outputs, " +
        std::to_string(a.outputs.size()) + " --output files given");
  }
  for (size_t i = 0; i < a.outputs.size(); ++i) {
    WriteFile(a.outputs[i], interp->output_data(i), interp->output_tensor(i).bytes());
  }
  int status = 0;
  if (!a.compare.empty()) {
    if (a.compare.size() != interp->num_outputs()) {
      Die("the model has " + std::to_string(interp->num_outputs()) + " outputs, " +
          std::to_string(a.compare.size()) + " --compare files given");
    }
    for (size_t i = 0; i < a.compare.size(); ++i) {
      const std::vector<uint8_t> want = ReadFile(a.compare[i]);
      const uint8_t* got = interp->output_data(i);
      const size_t n = interp->output_tensor(i).bytes();
      if (want.size() != n || std::memcmp(want.data(), got, n) != 0) {
        std::printf("output %zu differs from %s\n", i, a.compare[i].c_str());
        status = 1;
      } else {
        std::printf("output %zu identical to %s\n", i, a.compare[i].c_str());
      }
    }
  }
  return status;
}
