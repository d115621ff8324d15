// Pack-time int64 requantization parameters of the int16x8 kernels (requantize64_avx2.h).
#include "kernels/avx2/requantize64_avx2.h"

#include <algorithm>
#include <vector>

namespace qk {
namespace avx2 {

void AppendParams64(const internal::OpDesc& d, internal::PackedData* data) {
  const size_t stride = ChannelParamsStride(d.out_c);
  std::vector<int64_t> params(4 * stride, 0);
  for (int c = 0; c < d.out_c; ++c) {
    const int32_t m = data->multiplier[c];
    const int shift = std::min(std::max(data->shift[c], -31), 7);  // the scalar code's clamp
    params[c] = d.has_bias ? data->bias64[c] : 0;
    params[stride + c] = m < 0x7FFF0000 ? (int64_t{m} + (1 << 15)) >> 16 : 0x7FFF;
    params[2 * stride + c] = 15 - shift;
    params[3 * stride + c] = int64_t{1} << (15 - shift - 1);
  }
  internal::AlignedBuffer buffer;
  const size_t weights = data->packed.size();
  buffer.Resize(weights + params.size() * sizeof(int64_t));
  if (weights) std::memcpy(buffer.as<char>(), data->packed.as<char>(), weights);
  std::memcpy(buffer.as<char>() + weights, params.data(), params.size() * sizeof(int64_t));
  data->packed = std::move(buffer);
}

Params64 GetParams64(const internal::OpDesc& d, const internal::PackedData& data) {
  const size_t stride = ChannelParamsStride(d.out_c);
  const int64_t* base = reinterpret_cast<const int64_t*>(data.packed.as<char>() +
                                                         data.packed.size()) - 4 * stride;
  return Params64{base, base + stride, base + 2 * stride, base + 3 * stride};
}

}  // namespace avx2
}  // namespace qk
