// The row kernels (see _CrossCheckKernelsC.h), written once over kernel_math.h and instantiated
// per instruction set by kernels_<isa>.c, which defines CCK_SUFFIX. Each entry point switches on
// the format and on the flags that change the loop (temperature 1 or not, exp argument clamped
// or not, e stored or not) so that every loop is compiled for constants. Loops run over whole
// vectors, two at a time; the vector holding the maximum (excluded from s) and the partial last
// vector are handled apart, with lane masks.
#include "kernel_math.h"

#define CCK_GLUE2(a, b) a##_##b
#define CCK_GLUE(a, b) CCK_GLUE2(a, b)
#define CCK_NAME(name) CCK_GLUE(name, CCK_SUFFIX)

// MARK: Maximum

/// The maximum, the minimum and the first index of the maximum of a Float16/Float row, ignoring
/// NaNs (a NaN makes the sums NaN, and the row is declined then); 0 when the row has a +inf or no
/// finite element (the caller's scalar path applies the limit semantics). The minimum may be −inf
/// (masked classes). Without `find_k`, k = n (no element excluded from the sums).
CCK_INLINE int cck_max_narrow(const int fmt, const void *z, ptrdiff_t n, int find_k, double *m_out, double *min_out,
                              ptrdiff_t *k_out) {
    // Four independent accumulators: with one, each compare-and-blend waits for the previous
    // (latency 4 cycles per 16 elements), which perf showed as 16 % of a softmax.
    cck_vf16 top = -INFINITY, bottom = INFINITY, top1 = -INFINITY, bottom1 = INFINITY;
    cck_vf16 top2 = -INFINITY, bottom2 = INFINITY, top3 = -INFINITY, bottom3 = INFINITY;
    ptrdiff_t i = 0;
#define CCK_MAX_STEP(t, b, at)                      \
    {                                               \
        const cck_vf16 v = cck_load16(fmt, z, at);  \
        t = v > t ? v : t;                          \
        b = v < b ? v : b;                          \
    }
    for (; i + 64 <= n; i += 64) {
        CCK_MAX_STEP(top, bottom, i)
        CCK_MAX_STEP(top1, bottom1, i + 16)
        CCK_MAX_STEP(top2, bottom2, i + 32)
        CCK_MAX_STEP(top3, bottom3, i + 48)
    }
    for (; i + 16 <= n; i += 16) CCK_MAX_STEP(top, bottom, i)
#undef CCK_MAX_STEP
    top1 = top1 > top ? top1 : top;
    top3 = top3 > top2 ? top3 : top2;
    top = top3 > top1 ? top3 : top1;
    bottom1 = bottom1 < bottom ? bottom1 : bottom;
    bottom3 = bottom3 < bottom2 ? bottom3 : bottom2;
    bottom = bottom3 < bottom1 ? bottom3 : bottom1;
    float m = -INFINITY, lowest = INFINITY;
    for (int l = 0; l < 16; l++) {
        m = top[l] > m ? top[l] : m;
        lowest = bottom[l] < lowest ? bottom[l] : lowest;
    }
    for (; i < n; i++) {
        const float v = cck_scalar_narrow(fmt, z, i);
        m = v > m ? v : m;
        lowest = v < lowest ? v : lowest;
    }
    if (m == INFINITY || m == -INFINITY) return 0;
    if (find_k) {
        for (i = 0; i + 16 <= n; i += 16) {
            if (__builtin_reduce_or(cck_load16(fmt, z, i) == m)) break;
        }
        while (cck_scalar_narrow(fmt, z, i) != m) i++;
    } else {
        i = n;
    }
    *m_out = m;
    *min_out = lowest;
    *k_out = i;
    return 1;
}

