/* qkernels: the version of these headers. The build reads it from here (CMakeLists.txt), so the
 * CMake package version, the pkg-config files and qk_version() all follow these three numbers. */
#ifndef QKERNELS_VERSION_H_
#define QKERNELS_VERSION_H_

#define QKERNELS_VERSION_MAJOR 0
#define QKERNELS_VERSION_MINOR 1
#define QKERNELS_VERSION_PATCH 0

#define QKERNELS_VERSION_STR_(x) #x
#define QKERNELS_VERSION_XSTR_(x) QKERNELS_VERSION_STR_(x)
/* "MAJOR.MINOR.PATCH" */
#define QKERNELS_VERSION_STRING                                                    \
  QKERNELS_VERSION_XSTR_(QKERNELS_VERSION_MAJOR) "." QKERNELS_VERSION_XSTR_(       \
      QKERNELS_VERSION_MINOR) "." QKERNELS_VERSION_XSTR_(QKERNELS_VERSION_PATCH)

#endif /* QKERNELS_VERSION_H_ */
