// bfloat16 rows in Float lanes (16 per vector): phase 1 (e_i and s), the scale and shift jobs.
// Included by row_kernels.h (once per instruction set); see _CrossCheckKernelsC.h for when a row
// takes this path (cck_bf16_float_lanes) and the error budget.
//
// Error analysis (u = 2^-24; bfloat16 results need a value within 2^-9 relative of the exact one,
// half an ulp at worst, to be at most 1 ulp from the correctly rounded result):
//   x = (z − m)·(1/T)  as (z/2 − m/2)·(2/T): one FMA, which cannot overflow where z − m would
//                      (bfloat16 has Float's range), rounded at most once; 1/T and the product
//                      rounded once each: relative error ≤ 3u; the absolute error |x|·3u ≤ 2^-15.4
//                      for |x| ≤ 104 moves e^x by that relative amount. At T = 1, z − m: where it
//                      overflows to −inf, so does the exact x past every bfloat16 result.
//   e' = e^x·2^64      `cck_exp_bf16`: Taylor degree 5 on |r| ≤ ln2/2 (r⁶/720·√2 < 2^-17.7), Horner
//                      in Float (< 5u): relative error < 2^-17.5. Prescaled by 2^64 so that no e'
//                      with x ≥ −104 is subnormal; x < −104 is raised to −104 (NaN stays NaN): the
//                      true e^x < 2^-150 is then below half the least bfloat16 subnormal 2^-134
//                      for every output e·c with c ≤ 2^16 (softmax: c = 1/S ≤ 1; the CE gradient's
//                      c = g/(S·T) is checked by the caller).
//   s                  Float lanes, each added into Double lanes every 16 terms (< 16u relative):
//                      s within 2^-15.3 relative, whatever n.
//   outputs            e'·(c·2^-64) in Float (c rounded to Float; a c whose scaled value is not a
//                      normal Float is applied in Double), x − L in Float (both ≤ 0: no
//                      cancellation), rounded once to bfloat16 by round-to-nearest-even on the
//                      Float's bits (exact for subnormals, +inf past the largest finite value):
//                      within 2^-14.5 relative before that rounding, 2^-5.5 of the budget.

/// Whether a bfloat16 row at temperature T takes the Float lanes: 2^-100 ≤ 1/T ≤ 2^8, so that 1/T
/// is a normal Float and the CE gradient's c = g/(S·T) stays below 2^16 for g ≤ 2^8 (the clamp of
/// x at −104 then loses nothing). Other temperatures take the Double lanes.
CCK_INLINE int cck_bf16_float_lanes(double inv_t) { return inv_t >= 0x1p-100 && inv_t <= 0x1p8; }

/// bfloat16 elements at ..< at + count (count ≤ 16) as Floats; lanes from count on hold element at.
CCK_INLINE cck_vf16 cck_bf16_load_part(const void *z, ptrdiff_t at, ptrdiff_t count) {
    if (count == 16) return cck_bf16_widen16(z, at);
    uint16_t buffer[16];
    for (ptrdiff_t l = 0; l < 16; l++) buffer[l] = ((const uint16_t *)z)[at + (l < count ? l : 0)];
    return cck_bf16_widen16(buffer, 0);
}

/// Floats at ..< at + count (count ≤ 16); the other lanes are 0.
CCK_INLINE cck_vf16 cck_float_load_part(const float *e, ptrdiff_t at, ptrdiff_t count) {
    cck_vf16 v = 0;
    memcpy(&v, e + at, (size_t)count * sizeof(float));
    return v;
}

CCK_INLINE void cck_float_store_part(float *e, ptrdiff_t at, ptrdiff_t count, cck_vf16 v) {
    memcpy(e + at, &v, (size_t)count * sizeof(float));
}

/// v rounded to bfloat16 (nearest, ties to even) on the Float's bits, stored at ..< at + count.
/// (A signalling NaN would become an infinity; no lane holds a NaN here: rows with NaNs are declined.)
CCK_INLINE void cck_bf16_store_part(void *out, ptrdiff_t at, ptrdiff_t count, cck_vf16 v) {
    cck_vu32x16 b = (cck_vu32x16)v;
    b = (b + 0x7FFF + ((b >> 16) & 1)) >> 16;
    const cck_vu16x16 h = __builtin_convertvector(b, cck_vu16x16);
    memcpy((uint16_t *)out + at, &h, (size_t)count * sizeof(uint16_t));
}