/// The same for a Double row; 0 unless every element is finite. Without `find_k`, k = n.
CCK_INLINE int cck_max_wide(const double *z, ptrdiff_t n, int find_k, double *m_out, double *min_out, ptrdiff_t *k_out) {
    cck_vd top = -INFINITY, bottom = INFINITY, top1 = -INFINITY, bottom1 = INFINITY;
    cck_vl nan = 0;
    ptrdiff_t i = 0;
#define CCK_MAX_STEP(t, b, at)                                 \
    {                                                          \
        const cck_vd v = cck_load(CCK_FLOAT64, z, at);         \
        t = v > t ? v : t;                                     \
        b = v < b ? v : b;                                     \
        nan |= v != v;                                         \
    }
    for (; i + 16 <= n; i += 16) {  // two accumulators: see cck_max_narrow
        CCK_MAX_STEP(top, bottom, i)
        CCK_MAX_STEP(top1, bottom1, i + 8)
    }
    for (; i + 8 <= n; i += 8) CCK_MAX_STEP(top, bottom, i)
#undef CCK_MAX_STEP
    top = top1 > top ? top1 : top;
    bottom = bottom1 < bottom ? bottom1 : bottom;
    double m = -INFINITY, lowest = INFINITY;
    for (int l = 0; l < 8; l++) {
        m = top[l] > m ? top[l] : m;
        lowest = bottom[l] < lowest ? bottom[l] : lowest;
    }
    int bad = __builtin_reduce_or(nan) != 0;
    for (; i < n; i++) {
        bad |= z[i] != z[i];
        m = z[i] > m ? z[i] : m;
        lowest = z[i] < lowest ? z[i] : lowest;
    }
    if (bad || m == INFINITY || lowest == -INFINITY) return 0;
    if (find_k) {
        for (i = 0; i + 8 <= n; i += 8) {
            if (__builtin_reduce_or(cck_load(CCK_FLOAT64, z, i) == m)) break;
        }
        while (z[i] != m) i++;
    } else {
        i = n;
    }
    *m_out = m;
    *min_out = lowest;
    *k_out = i;
    return 1;
}

/// Elements i ..< i + count (count ≤ 8) as Doubles; lanes from count on hold a copy of element i.
CCK_INLINE cck_vd cck_load_part(const int fmt, const void *z, ptrdiff_t i, ptrdiff_t count) {
    return count == 8 ? cck_load(fmt, z, i) : cck_load_tail(fmt, z, i, count);
}

CCK_INLINE void cck_store_part(const int fmt, void *out, ptrdiff_t i, ptrdiff_t count, cck_vd v) {
    if (count == 8) cck_store(fmt, out, i, v); else cck_store_tail(fmt, out, i, count, v);
}

/// Calls body(i, count, excluded) over the row in vectors of `w` lanes (a power of two): whole
/// vectors two at a time (excluded = −1), the vector holding k (excluded = k − i) and the partial
/// last vector apart (k = n: none excluded).
#define CCK_FOR_LANES(w, n, k, PAIR, ONE)                                                             \
    do {                                                                                              \
        const ptrdiff_t cck_full = (n) & ~(ptrdiff_t)((w) - 1), cck_kv = (k) & ~(ptrdiff_t)((w) - 1); \
        const ptrdiff_t cck_stop = cck_kv < cck_full ? cck_kv : cck_full;                             \
        ptrdiff_t i = 0;                                                                              \
        for (; i + 2 * (w) <= cck_stop; i += 2 * (w)) PAIR;                                           \
        for (; i < cck_stop; i += (w)) ONE(i, (w), -1);                                               \
        if (cck_kv < (n)) ONE(cck_kv, ((n) - cck_kv < (w) ? (n) - cck_kv : (w)), (k) - cck_kv);       \
        for (i = cck_kv + (w); i + 2 * (w) <= cck_full; i += 2 * (w)) PAIR;                           \
        for (; i < cck_full; i += (w)) ONE(i, (w), -1);                                               \
        if (cck_full < (n) && cck_full != cck_kv) ONE(cck_full, (n) - cck_full, -1);                  \
    } while (0)

// MARK: Phase 2 steps (also run inside the next row's phase 1, as its pending job)

/// out_i = e_i·c rounded once: Float16/Float from the Double product (relative error ≤ u plus
/// that of e and c); Double as fma(eh, ch, el·ch + eh·cl) (the addend's error < 2^-104 relative).
CCK_INLINE cck_vd cck_scaled(const int fmt, cck_vd eh, cck_vd el, cck_vd ch, cck_vd cl) {
    return fmt == CCK_FLOAT64 ? cck_fma(eh, ch, cck_fma(el, ch, eh * cl)) : eh * ch;
}

