// The AVX-512 intrinsics of kernels/avx512vnni/ on a CPU without AVX-512, for the verification
// build QK_EMULATE_AVX512=ON only (cmake/QkIsa.cmake force-includes this header into the
// avx512vnni sources, compiled with -mavx2 -mfma and no -mavx512* flag). SIMD Everywhere
// (Debian's libsimde-dev 0.7.4) supplies the types and almost every intrinsic; the ones it lacks
// are defined below from the pseudo-code of the Intel Intrinsics Guide, on native AVX2 halves
// where an AVX2 instruction has the same per-lane semantics. Exactness only: nothing here is
// fast, and nothing measured in this build says anything about AVX-512 speed.
#ifndef QKERNELS_TESTS_EMULATION_SIMDE_AVX512_GAPS_H_
#define QKERNELS_TESTS_EMULATION_SIMDE_AVX512_GAPS_H_

#if defined(__AVX512F__)
#error "simde_avx512_gaps.h is for builds without -mavx512*: it would hide the real instructions"
#endif

#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

#include <cstdint>
#include <cstring>

namespace qk_simde_gaps {

// The two 256-bit halves of a 512-bit vector, and back (SIMDe's own layout: m256i[2]).
inline void Split(simde__m512i a, __m256i* lo, __m256i* hi) {
  simde__m512i_private p = simde__m512i_to_private(a);
  *lo = p.m256i[0];
  *hi = p.m256i[1];
}
inline simde__m512i Join(__m256i lo, __m256i hi) {
  simde__m512i_private p;
  p.m256i[0] = lo;
  p.m256i[1] = hi;
  return simde__m512i_from_private(p);
}
inline simde__m512 JoinPs(__m256 lo, __m256 hi) {
  return simde_mm512_castsi512_ps(Join(_mm256_castps_si256(lo), _mm256_castps_si256(hi)));
}
inline void SplitPs(simde__m512 a, __m256* lo, __m256* hi) {
  __m256i l, h;
  Split(simde_mm512_castps_si512(a), &l, &h);
  *lo = _mm256_castsi256_ps(l);
  *hi = _mm256_castsi256_ps(h);
}

// _mm512_cvtepi32_ps (vcvtdq2ps): FOR j := 0 to 15: dst.fp32[j] := Convert_Int32_To_FP32(a[j]).
// Rounded by MXCSR.RC, like the instruction: AVX2's vcvtdq2ps on each half does exactly that.
inline simde__m512 Cvtepi32Ps(simde__m512i a) {
  __m256i lo, hi;
  Split(a, &lo, &hi);
  return JoinPs(_mm256_cvtepi32_ps(lo), _mm256_cvtepi32_ps(hi));
}

// _mm512_srav_epi32 (vpsravd) / _mm512_srav_epi64 (vpsravq):
//   IF count[j] < 32 (64): dst[j] := SignExtend(a[j] >> count[j]) ELSE dst[j] := (a[j] < 0 ? -1 : 0).
// AVX2's vpsravd has the same rule per lane; AVX2 has no vpsravq, so the 64-bit one is per lane.
inline simde__m512i SravEpi32(simde__m512i a, simde__m512i count) {
  __m256i alo, ahi, clo, chi;
  Split(a, &alo, &ahi);
  Split(count, &clo, &chi);
  return Join(_mm256_srav_epi32(alo, clo), _mm256_srav_epi32(ahi, chi));
}
inline simde__m512i SravEpi64(simde__m512i a, simde__m512i count) {
  int64_t v[8];
  uint64_t c[8];
  std::memcpy(v, &a, sizeof v);
  std::memcpy(c, &count, sizeof c);
  for (int j = 0; j < 8; ++j) v[j] = c[j] < 64 ? v[j] >> c[j] : (v[j] < 0 ? -1 : 0);
  simde__m512i r;
  std::memcpy(&r, v, sizeof v);
  return r;
}

// _mm512_maskz_loadu_epi8 / _mm256_maskz_loadu_epi8 (vmovdqu8 with {z}):
//   FOR j: IF k[j]: dst.byte[j] := MEM[mem_addr + j] ELSE dst.byte[j] := 0.
// Bytes whose mask bit is clear are not read (the instruction suppresses their faults; the
// guard-page tests rely on it), so this reads byte by byte.
template <typename V, int N, typename Mask>
inline V MaskzLoadBytes(Mask k, const void* p) {
  uint8_t b[N] = {};
  for (int j = 0; j < N; ++j) {
    if ((k >> j) & 1) b[j] = static_cast<const uint8_t*>(p)[j];
  }
  V r;
  std::memcpy(&r, b, N);
  return r;
}
// _mm512_mask_storeu_epi8 / _mm256_mask_storeu_epi8 (vmovdqu8 store with {k}):
//   FOR j: IF k[j]: MEM[mem_addr + j] := a.byte[j]. Other bytes are neither read nor written.
template <typename V, int N, typename Mask>
inline void MaskStoreBytes(void* p, Mask k, V a) {
  uint8_t b[N];
  std::memcpy(b, &a, N);
  for (int j = 0; j < N; ++j) {
    if ((k >> j) & 1) static_cast<uint8_t*>(p)[j] = b[j];
  }
}

}  // namespace qk_simde_gaps

