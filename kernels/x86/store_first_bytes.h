// The partial-vector store shared by the x86 epilogues: the last channels of a row are fewer
// than a vector holds, and the bytes after them belong to someone else (the next row, or past
// the end of the caller's buffer), so they must not be written.
#ifndef QKERNELS_KERNELS_X86_STORE_FIRST_BYTES_H_
#define QKERNELS_KERNELS_X86_STORE_FIRST_BYTES_H_

#include <emmintrin.h>

#include <cstddef>
#include <cstring>

namespace qk {
namespace x86 {

// Writes the first `bytes` (<= 16) bytes of v to out, through an aligned temporary (SSE2 only:
// a masked store would need AVX-512BW). Internal linkage, so that each ISA's translation unit,
// compiled with its own -m flags, keeps its own copy (no ODR mix of AVX2 and AVX-512 encodings).
static inline __attribute__((always_inline)) void StoreFirstBytes(void* out, __m128i v,
                                                                  size_t bytes) {
  alignas(16) unsigned char tmp[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(tmp), v);
  std::memcpy(out, tmp, bytes);
}

}  // namespace x86
}  // namespace qk

#endif  // QKERNELS_KERNELS_X86_STORE_FIRST_BYTES_H_