/// x = (z − m)·(1/T) for the Double kernels: z − m exactly (TwoSum), times 1/T in double-double.
CCK_INLINE void cck_shift_wide(const int scaled, cck_vd z, cck_vd m, cck_vd ith, cck_vd itl, cck_vd *xh, cck_vd *xl) {
    cck_vd dh, dl;
    cck_two_sum(z, -m, &dh, &dl);
    if (scaled) {
        cck_dd_mul(dh, dl, ith, itl, xh, xl);
    } else {
        *xh = dh;
        *xl = dl;
    }
}

/// out_i = x_i − L rounded once; x_i ≤ 0 and −L ≤ 0, so nothing cancels: Float16/Float in
/// Double (relative error ≤ 3u plus that of L), Double in double-double (< 2^-100 plus L's).
CCK_INLINE cck_vd cck_shifted(const int fmt, const int scaled, cck_vd zv, cck_vd mv, cck_vd ith, cck_vd itl, cck_vd lh,
                              cck_vd ll) {
    if (fmt == CCK_FLOAT64) {
        cck_vd xh, xl, h, e;
        cck_shift_wide(scaled, zv, mv, ith, itl, &xh, &xl);
        cck_two_sum(xh, -lh, &h, &e);
        return h + (e + (xl - ll));
    }
    cck_vd v = zv - mv;
    if (scaled) v *= ith;
    return v - lh;
}

/// A pending job with its constants broadcast.
typedef struct {
    void *out;
    const double *e_hi, *e_lo;
    const void *z;
    const char *next;
    char *next_out;
    cck_vd ch, cl, m, lh, ll;
} cck_job;

CCK_INLINE cck_job cck_job_make(const cck_pending *p, const cck_pending *hints) {
    cck_job j = {p->out, p->e_hi, p->e_lo, p->z, (const char *)hints->next, (char *)hints->next_out,
                 p->c_hi, p->c_lo, p->m, p->l_hi, p->l_lo};
    return j;
}

/// Prefetches the next row's elements at ..< at + 16 (into L2) and this row's output there (for
/// writing), when given.
CCK_INLINE void cck_prefetch_next(const int fmt, const cck_job *j, ptrdiff_t at) {
    const size_t w = cck_width(fmt);
    if (j->next) {
        __builtin_prefetch(j->next + at * w, 0, 2);
        if (w == 8) __builtin_prefetch(j->next + at * w + 64, 0, 2);
    }
    if (j->next_out) {
        __builtin_prefetch(j->next_out + at * w, 1, 2);
        if (w == 8) __builtin_prefetch(j->next_out + at * w + 64, 1, 2);
    }
}

/// Elements at ..< at + count of a pending job (kind CCK_PENDING_SCALE or _SHIFT). The phase-1
/// loops run the job from the end of the row backwards (segment [i, i + c) of the current row
/// with segment [n − i − c, n − i) of the job): the previous row's stores then never sit at the
/// same offset modulo 4 KiB as the current row's loads (when logits and outputs are laid out
/// alike, that 4K aliasing cost ~40 % with both walking forwards).
CCK_INLINE void cck_job_step(const int fmt, const int kind, const int scaled, const cck_job *j, cck_vd ith, cck_vd itl,
                             ptrdiff_t at, ptrdiff_t count) {
    if (kind == CCK_PENDING_SCALE) {
        const cck_vd eh = cck_load_part(CCK_FLOAT64, j->e_hi, at, count);
        const cck_vd el = fmt == CCK_FLOAT64 && j->e_lo ? cck_load_part(CCK_FLOAT64, j->e_lo, at, count) : (cck_vd)0;
        cck_store_part(fmt, j->out, at, count, cck_scaled(fmt, eh, el, j->ch, j->cl));
    } else if (kind == CCK_PENDING_SHIFT) {
        const cck_vd zv = cck_load_part(fmt, j->z, at, count);
        cck_store_part(fmt, j->out, at, count, cck_shifted(fmt, scaled, zv, j->m, ith, itl, j->lh, j->ll));
    }
}

// MARK: Phase 1: sums

