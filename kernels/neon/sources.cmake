# Plain NEON (Armv8.0) kernels, compiled with QK_FLAGS_NEON (-march=armv8-a).
set(QK_NEON_SOURCES
  gemm_conv_4x8c1__neon.cc
  gemm_conv_2x8c16__neon.cc
  gemm_conv_4x4c16__neon.cc
  requantize_lanes_neon.cc
  dwconv_8c1__neon.cc
  qs16x8_gemm_conv_4x8c1__neon.cc
  qs16x8_dwconv_4c1__neon.cc
  neon_table.cc
)
