// ParallelRun over pthreadpool (core/parallel.h).
#include "core/parallel.h"

#if QK_HAVE_PTHREADPOOL
#include <pthreadpool.h>
#endif

#include <cstdlib>
#include <cstring>

namespace qk {
namespace internal {

int PartsFor(const Parallel& par, double work, double min_work) {
  static const bool split_all = [] {
    const char* v = std::getenv("QK_SPLIT_SMALL_OPS");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  if (par.threads <= 1) return 1;
  if (split_all) return par.threads;
  const double fit = work / min_work;
  if (fit < 2) return 1;
  return fit >= par.threads ? par.threads : static_cast<int>(fit);
}

void ParallelRun(const Parallel& par, size_t n, void (*fn)(void* ctx, size_t i), void* ctx) {
  if (par.pool == nullptr || n <= 1) {
    for (size_t i = 0; i < n; ++i) fn(ctx, i);
    return;
  }
#if QK_HAVE_PTHREADPOOL
  pthreadpool_parallelize_1d(par.pool, fn, ctx, n, /*flags=*/0);
#endif
}

}  // namespace internal
}  // namespace qk
