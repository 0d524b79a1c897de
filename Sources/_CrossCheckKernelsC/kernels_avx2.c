// The row kernels for AVX2 with FMA and F16C: 8 Doubles in two ymm registers, 2^(j/16) by gather.
// Selected at run time (dispatch.c); compiled for x86-64 only.
#include "_CrossCheckKernelsC.h"
#if defined(__x86_64__)
#include <immintrin.h>
#define CCK_LEVEL 1
#define CCK_SUFFIX avx2
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#include "row_kernels.h"
#pragma clang attribute pop
#endif
