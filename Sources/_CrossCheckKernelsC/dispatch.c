// Run-time choice of the instruction set for the row kernels: the best level this CPU and OS run
// (__builtin_cpu_supports checks the OS's register state too), unless the environment variable
// CROSSCHECK_KERNELS_ISA (avx512, avx2, portable) or cck_isa_force says otherwise.
#include "_CrossCheckKernelsC.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CCK_DECLARE(suffix)                                                                              \
    int cck_row_sums_##suffix(int, const void *, ptrdiff_t, double, double, double *, double *,         \
                              const cck_pending *, cck_row_state *);                                   \
    void cck_row_finish_##suffix(int, const cck_pending *, ptrdiff_t, double, double);                   \
    void cck_convert_##suffix(int, int, const void *, ptrdiff_t, void *);
CCK_DECLARE(portable)
#if defined(__x86_64__)
CCK_DECLARE(avx512)
CCK_DECLARE(avx2)
#endif

int cck_isa_supported(int isa) {
    switch (isa) {
    case CCK_ISA_PORTABLE: return 1;
#if defined(__x86_64__)
    case CCK_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    case CCK_ISA_AVX512:
        __builtin_cpu_init();
        return cck_isa_supported(CCK_ISA_AVX2) && __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512bw");
#endif
    default: return 0;
    }
}

static _Atomic int cck_active = -1;

static int cck_best(void) {
    const char *name = getenv("CROSSCHECK_KERNELS_ISA");
    if (name) {
        int wanted = strcmp(name, "avx512") == 0 ? CCK_ISA_AVX512
                   : strcmp(name, "avx2") == 0   ? CCK_ISA_AVX2
                   : strcmp(name, "portable") == 0 ? CCK_ISA_PORTABLE : -1;
        if (wanted >= 0 && cck_isa_supported(wanted)) return wanted;
    }
    for (int isa = CCK_ISA_AVX512; isa > CCK_ISA_PORTABLE; isa--) {
        if (cck_isa_supported(isa)) return isa;
    }
    return CCK_ISA_PORTABLE;
}

int cck_isa_active(void) {
    int isa = atomic_load_explicit(&cck_active, memory_order_relaxed);
    if (isa < 0) {
        isa = cck_best();
        atomic_store_explicit(&cck_active, isa, memory_order_relaxed);
    }
    return isa;
}

void cck_isa_force(int isa) {
    if (isa < 0) {
        atomic_store_explicit(&cck_active, cck_best(), memory_order_relaxed);
    } else if (cck_isa_supported(isa)) {
        atomic_store_explicit(&cck_active, isa, memory_order_relaxed);
    }
}

#if defined(__x86_64__)
#define CCK_DISPATCH(call)                                   \
    switch (cck_isa_active()) {                              \
    case CCK_ISA_AVX512: return call##_avx512 CCK_ARGS;      \
    case CCK_ISA_AVX2: return call##_avx2 CCK_ARGS;          \
    default: return call##_portable CCK_ARGS;                \
    }
#else
#define CCK_DISPATCH(call) return call##_portable CCK_ARGS;
#endif

int cck_row_sums(int format, const void *z, ptrdiff_t n, double inv_t_hi, double inv_t_lo, double *e_hi,
                 double *e_lo, const cck_pending *pending, cck_row_state *state) {
#define CCK_ARGS (format, z, n, inv_t_hi, inv_t_lo, e_hi, e_lo, pending, state)
    CCK_DISPATCH(cck_row_sums)
#undef CCK_ARGS
}

void cck_row_finish(int format, const cck_pending *pending, ptrdiff_t n, double inv_t_hi, double inv_t_lo) {
#define CCK_ARGS (format, pending, n, inv_t_hi, inv_t_lo)
    CCK_DISPATCH(cck_row_finish)
#undef CCK_ARGS
}

void cck_convert(int from, int to, const void *src, ptrdiff_t n, void *dst) {
#define CCK_ARGS (from, to, src, n, dst)
    CCK_DISPATCH(cck_convert)
#undef CCK_ARGS
}
