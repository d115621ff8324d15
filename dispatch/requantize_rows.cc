// The standalone requantization of each x86 ISA, or the scalar reference (Arm ISAs included: their
// epilogues are fused into the kernels and have no standalone entry yet).
#include "dispatch/requantize_rows.h"

#include "reference/reference_kernels.h"

namespace qk {
#if defined(QK_HAVE_AVX2)
namespace avx2 { void RequantizeRows(const internal::RequantizeRowsArgs& args); }
#endif
#if defined(QK_HAVE_AVX512VNNI)
namespace avx512vnni { void RequantizeRows(const internal::RequantizeRowsArgs& args); }
#endif

namespace internal {

RequantizeRowsFn SelectRequantizeRows(Isa isa) {
#if defined(QK_HAVE_AVX512VNNI)
  if (isa == Isa::kAvx512Vnni && IsaSupported(Isa::kAvx512Vnni)) return avx512vnni::RequantizeRows;
#endif
#if defined(QK_HAVE_AVX2)
  if ((isa == Isa::kAvx512Vnni || isa == Isa::kAvx2) && IsaSupported(Isa::kAvx2)) {
    return avx2::RequantizeRows;
  }
#endif
  (void)isa;
  return reference::RequantizeRows;
}

const char* RequantizeRowsName(Isa isa) {
  const RequantizeRowsFn fn = SelectRequantizeRows(isa);
#if defined(QK_HAVE_AVX512VNNI)
  if (fn == avx512vnni::RequantizeRows) return "requantize_rows__avx512vnni";
#endif
#if defined(QK_HAVE_AVX2)
  if (fn == avx2::RequantizeRows) return "requantize_rows__avx2";
#endif
  (void)fn;
  return "requantize_rows__scalar";
}

}  // namespace internal
}  // namespace qk
