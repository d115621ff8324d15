// qkernels: TFLite-exact int8 neural-network kernels (C++ API). Include this one header.
#ifndef QKERNELS_QKERNELS_HPP_
#define QKERNELS_QKERNELS_HPP_

#include "qkernels/isa.h"
#include "qkernels/ops.h"
#include "qkernels/requantize.h"
#include "qkernels/status.h"

#endif  // QKERNELS_QKERNELS_HPP_
