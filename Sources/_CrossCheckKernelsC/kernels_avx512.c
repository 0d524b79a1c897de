// The row kernels for AVX-512 (F, DQ, VL, BW) with FMA and F16C: 8 Doubles per zmm register,
// 2^(j/16) from a two-register permute. Selected at run time (dispatch.c); compiled for x86-64 only.
#include "_CrossCheckKernelsC.h"
#if defined(__x86_64__)
#include <immintrin.h>
#define CCK_LEVEL 2
#define CCK_SUFFIX avx512
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,f16c"))), apply_to = function)
#include "row_kernels.h"
#pragma clang attribute pop
#endif
