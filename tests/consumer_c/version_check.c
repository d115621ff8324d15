/* The version three ways: the header's macros, the library's qk_version(), and (printed, for
 * tests/consumer_check.cmake to compare) the CMake package version the project was built from. */
#include <qkernels/qkernels.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  char macros[32];
  snprintf(macros, sizeof macros, "%d.%d.%d", QKERNELS_VERSION_MAJOR, QKERNELS_VERSION_MINOR,
           QKERNELS_VERSION_PATCH);
  if (strcmp(macros, QKERNELS_VERSION_STRING) != 0 || strcmp(qk_version(), macros) != 0) {
    fprintf(stderr, "version mismatch: macros %s, string %s, qk_version() %s\n", macros,
            QKERNELS_VERSION_STRING, qk_version());
    return 1;
  }
  printf("qkernels %s\n", qk_version());
  return 0;
}
