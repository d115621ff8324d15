// Internal: how a kernel splits its work over threads.
//
// A run gets a Parallel: the caller's pthreadpool (or none) and the number of threads its
// workspace was sized for. A driver cuts its output into `parts` contiguous tile ranges (fewer
// than `threads` when the op is too small to gain) and runs part i with workspace slice i. The
// split never changes a byte: every output element is computed by the same microkernel from the
// same inputs whichever part holds it, and parts write disjoint outputs.
#ifndef QKERNELS_CORE_PARALLEL_H_
#define QKERNELS_CORE_PARALLEL_H_

#include <cstddef>
#include <cstdint>

struct pthreadpool;

namespace qk {
namespace internal {

struct Parallel {
  pthreadpool* pool = nullptr;  // nullptr: everything on the calling thread
  int threads = 1;              // at most this many parts (the workspace holds as many slices)
};

// Runs fn(ctx, i) for i in [0, n), concurrently on the pool's threads (the calling thread takes
// part of it); returns when all are done. Sequential when n <= 1 or there is no pool.
void ParallelRun(const Parallel& par, size_t n, void (*fn)(void* ctx, size_t i), void* ctx);

template <typename F>
void ParallelFor(const Parallel& par, size_t n, const F& f) {
  if (n <= 1 || par.pool == nullptr || par.threads <= 1) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  ParallelRun(par, n, [](void* ctx, size_t i) { (*static_cast<const F*>(ctx))(i); },
              const_cast<F*>(&f));
}

// Parts worth using for `work` units (multiply-adds) when each part should get at least
// `min_work`: between 1 and par.threads. With QK_SPLIT_SMALL_OPS=1 in the environment (read
// once), every op is split over all threads however small it is: the tests use it to run the
// threaded paths on small shapes.
int PartsFor(const Parallel& par, double work, double min_work);

// [begin, end) of part i when n items are cut into `parts` near-equal contiguous ranges, each a
// multiple of `unit` items (but the last).
inline void PartRange(int64_t n, int parts, int i, int64_t unit, int64_t* begin, int64_t* end) {
  const int64_t units = (n + unit - 1) / unit;
  const int64_t b = units * i / parts * unit, e = units * (i + 1) / parts * unit;
  *begin = b < n ? b : n;
  *end = e < n ? e : n;
}

}  // namespace internal
}  // namespace qk

#endif  // QKERNELS_CORE_PARALLEL_H_
