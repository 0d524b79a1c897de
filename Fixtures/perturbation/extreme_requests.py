#!/usr/bin/env python3
"""Random EXTREME valid requests for `crosscheck eval --reference`, and an independent checker.

    python3 Fixtures/perturbation/extreme_requests.py generate COUNT SEED > requests.jsonl
    python3 Fixtures/perturbation/extreme_requests.py generate-hard COUNT SEED > requests.jsonl
    .build/release/crosscheck eval --reference < requests.jsonl > answers.jsonl
    python3 Fixtures/perturbation/extreme_requests.py verify requests.jsonl answers.jsonl [SAMPLE [SEED]]

`generate` writes COUNT protocol request lines (deterministic for a SEED): all 12 functions,
float16/32/64, rows of 1–9 classes built from a few distinct values so that maxima tie, logits
from the format's extremes (largest finite, huge, ±1e3…3e5, subnormal, 0, small integers) with an
occasional ±inf, temperatures near the format's extremes (least subnormal, least normal, largest,
1 ± ulp, 1e-3 …), and targets of every kind: class indices, one-hot, simple dyadics (0, ¼, ½, 1,
1.5, …) that put limits on rounding boundaries, unnormalized, negative, zero-sum, huge, tiny.
Every input is written as an exact hexadecimal float of the format.

`generate-hard` aims at the rows that once ended in the reference's error: tied maxima, the other
logits e^(−745) … e^(−3e5) below them at the row's temperature, simple dyadic targets.

`verify` recomputes every answer (or a random SAMPLE of them) independently of MPFR: the
defining formulas of README "The reference", written naively, in mpmath's interval arithmetic
(`mpmath.iv`, outward rounding) at 64, 128, … bits up to 2^19 (or $CAP_BITS), each end rounded exactly (integer
arithmetic, ties to even, subnormals, overflow) until both ends agree; non-finite inputs follow the
limit semantics only where they are trivial (those lines are skipped and counted). It reports
errors, mismatches, and the lines it could not decide within its cap (results that need more
than 2^19 bits — the vanishing exponentials the reference decides by its perturbation analysis).
"""
import json
import os
import random
import signal
import sys
from fractions import Fraction

import mpmath
from mpmath import iv
from mpmath.libmp import finf, fnan, fninf

FORMATS = {  # precision, emin, emax
    "float16": (11, -14, 15),
    "float32": (24, -126, 127),
    "float64": (53, -1022, 1023),
}
ROW = ["logsumexp", "softmax", "log_softmax", "cross_entropy", "cross_entropy_grad", "mse_softmax", "mse_softmax_grad"]
ELEMENTWISE = ["sigmoid", "bce_with_logits", "bce_with_logits_grad", "mse_sigmoid", "mse_sigmoid_grad"]
CAP_BITS = int(os.environ.get("CAP_BITS", 1 << 19))  # the verifier's precision cap
SECONDS_PER_REQUEST = int(os.environ.get("SECONDS_PER_REQUEST", 600))  # and its time limit per request
TAKES_TARGET = {"cross_entropy", "cross_entropy_grad", "mse_softmax", "mse_softmax_grad",
                "bce_with_logits", "bce_with_logits_grad", "mse_sigmoid", "mse_sigmoid_grad"}


# ---------------------------------------------------------------- exact rounding to a format

def round_exact(q, fmt):
    """Fraction q correctly rounded (nearest, ties to even) to the format: a Fraction, or ±inf.
    Zero results carry no sign here (the caller tracks it)."""
    p, emin, emax = FORMATS[fmt]
    if q == 0:
        return Fraction(0)
    sign = 1 if q > 0 else -1
    a = abs(q)
    e = a.numerator.bit_length() - a.denominator.bit_length()  # 2^e <= a < 2^(e+2)
    while Fraction(2) ** e > a:
        e -= 1
    while Fraction(2) ** (e + 1) <= a:
        e += 1
    quantum_exp = max(e, emin) - (p - 1)
    m = a / Fraction(2) ** quantum_exp
    n = m.numerator // m.denominator
    frac = m - n
    if frac > Fraction(1, 2) or (frac == Fraction(1, 2) and n % 2 == 1):
        n += 1
    r = Fraction(n) * Fraction(2) ** quantum_exp
    largest = (2 - Fraction(2) ** (1 - p)) * Fraction(2) ** emax
    if r > largest:
        return float("inf") * sign
    return r * sign


