// Vector arithmetic of the row kernels: 8-lane Double vectors (clang extended vectors, lowered to
// one zmm, two ymm or four xmm registers by the target of the including file), loads and stores
// of every format, exp in two accuracies, and double-double pieces.
//
// Included once per instruction set by kernels_<isa>.c, inside a `#pragma clang attribute` that
// gives every function here that file's target; CCK_LEVEL (0 portable, 1 AVX2, 2 AVX-512) selects
// the table lookup. Everything is `static inline` and always inlined: no vector crosses a call.
#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __OPTIMIZE__
#define CCK_INLINE static inline __attribute__((always_inline))
#else
// Unoptimized builds (swift build's debug configuration) call the helpers instead: inlining every
// variant there would need stack frames of hundreds of KiB.
#define CCK_INLINE static inline
#endif

// Vectors cross calls only between functions of one file, all compiled for the same target (and
// only in unoptimized builds), so the ABI of 512-bit arguments is moot.
#pragma clang diagnostic ignored "-Wpsabi"

typedef double cck_vd __attribute__((ext_vector_type(8)));
typedef int64_t cck_vl __attribute__((ext_vector_type(8)));
typedef int64_t cck_vl4 __attribute__((ext_vector_type(4)));
typedef float cck_vf __attribute__((ext_vector_type(8)));
typedef float cck_vf16 __attribute__((ext_vector_type(16)));
typedef int32_t cck_vi16 __attribute__((ext_vector_type(16)));
typedef _Float16 cck_vh __attribute__((ext_vector_type(8)));
typedef _Float16 cck_vh16 __attribute__((ext_vector_type(16)));
typedef uint16_t cck_vu16 __attribute__((ext_vector_type(8)));
typedef uint32_t cck_vu32 __attribute__((ext_vector_type(8)));
typedef uint16_t cck_vu16x16 __attribute__((ext_vector_type(16)));
typedef uint32_t cck_vu32x16 __attribute__((ext_vector_type(16)));

static const cck_vl cck_lanes = {0, 1, 2, 3, 4, 5, 6, 7};

CCK_INLINE cck_vd cck_fma(cck_vd a, cck_vd b, cck_vd c) { return __builtin_elementwise_fma(a, b, c); }

/// Lanes where `keep` is all ones, zero elsewhere.
CCK_INLINE cck_vd cck_keep(cck_vd v, cck_vl keep) { return (cck_vd)((cck_vl)v & keep); }

// MARK: Loads and stores (every conversion exact, except the final rounding of a store)

/// bfloat16 elements i ..< i + 8 as Floats: each 16-bit pattern shifted into the high half (exact).
CCK_INLINE cck_vf cck_bf16_widen(const void *z, ptrdiff_t i) {
    cck_vu16 v;
    memcpy(&v, (const uint16_t *)z + i, sizeof v);
    return (cck_vf)(__builtin_convertvector(v, cck_vu32) << 16);
}

/// The same for 16 elements.
CCK_INLINE cck_vf16 cck_bf16_widen16(const void *z, ptrdiff_t i) {
    cck_vu16x16 v;
    memcpy(&v, (const uint16_t *)z + i, sizeof v);
    return (cck_vf16)(__builtin_convertvector(v, cck_vu32x16) << 16);
}

