/* The C API from C: the header compiles as C, a small op packs and runs with the expected output,
 * and values a C caller can legally put in the enum fields but that name no enumerator (type,
 * padding, rounding, isa), NULL pointers and bad sizes are refused with a message naming the
 * field, never undefined behaviour (run under ASan+UBSan by the asan stage). Plain C, no gtest:
 * prints each failure and exits non-zero. */
#include <stdio.h>
#include <string.h>

#include "qkernels/qkernels.h"

static int g_failures = 0;
static int g_checks = 0;

static void Expect(int ok, const char* what) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    fprintf(stderr, "FAIL: %s (last error: '%s')\n", what, qk_last_error());
  }
}

static void ExpectError(qk_status s, qk_status code, const char* field, const char* what) {
  Expect(s == code && strstr(qk_last_error(), field) != NULL, what);
}

static const int32_t kMultiplier[1] = {1 << 30};
static const int32_t kShift[1] = {0};

static qk_conv_params ValidConv(void) {
  qk_conv_params p;
  qk_conv_params_init(&p);
  p.input_height = 4, p.input_width = 4, p.input_channels = 2, p.output_channels = 3;
  p.kernel_height = 3, p.kernel_width = 3;
  p.quant.output_multiplier = kMultiplier;
  p.quant.output_shift = kShift;
  p.quant.num_channels = 1;
  return p;
}

static void TestRunsAnOp(void) {
  /* 2 x 3 input, 2 outputs: acc = {6, -1, -20, 25}; MulQ(acc, 2^30, 0) = round(acc / 2), ties
   * toward +inf: {3, 0, -10, 13}. */
  const int8_t filter[6] = {1, 2, 3, -1, -2, -3};
  const int32_t bias[2] = {0, 5};
  const int8_t input[6] = {1, 1, 1, 10, 0, -10};
  const int8_t expected[4] = {3, 0, -10, 13};
  int8_t output[4] = {0};
  qk_fully_connected_params p;
  qk_packed_op* op = NULL;
  qk_fully_connected_params_init(&p);
  p.batch = 2, p.input_depth = 3, p.output_depth = 2;
  p.quant.output_multiplier = kMultiplier;
  p.quant.output_shift = kShift;
  p.quant.num_channels = 1;
  Expect(qk_pack_fully_connected(&p, filter, bias, QK_ISA_AUTO, &op) == QK_OK, "pack FC");
  if (op == NULL) return;
  Expect(qk_packed_op_output_elements(op) == 4, "output elements");
  Expect(qk_run(op, input, output, NULL, 0) == QK_OK, "run FC");
  Expect(memcmp(output, expected, sizeof expected) == 0, "FC output");
  qk_packed_op_free(op);
}