/// Float16/Float: e_i = exp((z_i − m)·(1/T)) in Double; returns 2 (the pending job done) when s is
/// NaN, i.e. the row has a NaN. x carries relative error ≤ 2u (z − m
/// rounded at most once, the product by 1/T and 1/T itself), absolute ≤ 708·2u < 2^-42 wherever
/// e matters. s = Σ_{i≠k} e_i in 16 Double lanes (⌈n/16⌉ terms each): relative error
/// < (n/16)·u ≤ 2^-41 for n ≤ 2^16, < 2^-32 for n ≤ 2^25.
CCK_INLINE int cck_sums_narrow(const int fmt, const int scaled, const int clamp, const int store, const int pend,
                               const void *z, ptrdiff_t n, double m, ptrdiff_t k, double inv_t, double *e_out,
                               const cck_pending *pending, const cck_pending *hints, cck_row_state *state) {
    const cck_vd mv = m, itv = inv_t;
    const cck_job job = cck_job_make(pending, hints);
    cck_vd a0 = 0, a1 = 0;
#define CCK_E(v) cck_exp_narrow(fmt, clamp, scaled ? ((v) - mv) * itv : (v) - mv)
#define CCK_PAIR                                                                                      \
    {                                                                                                 \
        const cck_vd e0 = CCK_E(cck_load(fmt, z, i)), e1 = CCK_E(cck_load(fmt, z, i + 8));            \
        cck_job_step(fmt, pend, scaled, &job, itv, (cck_vd)0, n - i - 8, 8);                                 \
        cck_job_step(fmt, pend, scaled, &job, itv, (cck_vd)0, n - i - 16, 8);                             \
        cck_prefetch_next(fmt, &job, i);                                                             \
        if (store) {                                                                                  \
            cck_store(CCK_FLOAT64, e_out, i, e0);                                                     \
            cck_store(CCK_FLOAT64, e_out, i + 8, e1);                                                 \
        }                                                                                             \
        a0 += e0;                                                                                     \
        a1 += e1;                                                                                     \
    }
#define CCK_ONE(at, count, excluded)                                                                  \
    {                                                                                                 \
        const cck_vd e = CCK_E(cck_load_part(fmt, z, at, count));                                     \
        cck_job_step(fmt, pend, scaled, &job, itv, (cck_vd)0, n - (at) - (count), count);                            \
        if (store) cck_store_part(CCK_FLOAT64, e_out, at, count, e);                                  \
        a0 += cck_keep(e, (cck_lanes < (cck_vl)(count)) & (cck_lanes != (cck_vl)(excluded)));         \
    }
    CCK_FOR_LANES(8, n, k, CCK_PAIR, CCK_ONE);
#undef CCK_ONE
#undef CCK_PAIR
#undef CCK_E
    const cck_vd acc = a0 + a1;
    double s = 0;
    for (int l = 0; l < 8; l++) s += acc[l];
    if (s != s) return 2;  // a NaN logit (e_i = NaN: the clamp and exp propagate it)
    state->k = k < n ? k : -1;
    state->m = m;
    state->s_hi = s;
    state->s_lo = 0;
    return 1;
}