/// e^x·2^64 in Float lanes (see the analysis above). k = round(x/ln2) through the shifter 1.5·2^23;
/// r = x − k·ln2 with ln2 in two parts (k·hi exact: hi has 15 bits, |k| ≤ 150).
CCK_INLINE cck_vf16 cck_exp_bf16(cck_vf16 x) {
    x = x < -104.0f ? (cck_vf16)-104.0f : x;
    const cck_vf16 t = __builtin_elementwise_fma(x, (cck_vf16)0x1.715476p+0f, (cck_vf16)0x1.8p23f);
    const cck_vf16 k = t - 0x1.8p23f;
    cck_vf16 r = __builtin_elementwise_fma(k, (cck_vf16)-0x1.62e4p-1f, x);
    r = __builtin_elementwise_fma(k, (cck_vf16)-0x1.7f7d1cp-20f, r);
    cck_vf16 q = __builtin_elementwise_fma(r, (cck_vf16)(1.0f / 120), (cck_vf16)(1.0f / 24));
    q = __builtin_elementwise_fma(q, r, (cck_vf16)(1.0f / 6));
    q = __builtin_elementwise_fma(q, r, (cck_vf16)0.5f);
    q = __builtin_elementwise_fma(q, r, (cck_vf16)1.0f);
    const cck_vf16 p = __builtin_elementwise_fma(q, r, (cck_vf16)1.0f);
    // t's bits are those of 1.5·2^23 plus k: 2^(k + 64) has the exponent field k + 191 ∈ [41, 191].
    const cck_vi16 scale = ((cck_vi16)t - 0x4B400000 + 191) << 23;
    return p * (cck_vf16)scale;
}

/// A pending job of a bfloat16 row in Float lanes, its constants broadcast.
typedef struct {
    void *out;
    const float *e;
    const void *z;
    const char *next;
    char *next_out;
    /// Scale: c·2^-64, as a Float (`narrow_c`) or a Double.
    cck_vf16 cf;
    cck_vd cd;
    int narrow_c;
    /// Shift: −m/2 and L.
    cck_vf16 half_m, l;
} cck_bf16_job;

CCK_INLINE cck_bf16_job cck_bf16_job_make(const cck_pending *p, const cck_pending *hints) {
    const double c = p->c_hi * 0x1p-64;
    const int narrow_c = c >= 0x1p-126 && c <= 0x1p127;
    cck_bf16_job j = {p->out, (const float *)p->e_hi, p->z, (const char *)hints->next, (char *)hints->next_out,
                      (cck_vf16)(float)c, (cck_vd)c, narrow_c, (cck_vf16)(float)(-0.5 * p->m), (cck_vf16)(float)p->l_hi};
    return j;
}

/// x = (z − m)·(1/T) from −m/2 and 2/T, or z − m at T = 1 (see above).
CCK_INLINE cck_vf16 cck_bf16_shift(const int scaled, cck_vf16 z, cck_vf16 half_m, cck_vf16 twice_it) {
    if (!scaled) return z + 2 * half_m;
    return __builtin_elementwise_fma(z, (cck_vf16)0.5f, half_m) * twice_it;
}

/// Elements at ..< at + count of a pending job (see cck_job_step: the job runs backwards); 2/T.
CCK_INLINE void cck_bf16_job_step(const int kind, const int scaled, const cck_bf16_job *j, cck_vf16 twice_it, ptrdiff_t at,
                                  ptrdiff_t count) {
    if (kind == CCK_PENDING_SCALE) {
        const cck_vf16 e = cck_float_load_part(j->e, at, count);
        if (j->narrow_c) {
            cck_bf16_store_part(j->out, at, count, e * j->cf);
        } else {  // c·2^-64 outside Float's normal range: the product in Double, rounded once
            uint16_t buffer[16];
            cck_store(CCK_BFLOAT16, buffer, 0, __builtin_convertvector(e.lo, cck_vd) * j->cd);
            cck_store(CCK_BFLOAT16, buffer, 8, __builtin_convertvector(e.hi, cck_vd) * j->cd);
            memcpy((uint16_t *)j->out + at, buffer, (size_t)count * sizeof(uint16_t));
        }
    } else if (kind == CCK_PENDING_SHIFT) {
        const cck_vf16 x = cck_bf16_shift(scaled, cck_bf16_load_part(j->z, at, count), j->half_m, twice_it);
        cck_bf16_store_part(j->out, at, count, x - j->l);
    }
}


