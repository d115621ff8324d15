// qk-bench: instruction-throughput limits of one core (peak/<isa>), so that kernel results read
// as a fraction of the roofline. Each loop issues independent multiply-accumulate instructions
// on registers only (enough accumulators to hide the latency), through inline asm so that the
// compiler can neither fold nor reorder them; the loop overhead is one add and branch per 16
// (12 for AVX2) instructions. GOPS = 2 * MACs per second, as for the kernels.
//
//  peak/avx512vnni       vpdpbusd zmm: 64 u8 x s8 MACs, accumulated in int32 (what our VNNI
//                        kernels are built on).
//  peak/avx2             vpmaddwd ymm: 16 s16 x s16 MACs (pairs summed into int32). This defines
//                        the AVX2 peak because it is the exact path: int8 sign-extended to int16
//                        cannot overflow (a real kernel also needs a vpaddd per vpmaddwd, which
//                        shares the vector ports, so ~70% of this is the practical ceiling).
//  peak/avx2_vpmaddubsw  vpmaddubsw ymm: 32 u8 x s8 MACs into saturating int16; NOT exact on
//                        full-range int8 data (see PLATFORM.md), shown for reference only.
//  peak/neon, peak/neondot, peak/i8mm   smlal by element (4 MACs), sdot (16), smmla (32): the
//                        instructions of the Arm microkernels.
// Each function carries its own target attribute: this file is compiled without ISA flags, and
// a benchmark is registered only when the CPU (and OS) supports the instructions.
#include <cstdint>

#include <benchmark/benchmark.h>

#include "bench/workloads.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "dispatch/cpu_features.h"

namespace qkbench {
namespace {

constexpr int64_t kInnerLoops = 1024;

#define QK_VNNI_STEP(acc) asm volatile("vpdpbusd %[b], %[a], %[r]" : [r] "+v"(acc) : [a] "v"(a), [b] "v"(b))

__attribute__((target("avx512f,avx512vnni"))) int32_t PeakVpdpbusdZmm(int64_t loops) {
  const __m512i a = _mm512_set1_epi8(1), b = _mm512_set1_epi8(2);
  __m512i r0 = _mm512_setzero_si512(), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0,
          r7 = r0, r8 = r0, r9 = r0, r10 = r0, r11 = r0, r12 = r0, r13 = r0, r14 = r0, r15 = r0;
  for (int64_t i = 0; i < loops; ++i) {
    QK_VNNI_STEP(r0); QK_VNNI_STEP(r1); QK_VNNI_STEP(r2); QK_VNNI_STEP(r3);
    QK_VNNI_STEP(r4); QK_VNNI_STEP(r5); QK_VNNI_STEP(r6); QK_VNNI_STEP(r7);
    QK_VNNI_STEP(r8); QK_VNNI_STEP(r9); QK_VNNI_STEP(r10); QK_VNNI_STEP(r11);
    QK_VNNI_STEP(r12); QK_VNNI_STEP(r13); QK_VNNI_STEP(r14); QK_VNNI_STEP(r15);
  }
  __m512i s = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(r0, r1), _mm512_add_epi32(r2, r3)),
                               _mm512_add_epi32(_mm512_add_epi32(r4, r5), _mm512_add_epi32(r6, r7)));
  s = _mm512_add_epi32(s, _mm512_add_epi32(_mm512_add_epi32(r8, r9), _mm512_add_epi32(r10, r11)));
  s = _mm512_add_epi32(s, _mm512_add_epi32(_mm512_add_epi32(r12, r13), _mm512_add_epi32(r14, r15)));
  alignas(64) int32_t lanes[16];  // (not _mm512_reduce_add_epi32: GCC 12 warns inside it)
  _mm512_store_si512(lanes, s);
  int32_t total = 0;
  for (int32_t v : lanes) total += v;
  return total;
}
#undef QK_VNNI_STEP

