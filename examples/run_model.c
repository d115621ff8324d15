/* run_model MODEL.tflite < IN.bin > OUT.bin: runs a one-input, one-output model on raw bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <qkernels/model.h>

int main(int argc, char** argv) {
  static unsigned char x[1 << 24]; /* inputs below 16 MiB; a wrong size is refused by set_input */
  qk_model* model = NULL;
  qk_tensor_info out = {0};
  if (argc != 2) return fprintf(stderr, "usage: run_model MODEL.tflite < IN.bin > OUT.bin\n"), 2;
  qk_status s = qk_model_load_file(argv[1], QK_ISA_AUTO, &model);
  if (s == QK_OK) s = qk_model_set_input(model, 0, x, fread(x, 1, sizeof x, stdin));
  if (s == QK_OK) s = qk_model_invoke(model);
  if (s == QK_OK) s = qk_model_output_info(model, 0, &out);
  unsigned char* y = malloc(out.bytes + 1);
  if (s == QK_OK) s = qk_model_get_output(model, 0, y, out.bytes);
  if (s == QK_OK) fwrite(y, 1, out.bytes, stdout);
  else fprintf(stderr, "run_model: %s\n", qk_last_error());
  free(y);
  qk_model_free(model);
  return s == QK_OK ? 0 : 1;
}