static const cck_vi16 cck_lanes16 = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/// Phase 1 of a bfloat16 row in Float lanes: e'_i = e^{x_i}·2^64 (stored as Floats when asked),
/// s = Σ_{i≠k} e_i; returns 2 (the pending job done) when s is NaN (a NaN logit).
CCK_INLINE int cck_sums_bf16(const int scaled, const int store, const int pend, const void *z, ptrdiff_t n, float m,
                             ptrdiff_t k, float inv_t, float *e_out, const cck_pending *pending,
                             const cck_pending *hints, cck_row_state *state) {
    const cck_vf16 mv = -0.5f * m, itv = 2 * inv_t;
    const cck_bf16_job job = cck_bf16_job_make(pending, hints);
    cck_vf16 a0 = 0, a1 = 0;
    cck_vd total = 0;
    int terms = 0;
#define CCK_E(v) cck_exp_bf16(cck_bf16_shift(scaled, v, mv, itv))
#define CCK_FLUSH                                                                                     \
    if (++terms == 16) {                                                                              \
        const cck_vf16 a = a0 + a1;                                                                   \
        total += __builtin_convertvector(a.lo, cck_vd) + __builtin_convertvector(a.hi, cck_vd);       \
        a0 = 0;                                                                                       \
        a1 = 0;                                                                                       \
        terms = 0;                                                                                    \
    }
#define CCK_PAIR                                                                                      \
    {                                                                                                 \
        const cck_vf16 e0 = CCK_E(cck_bf16_widen16(z, i)), e1 = CCK_E(cck_bf16_widen16(z, i + 16));   \
        cck_bf16_job_step(pend, scaled, &job, itv, n - i - 16, 16);                                   \
        cck_bf16_job_step(pend, scaled, &job, itv, n - i - 32, 16);                                   \
        if (job.next) __builtin_prefetch(job.next + 2 * i, 0, 2);                                     \
        if (job.next_out) __builtin_prefetch(job.next_out + 2 * i, 1, 2);                             \
        if (store) {                                                                                  \
            memcpy(e_out + i, &e0, sizeof e0);                                                        \
            memcpy(e_out + i + 16, &e1, sizeof e1);                                                   \
        }                                                                                             \
        a0 += e0;                                                                                     \
        a1 += e1;                                                                                     \
        CCK_FLUSH                                                                                     \
    }
#define CCK_ONE(at, count, excluded)                                                                  \
    {                                                                                                 \
        const cck_vf16 e = CCK_E(cck_bf16_load_part(z, at, count));                                  \
        cck_bf16_job_step(pend, scaled, &job, itv, n - (at) - (count), count);                        \
        if (store) cck_float_store_part(e_out, at, count, e);                                         \
        const cck_vi16 keep = (cck_lanes16 < (cck_vi16)(int)(count)) & (cck_lanes16 != (cck_vi16)(int)(excluded)); \
        a0 += (cck_vf16)((cck_vi16)e & keep);                                                         \
        CCK_FLUSH                                                                                     \
    }
    CCK_FOR_LANES(16, n, k, CCK_PAIR, CCK_ONE);
#undef CCK_ONE
#undef CCK_PAIR
#undef CCK_FLUSH
#undef CCK_E
    const cck_vf16 a = a0 + a1;
    total += __builtin_convertvector(a.lo, cck_vd) + __builtin_convertvector(a.hi, cck_vd);
    double s = 0;
    for (int l = 0; l < 8; l++) s += total[l];
    if (s != s) return 2;
    state->k = k < n ? k : -1;
    state->m = m;
    state->s_hi = s * 0x1p-64;
    state->s_lo = 0;
    state->float_lanes = 1;
    return 1;
}

typedef int (*cck_bf16_fn)(const void *, ptrdiff_t, float, ptrdiff_t, float, float *, const cck_pending *,
                           const cck_pending *, cck_row_state *);
