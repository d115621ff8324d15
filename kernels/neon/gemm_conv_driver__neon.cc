// The GEMM convolution driver of the Arm levels (see arm_gemm.h): weight packing with zero-point
// folding, im2col into the workspace, MR x NR tiles over (pixels x channels of a group), and the
// vectorized output stage. Partial tiles: missing rows repeat the last valid row (computed, never
// stored); missing columns have zero weights in the packed panel (computed, never stored).
#include <algorithm>
#include <cstring>

#include "kernels/neon/arm_gemm.h"

namespace qk {
namespace neon {
namespace {

using internal::OpDesc;
using internal::PackedData;

size_t RoundUp(size_t x, size_t m) { return (x + m - 1) / m * m; }

size_t KPadded(const OpDesc& d) { return RoundUp(size_t(d.KernelDepth()), kGemmKAlign); }

size_t PanelBytes(const OpDesc& d, const GemmKernel& k) {
  return KPadded(d) * size_t(k.nr) * size_t(k.elem_bytes);
}

int NumPanels(const OpDesc& d, const GemmKernel& k) {
  const int group_out_c = d.out_c / d.groups;
  return (group_out_c + k.nr - 1) / k.nr;
}

// Gathers the K taps of output pixel m (group g) into dst and pads to kpad with zeros.
void Im2colRow(const OpDesc& d, const uint8_t* input, size_t m, int g, size_t kpad,
               uint8_t* dst) {
  const int group_in_c = d.in_c / d.groups;
  const size_t pixels = size_t(d.out_h) * d.out_w;
  const size_t b = m / pixels;
  const int oy = int((m % pixels) / d.out_w);
  const int ox = int(m % d.out_w);
  const uint8_t pad_value = static_cast<uint8_t>(d.input_zp);  // (x - input_zp) == 0
  uint8_t* p = dst;
  for (int ky = 0; ky < d.kernel_h; ++ky) {
    const int iy = oy * d.stride_h - d.pad_top + ky * d.dilation_h;
    for (int kx = 0; kx < d.kernel_w; ++kx, p += group_in_c) {
      const int ix = ox * d.stride_w - d.pad_left + kx * d.dilation_w;
      if (iy < 0 || iy >= d.in_h || ix < 0 || ix >= d.in_w) {
        std::memset(p, pad_value, group_in_c);
      } else {
        std::memcpy(p, input + ((b * d.in_h + iy) * d.in_w + ix) * d.in_c + size_t(g) * group_in_c,
                    group_in_c);
      }
    }
  }
  std::memset(p, 0, kpad - size_t(p - dst));  // the packed weights are zero there
}

}  // namespace

bool GemmUsesDirectRows(const OpDesc& d) {
  return d.IsPointwise() && (d.in_c / d.groups) % kGemmKAlign == 0;
}

size_t GemmWorkspaceBytes(const OpDesc& d, const GemmKernel& k) {
  return GemmUsesDirectRows(d) ? 0 : size_t(k.mr) * KPadded(d);
}

void PackGemmWeights(const OpDesc& d, const GemmKernel& k, PackedData* data) {
  const int K = d.KernelDepth();
  const size_t kpad = KPadded(d);
  const int group_out_c = d.out_c / d.groups;
  const int panels = NumPanels(d, k);
  const size_t panel_elems = kpad * size_t(k.nr);
  data->packed.Resize(size_t(d.groups) * panels * PanelBytes(d, k));  // zero-filled
  data->packed_bias.assign(data->bias32.begin(), data->bias32.end());
  const bool is_uint8 = d.type == DataType::kUInt8;
  for (int oc = 0; oc < d.out_c; ++oc) {
    const int g = oc / group_out_c, n = (oc % group_out_c) % k.nr;
    const size_t panel = size_t(g) * panels + (oc % group_out_c) / k.nr;
    const int8_t* w = data->filter.data() + size_t(oc) * K;
    uint32_t weight_sum = 0;
    for (int kk = 0; kk < K; ++kk) {
      const int32_t value = is_uint8 ? int32_t(static_cast<uint8_t>(w[kk])) : int32_t(w[kk]);
      const size_t at = panel * panel_elems + (size_t(kk / k.kb) * k.nr + n) * k.kb + kk % k.kb;
      if (k.elem_bytes == 2) {
        data->packed.as<int16_t>()[at] = static_cast<int16_t>(value - d.filter_zp);
      } else {
        data->packed.as<int8_t>()[at] = static_cast<int8_t>(value);
        weight_sum += static_cast<uint32_t>(value);
      }
    }
    if (k.elem_bytes == 1) {
      // int8 only (filter_zp == 0): sum (w)(x - zp) = sum w*x - zp * sum w, mod 2^32.
      data->packed_bias[oc] = static_cast<int32_t>(static_cast<uint32_t>(data->packed_bias[oc]) -
                                                   static_cast<uint32_t>(d.input_zp) * weight_sum);
    }
  }
}

void RunGemmConv(const OpDesc& d, const PackedData& p, const GemmKernel& k, const void* input,
                 void* output, void* workspace) {
  const int group_in_c = d.in_c / d.groups;
  const int group_out_c = d.out_c / d.groups;
  const size_t kpad = KPadded(d);
  const size_t rows = size_t(d.batch) * d.out_h * d.out_w;
  const int panels = NumPanels(d, k);
  const size_t panel_bytes = PanelBytes(d, k);
  const bool direct = GemmUsesDirectRows(d);
  const uint8_t* in = static_cast<const uint8_t*>(input);
  uint8_t* out = static_cast<uint8_t*>(output);  // int8 and uint8 outputs are both 1 byte
  uint8_t* scratch = static_cast<uint8_t*>(workspace);
  const uint8_t* packed = p.packed.as<uint8_t>();
  const void* a_rows[kGemmMaxMr];
  int32_t acc[kGemmMaxMr * kGemmMaxNr];
  for (int g = 0; g < d.groups; ++g) {
    for (size_t m0 = 0; m0 < rows; m0 += k.mr) {
      const int valid_rows = int(std::min<size_t>(k.mr, rows - m0));
      for (int r = 0; r < k.mr; ++r) {
        if (r >= valid_rows) {
          a_rows[r] = a_rows[valid_rows - 1];
        } else if (direct) {
          a_rows[r] = in + (m0 + r) * d.in_c + size_t(g) * group_in_c;
        } else {
          Im2colRow(d, in, m0 + r, g, kpad, scratch + size_t(r) * kpad);
          a_rows[r] = scratch + size_t(r) * kpad;
        }
      }
      for (int nb = 0; nb < panels; ++nb) {
        const int oc0 = g * group_out_c + nb * k.nr;
        const int n = std::min(k.nr, group_out_c - nb * k.nr);
        k.run(kpad, a_rows, packed + (size_t(g) * panels + nb) * panel_bytes, d.input_zp, acc);
        for (int r = 0; r < valid_rows; ++r) {
          RequantizeRow(d, acc + r * k.nr, p.packed_bias.data() + oc0, p.multiplier.data() + oc0,
                        p.shift.data() + oc0, n, out + (m0 + r) * d.out_c + oc0);
        }
      }
    }
  }
}

}  // namespace neon
}  // namespace qk
