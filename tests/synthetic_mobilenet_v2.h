// A synthetic int8 model with the layer structure of MobileNetV2 1.0 (Sandler et al. 2018,
// "MobileNetV2: Inverted Residuals and Linear Bottlenecks", Table 2), for timing the runtime and
// checking that its outputs do not depend on the thread count. The weights are seeded random
// numbers, NOT a trained network, and no TFLite output exists for it: it measures speed and
// thread-count invariance, never agreement with TFLite.
//
// Structure (as a Keras-exported, fully int8 TFLite MobileNetV2 has it): CONV_2D 3x3 stride 2 to
// 32 channels (ReLU6 fused), 17 inverted-residual bottlenecks (t, c, n, s) = (1,16,1,1) (6,24,2,2)
// (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2) (6,320,1,1): a 1x1 expansion CONV_2D to t x the
// input channels with ReLU6 (absent where t = 1), a 3x3 DEPTHWISE_CONV_2D with ReLU6 (stride 2:
// PAD by [0, 1] on H and W, then VALID, as Keras' ZeroPadding2D exports; stride 1: SAME), a 1x1
// linear projection CONV_2D, and an ADD of the block's input where the stride is 1 and the
// channels match; then CONV_2D 1x1 to 1280 (ReLU6), MEAN over H and W (the global average pool,
// keep_dims false, same quantization), FULLY_CONNECTED to 1000 and SOFTMAX (scale 1/256, zero
// point -128). Conv and depthwise weights are per-channel symmetric int8, the fully connected
// weights per-tensor; biases int32 at input scale x filter scale.
//
// Quantization is chosen the way TFLite's converter calibrates: the real network (random weights
// with He-style variance, small random biases) is run on one seeded calibration image, and every
// activation's scale and zero point are set from the observed real range (ReLU6 outputs: [0, max]
// with zero point -128). The run is the qkernels runtime itself; it is exact integer arithmetic,
// so the file is the same bytes on every machine and ISA.
#ifndef QKERNELS_TESTS_SYNTHETIC_MOBILENET_V2_H_
#define QKERNELS_TESTS_SYNTHETIC_MOBILENET_V2_H_

#include <cstdint>
#include <string>
#include <vector>

namespace qk {
namespace test {

struct SyntheticMobileNetV2Options {
  int size = 224;          // input height and width (a multiple of 32)
  uint64_t seed = 1;       // weights, biases and the calibration image
  int calibration_passes = 3;
};

// The .tflite bytes, or false with a message.
bool BuildSyntheticMobileNetV2(const SyntheticMobileNetV2Options& options,
                               std::vector<uint8_t>* bytes, std::string* error);

// A seeded random int8 image, size x size x 3 bytes (uniform over [-128, 127]).
std::vector<uint8_t> SyntheticImage(int size, uint64_t seed);

}  // namespace test
}  // namespace qk

#endif  // QKERNELS_TESTS_SYNTHETIC_MOBILENET_V2_H_
