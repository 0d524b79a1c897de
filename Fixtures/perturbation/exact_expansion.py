#!/usr/bin/env python3
"""Independent answers (Python fractions + mpmath, no MPFR, no Swift) for mse_softmax_grad requests
whose exponentials are so small that no fixed precision resolves them.

For each output j the gradient is, from its definition (p = x / S, S = sum_i x_i, x_i = e^(d_i),
d_i = (z_i - max z)/T exact),

    g_j = 2 p_j ((p_j - t_j) - sum_i (p_i - t_i) p_i) / T = N_j / S^3,
    N_j = (2/T) x_j ((x_j - t_j S) S - sum_i (x_i - t_i S) x_i),

a polynomial in the x_i. Every x_i with d_i != 0 is a variable y_g (one per distinct gap), the
maxima are 1. N_j and S^3 are expanded exactly with Fraction coefficients (exponent vectors as
keys: an implementation of its own, not the reference's). With N0, C0 their constant terms,
q = N0/C0 (the limit as every y_g -> 0) and

    g_j - q = D / (C0 S^3),   D = C0 N_j - N0 S^3 = sum_r c_r e^(E_r),

the terms merged by their exact exponent E_r = sum_g k_g d_g (Fractions). D is evaluated by mpmath
(unbounded exponents) at PREC bits as e^(E_1) * sum_r c_r e^(E_r - E_1); terms with
E_r - E_1 < -CUT are bounded, not evaluated, and the sign of the normalized sum must exceed that
bound and the rounding error by far. Then q + (g_j - q) is rounded to the format exactly: q is a
Fraction, and when |g_j - q| is far below what PREC bits of q resolve, the answer is RN(q) if q is
no rounding boundary, else the neighbour on the side of sign(D).

    python3 Fixtures/perturbation/exact_expansion.py Fixtures/perturbation/formerly_undecided.jsonl \
        | diff - Fixtures/perturbation/formerly_undecided.jsonl

reads request lines (or request/answer lines, taking the request) and writes request/answer lines;
Fixtures/perturbation/formerly_undecided.jsonl is its output on the 21 requests the reference could
not decide before its exact decision (Docs/THEORY.md section 11), about 40 s.
"""
import json
import math
import sys
from decimal import Decimal
from fractions import Fraction

from mpmath import mp, mpf

PREC = 3000
CUT = 4000  # e^(-4000) < 2^(-5770): negligible next to 2^(-PREC)
FORMATS = {"float16": (11, 15), "float32": (24, 127), "float64": (53, 1023)}


def round_fraction(x, fmt):
    """RN-even of an exact Fraction into the format (subnormals, overflow); exact 0 gives +0."""
    p, emax = FORMATS[fmt]
    qmin = 2 - emax - p
    if x == 0:
        return 0.0
    neg, a = x < 0, abs(x)
    n, d = a.numerator, a.denominator
    e = n.bit_length() - d.bit_length()
    if (n < (d << e)) if e >= 0 else ((n << -e) < d):
        e -= 1
    if e > emax:
        return -math.inf if neg else math.inf
    q = max(e - p + 1, qmin)
    scaled = a / Fraction(2) ** q
    m = math.floor(scaled)
    r = scaled - m
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and m % 2 == 1):
        m += 1
    if m >> p and q == emax - p + 1:
        return -math.inf if neg else math.inf
    v = math.ldexp(m, q) if m else 0.0
    return -v if neg else v


def parse(s, fmt):
    """A protocol number string, correctly rounded to the format (decimal read exactly)."""
    v = float.fromhex(s) if "x" in s.lower() else None
    exact = Fraction(v) if v is not None else Fraction(Decimal(s))
    return Fraction(round_fraction(exact, fmt))


# Polynomials: {exponent vector (tuple of G ints): Fraction}.
def padd(a, b, scale=Fraction(1)):
    out = dict(a)
    for k, c in b.items():
        out[k] = out.get(k, 0) + scale * c
    return {k: c for k, c in out.items() if c != 0}


def pmul(a, b):
    out = {}
    for ka, ca in a.items():
        for kb, cb in b.items():
            k = tuple(x + y for x, y in zip(ka, kb))
            out[k] = out.get(k, 0) + ca * cb
    return {k: c for k, c in out.items() if c != 0}


def pscale(a, s):
    return {k: c * s for k, c in a.items()} if s != 0 else {}


def mpq(f):
    return mpf(f.numerator) / f.denominator


def to_fraction(v):
    sign, man, exp, _ = v._mpf_
    f = Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)
    return -f if sign else f


