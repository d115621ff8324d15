// Pooling: TFLite's reference_integer_ops::AveragePool / MaxPool (see pooling.h).
#include "runtime/ops/pooling.h"

#include <algorithm>
#include <limits>

namespace qk {
namespace rt {
namespace ops {
namespace {

template <typename T>
bool AveragePoolImpl(const PoolParams& p, const T* input, T* output) {
  for (int b = 0; b < p.batch; ++b) {
    for (int oy = 0; oy < p.out_h; ++oy) {
      for (int ox = 0; ox < p.out_w; ++ox) {
        const int in_y0 = oy * p.stride_h - p.pad_h;
        const int in_x0 = ox * p.stride_w - p.pad_w;
        const int fy_start = std::max(0, -in_y0), fy_end = std::min(p.filter_h, p.in_h - in_y0);
        const int fx_start = std::max(0, -in_x0), fx_end = std::min(p.filter_w, p.in_w - in_x0);
        for (int c = 0; c < p.channels; ++c) {
          int32_t acc = 0;
          int count = 0;
          for (int fy = fy_start; fy < fy_end; ++fy) {
            for (int fx = fx_start; fx < fx_end; ++fx) {
              const size_t idx =
                  ((size_t(b) * p.in_h + (in_y0 + fy)) * p.in_w + (in_x0 + fx)) * p.channels + c;
              acc += input[idx];
              ++count;
            }
          }
          if (count == 0) return false;
          // Round to the closest integer (half away from zero), as TFLite does.
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          acc = std::min(std::max(acc, p.act_min), p.act_max);
          output[((size_t(b) * p.out_h + oy) * p.out_w + ox) * p.channels + c] = T(acc);
        }
      }
    }
  }
  return true;
}

template <typename T>
void MaxPoolImpl(const PoolParams& p, const T* input, T* output) {
  for (int b = 0; b < p.batch; ++b) {
    for (int oy = 0; oy < p.out_h; ++oy) {
      for (int ox = 0; ox < p.out_w; ++ox) {
        const int in_y0 = oy * p.stride_h - p.pad_h;
        const int in_x0 = ox * p.stride_w - p.pad_w;
        const int fy_start = std::max(0, -in_y0), fy_end = std::min(p.filter_h, p.in_h - in_y0);
        const int fx_start = std::max(0, -in_x0), fx_end = std::min(p.filter_w, p.in_w - in_x0);
        for (int c = 0; c < p.channels; ++c) {
          int32_t max = std::numeric_limits<T>::lowest();
          for (int fy = fy_start; fy < fy_end; ++fy) {
            for (int fx = fx_start; fx < fx_end; ++fx) {
              const size_t idx =
                  ((size_t(b) * p.in_h + (in_y0 + fy)) * p.in_w + (in_x0 + fx)) * p.channels + c;
              max = std::max<int32_t>(max, input[idx]);
            }
          }
          max = std::min(std::max(max, p.act_min), p.act_max);
          output[((size_t(b) * p.out_h + oy) * p.out_w + ox) * p.channels + c] = T(max);
        }
      }
    }
  }
}

}  // namespace

bool AveragePoolFitsInt32(const PoolParams& p, int32_t max_abs) {
  const int64_t taps = int64_t(std::min(p.filter_h, p.in_h)) * std::min(p.filter_w, p.in_w);
  return taps * max_abs + taps / 2 <= std::numeric_limits<int32_t>::max();
}

bool AveragePool(const PoolParams& p, const int8_t* in, int8_t* out) {
  return AveragePoolImpl(p, in, out);
}
bool AveragePool(const PoolParams& p, const int16_t* in, int16_t* out) {
  return AveragePoolImpl(p, in, out);
}
bool AveragePool(const PoolParams& p, const uint8_t* in, uint8_t* out) {
  return AveragePoolImpl(p, in, out);
}
void MaxPool(const PoolParams& p, const int8_t* in, int8_t* out) { MaxPoolImpl(p, in, out); }
void MaxPool(const PoolParams& p, const int16_t* in, int16_t* out) { MaxPoolImpl(p, in, out); }
void MaxPool(const PoolParams& p, const uint8_t* in, uint8_t* out) { MaxPoolImpl(p, in, out); }

}  // namespace ops
}  // namespace rt
}  // namespace qk
