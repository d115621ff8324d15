// qk-bench: the int8 benchmark suite (Google Benchmark), single thread.
//
//   <op>/<workload>/<impl>   op = gemm | conv | dwconv; impl = each supported ISA of ours
//                            (scalar, avx2, avx512vnni, ...) and the peers onednn, xnnpack,
//                            gemmlowp when they were found at configure time
//   peak/<isa>               one core's instruction-throughput limit
//   pack/<workload>/<isa>    weight packing cost
// Counter GOPS = 2 * multiply-accumulates per second / 1e9. bench/report runs it and renders the
// table and chart.
#include <cstdio>
#include <string>

#include <benchmark/benchmark.h>

#include "bench/workloads.h"
#include "dispatch/cpu_features.h"
#include "qkernels/isa.h"
#include "tools/isa_choice.h"

namespace {

void PrintHelp() {
  std::printf(
      "usage: qk-bench [Google Benchmark flags]\n"
      "\n"
      "The int8 benchmark suite, one thread: <op>/<workload>/<impl> for op gemm, conv, dwconv and\n"
      "impl = each ISA of ours this CPU runs (%s) and the peers found at build\n"
      "time; peak/<isa> (one core's instruction-throughput limit); pack/<workload>/<isa> (weight\n"
      "packing). Counter GOPS = 2 x multiply-accumulates per second / 1e9. bench/report runs it\n"
      "and renders the table. QK_ISA must be unset or an ISA this CPU runs.\n"
      "\n",
      qk::tools::SupportedIsaNames().c_str());
  benchmark::PrintDefaultHelp();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace qkbench;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      PrintHelp();
      return 0;
    }
  }
  // Before anything runs: an unusable QK_ISA would change what the "best ISA" rows measure.
  std::string isa_error;
  if (!qk::tools::CheckIsaEnvironment(&isa_error)) {
    std::fprintf(stderr, "qk-bench: %s\n", isa_error.c_str());
    return qk::tools::kExitUsage;
  }
  std::string peers;
#if defined(QK_BENCH_HAVE_ONEDNN)
  InitOneDnnSingleThread();  // before oneDNN creates anything
  benchmark::AddCustomContext("onednn", OneDnnVersion());
  peers += " onednn";
#endif
#if defined(QK_BENCH_HAVE_XNNPACK)
  const bool have_xnnpack = InitXnnpack();
  if (have_xnnpack) peers += " xnnpack";
#endif
#if defined(QK_BENCH_HAVE_GEMMLOWP)
  // Compiled for AVX2 (its fastest x86 kernel): registered only where the CPU can run it.
  const bool have_gemmlowp = qk::internal::GetCpuFeatures().avx2;
  if (have_gemmlowp) peers += " gemmlowp";
#endif
  std::string isas;
  for (qk::Isa isa : qk::SupportedIsas()) isas += std::string(isas.empty() ? "" : " ") + qk::IsaName(isa);
  benchmark::AddCustomContext("qkernels_isas", isas);
  benchmark::AddCustomContext("peers", peers.empty() ? "none" : peers.substr(1));
  for (const Workload& w : Workloads()) {
    benchmark::AddCustomContext("shape:" + w.FullName(), w.Shape());  // bench/report's labels
  }

  for (const Workload& w : Workloads()) {
    RegisterQkernels(w);
#if defined(QK_BENCH_HAVE_ONEDNN)
    RegisterOneDnn(w);
#endif
#if defined(QK_BENCH_HAVE_XNNPACK)
    if (have_xnnpack) RegisterXnnpack(w);
#endif
#if defined(QK_BENCH_HAVE_GEMMLOWP)
    if (have_gemmlowp) RegisterGemmlowp(w);
#endif
    RegisterQkernelsThreads(w, 2);
#if defined(QK_BENCH_HAVE_ONEDNN)
    RegisterOneDnnThreads(w, 2);
#endif
#if defined(QK_BENCH_HAVE_XNNPACK)
    if (have_xnnpack) RegisterXnnpackThreads(w, 2);
#endif
  }
  // The multiplier variants, for our kernels only; "twin:" tells bench/report which ordinary
  // workload each one is compared with.
  for (const Workload& w : MultiplierVariants()) {
    benchmark::AddCustomContext("shape:" + w.FullName(), w.Shape());
    benchmark::AddCustomContext("twin:" + w.FullName(), std::string(w.OpName()) + "/" + w.twin);
    RegisterQkernels(w);
  }
  RegisterRequantize();
  RegisterPeaks();
  for (const Workload& w : Workloads()) RegisterQkernelsPack(w);
  RegisterRuntimeOps();

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