// Twelve independent chains r = op(r, b) of an AVX2 pairwise multiply-add (16 ymm registers).
#define QK_AVX2_PEAK(name, insn)                                                               \
  __attribute__((target("avx2"))) int32_t name(int64_t loops) {                                \
    const __m256i b = _mm256_set1_epi8(1);                                                     \
    __m256i r0 = _mm256_set1_epi16(1), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0,   \
            r7 = r0, r8 = r0, r9 = r0, r10 = r0, r11 = r0;                                     \
    for (int64_t i = 0; i < loops; ++i) {                                                      \
      asm volatile(insn " %[b], %[r0], %[r0]\n\t" insn " %[b], %[r1], %[r1]\n\t"              \
                   insn " %[b], %[r2], %[r2]\n\t" insn " %[b], %[r3], %[r3]\n\t"              \
                   insn " %[b], %[r4], %[r4]\n\t" insn " %[b], %[r5], %[r5]\n\t"              \
                   insn " %[b], %[r6], %[r6]\n\t" insn " %[b], %[r7], %[r7]\n\t"              \
                   insn " %[b], %[r8], %[r8]\n\t" insn " %[b], %[r9], %[r9]\n\t"              \
                   insn " %[b], %[r10], %[r10]\n\t" insn " %[b], %[r11], %[r11]"              \
                   : [r0] "+x"(r0), [r1] "+x"(r1), [r2] "+x"(r2), [r3] "+x"(r3),              \
                     [r4] "+x"(r4), [r5] "+x"(r5), [r6] "+x"(r6), [r7] "+x"(r7),              \
                     [r8] "+x"(r8), [r9] "+x"(r9), [r10] "+x"(r10), [r11] "+x"(r11)           \
                   : [b] "x"(b));                                                              \
    }                                                                                          \
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(r0, r1), r2),               \
                                 _mm256_add_epi32(_mm256_add_epi32(r3, r4), r5));              \
    s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_add_epi32(r6, r7), r8));                   \
    s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_add_epi32(r9, r10), r11));                 \
    return _mm256_extract_epi32(s, 0);                                                         \
  }
QK_AVX2_PEAK(PeakVpmaddwdYmm, "vpmaddwd")
QK_AVX2_PEAK(PeakVpmaddubswYmm, "vpmaddubsw")
#undef QK_AVX2_PEAK

