// Test support: where ../shared is, and the skip-or-fail rule when it is absent.
#ifndef QKERNELS_TESTS_SHARED_DATA_H_
#define QKERNELS_TESTS_SHARED_DATA_H_

#include <string>

namespace qk {
namespace test {

// The shared data directory ($QK_SHARED_DIR, else the path configured at build time), or "" when
// it does not exist.
std::string SharedDir();

// True when QK_REQUIRE_SHARED=1: a missing ../shared is then a failure, not a skip (CI).
bool SharedRequired();

}  // namespace test
}  // namespace qk

// Use at the top of a test that needs ../shared: skips (or fails in CI) when it is absent.
#define QK_REQUIRE_SHARED_DIR(dir_var)                                                     \
  const std::string dir_var = ::qk::test::SharedDir();                                     \
  if (dir_var.empty()) {                                                                   \
    if (::qk::test::SharedRequired()) {                                                    \
      FAIL() << "QK_REQUIRE_SHARED=1 but the shared data directory (../shared) is absent"; \
    }                                                                                      \
    GTEST_SKIP() << "../shared not found (set QK_SHARED_DIR): conformance data skipped";   \
  }

#endif  // QKERNELS_TESTS_SHARED_DATA_H_