#define _mm512_cvtepi32_ps(a) qk_simde_gaps::Cvtepi32Ps(a)
#define _mm512_srav_epi32(a, count) qk_simde_gaps::SravEpi32(a, count)
#define _mm512_srav_epi64(a, count) qk_simde_gaps::SravEpi64(a, count)
#define _mm512_maskz_loadu_epi8(k, p) \
  (qk_simde_gaps::MaskzLoadBytes<simde__m512i, 64, simde__mmask64>(k, p))
#define _mm256_maskz_loadu_epi8(k, p) \
  (qk_simde_gaps::MaskzLoadBytes<__m256i, 32, simde__mmask32>(k, p))
#define _mm512_mask_storeu_epi8(p, k, a) \
  (qk_simde_gaps::MaskStoreBytes<simde__m512i, 64, simde__mmask64>(p, k, a))
#define _mm256_mask_storeu_epi8(p, k, a) \
  (qk_simde_gaps::MaskStoreBytes<__m256i, 32, simde__mmask32>(p, k, a))

// _kor_mask16 (korw): k[15:0] := a[15:0] OR b[15:0].
#undef _kor_mask16  // GCC's immintrin.h names _mm512_kor, which needs -mavx512f
#define _kor_mask16(a, b) static_cast<simde__mmask16>((a) | (b))

// _mm512_shuffle_i64x2 (vshufi64x2): dst.m128[0..1] := a.m128[imm8[1:0]], a.m128[imm8[3:2]];
// dst.m128[2..3] := b.m128[imm8[5:4]], b.m128[imm8[7:6]]. The same 128-bit selection as
// vshufi32x4, which SIMDe defines (it has simde_mm512_shuffle_i64x2 but no native alias).
#define _mm512_shuffle_i64x2(a, b, imm8) simde_mm512_shuffle_i32x4(a, b, imm8)

// _mm512_cvt_roundps_epi32 (vcvtps2dq with embedded rounding):
//   FOR j: dst[j] := Convert_FP32_To_Int32(a.fp32[j]), rounded by `rounding` (an explicit mode
//   overrides MXCSR.RC; _MM_FROUND_CUR_DIRECTION uses it). Out of range: 0x80000000.
// Per half: vroundps with the same immediate gives the rounded integer value (exact), and
// vcvtps2dq of an integer-valued float is exact in every mode (0x80000000 beyond int32, too).
#define _mm512_cvt_roundps_epi32(a, rounding)                                        \
  ([](simde__m512 v) {                                                                \
    __m256 lo, hi;                                                                    \
    qk_simde_gaps::SplitPs(v, &lo, &hi);                                              \
    return qk_simde_gaps::Join(_mm256_cvtps_epi32(_mm256_round_ps(lo, (rounding))),   \
                               _mm256_cvtps_epi32(_mm256_round_ps(hi, (rounding)))); \
  }(a))

// _mm512_reduce_ps (vreduceps), for imm8[7:4] = M = 0 (the only form the kernels use):
//   ReduceArgumentPS(src, imm8): tmp := 2^-M * ROUND(2^M * src, imm8[2:0]); dst := src - tmp.
// ROUND is vroundps with the same low bits (imm8[2] = 1: MXCSR.RC, else imm8[1:0]; imm8[3]
// suppresses the precision exception). The subtraction is exact except in (-1/2, 0) for a floor,
// where it is rounded by MXCSR here (the kernels' proof needs only "> 1/2" there: E4 of
// kernels/x86/requantize_estimate.h). Infinite inputs (whose result is +0) do not occur.
#define _mm512_reduce_ps(a, imm8)                                                       \
  ([](simde__m512 v) {                                                                  \
    static_assert(((imm8) >> 4) == 0, "simde_avx512_gaps.h: _mm512_reduce_ps with M > 0"); \
    __m256 lo, hi;                                                                      \
    qk_simde_gaps::SplitPs(v, &lo, &hi);                                                \
    return qk_simde_gaps::JoinPs(_mm256_sub_ps(lo, _mm256_round_ps(lo, (imm8) & 0xF)),  \
                                 _mm256_sub_ps(hi, _mm256_round_ps(hi, (imm8) & 0xF))); \
  }(a))

#endif  // QKERNELS_TESTS_EMULATION_SIMDE_AVX512_GAPS_H_
