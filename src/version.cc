// qk_version(): the version the library was built as (the headers say theirs in
// QKERNELS_VERSION_STRING; a program can compare the two).
#include "qkernels/qkernels.h"

extern "C" const char* qk_version(void) { return QKERNELS_VERSION_STRING; }
