#!/usr/bin/env python3
"""Golden test vectors for CrossCheck, computed with mpmath (no MPFR involved).

Run from the repository root:

    python3 Fixtures/golden/generate_golden.py

It writes one ``<function>.jsonl`` file per function next to this script.  Every
line is ``{"request": {...}, "answer": {"result": ...}}`` where the request is
a protocol request and the answer is the correctly rounded result (round to
nearest, ties to even, into binary16/32/64 including subnormals and overflow).

How the answers are computed
----------------------------
* Inputs are exact format values; the script only ever emits input strings that
  denote such values exactly (Python ``repr``, hex floats, or exact decimals)
  and re-parses every request it writes, asserting exactness.
* Finite, non-exact results are computed with rigorous interval arithmetic
  (``mpmath.libmp.libmpi``: directed rounding for + - * /; exp and log are
  computed 30 bits beyond the working precision and then widened outwards by a
  relative 2^-P as a safety margin).  ``exp`` of arguments below -65536 uses
  the crude but rigorous enclosure 2^floor(1.4427 x) <= e^x <= 2^ceil(1.4426 x).
  The z/T quotients are exact (never rounded to the format).
* Ziv's strategy: at working precision P (64, 128, 256, ...) both ends of each
  enclosure are rounded to the target format by an exact integer rounding
  routine (``round_ratio``).  A result is accepted only when both ends round to
  the same value (same sign of zero); otherwise P is doubled.
* Exact results are computed with ``fractions.Fraction`` and rounded directly:
  p = 1/n when all finite logits are equal, the one-hot p of a single +inf
  logit, sigma(0) = 1/2, sigma(+-inf) in {0, 1}.  An exact zero is +0.
* Expressions are arranged to avoid needless cancellation (e.g. LSE = z_m/T +
  log1p(sum_{j != m} exp(d_j)), 1 - p_m = R/S), which only affects speed: the
  enclosures are rigorous whatever the arrangement.
* The rounding routine is checked at start-up against numpy's float64 ->
  float16/float32 casts and against CPython's correctly rounded int/int
  division for float64.

Limit semantics (non-finite inputs) follow the CrossCheck specification; see
README.md in this directory.  Cases near rounding midpoints are found by random
search (|exact - midpoint| < 1e-3 ulp).  Everything is seeded, so the output is
byte-for-byte reproducible.
"""

import json
import math
import os
import random
import sys
import time
import zlib
from decimal import Decimal
from fractions import Fraction

import numpy as np
from mpmath.libmp import (
    fnan,
    finf,
    fninf,
    fone,
    from_float,
    from_int,
    from_man_exp,
    fzero,
    libmpi,
    mpf_abs,
    mpf_add,
    mpf_exp,
    mpf_log,
    mpf_lt,
    mpf_mul,
    mpf_shift,
    mpf_sub,
    round_ceiling,
    round_floor,
)

SEED = 0x5EED_C0DE
OUT_DIR = os.path.dirname(os.path.abspath(__file__))
INF = float("inf")
NAN = float("nan")

# --------------------------------------------------------------------------
# Formats and exact rounding
# --------------------------------------------------------------------------


class Format:
    """An IEEE binary format: precision p (with the hidden bit), emax."""

    def __init__(self, name, p, emax, np_type):
        self.name = name
        self.p = p
        self.emax = emax
        self.emin = 1 - emax
        self.qmin = self.emin - p + 1  # exponent of the smallest subnormal
        self.qmax = emax - p + 1  # exponent of the ulp in the top binade
        self.np_type = np_type
        self.max_finite = math.ldexp((1 << p) - 1, self.qmax)
        self.min_sub = math.ldexp(1.0, self.qmin)
        self.min_normal = math.ldexp(1.0, self.emin)

    def value(self, x):
        """Nearest format value of the Python float x (numpy cast)."""
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            return float(self.np_type(x))

    def next_up(self, v):
        with np.errstate(over="ignore"):
            return float(np.nextafter(self.np_type(v), self.np_type(INF)))

    def next_down(self, v):
        with np.errstate(over="ignore"):
            return float(np.nextafter(self.np_type(v), self.np_type(-INF)))

    def representable(self, v):
        if not math.isfinite(v):
            return True
        with np.errstate(over="ignore", under="ignore"):
            return float(self.np_type(v)) == v


FORMATS = {
    "float16": Format("float16", 11, 15, np.float16),
    "float32": Format("float32", 24, 127, np.float32),
    "float64": Format("float64", 53, 1023, np.float64),
}


def round_ratio(neg, n, d, fmt):
    """Round (-1)^neg * n/d (n, d positive integers) to fmt, to nearest, ties to even.

    Handles subnormals, underflow to a signed zero, and overflow to a signed
    infinity (max finite + half an ulp, exactly, rounds to infinity).  Returns
    a Python float holding the exact format value.
    """
    e = n.bit_length() - d.bit_length()
    below = (n < (d << e)) if e >= 0 else ((n << -e) < d)
    if below:
        e -= 1
    # now 2^e <= n/d < 2^(e+1)
    if e > fmt.emax:
        return -INF if neg else INF
    if e < fmt.qmin - 1:  # n/d < 2^(qmin-1): below half the smallest subnormal
        return -0.0 if neg else 0.0
    q = max(e - fmt.p + 1, fmt.qmin)
    if q >= 0:
        num, den = n, d << q
    else:
        num, den = n << -q, d
    m, r = divmod(num, den)
    r2 = 2 * r
    if r2 > den or (r2 == den and (m & 1)):
        m += 1
    if m == 0:
        return -0.0 if neg else 0.0
    if q == fmt.qmax and (m >> fmt.p):  # carried past the largest finite value
        return -INF if neg else INF
    v = math.ldexp(m, q)
    return -v if neg else v