def raw_to_fraction(r):
    """A raw finite mpf tuple (sign, mantissa, exponent, bits) as an exact Fraction."""
    sign, man, exp, _ = r
    v = Fraction(man) * Fraction(2) ** exp if exp >= 0 else Fraction(man, 2 ** (-exp))
    return -v if sign else v


def round_interval(x, fmt):
    """(value, sign) when both ends of the interval round alike, else None. value is a Fraction or
    ±inf; for a zero value, sign is the sign of the exact result (+1 for an exact 0)."""
    a, b = x._mpi_  # the raw ends (x.a, x.b are intervals themselves)
    if a in (finf, fninf, fnan) or b in (finf, fninf, fnan):
        return None
    fa, fb = raw_to_fraction(a), raw_to_fraction(b)
    ra, rb = round_exact(fa, fmt), round_exact(fb, fmt)
    if ra != rb:
        return None
    if ra == 0:
        if fa == fb == 0:
            return (Fraction(0), 1)
        if fa > 0:
            return (Fraction(0), 1)
        if fb < 0:
            return (Fraction(0), -1)
        if fa == 0 and fb == 0:
            return (Fraction(0), 1)
        return None  # straddles 0
    return (ra, 1 if ra > 0 else -1)


# ---------------------------------------------------------------- the defining formulas

def I(q):
    """An exact Fraction as an interval at the current precision."""
    return iv.mpf(q.numerator) / iv.mpf(q.denominator)


def row_outputs(f, z, T, y, t):
    """Interval enclosures of the outputs (finite logits only)."""
    m = max(z)
    d = [(zi - m) / T for zi in z]
    e = [iv.exp(I(di)) if di != 0 else iv.mpf(1) for di in d]
    S = sum(e[1:], e[0])
    logS = iv.log(S)
    n = len(z)
    if y is not None:
        t = [Fraction(1 if i == y else 0) for i in range(n)]
    p = [ei / S for ei in e]
    if f == "logsumexp":
        return [I(m / T) + logS]
    if f == "softmax":
        return p
    if f == "log_softmax":
        return [I(di) - logS for di in d]
    if f == "cross_entropy":
        total = iv.mpf(0)
        for i in range(n):
            if t[i] != 0:
                total = total + I(t[i]) * (logS - I(d[i]))
        return [total]
    st = sum(t, Fraction(0))
    if f == "cross_entropy_grad":
        return [(I(st) * p[i] - I(t[i])) / I(T) for i in range(n)]
    if f == "mse_softmax":
        return [sum(((p[i] - I(t[i])) ** 2 for i in range(n)), iv.mpf(0))]
    if f == "mse_softmax_grad":
        inner = sum(((p[i] - I(t[i])) * p[i] for i in range(n)), iv.mpf(0))
        return [2 * p[j] * ((p[j] - I(t[j])) - inner) / I(T) for j in range(n)]
    raise ValueError(f)


def element_output(f, x, t):
    xi = I(x)
    sig = 1 / (1 + iv.exp(-xi))
    if f == "sigmoid":
        return sig
    if f == "bce_with_logits":
        # softplus(x) = max(x, 0) + log1p(e^-|x|)
        return I(max(x, Fraction(0))) + iv.log(1 + iv.exp(I(-abs(x)))) - I(t) * xi
    if f == "bce_with_logits_grad":
        return sig - I(t)
    if f == "mse_sigmoid":
        return (sig - I(t)) ** 2
    if f == "mse_sigmoid_grad":
        return 2 * (sig - I(t)) * sig * (1 - sig)
    raise ValueError(f)


def parse_number(s):
    return float.fromhex(s) if s.startswith(("0x", "-0x")) else float(s)


