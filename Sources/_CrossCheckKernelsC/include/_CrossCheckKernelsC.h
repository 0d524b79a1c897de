// Vector row kernels of the softmax family, behind CrossCheckKernels (Swift). Not a public API.
//
// One row of n logits z (Float16, bfloat16, Float or Double storage) at temperature T is evaluated in two
// phases around the exact shift x_i = (z_i - m)/T, m = max z, k = first index of m:
//   cck_row_sums   max, argmax, e_i = exp(x_i) (optionally stored) and s = sum_{i != k} e_i;
//   phase 2        out_i = e_i * c  (the scale job; softmax: c = 1/S, S = 1 + s; CE gradient:
//                  c = g/(S*T)) or out_i = x_i - L  (the shift job; log_softmax: L = log1p(s)),
//                  queued as a cck_pending and run inside the next row's cck_row_sums, or by
//                  cck_row_finish after the last row.
// The scalar work between the phases (log1p, 1/S, the target class) is done by the caller, in
// Double for Float16/Float and in double-double for Double (see FastRows.swift).
//
// Arithmetic and error bounds (u = 2^-53), proved in kernel_math.h and row_kernels.h. A result
// whose value before its one final rounding is within relative error 2^-p of the exact value
// (p = 11, 24, 53 the format's precision; below the normal range, within 2^-p times the least
// normal) rounds to the correctly rounded result or a neighbour of it: at most 1 ulp away.
//   Float16, Float  computed in Double: exp with relative error < 2^-42 for Float (degree-5
//                   polynomial on |r| <= ln2/32 after a 16-entry table; degree 3, < 2^-27.5, for
//                   Float16), sums in Double lanes, one final rounding: every result before it
//                   within about 2^-41 + n 2^-53 relative (n classes; 2^-27 for Float16), far
//                   inside the 2^-24 (2^-11) budget. Float16 is rounded by round-to-odd to Float
//                   and then to Float16: the correct rounding of the Double value.
//   bfloat16        at 2^-100 <= 1/T <= 2^8 in 16 Float lanes (bf16_lanes.h): exp of degree 5
//                   in Float, e_i stored as Floats prescaled by 2^64, sums flushed into Double
//                   every 16 terms, outputs e_i c and x_i - L in Float rounded once to bfloat16:
//                   every result before that rounding within 2^-14.5 relative, 2^-5.5 of the
//                   2^-9 budget. Other temperatures as Float16 (loads are exact 16-bit shifts;
//                   exp of degree 3, < 2^-27.5); stores round to odd at 10 bits in the Double and
//                   then to nearest-even at 8 on the Float bits: the correct rounding of the
//                   Double value (exact in Float for |v| >= 2^-140; below, everything rounds to
//                   ±0 in bfloat16). Either way results are within 1 ulp.
//   Double          computed in double-double pieces: x exact (TwoSum, and a double-double 1/T),
//                   exp(x) = 2^(k/16) (1 + P(r)) as an unevaluated sum hi + lo with relative error
//                   < 2^-56 (0.13 u), S summed with TwoSum per lane; results before the final
//                   rounding within 0.3 u relative: at most 1 ulp from the correctly rounded one.
//                   (A caller that keeps only e's rounding for phase 2, as CrossCheckKernels does
//                   for rows over 8192 classes, gets 1.26 u: at most 2 ulp, the Double target.)
// A row the vector path does not cover returns 0 or 2 from cck_row_sums and is evaluated by the
// caller's exact scalar path: a NaN or +inf logit, no finite logit, and for Double also a -inf
// logit or a spread (max - min)/T above 700 (where exp would leave the normal range).
//
// Instruction sets: AVX-512 (F, DQ, VL, BW), AVX2 + FMA + F16C, and portable C (any CPU), chosen
// at run time from the CPU (override: environment CROSSCHECK_KERNELS_ISA=avx512|avx2|portable,
// or cck_isa_force). All three compute the same formulas and give the same bits (tested). The
// portable build is the slow one on x86-64 without those extensions: fma() and Float16
// conversions are library calls there (exact, one per element); on arm64 it is NEON with FMA.
#ifndef CROSSCHECK_KERNELS_C_H
#define CROSSCHECK_KERNELS_C_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Storage formats of the logits and outputs.
enum { CCK_FLOAT16 = 0, CCK_FLOAT32 = 1, CCK_FLOAT64 = 2, CCK_BFLOAT16 = 3 };

