# AVX-512 VNNI kernels (compiled with the avx512vnni flags only; see cmake/QkIsa.cmake).
set(QK_AVX512VNNI_SOURCES
  avx512vnni_table.cc
  smallk_conv_8x32c4__avx512vnni.cc
  dwconv_64c4__avx512vnni.cc
  gemm_conv_6x64c4__avx512vnni.cc
  requantize_lanes_avx512vnni.cc
  requantize_rows__avx512vnni.cc
)