static void TestOutOfRangeEnums(void) {
  const int8_t filter[64] = {0};
  const int bad[] = {3, 7, 99, -1, -100, 0x7FFFFFFF, -0x7FFFFFFF - 1};
  size_t i;
  for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    qk_conv_params p = ValidConv();
    qk_fully_connected_params fc;
    qk_packed_op* op = NULL;
    p.type = (qk_data_type)bad[i];
    ExpectError(qk_pack_conv2d(&p, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT, "type",
                "conv2d type out of range");
    ExpectError(qk_pack_depthwise_conv2d(&p, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT,
                "type", "depthwise type out of range");
    qk_fully_connected_params_init(&fc);
    fc.input_depth = 2, fc.output_depth = 2;
    fc.quant = p.quant;
    fc.type = (qk_data_type)bad[i];
    ExpectError(qk_pack_fully_connected(&fc, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT,
                "type", "fully connected type out of range");
    p = ValidConv();
    p.padding = (qk_padding)bad[i];
    ExpectError(qk_pack_conv2d(&p, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT, "padding",
                "padding out of range");
    p = ValidConv();
    p.quant.rounding = (qk_rounding)(bad[i] == -1 ? 2 : bad[i]);
    ExpectError(qk_pack_conv2d(&p, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT,
                "rounding", "rounding out of range");
    p = ValidConv();
    /* Only values outside the qk_isa enum: 3 is QK_ISA_NEON, valid (and supported) on Arm. */
    if (bad[i] < QK_ISA_AUTO || bad[i] > QK_ISA_I8MM) {
      ExpectError(qk_pack_conv2d(&p, filter, NULL, (qk_isa)bad[i], &op), QK_ISA_UNAVAILABLE,
                  "isa", "pack with an isa out of range");
      ExpectError(qk_set_isa_override((qk_isa)bad[i]), QK_ISA_UNAVAILABLE, "isa",
                  "override with an isa out of range");
      Expect(qk_isa_supported((qk_isa)bad[i]) == 0, "isa out of range is unsupported");
      Expect(strcmp(qk_isa_name((qk_isa)bad[i]), "unknown") == 0, "isa out of range: unknown");
    }
    Expect(op == NULL, "no op after a refusal");
  }
  Expect(qk_default_isa() != QK_ISA_AUTO, "the default ISA is a real one");
}

static void TestNullsAndSizes(void) {
  const int8_t filter[64] = {0};
  qk_conv_params p = ValidConv();
  qk_packed_op* op = NULL;
  int32_t multiplier = 0;
  int shift = 99;
  ExpectError(qk_pack_conv2d(NULL, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT, "params",
              "NULL params");
  ExpectError(qk_pack_conv2d(&p, NULL, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT, "filter",
              "NULL filter");
  ExpectError(qk_pack_conv2d(&p, filter, NULL, QK_ISA_AUTO, NULL), QK_INVALID_ARGUMENT, "out",
              "NULL out");
  p.quant.output_shift = NULL;
  ExpectError(qk_pack_conv2d(&p, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT,
              "output_shift", "NULL shifts");
  p = ValidConv();
  p.batch = p.input_height = p.input_width = p.input_channels = 1 << 24;
  ExpectError(qk_pack_conv2d(&p, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT, "input",
              "2^96 input elements");
  ExpectError(qk_run(NULL, filter, NULL, NULL, 0), QK_INVALID_ARGUMENT, "op", "run NULL op");
  ExpectError(qk_requantize_int32_to_int8(NULL, NULL, 1, 1, NULL, NULL), QK_INVALID_ARGUMENT,
              "quant", "requantize NULL quant");
  qk_quantize_multiplier(-1.0, QK_ROUNDING_DOUBLE, &multiplier, &shift);
  Expect(multiplier == 0 && shift == 0, "negative scale gives {0, 0}");
  qk_quantize_multiplier(0.5, (qk_rounding)77, NULL, NULL); /* NULL outputs tolerated */
  Expect(op == NULL, "no op after a refusal");
}

/* Per-channel arrays handed over without setting quant.num_channels (left 0 by the init
 * functions, or by zero-initialising the struct): refused, naming the field, never broadcast. */
static void TestForgottenNumChannels(void) {
  static const int32_t multipliers[3] = {1 << 30, 1555555555, 2000000000};
  static const int32_t shifts[3] = {-1, -2, -3};
  const int8_t filter[64] = {0};
  const int32_t acc[3] = {100, 200, 300};
  int8_t out[3];
  qk_conv_params p;
  qk_fully_connected_params fc;
  qk_requantization q = {0};
  qk_packed_op* op = NULL;
  qk_conv_params_init(&p);
  Expect(p.quant.num_channels == 0, "qk_conv_params_init leaves num_channels unset (0)");
  p.input_height = 4, p.input_width = 4, p.input_channels = 2, p.output_channels = 3;
  p.kernel_height = 3, p.kernel_width = 3;
  p.quant.output_multiplier = multipliers;
  p.quant.output_shift = shifts;
  ExpectError(qk_pack_conv2d(&p, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT,
              "quant.num_channels", "conv2d with num_channels unset");
  p.input_channels = 3;
  ExpectError(qk_pack_depthwise_conv2d(&p, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT,
              "quant.num_channels", "depthwise with num_channels unset");
  qk_fully_connected_params_init(&fc);
  fc.input_depth = 4, fc.output_depth = 3;
  fc.quant.output_multiplier = multipliers;
  fc.quant.output_shift = shifts;
  ExpectError(qk_pack_fully_connected(&fc, filter, NULL, QK_ISA_AUTO, &op), QK_INVALID_ARGUMENT,
              "quant.num_channels", "fully connected with num_channels unset");
  q.output_multiplier = multipliers;
  q.output_shift = shifts;
  q.activation_min = -128, q.activation_max = 127;
  ExpectError(qk_requantize_int32_to_int8(acc, NULL, 1, 3, &q, out), QK_INVALID_ARGUMENT,
              "quant.num_channels", "requantize with num_channels unset");
  Expect(op == NULL, "no op after a refusal");
  /* Set, it works. */
  fc.quant.num_channels = 3;
  Expect(qk_pack_fully_connected(&fc, filter, NULL, QK_ISA_AUTO, &op) == QK_OK,
         "fully connected with num_channels = 3");
  qk_packed_op_free(op);
}

int main(void) {
  TestRunsAnOp();
  TestForgottenNumChannels();
  TestOutOfRangeEnums();
  TestNullsAndSizes();
  printf("c_api_test: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