void BM_Peak(benchmark::State& state, int32_t (*peak)(int64_t), int instructions_per_loop,
             int macs_per_instruction) {
  for (auto _ : state) {
    int32_t r = peak(kInnerLoops);
    benchmark::DoNotOptimize(r);
  }
  const double macs = double(kInnerLoops) * instructions_per_loop * macs_per_instruction;
  state.counters["GOPS"] =
      benchmark::Counter(2.0 * macs / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

void RegisterPeaks() {
  const qk::internal::CpuFeatures& cpu = qk::internal::GetCpuFeatures();
  if (cpu.avx512vnni) {
    benchmark::RegisterBenchmark("peak/avx512vnni", BM_Peak, PeakVpdpbusdZmm, 16, 64)
        ->Unit(benchmark::kMicrosecond);
  }
  if (cpu.avx2) {
    benchmark::RegisterBenchmark("peak/avx2", BM_Peak, PeakVpmaddwdYmm, 12, 16)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("peak/avx2_vpmaddubsw", BM_Peak, PeakVpmaddubswYmm, 12, 32)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace qkbench

#elif defined(__aarch64__)
#include <arm_neon.h>

#include "dispatch/cpu_features.h"

namespace qkbench {
namespace {

constexpr int64_t kInnerLoops = 1024;

// Twelve independent chains r = op(r, a, b) of one Arm multiply-accumulate instruction; the
// operands are fixed, the asm keeps the compiler from folding or reordering them.
#define QK_ARM_PEAK(name, attr, insn, va, vb, b_reg)                                                 \
  attr int32_t name(int64_t loops) {                                                          \
    const int8x16_t a = vdupq_n_s8(1), b = vdupq_n_s8(2);                                     \
    int32x4_t r0 = vdupq_n_s32(0), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0,      \
              r7 = r0, r8 = r0, r9 = r0, r10 = r0, r11 = r0;                                  \
    for (int64_t i = 0; i < loops; ++i) {                                                     \
      asm volatile(insn " %[r0].4s, %[a]." va ", %[b]." vb "\n\t"                              \
                   insn " %[r1].4s, %[a]." va ", %[b]." vb "\n\t"                              \
                   insn " %[r2].4s, %[a]." va ", %[b]." vb "\n\t"                              \
                   insn " %[r3].4s, %[a]." va ", %[b]." vb "\n\t"                              \
                   insn " %[r4].4s, %[a]." va ", %[b]." vb "\n\t"                              \
                   insn " %[r5].4s, %[a]." va ", %[b]." vb "\n\t"                              \
                   insn " %[r6].4s, %[a]." va ", %[b]." vb "\n\t"                              \
                   insn " %[r7].4s, %[a]." va ", %[b]." vb "\n\t"                              \
                   insn " %[r8].4s, %[a]." va ", %[b]." vb "\n\t"                              \
                   insn " %[r9].4s, %[a]." va ", %[b]." vb "\n\t"                              \
                   insn " %[r10].4s, %[a]." va ", %[b]." vb "\n\t"                             \
                   insn " %[r11].4s, %[a]." va ", %[b]." vb                                    \
                   : [r0] "+w"(r0), [r1] "+w"(r1), [r2] "+w"(r2), [r3] "+w"(r3),               \
                     [r4] "+w"(r4), [r5] "+w"(r5), [r6] "+w"(r6), [r7] "+w"(r7),               \
                     [r8] "+w"(r8), [r9] "+w"(r9), [r10] "+w"(r10), [r11] "+w"(r11)            \
                   : [a] "w"(a), [b] b_reg(b));                                                  \
    }                                                                                         \
    int32x4_t s = vaddq_s32(vaddq_s32(vaddq_s32(r0, r1), r2), vaddq_s32(vaddq_s32(r3, r4), r5)); \
    s = vaddq_s32(s, vaddq_s32(vaddq_s32(r6, r7), vaddq_s32(r8, r9)));                        \
    return vgetq_lane_s32(vaddq_s32(s, vaddq_s32(r10, r11)), 0);                              \
  }
// smlal by element, the NEON microkernels' instruction: 4 s16 x s16 MACs (its element operand
// must be one of v0-v15: constraint "x").
QK_ARM_PEAK(PeakSmlal, , "smlal", "4h", "h[0]", "x")
// sdot: 16 s8 x s8 MACs. smmla: 32 s8 x s8 MACs (a 2x8 by 8x2 product).
QK_ARM_PEAK(PeakSdot, __attribute__((target("arch=armv8.2-a+dotprod"))), "sdot", "16b", "16b",
            "w")
QK_ARM_PEAK(PeakSmmla, __attribute__((target("arch=armv8.6-a+i8mm"))), "smmla", "16b", "16b",
            "w")
#undef QK_ARM_PEAK

void BM_Peak(benchmark::State& state, int32_t (*peak)(int64_t), int instructions_per_loop,
             int macs_per_instruction) {
  for (auto _ : state) {
    int32_t r = peak(kInnerLoops);
    benchmark::DoNotOptimize(r);
  }
  const double macs = double(kInnerLoops) * instructions_per_loop * macs_per_instruction;
  state.counters["GOPS"] =
      benchmark::Counter(2.0 * macs / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

void RegisterPeaks() {
  const qk::internal::CpuFeatures& cpu = qk::internal::GetCpuFeatures();
  if (cpu.i8mm) {
    benchmark::RegisterBenchmark("peak/i8mm", BM_Peak, PeakSmmla, 12, 32)
        ->Unit(benchmark::kMicrosecond);
  }
  if (cpu.neon_dot) {
    benchmark::RegisterBenchmark("peak/neondot", BM_Peak, PeakSdot, 12, 16)
        ->Unit(benchmark::kMicrosecond);
  }
  if (cpu.neon) {
    benchmark::RegisterBenchmark("peak/neon", BM_Peak, PeakSmlal, 12, 4)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace qkbench

#else  // no peak loops for this architecture yet

namespace qkbench {
void RegisterPeaks() {}
}  // namespace qkbench

#endif
