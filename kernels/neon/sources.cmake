# Plain NEON (Armv8.0) kernels, compiled with QK_FLAGS_NEON (-march=armv8-a). They also hold the
# Arm GEMM driver and output stage that the neondot and i8mm levels call.
set(QK_NEON_SOURCES
  gemm_conv_driver__neon.cc
  requantize_row__neon.cc
  qs8_gemm_4x8c8__neon.cc
  dwconv_8c__neon.cc
  qs16x8_conv_c8__neon.cc
  qs16x8_dwconv_4c__neon.cc
  neon_table.cc
)
