# Armv8.6 i8mm kernels, compiled with QK_FLAGS_I8MM (-march=armv8.6-a+dotprod+i8mm).
set(QK_I8MM_SOURCES
  gemm_conv_4x16c8__i8mm.cc
  i8mm_table.cc
)
