# Armv8.2 dotprod kernels, compiled with QK_FLAGS_NEONDOT (-march=armv8.2-a+dotprod).
set(QK_NEONDOT_SOURCES
  gemm_conv_4x16c4__neondot.cc
  gemv_1x4c16__neondot.cc
  neondot_table.cc
)
