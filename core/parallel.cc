// ParallelRun over pthreadpool (core/parallel.h).
#include "core/parallel.h"

#if QK_HAVE_PTHREADPOOL
#include <pthreadpool.h>
#endif

#include <cstdint>
#include <cstdlib>
#include <cstring>

// ThreadSanitizer does not see the synchronisation inside Debian's (uninstrumented)
// libpthreadpool: annotate the happens-before edges it provides (the caller's writes before a
// task starts; every task's writes before the call returns), so that only our own races remain.
#if defined(__SANITIZE_THREAD__)
#define QK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QK_TSAN 1
#endif
#endif
#if QK_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

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

// pthreadpool's flags: QK_THREADPOOL_YIELD=1 (read once) sends the workers to sleep after each
// call instead of letting them spin for the next one. Spinning saves the wake-up on a real
// multi-core machine; under qemu-user on a busy host it starves the thread doing the work (the
// Arm stage's threaded tests take minutes per test with it), so that stage sets the variable.
[[maybe_unused]] static uint32_t PoolFlags() {
#if QK_HAVE_PTHREADPOOL
  static const uint32_t flags = [] {
    const char* v = std::getenv("QK_THREADPOOL_YIELD");
    return v != nullptr && std::strcmp(v, "1") == 0 ? uint32_t{PTHREADPOOL_FLAG_YIELD_WORKERS}
                                                    : uint32_t{0};
  }();
  return flags;
#else
  return 0;
#endif
}

void ParallelRun(const Parallel& par, size_t n, void (*fn)(void* ctx, size_t i), void* ctx) {
  if (par.pool == nullptr || n <= 1) {
    for (size_t i = 0; i < n; ++i) fn(ctx, i);
    return;
  }
#if QK_HAVE_PTHREADPOOL && QK_TSAN
  struct Annotated {
    void (*fn)(void*, size_t);
    void* ctx;
    int start, done;  // addresses for the annotations
  } a{fn, ctx, 0, 0};
  __tsan_release(&a.start);
  pthreadpool_parallelize_1d(
      par.pool,
      [](void* p, size_t i) {
        Annotated* t = static_cast<Annotated*>(p);
        __tsan_acquire(&t->start);
        t->fn(t->ctx, i);
        __tsan_release(&t->done);
      },
      &a, n, PoolFlags());
  __tsan_acquire(&a.done);
#elif QK_HAVE_PTHREADPOOL
  pthreadpool_parallelize_1d(par.pool, fn, ctx, n, PoolFlags());
#endif
}

}  // namespace internal
}  // namespace qk
