/* The C recipe for a layer's multiplier, through the C API alone: the scales are read from the
 * shared MNIST model (qkernels/model.h), the effective scale comes from
 * qk_effective_scale_per_tensor (rule F, TFLite's GetQuantizedConvolutionMultipler for a
 * per-tensor FULLY_CONNECTED) and qk_quantize_multiplier. The expected (M0, shift) of the two
 * dense layers of mnist_int8io are TFLite's. Also: both effective-scale functions and
 * qk_quantize_multiplier give the round-to-nearest values under every other rounding mode and
 * leave the caller's mode in place.
 *
 * The model is at $QK_SHARED_DIR/models/mnist_int8io; when it is absent the test prints
 * "QK_SKIP" (ctest's skip) unless QK_REQUIRE_SHARED=1, then it fails. Plain C99, no gtest. */
#include <fenv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qkernels/model.h"
#include "qkernels/qkernels.h"

static int g_failures = 0;

static void Expect(int ok, const char* what) {
  if (!ok) {
    ++g_failures;
    fprintf(stderr, "FAIL: %s\n", what);
  }
}

/* TFLite's multipliers of the two FULLY_CONNECTED layers (operators 3 and 4) of mnist_int8io, and
 * what rule D would give for the first (the wrong rule for a per-tensor FULLY_CONNECTED). */
static const int32_t kExpectedM0[2] = {1942496118, 1411885719};
static const int kExpectedShift[2] = {-11, -7};
static const int32_t kRuleDFirstM0 = 1942496060;

/* 1 when the model was checked, 0 when it is absent (skip). */
static int CheckMnistDenseLayers(const char* shared) {
  char path[4096];
  qk_model* model = NULL;
  int op, dense = 0;
  snprintf(path, sizeof path, "%s/models/mnist_int8io/mnist_model_quantized.tflite", shared);
  {
    FILE* f = fopen(path, "rb");
    if (f == NULL) return 0;
    fclose(f);
  }
  if (qk_model_load_file(path, QK_ISA_AUTO, &model) != QK_OK) {
    Expect(0, "load mnist_int8io");
    fprintf(stderr, "  %s\n", qk_last_error());
    return 1;
  }
  for (op = 0; op < qk_model_num_ops(model); ++op) {
    qk_op_info info;
    qk_tensor_info in, filter, out;
    int32_t m0 = 0;
    int shift = 0;
    double scale;
    if (qk_model_op_info(model, op, &info) != QK_OK || strcmp(info.name, "FULLY_CONNECTED") != 0) {
      continue;
    }
    Expect(qk_model_op_input_info(model, op, 0, &in) == QK_OK, "FC input info");
    Expect(qk_model_op_input_info(model, op, 1, &filter) == QK_OK, "FC filter info");
    Expect(qk_model_op_output_info(model, op, 0, &out) == QK_OK, "FC output info");
    if (dense >= 2) {
      Expect(0, "mnist_int8io has more than two FULLY_CONNECTED operators");
      break;
    }
    scale = qk_effective_scale_per_tensor(in.scale, filter.scale, out.scale);
    qk_quantize_multiplier(scale, QK_ROUNDING_DOUBLE, &m0, &shift);
    printf("FULLY_CONNECTED op %d: scales in %.9g filter %.9g out %.9g -> rule F M0 %ld shift %d\n",
           op, in.scale, filter.scale, out.scale, (long)m0, shift);
    Expect(m0 == kExpectedM0[dense] && shift == kExpectedShift[dense], "rule F (M0, shift)");
    if (dense == 0) {
      qk_quantize_multiplier(qk_effective_scale_per_channel(in.scale, filter.scale, out.scale),
                             QK_ROUNDING_DOUBLE, &m0, &shift);
      printf("  rule D would give M0 %ld shift %d\n", (long)m0, shift);
      Expect(m0 == kRuleDFirstM0 && shift == -11, "rule D differs on the first dense layer");
    }
    ++dense;
  }
  Expect(dense == 2, "two FULLY_CONNECTED operators found");
  qk_model_free(model);
  return 1;
}

/* Scales whose products and quotients are inexact, so a directed mode would change them. */
static const float kScales[][3] = {
    {0.00859287288f, 0.00577438995f, 0.112342522f},
    {0.112342522f, 0.00735390838f, 0.160843194f},
    {0.1f, 0.3f, 0.7f},
    {1.0f / 3.0f, 2.0f / 3.0f, 0.9f},
    {0.0256f, 0.0609f, 0.0005f},
};

static void CheckRoundingModes(void) {
  const int modes[] = {FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
  const char* names[] = {"FE_DOWNWARD", "FE_UPWARD", "FE_TOWARDZERO"};
  const size_t n = sizeof kScales / sizeof kScales[0];
  double d[sizeof kScales / sizeof kScales[0]], f[sizeof kScales / sizeof kScales[0]];
  int32_t m[sizeof kScales / sizeof kScales[0]];
  int sh[sizeof kScales / sizeof kScales[0]];
  size_t i, k;
  int any_differs = 0;
  Expect(fegetround() == FE_TONEAREST, "the test starts in round-to-nearest");
  for (i = 0; i < n; ++i) {
    d[i] = qk_effective_scale_per_channel(kScales[i][0], kScales[i][1], kScales[i][2]);
    f[i] = qk_effective_scale_per_tensor(kScales[i][0], kScales[i][1], kScales[i][2]);
    qk_quantize_multiplier(f[i], QK_ROUNDING_DOUBLE, &m[i], &sh[i]);
  }
  for (k = 0; k < sizeof modes / sizeof modes[0]; ++k) {
    char what[160];
    if (fesetround(modes[k]) != 0) {
      Expect(0, "fesetround failed");
      continue;
    }
    for (i = 0; i < n; ++i) {
      volatile float a = kScales[i][0], b = kScales[i][1], c = kScales[i][2];
      int32_t mm = 0;
      int ss = 0;
      /* The same formulas computed here, in the directed mode, differ for some inputs: the mode
       * really is in effect, and the library really shields its result from it. */
      const double naive = (double)a * (double)b / (double)c;
      any_differs |= naive != d[i];
      snprintf(what, sizeof what, "%s: scales #%d", names[k], (int)i);
      Expect(qk_effective_scale_per_channel(a, b, c) == d[i], what);
      Expect(qk_effective_scale_per_tensor(a, b, c) == f[i], what);
      qk_quantize_multiplier(f[i], QK_ROUNDING_DOUBLE, &mm, &ss);
      Expect(mm == m[i] && ss == sh[i], what);
      Expect(fegetround() == modes[k], "the caller's rounding mode is left in place");
    }
    fesetround(FE_TONEAREST);
  }
  Expect(any_differs, "a directed rounding mode changes the naive formula for some scales");
}

int main(void) {
  const char* shared = getenv("QK_SHARED_DIR");
  const char* require = getenv("QK_REQUIRE_SHARED");
  const int required = require != NULL && strcmp(require, "1") == 0;
  int checked = 0;
  CheckRoundingModes();
  if (shared != NULL && shared[0] != '\0') checked = CheckMnistDenseLayers(shared);
  if (!checked) {
    if (required) {
      Expect(0, "QK_REQUIRE_SHARED=1 but models/mnist_int8io is absent under QK_SHARED_DIR");
    } else {
      printf("QK_SKIP: models/mnist_int8io not found under QK_SHARED_DIR ('%s')\n",
             shared ? shared : "");
    }
  }
  if (g_failures != 0) {
    fprintf(stderr, "%d failure(s)\n", g_failures);
    return 1;
  }
  return 0;
}