/// Double: e_i = exp(x_i) as hi + lo (hi stored when asked, lo too unless e_lo is NULL); s = Σ_{i≠k} e_i by TwoSum into two sets
/// of 8 lanes, their errors and the lo parts summed apart: each TwoSum error is exact and at most
/// u·(partial sum), so the error sums are off by < (n/16)²·u² relative: s within 2^-56 + 2^-80.
/// Rows with (max − min)/T > 700 return 0 (their exponentials would leave the normal range).
CCK_INLINE int cck_sums_wide(const int scaled, const int store, const int pend, const double *z, ptrdiff_t n, double m,
                             ptrdiff_t k, double inv_t_hi, double inv_t_lo, double *e_hi, double *e_lo,
                             const cck_pending *pending, const cck_pending *hints, cck_row_state *state) {
    const cck_vd mv = m, ith = inv_t_hi, itl = inv_t_lo;
    const cck_job job = cck_job_make(pending, hints);
    cck_vd a0 = 0, a1 = 0, r0 = 0, r1 = 0;
#define CCK_E(v, eh, el)                                                                              \
    cck_vd eh, el;                                                                                    \
    {                                                                                                 \
        cck_vd xh, xl;                                                                                \
        cck_shift_wide(scaled, v, mv, ith, itl, &xh, &xl);                                            \
        cck_exp_wide(xh, xl, &eh, &el);                                                               \
    }
#define CCK_ADD(a, r, eh, el)                                                                         \
    {                                                                                                 \
        cck_vd t;                                                                                     \
        cck_two_sum(a, eh, &a, &t);                                                                   \
        r += t + el;                                                                                  \
    }
#define CCK_PAIR                                                                                      \
    {                                                                                                 \
        CCK_E(cck_load(CCK_FLOAT64, z, i), eh0, el0)                                                  \
        CCK_E(cck_load(CCK_FLOAT64, z, i + 8), eh1, el1)                                              \
        cck_job_step(CCK_FLOAT64, pend, scaled, &job, ith, itl, n - i - 8, 8);                               \
        cck_job_step(CCK_FLOAT64, pend, scaled, &job, ith, itl, n - i - 16, 8);                           \
        cck_prefetch_next(CCK_FLOAT64, &job, i);                                                     \
        if (store) {                                                                                  \
            cck_store(CCK_FLOAT64, e_hi, i, eh0);                                                     \
            if (e_lo) cck_store(CCK_FLOAT64, e_lo, i, el0);                                           \
            cck_store(CCK_FLOAT64, e_hi, i + 8, eh1);                                                 \
            if (e_lo) cck_store(CCK_FLOAT64, e_lo, i + 8, el1);                                       \
        }                                                                                             \
        CCK_ADD(a0, r0, eh0, el0)                                                                     \
        CCK_ADD(a1, r1, eh1, el1)                                                                     \
    }
#define CCK_ONE(at, count, excluded)                                                                  \
    {                                                                                                 \
        CCK_E(cck_load_part(CCK_FLOAT64, z, at, count), eh, el)                                       \
        cck_job_step(CCK_FLOAT64, pend, scaled, &job, ith, itl, n - (at) - (count), count);                          \
        if (store) {                                                                                  \
            cck_store_part(CCK_FLOAT64, e_hi, at, count, eh);                                         \
            if (e_lo) cck_store_part(CCK_FLOAT64, e_lo, at, count, el);                               \
        }                                                                                             \
        const cck_vl keep = (cck_lanes < (cck_vl)(count)) & (cck_lanes != (cck_vl)(excluded));       \
        eh = cck_keep(eh, keep);                                                                      \
        el = cck_keep(el, keep);                                                                      \
        CCK_ADD(a0, r0, eh, el)                                                                       \
    }
    CCK_FOR_LANES(8, n, k, CCK_PAIR, CCK_ONE);
#undef CCK_ONE
#undef CCK_PAIR
#undef CCK_ADD
#undef CCK_E
    double sh = 0, sl = 0;
    for (int l = 0; l < 16; l++) {
        const double v = l < 8 ? a0[l] : a1[l - 8];
        const double a = sh + v, bb = a - sh;
        sl += (sh - (a - bb)) + (v - bb);
        sh = a;
    }
    for (int l = 0; l < 8; l++) sl += r0[l] + r1[l];
    state->k = k < n ? k : -1;
    state->m = m;
    state->s_hi = sh + sl;
    state->s_lo = sl - (state->s_hi - sh);
    return 1;
}

// One function per combination of constants (format, temperature 1 or not, clamp, mode), each
// with one inlined copy of the loop, reached through a table: unoptimized builds keep small stack
// frames, optimized ones get each loop compiled for its constants.
// Modes: 0 sums only, 1 e stored, 2 e stored and a pending scale job, 3 a pending shift job.
#define CCK_MODE_STORE(mode) ((mode) == 1 || (mode) == 2)
#define CCK_MODE_PENDING(mode) ((mode) == 2 ? CCK_PENDING_SCALE : (mode) == 3 ? CCK_PENDING_SHIFT : CCK_PENDING_NONE)

typedef int (*cck_narrow_fn)(const void *, ptrdiff_t, double, ptrdiff_t, double, double *, const cck_pending *,
                             const cck_pending *, cck_row_state *);
