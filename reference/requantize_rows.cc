// The scalar standalone requantization (RequantizeInt32ToInt8's reference and its scalar ISA).
#include "reference/reference_kernels.h"

namespace qk {
namespace reference {

void RequantizeRows(const internal::RequantizeRowsArgs& a) {
  for (int r = 0; r < a.rows; ++r) {
    for (int c = 0; c < a.channels; ++c) {
      const size_t i = size_t(r) * size_t(a.channels) + size_t(c);
      const int q = a.per_channel ? c : 0;
      const int32_t acc = a.bias != nullptr ? WrappingAdd(a.acc[i], a.bias[c]) : a.acc[i];
      a.output[i] = static_cast<int8_t>(Requantize(acc, a.multiplier[q], a.shift[q], a.rounding,
                                                   a.output_zp, a.act_min, a.act_max));
    }
  }
}

}  // namespace reference
}  // namespace qk
