// qk::ThreadPool: a pthreadpool, owned or the caller's. Without pthreadpool (a cross build),
// every pool has one thread.
#include "qkernels/ops.h"

#if QK_HAVE_PTHREADPOOL
#include <pthreadpool.h>
#else
#include <cstddef>
namespace {
pthreadpool* pthreadpool_create(size_t) { return nullptr; }
void pthreadpool_destroy(pthreadpool*) {}
size_t pthreadpool_get_threads_count(pthreadpool*) { return 1; }
}  // namespace
#endif

#include <utility>

namespace qk {

ThreadPool::ThreadPool(int threads) {
  if (threads == 1 || threads < 0) return;  // one thread: no pool, Run() stays on the caller
  pool_ = pthreadpool_create(static_cast<size_t>(threads));
  owned_ = pool_ != nullptr;
}

ThreadPool::ThreadPool(pthreadpool* shared) : pool_(shared), owned_(false) {}

ThreadPool::~ThreadPool() {
  if (owned_) pthreadpool_destroy(pool_);
}

ThreadPool::ThreadPool(ThreadPool&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), owned_(std::exchange(other.owned_, false)) {}

ThreadPool& ThreadPool::operator=(ThreadPool&& other) noexcept {
  if (this != &other) {
    if (owned_) pthreadpool_destroy(pool_);
    pool_ = std::exchange(other.pool_, nullptr);
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

int ThreadPool::threads() const {
  if (pool_ == nullptr) return 1;
  const size_t n = pthreadpool_get_threads_count(pool_);
  return n < 1 ? 1 : static_cast<int>(n);
}

pthreadpool* ThreadPool::get() const { return pool_; }

}  // namespace qk
