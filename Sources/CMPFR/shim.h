// The tiny inline shim between Swift and MPFR/GMP.
// stdio.h must come first: some MPFR declarations depend on FILE.
// Only what Swift cannot import directly (macros, variadic functions) is
// wrapped here; everything else is called straight from Swift.
#ifndef CROSSCHECK_CMPFR_SHIM_H
#define CROSSCHECK_CMPFR_SHIM_H

#include <stdio.h>
#include <gmp.h>
#include <mpfr.h>

/// The exponent of a regular (non-zero, finite) MPFR number: x = m * 2^exp, 1/2 <= |m| < 1.
static inline long crosscheck_mpfr_get_exp(mpfr_srcptr x) { return (long)mpfr_get_exp(x); }

/// Largest precision MPFR accepts (MPFR_PREC_MAX is a macro).
static inline long crosscheck_mpfr_prec_max(void) { return (long)MPFR_PREC_MAX; }

/// The sign of a rational (-1, 0, +1): GMP's mpq_sgn is a macro.
static inline int crosscheck_mpq_sgn(mpq_srcptr q) { return mpq_sgn(q); }

#endif