typedef int (*cck_wide_fn)(const double *, ptrdiff_t, double, ptrdiff_t, double, double, double *, double *,
                           const cck_pending *, const cck_pending *, cck_row_state *);

#define CCK_NARROW_FN(f, s, c, mode) cck_narrow_##f##s##c##mode
#define CCK_DEFINE_NARROW(f, s, c, mode)                                                              \
    static __attribute__((noinline)) int CCK_NARROW_FN(f, s, c, mode)(                                \
        const void *z, ptrdiff_t n, double m, ptrdiff_t k, double it, double *e, const cck_pending *p,  \
        const cck_pending *hints, cck_row_state *st) {                                                \
        return cck_sums_narrow(f, s, c, CCK_MODE_STORE(mode), CCK_MODE_PENDING(mode), z, n, m, k, it, e, p, hints, st); \
    }
#define CCK_DEFINE_NARROW4(f, s, c)                                                                   \
    CCK_DEFINE_NARROW(f, s, c, 0) CCK_DEFINE_NARROW(f, s, c, 1) CCK_DEFINE_NARROW(f, s, c, 2) CCK_DEFINE_NARROW(f, s, c, 3)
#define CCK_DEFINE_NARROW16(f)                                                                        \
    CCK_DEFINE_NARROW4(f, 0, 0) CCK_DEFINE_NARROW4(f, 0, 1) CCK_DEFINE_NARROW4(f, 1, 0) CCK_DEFINE_NARROW4(f, 1, 1)
CCK_DEFINE_NARROW16(0)
CCK_DEFINE_NARROW16(1)
CCK_DEFINE_NARROW16(3)

#define CCK_NARROW_ROW4(f, s, c)                                                                      \
    {CCK_NARROW_FN(f, s, c, 0), CCK_NARROW_FN(f, s, c, 1), CCK_NARROW_FN(f, s, c, 2), CCK_NARROW_FN(f, s, c, 3)}
#define CCK_NARROW_TABLE(f) {{CCK_NARROW_ROW4(f, 0, 0), CCK_NARROW_ROW4(f, 0, 1)}, {CCK_NARROW_ROW4(f, 1, 0), CCK_NARROW_ROW4(f, 1, 1)}}
/// [narrow format: Float16, Float, bfloat16][scaled][clamp][mode]
static const cck_narrow_fn cck_narrow_table[3][2][2][4] = {CCK_NARROW_TABLE(0), CCK_NARROW_TABLE(1), CCK_NARROW_TABLE(3)};

#define CCK_WIDE_FN(s, mode) cck_wide_##s##mode
#define CCK_DEFINE_WIDE(s, mode)                                                                      \
    static __attribute__((noinline)) int CCK_WIDE_FN(s, mode)(                                        \
        const double *z, ptrdiff_t n, double m, ptrdiff_t k, double ith, double itl, double *eh, double *el, \
        const cck_pending *p, const cck_pending *hints, cck_row_state *st) {                          \
        return cck_sums_wide(s, CCK_MODE_STORE(mode), CCK_MODE_PENDING(mode), z, n, m, k, ith, itl, eh, el, p, hints, st); \
    }
CCK_DEFINE_WIDE(0, 0) CCK_DEFINE_WIDE(0, 1) CCK_DEFINE_WIDE(0, 2) CCK_DEFINE_WIDE(0, 3)
CCK_DEFINE_WIDE(1, 0) CCK_DEFINE_WIDE(1, 1) CCK_DEFINE_WIDE(1, 2) CCK_DEFINE_WIDE(1, 3)
/// [scaled][mode]
static const cck_wide_fn cck_wide_table[2][4] = {
    {CCK_WIDE_FN(0, 0), CCK_WIDE_FN(0, 1), CCK_WIDE_FN(0, 2), CCK_WIDE_FN(0, 3)},
    {CCK_WIDE_FN(1, 0), CCK_WIDE_FN(1, 1), CCK_WIDE_FN(1, 2), CCK_WIDE_FN(1, 3)}};

#include "bf16_lanes.h"

void CCK_NAME(cck_row_finish)(int format, const cck_pending *pending, ptrdiff_t n, double inv_t_hi, double inv_t_lo);