def reference_values(req, cap_bits=None):
    """The correctly rounded outputs as (Fraction or ±inf, sign) pairs, None where undecided;
    or the string 'skip' when the request has non-finite input."""
    cap_bits = cap_bits or CAP_BITS
    f, fmt = req["function"], req["format"]
    z = [parse_number(s) for s in req["logits"]]
    ts = [parse_number(s) for s in req["targets"]] if "targets" in req else None
    if any(v != v or v in (float("inf"), float("-inf")) for v in z + (ts or [])):
        return "skip"
    zq = [Fraction(v) for v in z]
    tq = [Fraction(v) for v in ts] if ts is not None else None
    T = Fraction(parse_number(req.get("temperature", "1")))
    y = req.get("target")
    n = len(z)
    results = [None] * (1 if f in ("logsumexp", "cross_entropy", "mse_softmax") else n)
    prec = 64
    while prec <= cap_bits and any(r is None for r in results):
        iv.prec = prec
        if f in ROW:
            outs = row_outputs(f, zq, T, y, tq)
        else:
            outs = [element_output(f, zq[i], tq[i] if tq else Fraction(0)) for i in range(n)]
        for k, o in enumerate(outs):
            if results[k] is None:
                results[k] = round_interval(o, fmt)
        prec *= 2
    return results


def answer_value(s, fmt):
    if s in ("inf", "-inf"):
        return (float(s), 1 if s == "inf" else -1)
    if s == "nan":
        return ("nan", 0)
    q = Fraction(s)
    v = round_exact(q, fmt)  # the answer string reads as this value of the format
    if v == 0:
        return (Fraction(0), -1 if s.startswith("-") else 1)
    return (v, 1 if v > 0 else -1)


# ---------------------------------------------------------------- the generator

def fmt_values(fmt):
    p, emin, emax = FORMATS[fmt]
    largest = (2 - 2.0 ** (1 - p)) * 2.0 ** emax
    least_sub = 2.0 ** (emin - p + 1)
    least_normal = 2.0 ** emin
    return largest, least_sub, least_normal


def to_format(x, fmt):
    """x (a float) rounded to the format's nearest value (a float), saturating to ±largest."""
    largest, _, _ = fmt_values(fmt)
    if x != x or x in (float("inf"), float("-inf")):
        return x
    if abs(x) >= largest:
        return largest if x > 0 else -largest
    r = round_exact(Fraction(x), fmt)
    if r in (float("inf"), float("-inf")):
        return largest if x > 0 else -largest
    return float(r) if r != 0 else 0.0


def show(x):
    if x != x:
        return "nan"
    if x == float("inf"):
        return "inf"
    if x == float("-inf"):
        return "-inf"
    return x.hex()


def logit_value(rng, fmt):
    largest, least_sub, least_normal = fmt_values(fmt)
    kind = rng.random()
    if kind < 0.12:
        v = largest * rng.choice([1, 1, 0.5, 0.75, 0.999])
    elif kind < 0.35:
        v = rng.choice([1e3, 1e4, 1e5, 3e5, 1e5 / 3, 700, 745, 5e4, 2e3, 65504, 3e38, 1e300])
    elif kind < 0.45:
        v = least_sub * rng.choice([1, 2, 3, 1024]) if rng.random() < 0.5 else least_normal
    elif kind < 0.6:
        v = 0.0
    elif kind < 0.8:
        v = float(rng.randint(-20, 20))
    else:
        v = rng.uniform(-50, 50) * 10 ** rng.randint(-3, 4)
    v = v if rng.random() < 0.5 else -v
    return to_format(v, fmt)


def temperature_value(rng, fmt):
    largest, least_sub, least_normal = fmt_values(fmt)
    p, _, _ = FORMATS[fmt]
    kind = rng.random()
    if kind < 0.3:
        return 1.0
    choices = [least_sub, least_normal, largest, 1 + 2.0 ** (1 - p), 1 - 2.0 ** -p, 1e-3, 0.5, 2.0, 3.0,
               0.1, 1e3, 2.0 ** -10, 7.0, 1e-30, 1e30, 0.001000404357910156]
    v = rng.choice(choices) if kind < 0.85 else 10 ** rng.uniform(-8, 8)
    v = to_format(v, fmt)
    return v if v > 0 else least_sub


