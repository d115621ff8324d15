/* Your own int8 convolution produced int32 accumulators: turn them into int8 exactly as TFLite. */
#include <stdio.h>
#include <qkernels/qkernels.h>

int main(void) {
  const float input_scale = 0.0256f, output_scale = 0.0005f;
  const float filter_scale[2] = {0.0413f, 0.0609f};  /* per output channel */
  int32_t multiplier[2];
  int shift[2];
  for (int c = 0; c < 2; ++c) {  /* a per-channel convolution: rule D (see qkernels.h) */
    double m = qk_effective_scale_per_channel(input_scale, filter_scale[c], output_scale);
    qk_quantize_multiplier(m, QK_ROUNDING_DOUBLE, &multiplier[c], &shift[c]);
  }
  int32_t shifts32[2] = {shift[0], shift[1]};
  const int32_t acc[6] = {-50, 22, 37, -41, 9, 0};    /* 3 pixels x 2 channels */
  const int32_t bias[2] = {10, -5};
  qk_requantization q = {0, 0, 11, multiplier, shifts32, 2, -128, 127, QK_ROUNDING_DOUBLE};
  int8_t out[6];
  if (qk_requantize_int32_to_int8(acc, bias, 3, 2, &q, out) != QK_OK) {
    fprintf(stderr, "error: %s\n", qk_last_error());
    return 1;
  }
  for (int i = 0; i < 6; ++i) printf("%d ", out[i]);
  printf("\n");
  return 0;
}