def round_fraction(x, fmt):
    """Correctly round an exact rational (Fraction); an exact 0 gives +0."""
    if x == 0:
        return 0.0
    return round_ratio(x < 0, abs(x.numerator), x.denominator, fmt)


def round_mpf(t, fmt):
    """Correctly round a raw mpmath mpf tuple (sign, man, exp, bc)."""
    sign, man, exp, bc = t
    if not man:
        if t == fzero:
            return 0.0
        if t == finf:
            return INF
        if t == fninf:
            return -INF
        return NAN
    e = exp + bc - 1
    if e > fmt.emax:
        return -INF if sign else INF
    if e < fmt.qmin - 1:
        return -0.0 if sign else 0.0
    if exp >= 0:
        return round_ratio(sign, man << exp, 1, fmt)
    return round_ratio(sign, man, 1 << -exp, fmt)


def same_float(a, b):
    """Equality including the sign of zero and NaN == NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def mpf_to_fraction(t):
    sign, man, exp, bc = t
    if not man:
        if t == fzero:
            return Fraction(0)
        raise ValueError("non-finite mpf")
    v = Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)
    return -v if sign else v


def midpoint_distance(v, fmt, halfwidth=Fraction(0)):
    """|v - nearest rounding midpoint| in ulps (ulp of v's binade), plus halfwidth
    (the half-width of an enclosure of v, also in ulps) so that the answer is an
    upper bound for every point of the enclosure; inf when v is 0 or out of range."""
    if v == 0:
        return INF
    a = abs(v)
    n, d = a.numerator, a.denominator
    e = n.bit_length() - d.bit_length()
    if (n < (d << e)) if e >= 0 else ((n << -e) < d):
        e -= 1
    if e > fmt.emax or e < fmt.qmin - 1:
        return INF
    q = max(e - fmt.p + 1, fmt.qmin)
    s = a / (Fraction(2) ** q)
    f = s - math.floor(s)
    return float(abs(f - Fraction(1, 2)) + halfwidth / (Fraction(2) ** q))


def self_test_rounding():
    """Check round_ratio against numpy casts (float16/32) and int/int (float64)."""
    rng = random.Random(SEED ^ 0x7E57)
    checked = 0
    for fmt in (FORMATS["float16"], FORMATS["float32"]):
        vals = [0.0, -0.0, fmt.max_finite, fmt.min_sub, fmt.min_normal,
                fmt.max_finite + math.ldexp(1.0, fmt.qmax - 1),  # threshold: -> inf
                math.ldexp(1.0, fmt.qmin - 1),  # half the smallest subnormal: -> +0
                math.ldexp(3.0, fmt.qmin - 1),  # 1.5 min subnormal: -> 2 min sub
                np.nextafter(fmt.max_finite + math.ldexp(1.0, fmt.qmax - 1), 0.0),
                np.nextafter(math.ldexp(1.0, fmt.qmin - 1), 1.0)]
        for _ in range(30000):
            e = rng.randint(fmt.qmin - 3, fmt.emax + 1)
            vals.append(math.ldexp(1.0 + rng.random(), e))
        vals = [float(v) for v in vals]
        for _ in range(20000):
            # exact midpoints between adjacent format values, and their neighbours
            e = rng.randint(fmt.qmin, fmt.emax)
            g = fmt.value(math.ldexp(1.0 + rng.random(), e)) if rng.random() < 0.8 else \
                math.ldexp(rng.randint(0, 1 << fmt.p), fmt.qmin)
            if not math.isfinite(g):
                continue
            h = fmt.next_up(g)
            if not math.isfinite(h):
                h = g + math.ldexp(1.0, fmt.qmax)
            mid = (g + h) / 2.0  # exact in binary64
            vals += [mid, float(np.nextafter(mid, INF)), float(np.nextafter(mid, -INF))]
        for v in vals:
            if v == 0:
                continue  # an exact zero rounds to +0 by definition (numpy keeps -0.0)
            for s in (v, -v):
                with np.errstate(over="ignore", under="ignore"):
                    expect = float(fmt.np_type(s))
                got = round_fraction(Fraction(s), fmt)
                got2 = round_mpf(from_float(s), fmt)
                assert same_float(got, expect), (fmt.name, s.hex(), got, expect)
                assert same_float(got2, expect), (fmt.name, s.hex(), got2, expect)
                checked += 1
    for fmt in FORMATS.values():  # signed zeros: exact 0 -> +0, underflow keeps the sign
        assert same_float(round_fraction(Fraction(0), fmt), 0.0)
        tiny = Fraction(1, 2 ** 1200)
        assert same_float(round_fraction(-tiny, fmt), -0.0)
        assert same_float(round_fraction(tiny, fmt), 0.0)
        half_min = Fraction(2) ** (fmt.qmin - 1)
        assert same_float(round_fraction(-half_min, fmt), -0.0)  # tie -> even (zero)
        assert same_float(round_fraction(3 * half_min, fmt), 2 * fmt.min_sub)
        thr = Fraction(fmt.max_finite) + Fraction(2) ** (fmt.qmax - 1)
        assert same_float(round_fraction(thr, fmt), INF)
        assert same_float(round_fraction(-(thr - tiny), fmt), -fmt.max_finite)
    fmt = FORMATS["float64"]
    for i in range(30000):
        kind = i % 3
        if kind == 0:
            n, d = rng.getrandbits(rng.randint(1, 200)) + 1, rng.getrandbits(rng.randint(1, 200)) + 1
        elif kind == 1:  # tiny / huge
            n = rng.getrandbits(60) + 1
            d = rng.getrandbits(60) + 1 << rng.randint(1000, 1140)
            if rng.random() < 0.3:
                n, d = d, n
        else:  # exact ties: odd (p+1)-bit numerators
            n = (rng.getrandbits(53) | (1 << 53) | 1)
            d = 1 << rng.randint(0, 1130)
            if rng.random() < 0.2:
                n, d = n << rng.randint(0, 1000), 1
        try:
            expect = n / d
        except OverflowError:
            expect = INF
        got = round_ratio(False, n, d, fmt)
        assert same_float(got, expect), (n, d, got, expect)
        assert same_float(round_ratio(True, n, d, fmt), -expect)
        checked += 1
    return checked


# --------------------------------------------------------------------------
# Rigorous interval arithmetic (raw mpmath intervals: pairs of mpf tuples)
# --------------------------------------------------------------------------

WP = 64  # current working precision in bits (set by ziv())
ZERO = (fzero, fzero)
ONE = (fone, fone)
TWO = (from_int(2), from_int(2))
EXP_CRUDE = from_int(-65536)
C_HI = Fraction(14427, 10000)  # > 1/ln 2
C_LO = Fraction(14426, 10000)  # < 1/ln 2


def ipt(x):
    """Point interval of an exact float or dyadic Fraction."""
    if isinstance(x, Fraction):
        d = x.denominator
        assert d & (d - 1) == 0, "non-dyadic point"
        t = from_man_exp(x.numerator, -(d.bit_length() - 1))
    else:
        assert math.isfinite(x)
        t = from_float(x)
    return (t, t)


def iadd(x, y):
    return libmpi.mpi_add(x, y, WP)


def isub(x, y):
    return libmpi.mpi_sub(x, y, WP)


def imul(x, y):
    return libmpi.mpi_mul(x, y, WP)


def idiv(x, y):
    return libmpi.mpi_div(x, y, WP)


def isq(x):
    return libmpi.mpi_square(x, WP)


def _widen(lo, hi):
    """Outward widening by a relative 2^-WP (safety margin for exp/log)."""
    if lo != fzero:
        lo = mpf_sub(lo, mpf_shift(mpf_abs(lo), -WP), WP, round_floor)
    if hi != fzero:
        hi = mpf_add(hi, mpf_shift(mpf_abs(hi), -WP), WP, round_ceiling)
    return lo, hi


def iexp(x):
    a, b = x
    if a == fzero and b == fzero:
        return ONE
    if mpf_lt(a, EXP_CRUDE):
        lo = (0, 1, math.floor(mpf_to_fraction(a) * C_HI), 1)
    else:
        lo = mpf_exp(a, WP + 30, round_floor)
    if mpf_lt(b, EXP_CRUDE):
        hi = (0, 1, math.ceil(mpf_to_fraction(b) * C_LO), 1)
    else:
        hi = mpf_exp(b, WP + 30, round_ceiling)
    return _widen(lo, hi)


def ilog(x):
    a, b = x
    return _widen(mpf_log(a, WP + 30, round_floor), mpf_log(b, WP + 30, round_ceiling))


def ilog1p(r):
    """log(1 + r) for an interval r >= 0, with full relative accuracy."""
    a, b = r
    if b == fzero:
        return ZERO
    sign, man, exp, bc = b
    if exp + bc < -WP:  # r < 2^-WP: r - r^2/2 <= log1p(r) <= r
        lo = mpf_sub(a, mpf_shift(mpf_mul(a, a, WP, round_ceiling), -1), WP, round_floor)
        return (lo, b)
    s = (mpf_add(fone, a, 4 * WP, round_floor), mpf_add(fone, b, 4 * WP, round_ceiling))
    return ilog(s)


MAX_WP = 1 << 17


class NoConvergence(Exception):
    pass


def ziv(make_items, fmt):
    """Evaluate make_items() at increasing precision until every enclosure rounds uniquely.

    make_items returns a list whose entries are a float (already final: inf,
    nan, exact +0...), a Fraction (exact, rounded here), or an interval.
    Returns (rounded results, items at the accepted precision, precision).
    """
    global WP
    WP = 64
    while True:
        items = make_items()
        out = []
        ok = True
        for it in items:
            if isinstance(it, float):
                out.append(it)
            elif isinstance(it, Fraction):
                out.append(round_fraction(it, fmt))
            else:
                lo, hi = round_mpf(it[0], fmt), round_mpf(it[1], fmt)
                if not same_float(lo, hi):
                    ok = False
                    break
                out.append(lo)
        if ok:
            return out, items, WP
        WP *= 2
        if WP > MAX_WP:
            raise NoConvergence()


def items_min_midpoint_distance(items, fmt):
    best = INF
    for it in items:
        if isinstance(it, float):
            continue
        hw = Fraction(0)
        if isinstance(it, Fraction):
            v = it
        else:
            a, b = it
            if a[1] == 0 and a != fzero or b[1] == 0 and b != fzero:
                continue
            if abs(a[2]) > 1 << 20 or abs(b[2]) > 1 << 20:
                continue
            fa, fb = mpf_to_fraction(a), mpf_to_fraction(b)
            v, hw = (fa + fb) / 2, (fb - fa) / 2
        best = min(best, midpoint_distance(v, fmt, hw))
    return best


# --------------------------------------------------------------------------
# The functions
# --------------------------------------------------------------------------

ROW_FUNCS = ["logsumexp", "softmax", "log_softmax", "cross_entropy", "cross_entropy_grad",
             "mse_softmax", "mse_softmax_grad"]
TARGET_ROW_FUNCS = {"cross_entropy", "cross_entropy_grad", "mse_softmax", "mse_softmax_grad"}
VECTOR_ROW_FUNCS = {"softmax", "log_softmax", "cross_entropy_grad", "mse_softmax_grad"}
P_FUNCS = {"softmax", "cross_entropy_grad", "mse_softmax", "mse_softmax_grad"}  # rational in p
ELEM_FUNCS = ["sigmoid", "bce_with_logits", "bce_with_logits_grad", "mse_sigmoid", "mse_sigmoid_grad"]
ALL_FUNCS = ROW_FUNCS + ELEM_FUNCS


def exact_p_items(fn, p, t, T):
    """Row functions that are rational in p, for an exactly known p (Fractions)."""
    n = len(p)
    if fn == "softmax":
        return list(p)
    St = sum(t)
    if fn == "cross_entropy_grad":
        return [(St * p[i] - t[i]) / T for i in range(n)]
    e = [p[i] - t[i] for i in range(n)]
    if fn == "mse_softmax":
        return [sum(x * x for x in e)]
    if fn == "mse_softmax_grad":
        W = sum(e[i] * p[i] for i in range(n))
        return [2 * p[j] * (e[j] - W) / T for j in range(n)]
    raise AssertionError(fn)


def row_interval_items(fn, z, T, t, fin):
    """Interval enclosures for the finite-row case (no NaN, no +inf, >= 1 finite)."""
    n = len(z)
    fins = set(fin)
    m = max(fin, key=lambda i: z[i])  # first maximal logit
    Ti = ipt(T)
    zm = from_float(z[m])
    d, q = {}, {}
    for j in fin:
        if z[j] == z[m]:
            d[j], q[j] = ZERO, ONE
        else:
            diff = mpf_sub(from_float(z[j]), zm)  # exact
            d[j] = idiv((diff, diff), Ti)
            q[j] = iexp(d[j])
    R = ZERO
    for j in fin:
        if j != m:
            R = iadd(R, q[j])
    if fn == "logsumexp":
        return [iadd(idiv(ipt(z[m]), Ti), ilog1p(R))]
    L1 = ilog1p(R)
    if fn == "log_softmax":
        return [isub(d[i], L1) if i in fins else -INF for i in range(n)]
    if fn == "cross_entropy":
        if any(t[i] > 0 and i not in fins for i in range(n)):
            return [INF]
        acc = ZERO
        for i in fin:
            if t[i] != 0:
                acc = iadd(acc, imul(ipt(t[i]), isub(L1, d[i])))
        return [acc]
    S = iadd(ONE, R)
    p = {j: idiv(q[j], S) for j in fin}
    RS = idiv(R, S)  # 1 - p_m
    if fn == "softmax":
        return [p[i] if i in fins else 0.0 for i in range(n)]
    Tf = Fraction(T)
    St = sum(t)
    if fn == "cross_entropy_grad":
        out = []
        for i in range(n):
            if i not in fins:
                out.append(-t[i] / Tf)
                continue
            if i == m:
                num = isub(ipt(St - t[m]), imul(ipt(St), RS))
            else:
                num = isub(imul(ipt(St), p[i]), ipt(t[i]))
            out.append(idiv(num, Ti))
        return out
    e = {}
    for i in range(n):
        if i == m:
            e[i] = isub(ipt(1 - t[m]), RS)
        elif i in fins:
            e[i] = isub(p[i], ipt(t[i]))
        else:
            e[i] = ipt(-t[i])
    if fn == "mse_softmax":
        acc = ZERO
        for i in range(n):
            acc = iadd(acc, isq(e[i]))
        return [acc]
    if fn == "mse_softmax_grad":
        out = []
        W = None
        if len(fin) > 64:
            W = ZERO
            for i in fin:
                W = iadd(W, imul(e[i], p[i]))
        for j in range(n):
            if j not in fins:
                out.append(0.0)
                continue
            if W is None:  # e_j - W = sum_{i != j} p_i (e_j - e_i): no needless cancellation
                inner = ZERO
                for i in fin:
                    if i == j:
                        continue
                    if z[i] == z[j]:  # p_j = p_i exactly
                        de = ipt(t[i] - t[j])
                    elif t[i] == t[j]:  # e_j - e_i = p_j - p_i = (q_j - q_i)/S
                        de = idiv(isub(q[j], q[i]), S)
                    else:
                        de = isub(e[j], e[i])
                    inner = iadd(inner, imul(p[i], de))
            else:
                inner = isub(e[j], W)
            out.append(idiv(imul(TWO, imul(p[j], inner)), Ti))
        return out
    raise AssertionError(fn)


def compute_row(fn, fmt, z, T, y, targets):
    """Returns (result, min midpoint distance in ulps, working precision used)."""
    n = len(z)
    vector = fn in VECTOR_ROW_FUNCS

    def allnan():
        return [NAN] * n if vector else NAN

    if any(math.isnan(v) for v in z) or (targets is not None and any(math.isnan(v) for v in targets)):
        return allnan(), INF, 0
    t = None
    if fn in TARGET_ROW_FUNCS:
        if y is not None:
            t = [Fraction(int(i == y)) for i in range(n)]
        else:
            t = [Fraction(v) for v in targets]
    pinf = [i for i, v in enumerate(z) if v == INF]
    fin = [i for i, v in enumerate(z) if math.isfinite(v)]
    if len(pinf) >= 2:
        return (INF if fn == "logsumexp" else allnan()), INF, 0
    if len(pinf) == 1:
        k = pinf[0]
        if fn == "logsumexp":
            return INF, INF, 0
        if fn == "log_softmax":
            return [0.0 if i == k else -INF for i in range(n)], INF, 0
        if fn == "cross_entropy":
            return (INF if any(t[i] > 0 for i in range(n) if i != k) else 0.0), INF, 0
        p = [Fraction(int(i == k)) for i in range(n)]
        items = exact_p_items(fn, p, t, Fraction(T))
        res = [round_fraction(v, fmt) for v in items]
        return (res if vector else res[0]), items_min_midpoint_distance(items, fmt), 0
    if not fin:  # all -inf
        return (-INF if fn == "logsumexp" else allnan()), INF, 0
    if fn in P_FUNCS and len({z[i] for i in fin}) == 1:
        p = [Fraction(1, len(fin)) if math.isfinite(z[i]) else Fraction(0) for i in range(n)]
        items = exact_p_items(fn, p, t, Fraction(T))
        res = [round_fraction(v, fmt) for v in items]
        return (res if vector else res[0]), items_min_midpoint_distance(items, fmt), 0
    res, items, wp = ziv(lambda: row_interval_items(fn, z, T, t, fin), fmt)
    return (res if vector else res[0]), items_min_midpoint_distance(items, fmt), wp


def exact_sigmoid_item(fn, s, t):
    c = 1 - s
    if fn == "sigmoid":
        return s
    if fn == "bce_with_logits_grad":
        return s - t
    if fn == "mse_sigmoid":
        return (s - t) ** 2
    if fn == "mse_sigmoid_grad":
        return 2 * (s - t) * s * c
    raise AssertionError(fn)


def elem_interval_item(fn, x, t):
    X = ipt(x)
    if x > 0:
        u = iexp(ipt(-x))
        den = iadd(ONE, u)
        s, c = idiv(ONE, den), idiv(u, den)
    else:
        u = iexp(X)
        den = iadd(ONE, u)
        s, c = idiv(u, den), idiv(ONE, den)
    if fn == "sigmoid":
        return s
    if fn == "bce_with_logits":
        if x > 0:  # (1-t) x + log1p(e^-x)
            return iadd(imul(ipt(1 - t), X), ilog1p(u))
        return isub(ilog1p(u), imul(ipt(t), X))  # log1p(e^x) - t x, both terms >= 0
    g = isub(ipt(1 - t), c) if x > 0 else isub(s, ipt(t))  # sigma(x) - t
    if fn == "bce_with_logits_grad":
        return g
    if fn == "mse_sigmoid":
        return isq(g)
    if fn == "mse_sigmoid_grad":
        return imul(TWO, imul(g, imul(s, c)))
    raise AssertionError(fn)


def compute_elem(fn, fmt, xs, ts):
    # Elementwise: a NaN x or target makes that element's output NaN, and only that one.
    out, dists, wpmax = [], [], 0
    for i, x in enumerate(xs):
        if math.isnan(x) or (ts is not None and math.isnan(ts[i])):
            out.append(NAN)
            dists.append(INF)
            continue
        t = Fraction(ts[i]) if ts is not None else None
        if math.isinf(x):
            s = Fraction(1) if x > 0 else Fraction(0)
            if fn == "bce_with_logits":
                if x > 0:
                    r = 0.0 if t == 1 else INF
                else:
                    r = 0.0 if t == 0 else INF
                out.append(r)
                dists.append(INF)
                continue
            item = exact_sigmoid_item(fn, s, t)
            out.append(round_fraction(item, fmt))
            dists.append(INF)
            continue
        if x == 0 and fn != "bce_with_logits":
            item = exact_sigmoid_item(fn, Fraction(1, 2), t)
            out.append(round_fraction(item, fmt))
            dists.append(items_min_midpoint_distance([item], fmt))
            continue
        res, items, wp = ziv(lambda: [elem_interval_item(fn, x, t)], fmt)
        out.append(res[0])
        dists.append(items_min_midpoint_distance(items, fmt))
        wpmax = max(wpmax, wp)
    return out, dists, wpmax


# --------------------------------------------------------------------------
# Protocol: number strings, request parsing
# --------------------------------------------------------------------------


def hex_str(v):
    h = v.hex()  # e.g. -0x1.8000000000000p+3
    mant, exp = h.split("p")
    if "." in mant:
        mant = mant.rstrip("0")
        if mant.endswith("."):
            mant += "0"
    return mant + "p" + exp


def num_str(v, rng):
    """An input string denoting exactly v (mixing repr, hex and exact decimal)."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    r = rng.random()
    if r < 0.5:
        return repr(v)
    if r < 0.8:
        return hex_str(v)
    s = format(Decimal(v), "f")
    if "." not in s:
        s += ".0"
    return s if len(s) <= 32 else repr(v)


def answer_str(v):
    return repr(float(v))  # 'inf', '-inf', 'nan', '-0.0' included


def parse_num(s, fmt):
    if not isinstance(s, str):
        raise ValueError("numbers must be strings")
    v = float.fromhex(s) if "x" in s.lower() else float(s)
    if not fmt.representable(v):
        raise ValueError("%r is not exactly a %s value" % (s, fmt.name))
    return v


def make_request(fn, fmt_name, logits, T=None, y=None, targets=None, rng=None):
    req = {"function": fn, "format": fmt_name, "logits": [num_str(v, rng) for v in logits]}
    if T is not None:
        req["temperature"] = num_str(T, rng)
    if y is not None:
        req["target"] = int(y)
    if targets is not None:
        req["targets"] = [num_str(v, rng) for v in targets]
    return req


def evaluate_request(req):
    """Parse a protocol request (validating it) and compute the golden answer."""
    fn = req["function"]
    fmt = FORMATS[req["format"]]
    z = [parse_num(s, fmt) for s in req["logits"]]
    assert len(z) >= 1
    T = parse_num(req["temperature"], fmt) if "temperature" in req else 1.0
    assert math.isfinite(T) and T > 0
    y = req.get("target")
    targets = [parse_num(s, fmt) for s in req["targets"]] if "targets" in req else None
    if targets is not None:
        assert len(targets) == len(z)
    if fn in ROW_FUNCS:
        if fn in TARGET_ROW_FUNCS:
            assert (y is None) != (targets is None)
            if y is not None:
                assert isinstance(y, int) and 0 <= y < len(z)
        else:
            assert y is None and targets is None
        res, dist, wp = compute_row(fn, fmt, z, T, y, targets)
        dists = [dist]
    else:
        assert "temperature" not in req and y is None
        if fn == "sigmoid":
            assert targets is None
        else:
            assert targets is not None
            assert all(math.isnan(v) or 0 <= v <= 1 for v in targets)
        res, dists, wp = compute_elem(fn, fmt, z, targets)
    result = [answer_str(v) for v in res] if isinstance(res, list) else answer_str(res)
    return result, min(dists) if dists else INF, wp


# --------------------------------------------------------------------------
# Case generation
# --------------------------------------------------------------------------

# Per-format parameters: gaps giving subnormal / rounded-to-zero softmax tails.
PARAMS = {
    # (g_sub, g_sub_round_up, g_zero, g_sq_sub): e^-g_sub is subnormal, e^-g_sub_round_up is
    # just above half the smallest subnormal, e^-g_zero below it; 2e^-2g_sq_sub is subnormal.
    "float16": dict(g=(16.5, 17.25, 18.0, 8.25), big_T=1000.0, x_sub=(-16.5, -17.25, -18.0, -8.5)),
    "float32": dict(g=(100.0, 103.5, 105.0, 50.0), big_T=1000.0, x_sub=(-100.0, -103.5, -105.0, -50.0)),
    "float64": dict(g=(740.0, 745.0, 746.0, 371.0), big_T=1000.0, x_sub=(-740.0, -745.0, -746.0, -371.0)),
}


def seed_for(*parts):
    return zlib.crc32(("/".join(parts)).encode()) ^ SEED


def random_soft_targets(rng, n, fmt, total=None):
    raw = [rng.choice([0.0, rng.random(), rng.random(), 0.25, 0.5]) for _ in range(n)]
    if total is not None and sum(raw) > 0:
        raw = [v * total / sum(raw) for v in raw]
    return [fmt.value(min(1.0, v)) for v in raw]


def row_case_list(fn, fmt, rng):
    """(logits, T, y, targets) tuples; targets ignored/adapted per function."""
    has_t = fn in TARGET_ROW_FUNCS
    P = PARAMS[fmt.name]
    V = fmt.value
    cases = []
    counter = [0]

    def add(logits, T=None, y="auto", targets=None):
        n = len(logits)
        if not has_t:
            cases.append((logits, T, None, None))
            return
        if targets is not None:
            cases.append((logits, T, None, targets))
            return
        if y == "auto":
            counter[0] += 1
            if counter[0] % 3 == 0:
                cases.append((logits, T, None, random_soft_targets(rng, n, fmt, total=1.0)))
                return
            y = rng.randrange(n)
        cases.append((logits, T, y, None))

    # 1. ordinary rows with assorted temperatures
    for T, scale in [(None, 3.0), (1.0, 2.0), (0.5, 3.0), (2.0, 3.0), (V(0.1), 1.0),
                     (1000.0, 3000.0), (V(0.001), 0.003), (3.0, 5.0)]:
        n = rng.randint(2, 6)
        add([V(rng.gauss(0.0, scale)) for _ in range(n)], T)
    # 2. limit semantics
    add([1.0, NAN, -2.0], None)
    add([-INF, 1.25, 0.5, -0.75], None, y=1)
    add([-INF, 1.25, 0.5, -0.75], 0.5, y=0)  # class on a -inf logit: CE = +inf
    add([-INF, -INF, -INF], None, y=2)
    add([2.0, INF, -1.0, -INF], None, y=1)
    add([2.0, INF, -1.0, -INF], 2.0, y=0)
    add([INF, 0.5, INF], None, y=0)
    add([INF], 0.5, y=0)
    add([-INF, 3.0], None, y=1)
    if has_t:
        add([0.5, 1.5, -1.0], None, targets=[0.25, NAN, 0.75])
        add([-INF, 1.25, 0.5], None, targets=[0.0, 0.75, 0.25])
        add([-INF, 1.25, 0.5], None, targets=[0.25, 0.5, 0.25])
        add([2.0, INF, -1.0], None, targets=[0.0, 1.0, 0.0])
        add([2.0, INF, -1.0], 0.5, targets=[0.25, 0.5, 0.0])
    # 3. overflow (results beyond the format's range)
    big = fmt.max_finite
    add([big, big, V(big / 2)], 0.5, y=2)
    add([-big, -big], 0.5, y=0)
    add([big, V(big / 2)], 1.0, y=0)  # LSE = max + tiny: stays finite
    add([0.0, -1.0], fmt.min_sub, y=1)
    add([0.0, fmt.min_sub], fmt.min_sub, y=0)
    add([1.0, 1.0], fmt.min_sub, y=0)
    # 4. subnormal results and results rounding to zero
    g_sub, g_up, g_zero, g_sq = P["g"]
    for g in (g_sub, g_up, g_zero):
        add([0.0, -g], None, y=0)
    add([0.0, -g_sq, V(-g_sq - 1.0)], None, y=0)
    add([3 * fmt.min_sub], 2.0, y=0)  # LSE: exact tie 1.5 min_sub -> 2 min_sub
    add([fmt.min_sub], 2.0, y=0)  # LSE: exact tie min_sub/2 -> +0
    # 5. gaps of 16-40 between the largest and the next logit
    add([3.5, V(3.5 - 20.0), -1.0], None, y=0)
    add([V(-0.3), V(-40.3), V(-40.5)], None, y=0)
    add([0.0, -37.0], None, y=1)
    # 6. near ties, equal logits (exact cases), single logit
    one = 1.0
    add([one, fmt.next_up(one), fmt.next_down(one)], None)
    add([1.0, 2.0, 1.5], 1000.0)
    add([2.5, 2.5, 2.5, 2.5], None, y=3)
    add([V(-1.7), V(-1.7), V(-1.7)], 2.0, y=0)
    add([2.5, -INF, 2.5], None, y=0)
    add([2.5], None, y=0)
    add([V(0.1)], V(0.3), y=0)
    # LSE close to zero: x + log n with x = -log n rounded to the format
    add([V(-math.log(2)), V(-math.log(2))], None, y=0)
    add([V(-math.log(3))] * 3, None, y=1)
    # 7. a large row
    n_big = 1000 if fn not in VECTOR_ROW_FUNCS and fmt.name == "float32" else 128
    big_row = [V(rng.gauss(0.0, 4.0)) for _ in range(n_big)]
    add(big_row, V(0.75), y=rng.randrange(n_big))
    # 8. soft targets not summing to 1, zero targets, exact ties
    if has_t:
        add([V(rng.gauss(0, 2)) for _ in range(4)], None, targets=random_soft_targets(rng, 4, fmt, total=0.6))
        add([V(rng.gauss(0, 2)) for _ in range(5)], 0.5, targets=random_soft_targets(rng, 5, fmt, total=1.75))
        add([1.0, -2.0, 0.5], None, targets=[0.0, 0.0, 0.0])
        tie = math.ldexp(1.0, -(fmt.p + 1))
        add([1.0, 1.0], None, targets=[1.0, tie])  # grad = -1/2 + 2^-(p+2): exact tie
    return cases


def random_row_case(fn, fmt, rng):
    V = fmt.value
    n = rng.randint(2, 5)
    scale = rng.choice([1.0, 2.0, 4.0])
    T = rng.choice([None, None, 0.5, 2.0, V(0.3), 3.0])
    logits = [V(rng.gauss(0.0, scale)) for _ in range(n)]
    if fn not in TARGET_ROW_FUNCS:
        return logits, T, None, None
    if rng.random() < 0.5:
        return logits, T, rng.randrange(n), None
    return logits, T, None, random_soft_targets(rng, n, fmt, total=rng.choice([None, 1.0]))


def elem_case_list(fn, fmt, rng):
    """(xs, ts) tuples; ts is None for sigmoid."""
    V = fmt.value
    P = PARAMS[fmt.name]
    cases = []
    tchoices = [0.0, 1.0, 0.25, 0.5, 0.75]

    def add(xs, ts=None):
        if fn == "sigmoid":
            cases.append((xs, None))
        else:
            if ts is None:
                ts = [rng.choice(tchoices + [V(rng.random())]) for _ in xs]
            cases.append((xs, ts))

    # 1. ordinary values
    for scale in (1.0, 4.0, 4.0, 10.0, 30.0):
        add([V(rng.gauss(0.0, scale)) for _ in range(rng.randint(3, 6))])
    # 2. limits at +-inf, zeros (exact cases)
    add([INF, -INF, INF, -INF], [0.0, 0.0, 1.0, 1.0])
    add([INF, -INF, INF, -INF], [0.25, 0.25, 0.5, 0.75])
    add([0.0, -0.0, 0.0, 0.0], [0.5, 0.5, 0.0, 1.0])
    tie = math.ldexp(1.0, -(fmt.p + 2))
    add([0.0, -0.0, 0.0], [tie, 3 * tie, 0.25])  # sigma(0) - t on exact rounding ties
    # 3. NaN anywhere -> all NaN
    add([1.0, NAN, -2.0])
    add([NAN, INF])
    if fn != "sigmoid":
        add([1.0, 0.5, -2.0], [0.5, NAN, 1.0])
    # 4. large |x|
    big = fmt.max_finite
    add([big, -big, V(1e4), V(-1e4), 100.0, -100.0], [0.0, 1.0, 1.0, 0.0, 0.5, 0.5])
    add([big, -big, V(30.0), V(-30.0)], [1.0, 0.0, 0.25, 0.75])
    # 5. subnormal results and results rounding to zero
    xs = list(P["x_sub"])
    add(xs + [-x for x in xs], [0.0] * len(xs) + [1.0] * len(xs))
    add(xs + [-x for x in xs], [1.0] * len(xs) + [0.0] * len(xs))
    # 6. tiny |x|, targets at the edges of [0, 1]
    add([fmt.min_sub, -fmt.min_sub, fmt.min_normal, -fmt.min_normal, math.ldexp(1.0, -10)],
        [0.5, 0.5, 0.5, 0.0, 1.0])
    add([1.0, -1.0, 2.0, 5.0], [fmt.min_sub, fmt.min_sub, fmt.next_down(1.0), fmt.next_down(1.0)])
    # 7. a longer vector
    add([V(rng.gauss(0.0, 6.0)) for _ in range(64)])
    return cases


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

MIDPOINT_TOL = 1e-3
MIDPOINT_ROWS = 5  # per function and format
MIDPOINT_ELEM_LINES = 3
MIDPOINT_ELEM_PER_LINE = 4
ROW_ATTEMPTS = 8000  # random rows tried per function and format (attempt caps, not
ELEM_ATTEMPTS = 20000  # time limits, keep the output deterministic)


def generate_function(fn):
    lines = []
    stats = {"lines": 0, "midpoint_lines": 0, "max_wp": 0, "closest": {}}
    seen = set()

    def emit(req):
        key = json.dumps(req, sort_keys=True)
        if key in seen:
            return None
        seen.add(key)
        result, dist, wp = evaluate_request(req)
        stats["max_wp"] = max(stats["max_wp"], wp)
        lines.append(json.dumps({"request": req, "answer": {"result": result}}))
        return dist

    for fname, fmt in FORMATS.items():
        rng = random.Random(seed_for(fn, fname))
        if fn in ROW_FUNCS:
            for logits, T, y, targets in row_case_list(fn, fmt, rng):
                emit(make_request(fn, fname, logits, T, y, targets, rng))
            # near-midpoint search
            found, best = 0, INF
            for _ in range(ROW_ATTEMPTS):
                if found >= MIDPOINT_ROWS:
                    break
                logits, T, y, targets = random_row_case(fn, fmt, rng)
                req = make_request(fn, fname, logits, T, y, targets, rng)
                _, dist, _ = evaluate_request(req)
                if dist < MIDPOINT_TOL:
                    emit(req)
                    found += 1
                    best = min(best, dist)
            stats["midpoint_lines"] += found
            stats["closest"][fname] = best
        else:
            for xs, ts in elem_case_list(fn, fmt, rng):
                emit(make_request(fn, fname, xs, None, None, ts, rng))
            hits, best = [], INF
            want = MIDPOINT_ELEM_LINES * MIDPOINT_ELEM_PER_LINE
            scale = 6.0
            for _ in range(ELEM_ATTEMPTS):
                if len(hits) >= want:
                    break
                x = fmt.value(rng.gauss(0.0, scale))
                t = None if fn == "sigmoid" else fmt.value(rng.choice([rng.random(), 0.0, 1.0, 0.5]))
                req = make_request(fn, fname, [x], None, None, None if t is None else [t], rng)
                _, dist, _ = evaluate_request(req)
                if dist < MIDPOINT_TOL and (x, t) not in hits:
                    hits.append((x, t))
                    best = min(best, dist)
            for k in range(0, len(hits), MIDPOINT_ELEM_PER_LINE):
                chunk = hits[k:k + MIDPOINT_ELEM_PER_LINE]
                xs = [h[0] for h in chunk]
                ts = None if fn == "sigmoid" else [h[1] for h in chunk]
                emit(make_request(fn, fname, xs, None, None, ts, rng))
                stats["midpoint_lines"] += 1
            stats["closest"][fname] = best
    stats["lines"] = len(lines)
    with open(os.path.join(OUT_DIR, fn + ".jsonl"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return stats


def main(argv):
    t_start = time.time()
    n = self_test_rounding()
    print("rounding self-test: %d conversions agree with numpy / int division" % n)
    funcs = argv[1:] or ALL_FUNCS
    for fn in funcs:
        t0 = time.time()
        st = generate_function(fn)
        closest = ", ".join("%s %.1e" % (k, v) for k, v in st["closest"].items())
        print("%-22s %4d lines (%2d near-midpoint; closest: %s), max precision %d bits, %.1fs"
              % (fn + ".jsonl", st["lines"], st["midpoint_lines"], closest, st["max_wp"], time.time() - t0))
    print("total %.1fs" % (time.time() - t_start))


if __name__ == "__main__":
    main(sys.argv)