/// v correctly rounded to bfloat16 (bit patterns). Round-to-odd at 10 bits first: the 43 low
/// bits of the Double significand are dropped (toward zero: sign and magnitude) and bit 43 set
/// when any was 1; Float holds that value exactly wherever |v| >= 2^-140 (below, it may round
/// again, but everything there rounds to ±0 in bfloat16, whose least subnormal is 2^-133). Then
/// round to nearest-even at 8 bits on the Float's bits (adding 0x7FFF plus the lowest kept bit
/// carries exactly when the dropped half is above the midpoint or at it with an odd kept part;
/// the carry reaches +inf past the largest finite value). 10 >= 8 + 2, so the two roundings give
/// the correct rounding of v (Boldo–Melquiond). NaN lanes (not produced by the vector path,
/// which declines rows with NaNs) become the quiet NaN of their sign.
CCK_INLINE cck_vu16 cck_bf16_narrow(cck_vd v) {
    const cck_vl dropped = ((cck_vl)1 << 43) - 1;
    cck_vl bits = (cck_vl)v;
    const cck_vl sticky = (bits & dropped) != 0;
    bits = (bits & ~dropped) | (sticky & ((cck_vl)1 << 43));
    const cck_vf f = __builtin_convertvector((cck_vd)bits, cck_vf);
    cck_vu32 b = (cck_vu32)f;
    const cck_vu32 rounded = (b + 0x7FFF + ((b >> 16) & 1)) >> 16;
    const cck_vu32 nan = (b >> 16) | 0x40;
    b = f != f ? nan : rounded;
    return __builtin_convertvector(b, cck_vu16);
}

CCK_INLINE size_t cck_width(const int fmt) { return fmt == CCK_FLOAT64 ? 8 : fmt == CCK_FLOAT32 ? 4 : 2; }

/// Elements i ..< i + 8 of z, as Doubles.
CCK_INLINE cck_vd cck_load(const int fmt, const void *z, ptrdiff_t i) {
    if (fmt == CCK_FLOAT64) {
        cck_vd v;
        memcpy(&v, (const double *)z + i, sizeof v);
        return v;
    } else if (fmt == CCK_FLOAT32) {
        cck_vf v;
        memcpy(&v, (const float *)z + i, sizeof v);
        return __builtin_convertvector(v, cck_vd);
    } else if (fmt == CCK_BFLOAT16) {
        return __builtin_convertvector(cck_bf16_widen(z, i), cck_vd);
    } else {
        cck_vh v;
        memcpy(&v, (const uint16_t *)z + i, sizeof v);
        return __builtin_convertvector(__builtin_convertvector(v, cck_vf), cck_vd);
    }
}

/// The last `count` (< 8) elements from i, the other lanes holding a copy of element i.
CCK_INLINE cck_vd cck_load_tail(const int fmt, const void *z, ptrdiff_t i, ptrdiff_t count) {
    const size_t w = cck_width(fmt);
    unsigned char buffer[64];
    for (ptrdiff_t l = 0; l < 8; l++) memcpy(buffer + l * w, (const char *)z + (i + (l < count ? l : 0)) * w, w);
    return cck_load(fmt, buffer, 0);
}

/// v rounded to Float's 24 bits by round-to-odd: the 29 bits Double has beyond them are dropped
/// (toward zero: the bits are sign and magnitude) and the last kept bit is set when any was 1.
/// The result is a Float (its conversion is exact) wherever Float16 has values; for |v| < 2⁻¹²⁶
/// it may round again, but everything there rounds to ±0 in Float16 anyway. Rounding the result
/// to Float16 (11 bits ≤ 24 − 2) gives v correctly rounded to Float16 (Boldo–Melquiond);
/// rounding to nearest twice would not (1 + 2⁻¹¹ + 2⁻³⁰ would become 1).
CCK_INLINE cck_vf cck_round_to_odd_float(cck_vd v) {
    const cck_vl dropped = ((cck_vl)1 << 29) - 1;
    cck_vl bits = (cck_vl)v;
    const cck_vl sticky = (bits & dropped) != 0;  // −1 or 0 per lane
    bits = (bits & ~dropped) | (sticky & ((cck_vl)1 << 29));
    return __builtin_convertvector((cck_vd)bits, cck_vf);
}

