// qk-run's parts, all clients of the model API (qkernels/model.h): the command line and the run
// (qk_run.cc), the MNIST evaluation (qk_run_mnist.cc), and what it prints or writes about a run
// (qk_run_report.cc).
#ifndef QKERNELS_TOOLS_QK_RUN_H_
#define QKERNELS_TOOLS_QK_RUN_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "qkernels/isa.h"
#include "qkernels/model.hpp"

namespace qkrun {

struct Args {
  std::string model;
  qk::Isa isa = qk::Isa::kAuto;
  bool naive = false, verbose = false, time = false;
  std::vector<std::string> inputs, outputs, compare;
  std::string dump_dir, mnist_images, mnist_labels;
  long bench = 0;
  long repeat = 0;
  int threads = 1;
};

// Prints "qk-run: <message>" and exits with status 2.
[[noreturn]] void Die(const std::string& message);
std::vector<uint8_t> ReadFile(const std::string& path);  // Die()s on failure
void WriteFile(const std::string& path, const void* data, size_t size);

// --mnist: quantizes each test image with the input tensor's parameters, runs it, prints the
// top-1 accuracy and, with --compare, checks all outputs against one file. Returns the exit status.
int RunMnist(const Args& a, qk::Model* model);

// Without --output: one paragraph per output (name, type, shape, quantization), with the top-5
// classes and their dequantized scores for a classifier-like output (1-D or [1, N]).
void PrintOutputSummary(const qk::Model& model);
// --verbose: the ISA, the memory and each operator's kernel.
void PrintModelDetails(const qk::Model& model);

// The observer behind --dump and --time: writes each operator's outputs as it produces them, and
// sums each operator's time over the invokes it observes.
class RunObserver {
 public:
  RunObserver(qk_model* model, std::string dump_dir, bool time);
  // One invoke, observed when dumping or timing; Die()s on failure.
  void Invoke();
  // The per-operator table (index, name, kernel, mean time, share) and the total.
  void PrintTimes() const;

 private:
  static void Callback(void* self, int op_index, qk_op_event event);
  void Dump(int op_index) const;

  qk_model* model_;
  std::string dump_dir_;
  bool time_;
  std::vector<double> op_seconds_;  // summed over the observed invokes
  double invoke_seconds_ = 0;
  long invokes_ = 0;
  std::chrono::steady_clock::time_point op_start_;
};

}  // namespace qkrun

#endif  // QKERNELS_TOOLS_QK_RUN_H_