/// Instruction-set levels.
enum { CCK_ISA_PORTABLE = 0, CCK_ISA_AVX2 = 1, CCK_ISA_AVX512 = 2 };

/// What cck_row_sums finds in a row.
typedef struct {
    /// First index of the maximum.
    ptrdiff_t k;
    /// The maximum, as a Double (exact).
    double m;
    /// s = sum over i != k of exp(x_i), as hi + lo (lo = 0 for Float16 and Float).
    double s_hi, s_lo;
    /// 1 when the row was computed in Float lanes (bfloat16 at 2^-100 <= 1/T <= 2^8): e_i is then
    /// stored as Floats e_i * 2^64 (never subnormal) in the e_hi buffer.
    int float_lanes;
} cck_row_state;

/// 1 when this CPU (and OS) can run the level.
int cck_isa_supported(int isa);
/// The level in use.
int cck_isa_active(void);
/// Use `isa` from now on (ignored when unsupported); -1 returns to the automatic choice.
void cck_isa_force(int isa);

/// Work left from the previous row of a batch, done inside the next row's phase-1 loop so that
/// its stores overlap that row's arithmetic (both rows have n elements).
enum { CCK_PENDING_NONE = 0, CCK_PENDING_SCALE = 1, CCK_PENDING_SHIFT = 2 };
typedef struct {
    /// CCK_PENDING_NONE, CCK_PENDING_SCALE (out_i = e_i * (c_hi + c_lo), rounded once to the format)
    /// or CCK_PENDING_SHIFT (out_i = (z_i - m) * (1/T) - (l_hi + l_lo), rounded once).
    int kind;
    void *out;
    /// The scale job: e and c.
    const double *e_hi, *e_lo;
    double c_hi, c_lo;
    /// The shift job: the row's logits, maximum and L (1/T is the current row's).
    const void *z;
    double m, l_hi, l_lo;
    /// The next row's logits (any kind, NULL for none): prefetched into L2 during this row's loop,
    /// so that the next row's first pass does not wait on memory (hardware prefetchers stop at
    /// page boundaries, and a row of 1024 Floats is a page).
    const void *next;
    /// This row's output, to be written during the next row: prefetched for writing (NULL: none).
    void *next_out;
    /// 1: s sums every e_i, the maximum's e_k = 1 included, and k is not looked for (state->k =
    /// -1): softmax needs only S = 1 + s and saves the search. 0: s excludes e_k (log1p(s) keeps
    /// its relative accuracy when s is tiny).
    int sum_all;
    /// The job's row was computed in Float lanes (its cck_row_state.float_lanes).
    int float_lanes;
} cck_pending;

/// Phase 1: returns 1 and fills `state` (and e_i into e_hi, e_lo when not NULL; e_lo only for
/// Double, and optional there: without it e_i is its rounding hi, error u/2, and e_i·c stays
/// within 0.8u before its rounding, inside the 1-ulp budget), having done `pending` (when not NULL), when the row is on the vector path. Otherwise
/// the caller must use its scalar path for this row: 0 means nothing was done (the caller does
/// `pending` itself), 2 that `pending` was done before a NaN logit showed (Float16/Float find
/// NaNs through their sums). inv_t_hi + inv_t_lo = 1/T (double-double; only inv_t_hi is used for
/// Float16 and Float).
int cck_row_sums(int format, const void *z, ptrdiff_t n, double inv_t_hi, double inv_t_lo,
                 double *e_hi, double *e_lo, const cck_pending *pending, cck_row_state *state);

/// Phase 2 on its own: does a pending job (either kind, either lanes; 1/T is the job's row's).
void cck_row_finish(int format, const cck_pending *pending, ptrdiff_t n, double inv_t_hi, double inv_t_lo);
/// dst_i = src_i converted from format `from` to format `to`, each value rounded once (exact when
/// `to` holds every value of `from`, as for the widenings Float16, bfloat16 -> Float -> Double).
void cck_convert(int from, int to, const void *src, ptrdiff_t n, void *dst);

#ifdef __cplusplus
}
#endif

#endif
