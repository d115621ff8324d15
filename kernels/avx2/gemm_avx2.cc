// Shape, workspace and weight packing of the AVX2 int16 GEMM (see gemm_avx2.h).
#include "kernels/avx2/gemm_avx2.h"

namespace qk {
namespace avx2 {
namespace {

// The A block is kept near 128 KiB (L2-resident) while every B panel streams over it.
constexpr size_t kABlockBytes = 128 * 1024;
constexpr int kMaxBlockRows = 16 * kGemmMR;

template <typename FilterT>
void PackPanels(const internal::OpDesc& d, const GemmShape& s, const FilterT* filter,
                int16_t* packed) {
  const int K = s.K;
  for (int g = 0; g < s.groups; ++g) {
    for (int p = 0; p < s.panels; ++p) {
      int16_t* panel = packed + (size_t(g) * s.panels + p) * size_t(s.kp) * 2 * kGemmNR;
      for (int col = 0; col < kGemmNR; ++col) {
        const int oc_in_group = p * kGemmNR + col;
        if (oc_in_group >= s.group_out_c) break;  // padding columns stay zero
        const FilterT* w = filter + (size_t(g) * s.group_out_c + oc_in_group) * K;
        for (int k = 0; k < K; ++k) {
          // (w - filter_zp) fits int16 for uint8 weights; int8 filters have filter_zp == 0.
          panel[(size_t(k / 2) * kGemmNR + col) * 2 + (k & 1)] =
              static_cast<int16_t>(w[k] - d.filter_zp);
        }
      }
    }
  }
}

}  // namespace

GemmShape GetGemmShape(const internal::OpDesc& d) {
  GemmShape s;
  s.M = d.batch * d.out_h * d.out_w;
  s.K = d.KernelDepth();
  s.kp = (s.K + 1) / 2;
  s.lda = 2 * s.kp;
  s.groups = d.op == internal::OpKind::kConv2D ? d.groups : 1;
  s.group_in_c = d.in_c / s.groups;
  s.group_out_c = d.out_c / s.groups;
  s.panels = (s.group_out_c + kGemmNR - 1) / kGemmNR;
  const size_t row_bytes = size_t(s.lda) * 2;
  int mc = static_cast<int>(std::min<size_t>(kMaxBlockRows, kABlockBytes / row_bytes));
  mc = std::max(kGemmMR, mc / kGemmMR * kGemmMR);
  const int m_rounded = (s.M + kGemmMR - 1) / kGemmMR * kGemmMR;
  s.mc = std::min(mc, m_rounded);
  return s;
}

size_t GemmWorkspaceBytes(const internal::OpDesc& d) {
  const GemmShape s = GetGemmShape(d);
  return size_t(s.mc) * s.lda * sizeof(int16_t);
}

void PackGemmWeights(const internal::OpDesc& d, internal::PackedData* data) {
  const GemmShape s = GetGemmShape(d);
  data->packed.Resize(size_t(s.groups) * s.panels * s.kp * 2 * kGemmNR * sizeof(int16_t));
  int16_t* packed = data->packed.as<int16_t>();
  if (d.type == DataType::kUInt8) {
    PackPanels(d, s, reinterpret_cast<const uint8_t*>(data->filter.data()), packed);
  } else {
    PackPanels(d, s, data->filter.data(), packed);
  }
  if (d.type != DataType::kInt16) PackChannelParams(d, data);
}

}  // namespace avx2
}  // namespace qk