int CCK_NAME(cck_row_sums)(int format, const void *z, ptrdiff_t n, double inv_t_hi, double inv_t_lo, double *e_hi,
                           double *e_lo, const cck_pending *pending, cck_row_state *state) {
    const int scaled = inv_t_hi != 1.0 || inv_t_lo != 0.0;
    const int store = e_hi != NULL;
    double m, lowest = 0;
    ptrdiff_t k;
    int ok;
    const int find_k = !(pending && pending->sum_all);
    const int float_lanes = format == CCK_BFLOAT16 && cck_bf16_float_lanes(inv_t_hi);
    state->float_lanes = 0;
    if (format == CCK_FLOAT64) {
        ok = cck_max_wide(z, n, find_k, &m, &lowest, &k) && (m - lowest) * inv_t_hi <= 700;
    } else if (float_lanes) {
        ok = cck_max_bf16(z, n, find_k, &m, &k);
    } else {
        ok = cck_max_narrow(format, z, n, find_k, &m, &lowest, &k);
    }
    if (!ok) return 0;
    const cck_pending none = {0};
    const cck_pending *hints = pending ? pending : &none;
    int kind = pending ? pending->kind : CCK_PENDING_NONE;
    if ((kind == CCK_PENDING_SCALE && !store) || (kind == CCK_PENDING_SHIFT && store) ||
        (kind != CCK_PENDING_NONE && pending->float_lanes != float_lanes)) {
        // A combination the fused loops do not cover: do the job first.
        CCK_NAME(cck_row_finish)(format, pending, n, inv_t_hi, inv_t_lo);
        kind = CCK_PENDING_NONE;
    }
    if (!pending || kind == CCK_PENDING_NONE) pending = &none;
    const int mode = kind == CCK_PENDING_SCALE ? 2 : kind == CCK_PENDING_SHIFT ? 3 : store ? 1 : 0;
    if (format == CCK_FLOAT64) {
        return cck_wide_table[scaled][mode](z, n, m, k, inv_t_hi, inv_t_lo, e_hi, e_lo, pending, hints, state);
    }
    if (float_lanes) {
        return cck_bf16_table[scaled][mode](z, n, (float)m, k, (float)inv_t_hi, (float *)e_hi, pending, hints, state);
    }
    const int clamp = !((m - lowest) * inv_t_hi <= 700);
    const int narrow = format == CCK_FLOAT32 ? 1 : format == CCK_BFLOAT16 ? 2 : 0;
    return cck_narrow_table[narrow][scaled][clamp][mode](z, n, m, k, inv_t_hi, e_hi, pending, hints, state);
}

// MARK: Phase 2 on its own

CCK_INLINE void cck_scale(const int fmt, const double *e_hi, const double *e_lo, ptrdiff_t n, double c_hi, double c_lo,
                          void *out) {
    const cck_vd ch = c_hi, cl = c_lo;
    ptrdiff_t i = 0;
#define CCK_LO(at, count) (fmt == CCK_FLOAT64 && e_lo ? cck_load_part(CCK_FLOAT64, e_lo, at, count) : (cck_vd)0)
    for (; i + 8 <= n; i += 8) {
        cck_store(fmt, out, i, cck_scaled(fmt, cck_load(CCK_FLOAT64, e_hi, i), CCK_LO(i, 8), ch, cl));
    }
    if (i < n) {
        cck_store_tail(fmt, out, i, n - i, cck_scaled(fmt, cck_load_tail(CCK_FLOAT64, e_hi, i, n - i), CCK_LO(i, n - i), ch, cl));
    }
#undef CCK_LO
}

static void cck_row_scale(int format, const double *e_hi, const double *e_lo, ptrdiff_t n, double c_hi, double c_lo,
                          void *out) {
    switch (format) {
    case CCK_FLOAT16: cck_scale(CCK_FLOAT16, e_hi, e_lo, n, c_hi, c_lo, out); break;
    case CCK_FLOAT32: cck_scale(CCK_FLOAT32, e_hi, e_lo, n, c_hi, c_lo, out); break;
    case CCK_BFLOAT16: cck_scale(CCK_BFLOAT16, e_hi, e_lo, n, c_hi, c_lo, out); break;
    default: cck_scale(CCK_FLOAT64, e_hi, e_lo, n, c_hi, c_lo, out); break;
    }
}

