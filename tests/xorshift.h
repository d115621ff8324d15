// The tests' seeded random numbers: Marsaglia's xorshift32 (shifts 13, 17, 5; "Xorshift RNGs",
// J. Stat. Software 2003). Deterministic, so a failing case is the same on every run and host.
#ifndef QKERNELS_TESTS_XORSHIFT_H_
#define QKERNELS_TESTS_XORSHIFT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qk {
namespace test {

struct XorShift32 {
  uint32_t state = 1;  // never 0
  uint32_t Next() {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  }
};

// The test program's one stream, from seed 1 unless Seed() says otherwise (each test file is its
// own program, so each file has its own stream).
inline XorShift32& Stream() {
  static XorShift32 rng;
  return rng;
}
inline void Seed(uint32_t seed) { Stream().state = seed; }
inline uint32_t Next() { return Stream().Next(); }

// n values of T from the top bits of Next().
template <typename T>
std::vector<T> Random(size_t n) {
  std::vector<T> v(n);
  for (T& x : v) x = T(Next() >> (32 - 8 * sizeof(T)));
  return v;
}

}  // namespace test
}  // namespace qk

#endif  // QKERNELS_TESTS_XORSHIFT_H_
