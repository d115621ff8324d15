// Fuzz support: integers drawn from the fuzzer's bytes (so that mutations steer every choice),
// continuing with a PRNG seeded from all the bytes once they run out (so that a short input still
// describes a whole op with varied data).
#ifndef QKERNELS_FUZZ_BYTE_SOURCE_H_
#define QKERNELS_FUZZ_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>

namespace qk {
namespace fuzz {

class ByteSource {
 public:
  ByteSource(const uint8_t* data, size_t size) : data_(data), size_(size) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the whole input
    for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 0x100000001b3ull;
    state_ = h;
  }

  // A value in [lo, hi] (lo <= hi), from as many bytes as the span needs.
  int64_t Range(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    uint64_t v = 0;
    for (int bits = 0; bits < 64 && (span >> bits) != 0; bits += 8) v = (v << 8) | NextByte();
    const uint64_t offset = span == UINT64_MAX ? v : v % (span + 1);
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + offset);
  }

  bool exhausted() const { return pos_ >= size_; }

 private:
  uint8_t NextByte() {
    if (pos_ < size_) return data_[pos_++];
    state_ += 0x9e3779b97f4a7c15ull;  // splitmix64
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return static_cast<uint8_t>(z ^ (z >> 31));
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  uint64_t state_;
};

}  // namespace fuzz
}  // namespace qk

#endif  // QKERNELS_FUZZ_BYTE_SOURCE_H_
