// Lanes of (accumulator, multiplier, shift) for the tests that compare a SIMD requantization
// with the scalar reference lane by lane (arm_requantize_test, x86_requantize_test,
// avx2_requantize_test).
#ifndef QKERNELS_TESTS_REQUANTIZE_LANES_H_
#define QKERNELS_TESTS_REQUANTIZE_LANES_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace qk {
namespace test {

constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();

struct Lanes {
  std::vector<int32_t> x, m, s;
  void Add(int32_t xv, int32_t mv, int32_t sv) { x.push_back(xv), m.push_back(mv), s.push_back(sv); }
  // Repeats the last lane up to a multiple of `width` lanes (a whole number of vectors).
  void Pad(size_t width) {
    while (x.size() % width != 0) Add(x.back(), m.back(), s.back());
  }
};

// The accumulators at the ends of the range and around every power of two, both signs.
inline std::vector<int32_t> EdgeAccumulators() {
  std::vector<int32_t> v = {kMin, kMin + 1, kMin + 2, -1, 0, 1, 2, kMax - 1, kMax};
  for (int b = 0; b < 31; ++b) {
    const int32_t p = int32_t{1} << b;
    for (int32_t d : {-1, 0, 1}) v.push_back(p + d), v.push_back(-p + d);
  }
  return v;
}

}  // namespace test
}  // namespace qk

#endif  // QKERNELS_TESTS_REQUANTIZE_LANES_H_
