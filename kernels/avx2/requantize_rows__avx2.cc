// The standalone requantization (core/kernel.h: RequantizeRowsArgs, behind the API's
// RequantizeInt32ToInt8) with the AVX2 kernels' own epilogue: per-channel parameters packed by
// PackChannelParams, Requantize8 (the float estimate proven in kernels/x86/requantize_estimate.h
// with its exact fallback), Store16. 16 channels x a block of rows at a time, so the channel
// constants are prepared once per block.
#include <algorithm>
#include <cstring>

#include "kernels/avx2/requantize_avx2.h"

namespace qk {
namespace avx2 {
namespace {

constexpr int kRowBlock = 32;

// rows x channels accumulators with a row stride of `stride` elements; cp was packed for at least
// `channels` channels.
void Matrix(const int32_t* acc, int8_t* out, int rows, int channels, size_t stride,
            const ChannelParams& cp, const Epilogue& e) {
  for (int r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int r1 = std::min(rows, r0 + kRowBlock);
    for (int c = 0; c < channels; c += 16) {
      const int n = std::min(16, channels - c);
      // Loads of 8 at c + 8 stay inside cp's arrays (padded to ChannelParamsStride).
      const ChannelVec v0 = LoadChannelVec(cp, size_t(c), e.single_rounding);
      const ChannelVec v1 = LoadChannelVec(cp, size_t(c) + 8, e.single_rounding);
      for (int r = r0; r < r1; ++r) {
        const int32_t* src = acc + size_t(r) * stride + size_t(c);
        __m256i a0, a1;
        if (n == 16) {
          a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src));
          a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 8));
        } else {  // the last channels of a row: read only the n that exist
          alignas(32) int32_t tmp[16] = {};
          std::memcpy(tmp, src, size_t(n) * sizeof(int32_t));
          a0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(tmp));
          a1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(tmp + 8));
        }
        Store16(out + size_t(r) * stride + size_t(c), Requantize8(a0, v0, e),
                Requantize8(a1, v1, e), n);
      }
    }
  }
}

}  // namespace

void RequantizeRows(const internal::RequantizeRowsArgs& a) {
  if (a.rows == 0) return;
  // Per-tensor without bias, every value has the same parameters: viewed as rows of 16.
  const bool flat = !a.per_channel && a.bias == nullptr;
  const int channels = flat ? 16 : a.channels;
  internal::OpDesc d;
  d.type = DataType::kInt8;
  d.in_c = 1;
  d.out_c = channels;
  d.output_zp = a.output_zp;
  d.act_min = a.act_min;
  d.act_max = a.act_max;
  d.rounding = a.rounding;
  d.has_bias = a.bias != nullptr;
  internal::PackedData data;
  data.multiplier.resize(size_t(channels));
  data.shift.resize(size_t(channels));
  data.bias32.assign(size_t(channels), 0);
  for (int c = 0; c < channels; ++c) {
    data.multiplier[size_t(c)] = a.multiplier[a.per_channel ? c : 0];
    data.shift[size_t(c)] = a.shift[a.per_channel ? c : 0];
    if (a.bias != nullptr) data.bias32[size_t(c)] = a.bias[c];
  }
  PackChannelParams(d, &data);
  const ChannelParams cp = GetChannelParams(d, data);
  const Epilogue e(d, cp);
  if (!flat) {
    Matrix(a.acc, a.output, a.rows, a.channels, size_t(a.channels), cp, e);
    return;
  }
  const size_t total = size_t(a.rows) * size_t(a.channels);
  const size_t full = total / 16 * 16;
  Matrix(a.acc, a.output, static_cast<int>(total / 16), 16, 16, cp, e);
  if (full < total) {
    Matrix(a.acc + full, a.output + full, 1, static_cast<int>(total - full), 16, cp, e);
  }
}

}  // namespace avx2
}  // namespace qk
