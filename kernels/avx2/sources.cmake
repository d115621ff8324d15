# AVX2 kernels (compiled with -mavx2 -mfma only; see cmake/QkIsa.cmake).
set(QK_AVX2_SOURCES
  avx2_table.cc
  conv_gemm_avx2.cc
  dwconv_avx2.cc
  fc_gemv_avx2.cc
  gemm_avx2.cc
  gemm16x8_avx2.cc
  requantize_avx2.cc
  requantize_lanes_avx2.cc
  requantize64_avx2.cc
)
