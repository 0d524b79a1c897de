#!/usr/bin/env python3
"""Independent check (mpmath, no MPFR) of the reference's answers on rows whose limit, as an
exponential below MPFR's range vanishes, is exactly a rounding boundary.

For logits [M, 0, M] with M huge, the middle class's exponential is eps = e^(-M/T), far below
2^(-2^61). The answer is the exact function at that eps, correctly rounded. Here eps is replaced
by 2^-2000 and by 2^-4000 (tiny, but representable) and the defining formulas are evaluated at
20000 bits, enough to resolve terms of order eps next to the limit. When both give the same
rounding (and the limit is a boundary), the side is the first-order one — the printed
coefficient c of f(eps) = f(0) + c*eps + O(eps^2) — and holds for every smaller eps too as long
as c != 0. Where c = 0 (|f(eps) - f(0)| < eps^1.5), the script prints (f(eps) - f(0))/eps^2 at both
eps, the second-order coefficient, whose sign is then the side (both eps must agree). The expected values in Tests/CrossCheckReferenceTests/VanishingPerturbationTests.swift
are the output of this script.

    python3 Fixtures/perturbation/verify_perturbation.py
"""
import sys
from fractions import Fraction
import mpmath
from mpmath import mp, mpf

mp.prec = 20000
sys.set_int_max_str_digits(0)  # nstr of tiny differences
FORMATS = {"float32": (24, -126), "float64": (53, -1022)}


def round_to(v, fmt):
    """v rounded to nearest (ties to even) in the format; no overflow handling (not needed)."""
    p, emin = FORMATS[fmt]
    if v == 0:
        return 0.0
    _, e = mpmath.frexp(abs(v))  # |v| = m * 2^e, 1/2 <= m < 1
    q = max(e - 1, emin) - p + 1  # exponent of the quantum
    m = mpmath.ldexp(abs(v), -q)  # exact
    n = int(mpmath.floor(m))
    frac = m - n
    if frac > mpf(1) / 2 or (frac == mpf(1) / 2 and n % 2 == 1):
        n += 1
    r = float(Fraction(n) * Fraction(2) ** q)
    return r if v > 0 else -r


def probabilities(exps):
    S = sum(exps)
    return [e / S for e in exps]


def mse_softmax_grad(exps, t, T):
    p = probabilities(exps)
    inner = sum((pi - ti) * pi for pi, ti in zip(p, t))
    return [2 * pj * ((pj - tj) - inner) / T for pj, tj in zip(p, t)]


def cross_entropy_grad(exps, t, T):
    p = probabilities(exps)
    return [(sum(t) * pi - ti) / T for pi, ti in zip(p, t)]


FUNCTIONS = {"mse_softmax_grad": mse_softmax_grad, "cross_entropy_grad": cross_entropy_grad}

# (function, format, targets): all with logits [M, 0, M], T = 1; a longer row pads the logits and
# the targets with zeros (each padded class another vanishing exponential eps).
CASES = [
    ("mse_softmax_grad", "float64", [0.009883263608049843, 0.0, 0.09375]),  # crosscheck check --seed 13
    ("mse_softmax_grad", "float64", [0.01720333893671284, 0.0, 0.0625]),    # crosscheck check --seed 35
    ("mse_softmax_grad", "float64", [2.0**-54, 0.0, 0.75]),
    ("mse_softmax_grad", "float32", [2.0**-26, 0.0, 0.375]),
    ("mse_softmax_grad", "float32", [2.0**-25, 0.0, 0.75]),
    ("cross_entropy_grad", "float64", [2.0**-54, 0.0, 0.75]),
    ("cross_entropy_grad", "float64", [-0.75, 0.0, -(2.0**-54)]),
    ("cross_entropy_grad", "float32", [2.0**-25, 0.0, 0.75]),
    ("cross_entropy_grad", "float64", [0.25, 0.0, 0.25]),
    # First-order coefficient exactly 0 (t1 - t2)/2 + 1/4 = 0 at output 0: the side is the sign of the
    # second-order coefficient t0/8 - t1/2 + 3*t2/8 - 5/8 (output 2: mirror image, output 1: see below).
    ("mse_softmax_grad", "float64", [2.0**-55, 0.0, 0.5]),   # limit 1/4 - 2^-56, c2 = -7/16 + ...: below
    ("mse_softmax_grad", "float32", [2.0**-26, 0.0, 0.5]),   # limit 1/4 - 2^-27: below
    ("mse_softmax_grad", "float64", [2.0**-52, -4.0, -3.5]), # limit -1.75 - 2^-53, c2 = 1/16 + ...: above
    ("mse_softmax_grad", "float32", [2.0**-23, -4.0, -3.5]), # limit -1.75 - 2^-24: above
    # Limits 0 with first-order coefficients 0 at every output: outputs 0 and 2 take c2 = -3/8 (-0),
    # output 1 c2 = -t0/2 + t1 - t2/2 + 5/4 = 3/4 (+0).
    ("mse_softmax_grad", "float64", [0.5, 0.0, 0.5]),
    ("mse_softmax_grad", "float64", [2.0**-54, 0.0, 0.75] + [0.0] * 517),  # 520 classes: the O(n) path
    # Logits [M, 0, M, 1]: two vanishing exponentials of different sizes, eps and e*eps. f'(0) is 0
    # only through both partial derivatives being 0 (PartialsAtZeroArithmetic); the side is then the
    # second-order coefficient's (ratio e for the padded class).
    ("mse_softmax_grad", "float64", [2.0**-55, 0.0, 0.5, 0.0], [mpmath.e]),
]

for case in CASES:
    name, fmt, targets = case[:3]
    ratios = case[3] if len(case) > 3 else []
    t = [mpf(x) for x in targets]  # exact: Python floats are binary64
    f = FUNCTIONS[name]
    n = len(t)
    ratios = ratios + [mpf(1)] * (n - 3 - len(ratios))  # the padded classes' exponentials: ratio * eps
    limit = f([mpf(1)] + [mpf(0)] + [mpf(1)] + [mpf(0)] * (n - 3), t, 1)
    answers = []
    for k in (2000, 4000):
        eps = mpf(2) ** -k
        values = f([mpf(1), eps, mpf(1)] + [r * eps for r in ratios], t, 1)
        answers.append(([round_to(v, fmt) for v in values],
                        [mpmath.nstr((v - l) / eps, 8) for v, l in zip(values, limit)],
                        [mpmath.nstr((v - l) / eps**2, 8) if abs(v - l) < eps**1.5 else "-" for v, l in zip(values, limit)]))
    (r1, c1, s1), (r2, c2, s2) = answers
    note = ""
    if n > 3:  # show the first four outputs, and what the padded ones round to
        note = f"\n  ({n} classes; outputs 3... all round to one of {sorted(set(x.hex() for x in r1[3:]))})"
        r1, r2, c1, s1, s2, limit, targets = r1[:4], r2[:4], c1[:4], s1[:4], s2[:4], limit[:4], targets[:4]
    rounded = [repr(x) for x in r1]
    same = "" if [x.hex() for x in r1] == [x.hex() for x in r2] else "  DIFFERENT FOR eps = 2^-4000: %r" % r2
    print(f"{name} {fmt} t={[x.hex() for x in targets]}\n  rounded {rounded}\n  hex {[x.hex() for x in r1]}\n"
          f"  limit {[mpmath.nstr(l, 20) for l in limit]}\n  (f(eps) - f(0))/eps at eps = 2^-2000: {c1}\n"
          f"  (f(eps) - f(0))/eps^2 where the first order vanishes: {s1} (eps = 2^-4000: {s2}){same}{note}")