def target_vector(rng, fmt, n):
    largest, least_sub, _ = fmt_values(fmt)
    dyadic = [0.0, 0.25, 0.5, 1.0, 1.5, -0.5, 0.75, 2.0, -1.0, 0.125, 0.375, 3.0, 2.0 ** -24, 2.0 ** -55]
    kind = rng.randrange(8)
    if kind == 0:  # one-hot
        k = rng.randrange(n)
        t = [1.0 if i == k else 0.0 for i in range(n)]
    elif kind == 1:  # simple dyadics (boundary limits)
        t = [rng.choice(dyadic) for _ in range(n)]
    elif kind == 2:  # uniform
        t = [1.0 / n] * n
    elif kind == 3:  # random in [0, 1], unnormalized
        t = [rng.random() for _ in range(n)]
    elif kind == 4:  # zero-sum
        t = [rng.uniform(-2, 2) for _ in range(n)]
        if n >= 2:
            t[-1] = -sum(t[:-1])
        else:
            t = [0.0]
    elif kind == 5:  # negative / large
        t = [rng.uniform(-10, 10) * 10 ** rng.randint(-3, 3) for _ in range(n)]
    elif kind == 6:  # extremes of the format
        t = [rng.choice([0.0, least_sub, -least_sub, largest / 4, 1.0, 0.5, 1e-5]) for _ in range(n)]
    else:  # a normalized random distribution
        w = [rng.random() for _ in range(n)]
        s = sum(w)
        t = [x / s for x in w]
    return [to_format(x, fmt) for x in t]


def element_targets(rng, fmt, n):
    _, least_sub, _ = fmt_values(fmt)
    p, _, _ = FORMATS[fmt]
    pool = [0.0, 1.0, 0.5, 0.25, 0.75, least_sub, 1 - 2.0 ** -p, 2.0 ** -p, 1e-3]
    t = [rng.choice(pool) if rng.random() < 0.7 else rng.random() for _ in range(n)]
    return [min(max(to_format(x, fmt), 0.0), 1.0) for x in t]