CCK_INLINE void cck_shift(const int fmt, const int scaled, const void *z, ptrdiff_t n, double m, double inv_t_hi,
                          double inv_t_lo, double l_hi, double l_lo, void *out) {
    const cck_vd mv = m, ith = inv_t_hi, itl = inv_t_lo, lh = l_hi, ll = l_lo;
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
        cck_store(fmt, out, i, cck_shifted(fmt, scaled, cck_load(fmt, z, i), mv, ith, itl, lh, ll));
    }
    if (i < n) {
        cck_store_tail(fmt, out, i, n - i, cck_shifted(fmt, scaled, cck_load_tail(fmt, z, i, n - i), mv, ith, itl, lh, ll));
    }
}

static void cck_row_shift(int format, const void *z, ptrdiff_t n, double m, double inv_t_hi, double inv_t_lo,
                          double l_hi, double l_lo, void *out) {
    const int scaled = inv_t_hi != 1.0 || inv_t_lo != 0.0;
#define CCK_SHIFT(fmt)                                                                                \
    if (scaled) cck_shift(fmt, 1, z, n, m, inv_t_hi, inv_t_lo, l_hi, l_lo, out);                     \
    else cck_shift(fmt, 0, z, n, m, inv_t_hi, inv_t_lo, l_hi, l_lo, out);                            \
    break;
    switch (format) {
    case CCK_FLOAT16: CCK_SHIFT(CCK_FLOAT16)
    case CCK_FLOAT32: CCK_SHIFT(CCK_FLOAT32)
    case CCK_BFLOAT16: CCK_SHIFT(CCK_BFLOAT16)
    default: CCK_SHIFT(CCK_FLOAT64)
    }
#undef CCK_SHIFT
}

void CCK_NAME(cck_row_finish)(int format, const cck_pending *pending, ptrdiff_t n, double inv_t_hi, double inv_t_lo) {
    const int scaled = inv_t_hi != 1.0 || inv_t_lo != 0.0;
    if (pending->float_lanes) {
        if (scaled) cck_bf16_job_run(1, pending, n, (float)inv_t_hi); else cck_bf16_job_run(0, pending, n, (float)inv_t_hi);
    } else if (pending->kind == CCK_PENDING_SCALE) {
        cck_row_scale(format, pending->e_hi, pending->e_lo, n, pending->c_hi, pending->c_lo, pending->out);
    } else if (pending->kind == CCK_PENDING_SHIFT) {
        cck_row_shift(format, pending->z, n, pending->m, inv_t_hi, inv_t_lo, pending->l_hi, pending->l_lo,
                                pending->out);
    }
}

// MARK: Conversion

CCK_INLINE void cck_convert_loop(const int from, const int to, const void *src, ptrdiff_t n, void *dst) {
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) cck_store(to, dst, i, cck_load(from, src, i));
    if (i < n) cck_store_tail(to, dst, i, n - i, cck_load_tail(from, src, i, n - i));
}

void CCK_NAME(cck_convert)(int from, int to, const void *src, ptrdiff_t n, void *dst) {
#define CCK_CONVERT_TO(f)                                                                             \
    switch (to) {                                                                                     \
    case CCK_FLOAT16: cck_convert_loop(f, CCK_FLOAT16, src, n, dst); break;                           \
    case CCK_FLOAT32: cck_convert_loop(f, CCK_FLOAT32, src, n, dst); break;                           \
    case CCK_BFLOAT16: cck_convert_loop(f, CCK_BFLOAT16, src, n, dst); break;                         \
    default: cck_convert_loop(f, CCK_FLOAT64, src, n, dst); break;                                    \
    }                                                                                                 \
    break;
    switch (from) {
    case CCK_FLOAT16: CCK_CONVERT_TO(CCK_FLOAT16)
    case CCK_FLOAT32: CCK_CONVERT_TO(CCK_FLOAT32)
    case CCK_BFLOAT16: CCK_CONVERT_TO(CCK_BFLOAT16)
    default: CCK_CONVERT_TO(CCK_FLOAT64)
    }
#undef CCK_CONVERT_TO
}
