// Test support: a buffer placed flush against an inaccessible (PROT_NONE) page, so that the first
// byte read or written beyond its end (or before its start) faults; the accessible slack on the
// other side is filled with canary bytes that must survive. Plus a SIGSEGV/SIGBUS trap that turns
// a fault inside a kernel into a reported test failure (which buffer, how far out) instead of a
// crash of the whole test binary.
#ifndef QKERNELS_TESTS_GUARDED_BUFFER_H_
#define QKERNELS_TESTS_GUARDED_BUFFER_H_

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace qk {
namespace test {

class GuardedBuffer {
 public:
  enum class Flush { kEnd, kStart };  // which edge of the buffer touches a guard page
  static constexpr uint8_t kCanary = 0xA5;

  GuardedBuffer(const char* name, size_t bytes, Flush flush) : name_(name), bytes_(bytes) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t data_pages = (bytes + page_ - 1) / page_;
    mapped_ = (data_pages + 2) * page_;
    void* m = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) std::abort();
    base_ = static_cast<uint8_t*>(m);
    // [guard][data pages][guard]
    if (mprotect(base_, page_, PROT_NONE) != 0 ||
        mprotect(base_ + mapped_ - page_, page_, PROT_NONE) != 0) {
      std::abort();
    }
    lo_ = base_ + page_;
    hi_ = base_ + mapped_ - page_;
    data_ = flush == Flush::kEnd ? hi_ - bytes : lo_;
    std::memset(lo_, kCanary, static_cast<size_t>(hi_ - lo_));
  }
  ~GuardedBuffer() { munmap(base_, mapped_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  // Never null: a zero-byte buffer points at a guard page (any access faults).
  void* data() { return data_; }
  template <typename T>
  T* as() { return reinterpret_cast<T*>(data_); }
  size_t size() const { return bytes_; }
  const char* name() const { return name_; }

  void Fill(const void* src, size_t n) {
    if (n > 0) std::memcpy(data_, src, n);
  }

  // Empty when every slack byte still holds the canary, else where the first damage is.
  std::string DamagedCanary() const {
    for (const uint8_t* p = lo_; p < hi_; ++p) {
      if (p >= data_ && p < data_ + bytes_) continue;
      if (*p != kCanary) {
        const long offset = p < data_ ? static_cast<long>(p - data_)
                                      : static_cast<long>(p - (data_ + bytes_));
        return std::string(name_) + ": byte " + (p < data_ ? "" : "+") + std::to_string(offset) +
               (p < data_ ? " before the start" : " after the end") + " was written";
      }
    }
    return "";
  }

  // Describes `addr` if it lies in one of this buffer's guard pages.
  bool DescribeFault(const void* addr, std::string* what) const {
    const uint8_t* a = static_cast<const uint8_t*>(addr);
    if (a >= base_ && a < lo_) {
      *what = std::string(name_) + ": access " + std::to_string(data_ - a) +
              " byte(s) before the start (size " + std::to_string(bytes_) + ")";
      return true;
    }
    if (a >= hi_ && a < base_ + mapped_) {
      *what = std::string(name_) + ": access at byte +" + std::to_string(a - data_) +
              " of a buffer of size " + std::to_string(bytes_);
      return true;
    }
    return false;
  }

 private:
  const char* name_;
  size_t bytes_;
  size_t page_ = 4096, mapped_ = 0;
  uint8_t* base_ = nullptr;
  uint8_t* lo_ = nullptr;  // first accessible byte
  uint8_t* hi_ = nullptr;  // first byte of the upper guard page
  uint8_t* data_ = nullptr;
};

// Runs `body` with SIGSEGV/SIGBUS trapped: returns false and the faulting address if it faulted.
// The jump out of the handler abandons the kernel mid-way; the test then reports and continues.
namespace guard_detail {
inline sigjmp_buf& JumpBuffer() {
  static sigjmp_buf buffer;
  return buffer;
}
inline volatile void*& FaultAddress() {
  static volatile void* address = nullptr;
  return address;
}
inline void OnFault(int, siginfo_t* info, void*) {
  FaultAddress() = info->si_addr;
  siglongjmp(JumpBuffer(), 1);
}
}  // namespace guard_detail

template <typename Body>
bool RunTrappingFaults(Body body, const void** fault_address) {
  struct sigaction action = {}, old_segv = {}, old_bus = {};
  action.sa_sigaction = guard_detail::OnFault;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, &old_segv);
  sigaction(SIGBUS, &action, &old_bus);
  bool ok = true;
  if (sigsetjmp(guard_detail::JumpBuffer(), 1) == 0) {
    body();
  } else {
    ok = false;
    *fault_address = const_cast<const void*>(guard_detail::FaultAddress());
  }
  sigaction(SIGSEGV, &old_segv, nullptr);
  sigaction(SIGBUS, &old_bus, nullptr);
  return ok;
}

}  // namespace test
}  // namespace qk

#endif  // QKERNELS_TESTS_GUARDED_BUFFER_H_