#define CCK_BF16_FN(s, mode) cck_bf16_##s##mode
#define CCK_DEFINE_BF16(s, mode)                                                                      \
    static __attribute__((noinline)) int CCK_BF16_FN(s, mode)(                                        \
        const void *z, ptrdiff_t n, float m, ptrdiff_t k, float it, float *e, const cck_pending *p,     \
        const cck_pending *hints, cck_row_state *st) {                                                \
        return cck_sums_bf16(s, CCK_MODE_STORE(mode), CCK_MODE_PENDING(mode), z, n, m, k, it, e, p, hints, st); \
    }
CCK_DEFINE_BF16(0, 0) CCK_DEFINE_BF16(0, 1) CCK_DEFINE_BF16(0, 2) CCK_DEFINE_BF16(0, 3)
CCK_DEFINE_BF16(1, 0) CCK_DEFINE_BF16(1, 1) CCK_DEFINE_BF16(1, 2) CCK_DEFINE_BF16(1, 3)
/// [scaled][mode]
static const cck_bf16_fn cck_bf16_table[2][4] = {
    {CCK_BF16_FN(0, 0), CCK_BF16_FN(0, 1), CCK_BF16_FN(0, 2), CCK_BF16_FN(0, 3)},
    {CCK_BF16_FN(1, 0), CCK_BF16_FN(1, 1), CCK_BF16_FN(1, 2), CCK_BF16_FN(1, 3)}};

/// A pending job of a bfloat16 row in Float lanes, on its own.
CCK_INLINE void cck_bf16_job_run(const int scaled, const cck_pending *p, ptrdiff_t n, float inv_t) {
    const cck_pending none = {0};
    const cck_bf16_job job = cck_bf16_job_make(p, &none);
    const int kind = p->kind;
    const cck_vf16 twice_it = 2 * inv_t;
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16) cck_bf16_job_step(kind, scaled, &job, twice_it, i, 16);
    if (i < n) cck_bf16_job_step(kind, scaled, &job, twice_it, i, n - i);
}

typedef int16_t cck_vs16x32 __attribute__((ext_vector_type(32)));

/// Order-preserving keys of bfloat16 bit patterns: as signed 16-bit integers, with the magnitude
/// bits of negative values flipped, they compare as the values do (−0 below +0; NaNs beyond ±inf).
/// The map is its own inverse.
#define CCK_BF16_KEY(v) ((v) ^ (((v) >> 15) & 0x7FFF))

/// The maximum of a bfloat16 row and the first index of it, as cck_max_narrow (no minimum: the
/// Float lanes do not need it), on the integer keys, 32 per vector; 0 when the maximum is ±inf or
/// a NaN (the caller's scalar path applies the limit semantics). k = n without `find_k`.
CCK_INLINE int cck_max_bf16(const void *z, ptrdiff_t n, int find_k, double *m_out, ptrdiff_t *k_out) {
    cck_vs16x32 top = INT16_MIN, top1 = INT16_MIN;
    ptrdiff_t i = 0;
    for (; i + 64 <= n; i += 64) {
        cck_vs16x32 a, b;
        memcpy(&a, (const int16_t *)z + i, sizeof a);
        memcpy(&b, (const int16_t *)z + i + 32, sizeof b);
        a = CCK_BF16_KEY(a);
        b = CCK_BF16_KEY(b);
        top = a > top ? a : top;
        top1 = b > top1 ? b : top1;
    }
    top = top1 > top ? top1 : top;
    int16_t best = __builtin_reduce_max(top);
    for (; i < n; i++) {
        const int16_t v = ((const int16_t *)z)[i], key = (int16_t)CCK_BF16_KEY(v);
        best = key > best ? key : best;
    }
    const uint32_t bits = (uint32_t)(uint16_t)CCK_BF16_KEY(best) << 16;
    float m;
    memcpy(&m, &bits, sizeof m);
    if (!(m > -INFINITY && m < INFINITY)) return 0;
    if (find_k && m != 0) {  // equal values have equal bits, but for ±0
        const int16_t target = (int16_t)(bits >> 16);
        for (i = 0; i + 32 <= n; i += 32) {
            cck_vs16x32 v;
            memcpy(&v, (const int16_t *)z + i, sizeof v);
            if (__builtin_reduce_or(v == target)) break;
        }
        while (((const int16_t *)z)[i] != target) i++;
    } else if (find_k) {
        i = 0;
        while (cck_scalar_narrow(CCK_BFLOAT16, z, i) != m) i++;
    } else {
        i = n;
    }
    *m_out = m;
    *k_out = i;
    return 1;
}
