/* qkernels/model.h from C: the header compiles as C99 with -pedantic, and the calls that need no
 * model file refuse NULL pointers, garbage bytes and enum values that name no enumerator with a
 * status and a message (the shared models run from C in the consumer_* tests). Plain C, no gtest:
 * prints each failure and exits non-zero. */
#include <stdio.h>
#include <string.h>

#include "qkernels/model.h"

static int g_failures = 0;

static void ExpectError(qk_status s, qk_status code, const char* text, const char* what) {
  if (s != code || strstr(qk_last_error(), text) == NULL) {
    ++g_failures;
    fprintf(stderr, "FAIL: %s: status %d, message '%s' (wanted %d, '%s')\n", what, (int)s,
            qk_last_error(), (int)code, text);
  }
}

int main(void) {
  qk_model* model = NULL;
  qk_tensor_info info;
  const char garbage[] = "TFL3 but not really a model";
  int isa_raw = 77;
  qk_isa bad_isa;
  memcpy(&bad_isa, &isa_raw, sizeof bad_isa); /* legal in C: an int in an enum object */
  ExpectError(qk_model_load_file(NULL, QK_ISA_AUTO, &model), QK_INVALID_ARGUMENT, "path",
              "NULL path");
  ExpectError(qk_model_load_file("/no/such/file.tflite", QK_ISA_AUTO, &model), QK_INVALID_ARGUMENT,
              "/no/such/file.tflite", "missing file");
  ExpectError(qk_model_load_buffer(garbage, sizeof garbage, QK_ISA_AUTO, &model),
              QK_INVALID_ARGUMENT, "model: ", "garbage bytes");
  ExpectError(qk_model_load_buffer(garbage, sizeof garbage, bad_isa, &model), QK_ISA_UNAVAILABLE,
              "isa: 77 is not a qk_isa value", "isa 77");
  if (model != NULL) ++g_failures, fprintf(stderr, "FAIL: *out not NULL after a failed load\n");
  ExpectError(qk_model_input_info(NULL, 0, &info), QK_INVALID_ARGUMENT, "model", "NULL model");
  ExpectError(qk_model_invoke(NULL), QK_INVALID_ARGUMENT, "model", "invoke NULL");
  if (strcmp(qk_tensor_type_name(QK_TENSOR_INT8), "int8") != 0) {
    ++g_failures;
    fprintf(stderr, "FAIL: qk_tensor_type_name(QK_TENSOR_INT8)\n");
  }
  qk_model_free(NULL);
  printf("model_api_c_test: %d failures (qkernels %s)\n", g_failures, qk_version());
  return g_failures == 0 ? 0 : 1;
}