/// Rounds v to the format (correctly: Float16 by round-to-odd through Float) and stores it at
/// i ..< i + 8.
CCK_INLINE void cck_store(const int fmt, void *out, ptrdiff_t i, cck_vd v) {
    if (fmt == CCK_FLOAT64) {
        memcpy((double *)out + i, &v, sizeof v);
    } else if (fmt == CCK_FLOAT32) {
        cck_vf f = __builtin_convertvector(v, cck_vf);
        memcpy((float *)out + i, &f, sizeof f);
    } else if (fmt == CCK_BFLOAT16) {
        cck_vu16 h = cck_bf16_narrow(v);
        memcpy((uint16_t *)out + i, &h, sizeof h);
    } else {
        cck_vh h = __builtin_convertvector(cck_round_to_odd_float(v), cck_vh);
        memcpy((uint16_t *)out + i, &h, sizeof h);
    }
}

CCK_INLINE void cck_store_tail(const int fmt, void *out, ptrdiff_t i, ptrdiff_t count, cck_vd v) {
    unsigned char buffer[64];
    cck_store(fmt, buffer, 0, v);
    memcpy((char *)out + i * cck_width(fmt), buffer, (size_t)count * cck_width(fmt));
}

/// Element i as a float (Float16, bfloat16 and Float only).
CCK_INLINE float cck_scalar_narrow(const int fmt, const void *z, ptrdiff_t i) {
    if (fmt == CCK_FLOAT32) return ((const float *)z)[i];
    if (fmt == CCK_BFLOAT16) {
        const uint32_t bits = (uint32_t)((const uint16_t *)z)[i] << 16;
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    _Float16 h;
    memcpy(&h, (const uint16_t *)z + i, sizeof h);
    return (float)h;
}

/// Elements i ..< i + 16 as floats (Float16, bfloat16 and Float only).
CCK_INLINE cck_vf16 cck_load16(const int fmt, const void *z, ptrdiff_t i) {
    if (fmt == CCK_FLOAT32) {
        cck_vf16 v;
        memcpy(&v, (const float *)z + i, sizeof v);
        return v;
    }
    if (fmt == CCK_BFLOAT16) return cck_bf16_widen16(z, i);
    cck_vh16 h;
    memcpy(&h, (const uint16_t *)z + i, sizeof h);
    return __builtin_convertvector(h, cck_vf16);
}

// MARK: exp

// 2^(j/16), j = 0 … 15: the bits of hi = RN(2^(j/16)) minus j << 48 (so that adding k << 48 for
// k = 16q + j gives the bits of 2^q · hi), and the relative error (2^(j/16) − hi)/hi.
static const int64_t cck_exp_table_bits[16] = {
    0x3ff0000000000000, 0x3fefb5586cf9890f, 0x3fef72b83c7d517b, 0x3fef387a6e756238,
    0x3fef06fe0a31b715, 0x3feedea64c123422, 0x3feebfdad5362a27, 0x3feeab07dd485429,
    0x3feea09e667f3bcd, 0x3feea11473eb0187, 0x3feeace5422aa0db, 0x3feec49182a3f090,
    0x3feee89f995ad3ad, 0x3fef199bdd85529c, 0x3fef5818dcfba487, 0x3fefa4afa2a490da};
static const union {
    double values[16];
    int64_t bits[16];
} cck_exp_table_ratio = {{
    0x0.0p+0, 0x1.79aa65d837b6dp-54, -0x1.01b15eaa59348p-55, 0x1.68efde3a8a894p-54,
    0x1.34d754db0abb6p-55, 0x1.59f48a72a4c6dp-55, 0x1.690cebb7aafb0p-56, 0x1.063e1e21c5409p-54,
    -0x1.3b3efbf5e2228p-54, -0x1.b32dcb94da51dp-56, 0x1.db72fc1f0eab4p-55, 0x1.1affc2b91ce27p-56,
    0x1.c1a7792cb3387p-55, 0x1.36eae30af0cb3p-56, 0x1.4a385a63d07a7p-56, -0x1.ff7128fd391f0p-55}};

/// table[index & 15] per lane.
CCK_INLINE cck_vl cck_lookup16(const int64_t *table, cck_vl index) {
#if CCK_LEVEL == 2
    __m512i lo = _mm512_loadu_si512((const void *)table), hi = _mm512_loadu_si512((const void *)(table + 8));
    return (cck_vl)_mm512_permutex2var_epi64(lo, (__m512i)index, hi);
#elif CCK_LEVEL == 1
    cck_vl masked = index & 15;
    cck_vl4 a = (cck_vl4)_mm256_i64gather_epi64((const long long *)table, (__m256i)masked.lo, 8);
    cck_vl4 b = (cck_vl4)_mm256_i64gather_epi64((const long long *)table, (__m256i)masked.hi, 8);
    cck_vl r;
    r.lo = a;
    r.hi = b;
    return r;
#else
    cck_vl r;
    for (int l = 0; l < 8; l++) r[l] = table[index[l] & 15];
    return r;
#endif
}

// Reduction: k = round(16x/ln2) through the shifter 1.5·2^52 (k lands in the low bits of t),
// r = x − k·ln2/16, |r| ≤ ln2/32 + 2^-40, e^x = 2^(k/16)·e^r with 2^(k/16) = 2^⌊k/16⌋·2^(j/16).
static const double cck_shifter = 0x1.8p52;
static const double cck_16_over_ln2 = 0x1.71547652b82fep+4;

/// exp(x) for the Float16/Float kernels. With `clamp`, x < −708 is raised to −708 (the result,
/// ≤ e^-708 < 2^-1021, is then below every Float16/Float output it can reach even after the
/// largest factor g/(S·T) ≤ 2^277); without, the caller guarantees x ≥ −708.
/// Float: relative error < 2^-42. The Taylor polynomial r + r²(1/2 + r/6 + r²/24 + r³/120) errs
/// by r⁶/720 < 2^-42.7 on |r| ≤ ln2/32; the one constant ln2/16 (error < 2^-58) times
/// |k| ≤ 16352 moves r by < 2^-44; the roundings of r, of the table value (2^-53) and of the FMAs
/// stay below 2^-50. Float results need only 2^-24 (see _CrossCheckKernelsC.h); the rest makes a
/// result before its final rounding so close that it rounds correctly unless it lies within
/// about 2^-41 (relative) of a midpoint. (Degree 3, as for Float16, also met Float's 2^-24 budget
/// and was 7–10 % faster, but gave 1-ulp results in several audit cells where degree 5 gives 0.)
/// Float16 and bfloat16: relative error < 2^-27.5, r + r²(c2 + c3 r) fitted at Chebyshev nodes (< 2^-27.7):
/// 2^-16 of Float16's precision, so a result rounds wrongly only within 2^-27 of a midpoint.
/// (r + r²/2, 2^-19.1, turned 0.8 % of exhaustive two-class Float16 results into 1-ulp ones.)
CCK_INLINE cck_vd cck_exp_narrow(const int fmt, const int clamp, cck_vd x) {
    if (clamp) x = x < -708.0 ? (cck_vd)-708.0 : x;  // NaN stays NaN
    const cck_vd t = cck_fma(x, (cck_vd)cck_16_over_ln2, (cck_vd)cck_shifter);
    const cck_vd k = t - cck_shifter;
    const cck_vd r = cck_fma(k, (cck_vd)-0x1.62e42fefa39efp-5, x);
    const cck_vl ki = (cck_vl)t;
    const cck_vd scale = (cck_vd)(cck_lookup16(cck_exp_table_bits, ki) + (ki << 48));
    cck_vd q;
    if (fmt != CCK_FLOAT32) {  // Float16 and bfloat16
        q = cck_fma(r, (cck_vd)0x1.55565bb9e8917p-3, (cck_vd)0x1.000147fde811cp-1);
    } else {
        q = cck_fma(r, (cck_vd)0x1.1111111111111p-7, (cck_vd)0x1.5555555555555p-5);
        q = cck_fma(q, r, (cck_vd)0x1.5555555555555p-3);
        q = cck_fma(q, r, (cck_vd)0.5);
    }
    const cck_vd p = cck_fma(r * r, q, r);
    return cck_fma(scale, p, scale);
}

/// TwoSum: s + e = a + b exactly (Knuth), any magnitudes.
CCK_INLINE void cck_two_sum(cck_vd a, cck_vd b, cck_vd *s, cck_vd *e) {
    const cck_vd sum = a + b;
    const cck_vd bb = sum - a;
    *e = (a - (sum - bb)) + (b - bb);
    *s = sum;
}

/// (ah + al)·(bh + bl) as hi + lo, relative error < 2^-104 (no underflow).
CCK_INLINE void cck_dd_mul(cck_vd ah, cck_vd al, cck_vd bh, cck_vd bl, cck_vd *h, cck_vd *l) {
    const cck_vd p = ah * bh;
    cck_vd e = cck_fma(ah, bh, -p);
    e = cck_fma(ah, bl, cck_fma(al, bh, e));
    *h = p + e;
    *l = e - (*h - p);
}

/// exp(xh + xl) for the Double kernels, −700 ≤ x ≤ 0, as hi + lo with |lo| ≤ ulp(hi)/2 and
/// relative error < 2^-56 (0.13 u):
///   k = round(16xh/ln2); rh = xh − k·C1 is exact (C1 = ln2/16 to 38 bits, |k| < 2^14 so k·C1 is
///   a double, and Sterbenz's lemma applies); rl = xl − k·C2 (C1 + C2 = ln2/16 within 2^-97);
///   r = rh + rl rounded (error ≤ u|r| < 2^-58.5); P(r) = e^r − 1 by the degree-7 polynomial
///   fitted at Chebyshev nodes (< 2^-63.5), evaluated with error < 1.03u|P| < 2^-58.4;
///   2^(j/16) = hi_j(1 + R_j) with R_j from the table, so e^x = 2^q·hi_j·(1 + Q),
///   Q = P + (R_j + R_j·P) (rounding < 2^-58.4); lo = scale·Q exact (a power of two times
///   hi_j·Q ≥ 2^-1074 in magnitude, or below 2^-1074·… where the lost part is < 2^-64 relative);
///   hi + lo renormalized exactly (Fast2Sum). Sum: < 3·2^-58.4 + 2^-63 < 2^-56.
CCK_INLINE void cck_exp_wide(cck_vd xh, cck_vd xl, cck_vd *hi, cck_vd *lo) {
    const cck_vd t = cck_fma(xh, (cck_vd)cck_16_over_ln2, (cck_vd)cck_shifter);
    const cck_vd k = t - cck_shifter;
    const cck_vd rh = cck_fma(k, (cck_vd)-0x1.62e42fefa0000p-5, xh);
    const cck_vd rl = cck_fma(k, (cck_vd)-0x1.cf79abc9e3b3ap-44, xl);
    const cck_vd r = rh + rl;
    cck_vd q = cck_fma(r, (cck_vd)0x1.a01adfc1b2d66p-13, (cck_vd)0x1.6c17bb51f236dp-10);
    q = cck_fma(q, r, (cck_vd)0x1.11111110f662cp-7);
    q = cck_fma(q, r, (cck_vd)0x1.55555555194d2p-5);
    q = cck_fma(q, r, (cck_vd)0x1.5555555555555p-3);
    q = cck_fma(q, r, (cck_vd)0.5);
    const cck_vd p = cck_fma(r * r, q, r);
    const cck_vl ki = (cck_vl)t;
    const cck_vd scale = (cck_vd)(cck_lookup16(cck_exp_table_bits, ki) + (ki << 48));
    const cck_vd ratio = (cck_vd)cck_lookup16(cck_exp_table_ratio.bits, ki);
    const cck_vd q1 = p + cck_fma(ratio, p, ratio);
    const cck_vd small = scale * q1;
    const cck_vd h = scale + small;
    *lo = small - (h - scale);
    *hi = h;
}