def answer(req):
    fmt = req["format"]
    assert req["function"] == "mse_softmax_grad"
    z = [parse(s, fmt) for s in req["logits"]]
    T = parse(req.get("temperature", "1.0"), fmt)
    t = [parse(s, fmt) for s in req["targets"]]
    m = max(z)
    d = [(zi - m) / T for zi in z]
    gaps = sorted({di for di in d if di != 0}, reverse=True)
    G = len(gaps)
    zero = (0,) * G

    def var(di):
        if di == 0:
            return {zero: Fraction(1)}
        k = [0] * G
        k[gaps.index(di)] = 1
        return {tuple(k): Fraction(1)}

    x = [var(di) for di in d]
    S = {}
    for xi in x:
        S = padd(S, xi)
    S3 = pmul(pmul(S, S), S)
    C0 = S3.get(zero, Fraction(0))
    inner = {}
    for xi, ti in zip(x, t):
        inner = padd(inner, pmul(padd(xi, S, -ti), xi))
    mp.prec = PREC
    s_value = sum(mp.exp(mpq(di)) for di in d) ** 3
    out = []
    for j in range(len(z)):
        N = pscale(pmul(x[j], padd(pmul(padd(x[j], S, -t[j]), S), inner, -1)), 2 / T)
        N0 = N.get(zero, Fraction(0))
        q = N0 / C0
        D = padd(pscale(N, C0), pscale(S3, N0), -1)
        merged = {}
        for key, c in D.items():
            E = sum(k * g for k, g in zip(key, gaps))
            merged[E] = merged.get(E, 0) + c
        terms = sorted(((E, c) for E, c in merged.items() if c != 0), reverse=True)
        if not terms:
            out.append(round_fraction(q, fmt))
            continue
        E1 = terms[0][0]
        near = [(E, c) for E, c in terms if E - E1 >= -CUT]
        far = [(E, c) for E, c in terms if E - E1 < -CUT]
        normalized = sum(mpq(c) * mp.exp(mpq(E - E1)) for E, c in near)
        bound = sum(abs(c) for _, c in far) * (mp.exp(-CUT) if far else 0)
        if abs(normalized) <= 2 * bound + mpf(2) ** (100 - PREC) * sum(abs(c) for _, c in near):
            raise RuntimeError("sign of D not resolved at %d bits" % PREC)
        delta = mp.exp(mpq(E1)) * normalized / (mpq(C0) * s_value)
        out.append(round_perturbed(q, delta, fmt))
    return out


def round_perturbed(q, delta, fmt):
    """RN(q + delta) for an exact Fraction q and an mpmath delta known to ~PREC bits."""
    tiny = Fraction(1, 2 ** (PREC - 200))
    sign, man, exp, bc = delta._mpf_
    magnitude = exp + bc  # |delta| < 2^magnitude
    if q == 0:
        p, emax = FORMATS[fmt]
        if magnitude < 1 - emax - p:  # below half the least subnormal 2^(2 - emax - p)
            return -0.0 if sign else 0.0
    elif magnitude < abs(q).numerator.bit_length() - abs(q).denominator.bit_length() - (PREC - 200) - 2:
        side = 1 if delta > 0 else -1
        below, above = round_fraction(q - abs(q) * tiny, fmt), round_fraction(q + abs(q) * tiny, fmt)
        if below == above:
            return below  # no boundary within |q|*tiny of q
        # A boundary B lies within |q|*tiny of q: only q == B exactly is decided here.
        just = round_fraction(q + side * abs(q) * tiny * tiny, fmt)
        other = round_fraction(q - side * abs(q) * tiny * tiny, fmt)
        if just == other:
            raise RuntimeError("a boundary next to, but not at, the limit")
        return just
    value = to_fraction(mpq(q) + delta)
    width = abs(value) * Fraction(1, 2 ** (PREC - 64))
    lo, hi = round_fraction(value - width, fmt), round_fraction(value + width, fmt)
    if lo != hi or math.copysign(1, lo) != math.copysign(1, hi):
        raise RuntimeError("too near a rounding boundary for %d bits" % PREC)
    return lo


def main(path):
    sys.set_int_max_str_digits(0)
    for line in open(path):
        if not line.strip():
            continue
        req = json.loads(line)
        req = req.get("request", req)  # a request, or a request/answer line
        result = [repr(v) for v in answer(req)]
        print(json.dumps({"request": req, "answer": {"result": result}}, separators=(",", ":")))


if __name__ == "__main__":
    main(sys.argv[1])