def generate(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        fmt = rng.choice(list(FORMATS))
        f = rng.choice(ROW + ELEMENTWISE)
        req = {"function": f, "format": fmt}
        if f in ROW:
            n = rng.choice([1, 2, 2, 3, 3, 4, 4, 5, 6, 8, 9])
            palette = [logit_value(rng, fmt) for _ in range(rng.randint(1, 3))]
            z = [rng.choice(palette) for _ in range(n)]
            if rng.random() < 0.04:
                z[rng.randrange(n)] = rng.choice([float("inf"), float("-inf")])
            req["logits"] = [show(v) for v in z]
            if rng.random() < 0.7:
                req["temperature"] = show(temperature_value(rng, fmt))
            if f in TAKES_TARGET:
                if f != "mse_softmax_grad" and f != "mse_softmax" and rng.random() < 0.2 or rng.random() < 0.1:
                    req["target"] = rng.randrange(n)
                else:
                    req["targets"] = [show(v) for v in target_vector(rng, fmt, n)]
        else:
            n = rng.randint(1, 4)
            req["logits"] = [show(logit_value(rng, fmt)) for _ in range(n)]
            if f in TAKES_TARGET:
                req["targets"] = [show(v) for v in element_targets(rng, fmt, n)]
        print(json.dumps(req))


def generate_hard(count, seed):
    """Rows made to sit on rounding boundaries in the limit: tied maxima, the other logits e^(-1e3)
    ... e^(-3e5) below them (at the row's temperature), targets mostly simple dyadics."""
    rng = random.Random(seed)
    functions = ["cross_entropy_grad", "mse_softmax", "mse_softmax_grad", "cross_entropy", "softmax", "log_softmax", "logsumexp"]
    for _ in range(count):
        fmt = rng.choice(list(FORMATS))
        f = rng.choice(functions)
        largest, _, _ = fmt_values(fmt)
        T = to_format(rng.choice([1.0, 1.0, 3.0, 0.5, 2.0 ** -10, 1e-3, 0.1]), fmt)
        top = to_format(rng.choice([0.0, 0.0, 1.0, -1e3, 1e3, largest / 2]), fmt)
        n = rng.choice([2, 3, 3, 4, 4, 5, 6, 8])
        palette = [top]
        for _ in range(rng.randint(1, 2)):
            k = rng.choice([1e3, 2e3, 1e4, 3e4, 1e5, 3e5, 745.0, 1e5 / 3])
            palette.append(to_format(top - k * T, fmt))
        z = [top, top] + [rng.choice(palette) for _ in range(n - 2)]
        rng.shuffle(z)
        req = {"function": f, "format": fmt, "logits": [show(v) for v in z]}
        if T != 1.0:
            req["temperature"] = show(T)
        if f in TAKES_TARGET:
            if rng.random() < 0.6:
                dyadic = [0.0, 0.25, 0.5, 1.0, 1.5, -0.5, 0.75, 2.0, -1.0, 0.125, 0.375, 3.0, 2.0 ** -24, 2.0 ** -55]
                t = [rng.choice(dyadic) for _ in range(n)]
            else:
                t = target_vector(rng, fmt, n)
            req["targets"] = [show(to_format(v, fmt)) for v in t]
        print(json.dumps(req))


def verify(requests_path, answers_path, sample=None, seed=1):
    reqs = [json.loads(l) for l in open(requests_path)]
    answers = [json.loads(l) for l in open(answers_path)]
    assert len(reqs) == len(answers), "one answer per request"
    errors = [i for i, a in enumerate(answers) if "error" in a]
    for i in errors:
        print(f"line {i + 1}: ERROR {answers[i]['error']}\n  {json.dumps(reqs[i])}")
    indices = [i for i in range(len(reqs)) if i not in set(errors)]
    if sample is not None:
        indices = random.Random(seed).sample(indices, min(sample, len(indices)))
    checked = matched = skipped = undecided = timed_out = 0

    def alarm(signum, frame):
        raise TimeoutError()
    signal.signal(signal.SIGALRM, alarm)
    mismatches = []
    for i in indices:
        got = answers[i]["result"]
        got = got if isinstance(got, list) else [got]
        signal.alarm(SECONDS_PER_REQUEST)
        try:
            want = reference_values(reqs[i])
        except TimeoutError:
            timed_out += 1
            continue
        finally:
            signal.alarm(0)
        if want == "skip":
            skipped += 1
            continue
        checked += 1
        ok = True
        for k, w in enumerate(want):
            if w is None:
                undecided += 1
                continue
            g = answer_value(got[k], reqs[i]["format"])
            if g != w:
                ok = False
                mismatches.append((i, k, got[k], w))
                print(f"line {i + 1} output {k}: got {got[k]}, mpmath {float(w[0])} sign {w[1]}\n  {json.dumps(reqs[i])}", flush=True)
        matched += ok
        if checked % 25 == 0:
            print(f"... {checked} checked, {matched} match, {len(mismatches)} outputs differ, {undecided} undecided, {timed_out} timed out", flush=True)
    print(f"{len(reqs)} requests, {len(errors)} error answers; checked {checked} with mpmath "
          f"({skipped} with non-finite input skipped): {matched} match in every decided output, "
          f"{len(mismatches)} outputs differ, {undecided} outputs undecided within {CAP_BITS} bits; "
          f"{timed_out} requests not finished within {SECONDS_PER_REQUEST} s")
    return 1 if errors or mismatches else 0


if __name__ == "__main__":
    sys.set_int_max_str_digits(0)
    if sys.argv[1] == "generate":
        generate(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "generate-hard":
        generate_hard(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sample = int(sys.argv[4]) if len(sys.argv) > 4 else None
        seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
        sys.exit(verify(sys.argv[2], sys.argv[3], sample, seed))
