// The row kernels for any CPU: the same source, compiled for the package's default target (SSE2
// on x86-64, where fma() is a library call; NEON on arm64). The reference path of the dispatch.
#include "_CrossCheckKernelsC.h"
#define CCK_LEVEL 0
#define CCK_SUFFIX portable
#include "row_kernels.h"
