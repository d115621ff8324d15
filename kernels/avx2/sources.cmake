# AVX2 kernels (compiled with -mavx2 -mfma only; see cmake/QkIsa.cmake).
set(QK_AVX2_SOURCES
  avx2_table.cc
  dwconv_16c2__avx2.cc
  gemv_1x8c16__avx2.cc
  gemm_conv_6x16c2__avx2.cc
  requantize_avx2.cc
  requantize_lanes_avx2.cc
  requantize64_avx2.cc
  requantize_rows__avx2.cc
)
