// qk-bench: the benchmark suite of issue 3 (Google Benchmark), single thread.
//
//   <op>/<workload>/<impl>   op = gemm | conv | dwconv; impl = each supported ISA of ours
//                            (scalar, avx2, avx512vnni, ...) and the peers onednn, xnnpack,
//                            gemmlowp when they were found at configure time
//   peak/<isa>               one core's instruction-throughput limit
//   pack/<workload>/<isa>    weight packing cost
// Counter GOPS = 2 * multiply-accumulates per second / 1e9. bench/report runs it and renders the
// table and chart.
#include <string>

#include <benchmark/benchmark.h>

#include "bench/workloads.h"
#include "dispatch/cpu_features.h"
#include "qkernels/isa.h"

int main(int argc, char** argv) {
  using namespace qkbench;
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
  }
  RegisterPeaks();
  for (const Workload& w : Workloads()) RegisterQkernelsPack(w);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
