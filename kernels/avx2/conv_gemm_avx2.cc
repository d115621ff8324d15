// AVX2 conv2d (int8 and uint8) through the int16 GEMM: im2col for general convolutions, the
// direct row widening for 1x1 stride-1 convolutions and for batched fully connected layers.
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/gemm_avx2.h"

namespace qk {
namespace avx2 {

namespace {

template <typename T, template <typename> class Fill>
void RunTyped(const internal::OpDesc& d, const internal::PackedData& data, const void* input,
              void* output, void* workspace) {
  const ChannelParams cp = GetChannelParams(d, data);
  const Int32Tiler tiler{GetGemmShape(d).kp, cp, Epilogue(d, cp)};
  GemmDriver(d, data, static_cast<T*>(output), static_cast<int16_t*>(workspace),
             Fill<T>{d, static_cast<const T*>(input)}, tiler);
}

template <template <typename> class Fill>
void RunGemm(const internal::OpDesc& d, const internal::PackedData& data, const void* input,
             void* output, void* workspace) {
  if (d.type == DataType::kUInt8) {
    RunTyped<uint8_t, Fill>(d, data, input, output, workspace);
  } else {
    RunTyped<int8_t, Fill>(d, data, input, output, workspace);
  }
}

}  // namespace

void ConvIgemmRun(const internal::OpDesc& d, const internal::PackedData& data, const void* input,
                  void* output, void* workspace) {
  RunGemm<Im2colFill>(d, data, input, output, workspace);
}

void PointwiseGemmRun(const internal::OpDesc& d, const internal::PackedData& data,
                      const void* input, void* output, void* workspace) {
  RunGemm<PointwiseFill>(d, data, input, output, workspace);
}

}  // namespace avx2
}  // namespace qk
