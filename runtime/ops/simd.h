// The runtime's vector ops: the hot 8-bit paths of MAX_POOL_2D, AVERAGE_POOL_2D, ADD and QUANTIZE
// (requantize), written once with xsimd (runtime/ops/simd_impl.h) and compiled per architecture:
// AVX2 on x86-64 (chosen at run time, only on CPUs with AVX2), NEON on aarch64 (its baseline).
// Each function gives exactly the bytes of its scalar reference in pooling.h, add.h and
// quantize.h; tests/runtime_simd_test.cc checks that with == over ragged shapes and edge values.
// This header names no xsimd type, so any file may include it.
#ifndef QKERNELS_RUNTIME_OPS_SIMD_H_
#define QKERNELS_RUNTIME_OPS_SIMD_H_

#include <cstddef>
#include <cstdint>

#include "qkernels/isa.h"
#include "runtime/ops/add.h"
#include "runtime/ops/pooling.h"

namespace qk {
namespace rt {
namespace ops {

struct VecOps {
  const char* name;  // "xsimd_avx2", "xsimd_neon"
  void (*max_pool_s8)(const PoolParams& p, const int8_t* input, int8_t* output);
  void (*max_pool_u8)(const PoolParams& p, const uint8_t* input, uint8_t* output);
  // false for a window entirely in the padding, as the scalar AveragePool.
  bool (*average_pool_s8)(const PoolParams& p, const int8_t* input, int8_t* output);
  bool (*average_pool_u8)(const PoolParams& p, const uint8_t* input, uint8_t* output);
  void (*add_s8)(const AddParams& p, const int8_t* input1, const int8_t* input2, int8_t* output);
  void (*add_u8)(const AddParams& p, const uint8_t* input1, const uint8_t* input2,
                 uint8_t* output);
  // Requantize<In, Out> (quantize.h) for 8-bit types: s8 -> s8, s8 -> u8, u8 -> s8, u8 -> u8.
  void (*requantize_s8_s8)(const int8_t* in, size_t n, int32_t multiplier, int shift,
                           int32_t input_zp, int32_t output_zp, int8_t* out);
  void (*requantize_s8_u8)(const int8_t* in, size_t n, int32_t multiplier, int shift,
                           int32_t input_zp, int32_t output_zp, uint8_t* out);
  void (*requantize_u8_s8)(const uint8_t* in, size_t n, int32_t multiplier, int shift,
                           int32_t input_zp, int32_t output_zp, int8_t* out);
  void (*requantize_u8_u8)(const uint8_t* in, size_t n, int32_t multiplier, int shift,
                           int32_t input_zp, int32_t output_zp, uint8_t* out);
  // Test hook: out[i] = MultiplyByQuantizedMultiplier(x[i], multiplier, shift) (double rounding),
  // the vector building block of ADD and QUANTIZE. Contract: multiplier >= 0 (QuantizeMultiplier
  // output), shift in [-31, 30].
  void (*multiply_by_quantized_multiplier)(const int32_t* x, size_t n, int32_t multiplier,
                                           int shift, int32_t* out);
};

// The vector ops to run alongside the kernels of `isa` (kAuto: DefaultIsa()): the AVX2 build for
// avx2 and avx512vnni on a CPU with AVX2, the NEON build for neon, neondot and i8mm; nullptr for
// scalar (the runtime then runs the scalar reference ops) or when none was built.
const VecOps* VecOpsFor(Isa isa);

// Per-architecture tables (runtime/ops/simd_<arch>.cc); nullptr when not built.
const VecOps* VecOpsAvx2();
const VecOps* VecOpsNeon();

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_SIMD_H_
