#!/usr/bin/env python3
"""Independent re-check of the golden vectors in this directory.

    python3 Fixtures/golden/verify_golden.py [function ...]

Shares no code with generate_golden.py.  For every line it

* validates the request against the protocol (keys, exact input strings,
  target index / lengths, temperature > 0, elementwise targets in [0, 1]) and
  the shape of the answer;
* recomputes the result with plain mpmath (``mp``, no interval arithmetic) from
  the textbook formulas at a precision chosen from the dynamic range of the row
  (256 + 4.5 * max|z_i - z_j|/T + log2 max|z/T| bits), then again at twice that
  precision;
* checks the golden answer by comparing the high-precision value with the
  midpoints between the golden value and its two neighbours in the format
  (numpy.nextafter), i.e. a different rounding method from the generator's.

Non-finite inputs: NaN outputs are checked against the stated rules (rows: any
NaN input makes every output NaN; elementwise functions: a NaN x or t makes
that element NaN, and the other elements are recomputed as usual); other
lines with +-inf inputs are recomputed with +-inf replaced by +-M for two
values M >= 2^1164 far beyond every finite input, which approximates the limit.  Because the
generator emits +0 for a limit that is exactly 0 ("an exact 0 is +0") while the
substituted finite computation may approach 0 from below, a golden +0 is
accepted against a tiny negative value on such lines; these are counted as
"limit zero" in the summary.  Values that stay within the error margin of a
rounding midpoint at every precision are accepted as exact ties only if the
golden value is the even neighbour ("ties").  Lines whose dynamic range is too
large for textbook formulas (e.g. T = smallest subnormal, logits near the
format maximum with another logit far below; z/T gaps beyond 13000) are
checked with every exp(d) for d < -L replaced by exp(-L), for L = 2000 and
L = 4000 (both far below anything a format can resolve, even after a division
by the smallest T); the linear terms keep their true d.  These are counted as
"clamped".
"""

import glob
import json
import math
import os
import sys
import time
from fractions import Fraction

import numpy as np
from mpmath import mp, mpf

HERE = os.path.dirname(os.path.abspath(__file__))
FMTS = {"float16": (np.float16, 11, 15), "float32": (np.float32, 24, 127), "float64": (np.float64, 53, 1023)}
ROW = {"logsumexp", "softmax", "log_softmax", "cross_entropy", "cross_entropy_grad", "mse_softmax", "mse_softmax_grad"}
ROW_T = {"cross_entropy", "cross_entropy_grad", "mse_softmax", "mse_softmax_grad"}
ROW_VEC = {"softmax", "log_softmax", "cross_entropy_grad", "mse_softmax_grad"}
ELEM = {"sigmoid", "bce_with_logits", "bce_with_logits_grad", "mse_sigmoid", "mse_sigmoid_grad"}
MAX_PREC = 60000
CLAMPS = (2000, 4000)


class Bad(Exception):
    pass


def parse(s, fmt):
    if not isinstance(s, str):
        raise Bad("number not a string: %r" % (s,))
    v = float.fromhex(s) if s.lower().lstrip("+-").startswith("0x") else float(s)
    if math.isfinite(v):
        with np.errstate(over="ignore", under="ignore"):
            if float(FMTS[fmt][0](v)) != v:
                raise Bad("%r not exactly representable in %s" % (s, fmt))
    return v


def validate(req, ans):
    fn, fmt = req["function"], req["format"]
    allowed = {"function", "format", "logits", "temperature", "target", "targets"}
    if set(req) - allowed or fmt not in FMTS or fn not in ROW | ELEM:
        raise Bad("bad keys / function / format")
    z = [parse(s, fmt) for s in req["logits"]]
    if not z:
        raise Bad("empty logits")
    T = 1.0
    if "temperature" in req:
        if fn in ELEM:
            raise Bad("temperature on elementwise function")
        T = parse(req["temperature"], fmt)
        if not (math.isfinite(T) and T > 0):
            raise Bad("bad temperature")
    y = req.get("target")
    t = [parse(s, fmt) for s in req["targets"]] if "targets" in req else None
    if t is not None and len(t) != len(z):
        raise Bad("targets length")
    if fn in ROW_T:
        if (y is None) == (t is None):
            raise Bad("need exactly one of target / targets")
        if y is not None and not (type(y) is int and 0 <= y < len(z)):
            raise Bad("bad target index")
    elif fn in ROW or fn == "sigmoid":
        if y is not None or t is not None:
            raise Bad("unexpected target")
    else:
        if y is not None or t is None:
            raise Bad("elementwise loss needs targets")
        if any(not math.isnan(v) and not 0 <= v <= 1 for v in t):
            raise Bad("elementwise target outside [0, 1]")
    res = ans["result"]
    vector = fn in ROW_VEC or fn in ELEM
    if vector:
        if not isinstance(res, list) or len(res) != len(z):
            raise Bad("answer shape")
        g = [parse(s, fmt) for s in res]
    else:
        if not isinstance(res, str):
            raise Bad("answer shape")
        g = [parse(res, fmt)]
    if y is not None:
        t = [1.0 if i == y else 0.0 for i in range(len(z))]
    return fn, fmt, z, T, t, g


def expected_special(fn, z, t):
    """Outputs fixed by the NaN / multiple-inf / all -inf rules, else None."""
    n = len(z)
    vec = fn in ROW_VEC or fn in ELEM
    nan = [math.nan] * (n if vec else 1)
    if fn in ELEM:  # handled element by element in verify_line
        return None
    if any(math.isnan(v) for v in z) or (t is not None and any(math.isnan(v) for v in t)):
        return nan
    if fn in ROW:
        npinf = sum(1 for v in z if v == math.inf)
        nfin = sum(1 for v in z if math.isfinite(v))
        if npinf >= 2:
            return [math.inf] if fn == "logsumexp" else nan
        if npinf == 0 and nfin == 0:
            return [-math.inf] if fn == "logsumexp" else nan
    return None


def row_values(fn, a, T, t, clamp=None):
    """Textbook formulas, a = z/T already computed, at the current mp precision.

    With clamp = L, exp(a_i - max) is replaced by exp(max(a_i - max, -L)) (only
    inside exp; see the module docstring)."""
    mx = max(a)
    E = [mp.exp(x - mx if clamp is None else max(x - mx, -clamp)) for x in a]  # the usual max shift
    S = mp.fsum(E)
    ls = mp.log(S)  # LSE - max
    if fn == "logsumexp":
        return [mx + ls]
    if fn == "log_softmax":
        return [(x - mx) - ls for x in a]
    if fn == "cross_entropy":
        return [mp.fsum(ti * (ls - (x - mx)) for ti, x in zip(t, a) if ti != 0)]
    p = [e / S for e in E]
    if fn == "softmax":
        return p
    if fn == "cross_entropy_grad":
        st = mp.fsum(t)
        return [(st * pi - ti) / T for pi, ti in zip(p, t)]
    if fn == "mse_softmax":
        return [mp.fsum((pi - ti) ** 2 for pi, ti in zip(p, t))]
    if fn == "mse_softmax_grad":
        w = mp.fsum((pi - ti) * pi for pi, ti in zip(p, t))
        return [2 * pj * ((pj - tj) - w) / T for pj, tj in zip(p, t)]
    raise AssertionError(fn)


def elem_values(fn, xs, ts):
    out = []
    for i, x in enumerate(xs):
        s = 1 / (1 + mp.exp(-x))
        c = 1 / (1 + mp.exp(x))  # 1 - sigma(x), without cancellation
        if fn == "sigmoid":
            out.append(s)
            continue
        t = ts[i]
        if fn == "bce_with_logits":
            out.append((max(x, 0) - t * x) + mp.log1p(mp.exp(-abs(x))))
            continue
        g = ((1 - t) - c) if x >= 0 else (s - t)
        if fn == "bce_with_logits_grad":
            out.append(g)
        elif fn == "mse_sigmoid":
            out.append(g * g)
        else:
            out.append(2 * g * s * c)
    return out


def classify(v, g, fmt, prec):
    """'ok', 'bad' or 'near' (within the error margin of a rounding boundary)."""
    np_t, p, emax = FMTS[fmt]
    if math.isnan(g):
        return "ok" if mp.isnan(v) else "bad"
    if mp.isnan(v):
        return "bad"
    qmax = emax - p + 1
    fmax = float(np.finfo(np_t).max)
    min_sub = math.ldexp(1.0, 2 - emax - p)
    thr = mpf(fmax) + mpf(2) ** (qmax - 1)
    tol = abs(v) * mpf(2) ** (40 - prec)
    if math.isinf(g):
        w = v if g > 0 else -v
        if w > thr + tol:
            return "ok"
        return "near" if w >= thr - tol else "bad"
    if g == 0:
        half = mpf(min_sub) / 2
        if abs(v) > half + tol:
            return "bad"
        if abs(v) >= half - tol and v != 0:
            return "near"
        neg = math.copysign(1.0, g) < 0
        if v == 0:
            return "ok" if not neg else "zerosign"
        return "ok" if (v < 0) == neg else "bad"
    with np.errstate(over="ignore"):
        lo = float(np.nextafter(np_t(g), np_t(-math.inf)))
        hi = float(np.nextafter(np_t(g), np_t(math.inf)))
    if math.isinf(lo):
        lo = g - math.ldexp(1.0, qmax)
    if math.isinf(hi):
        hi = g + math.ldexp(1.0, qmax)
    mlo = (mpf(g) + mpf(lo)) / 2
    mhi = (mpf(g) + mpf(hi)) / 2
    if mlo + tol < v < mhi - tol:
        return "ok"
    if abs(v - mlo) <= tol or abs(v - mhi) <= tol:
        return "near"
    return "bad"


def is_even(g, fmt):
    if g == 0 or math.isinf(g):
        return True
    _, p, emax = FMTS[fmt]
    m, e = math.frexp(abs(g))  # g = m 2^e, 1/2 <= m < 1
    q = max(e - p, 2 - emax - p)
    return (Fraction(abs(g)) / Fraction(2) ** q).numerator % 2 == 0


def verify_line(fn, fmt, z, T, t, g, stats):
    if fn in ELEM:
        # Elementwise: a NaN x or t makes that element NaN, and only that one.
        bad = [math.isnan(z[i]) or (t is not None and math.isnan(t[i])) for i in range(len(z))]
        if any(bad):
            for i in range(len(z)):
                if bad[i] and not math.isnan(g[i]):
                    raise Bad("output %d should be NaN" % i)
            keep = [i for i in range(len(z)) if not bad[i]]
            stats["rule"] += 1
            if keep:
                sub = dict(checked=0, rule=0, clamped=0, ties=0, limitzero=0)
                verify_line(fn, fmt, [z[i] for i in keep], T, None if t is None else [t[i] for i in keep],
                            [g[i] for i in keep], sub)
                for k in ("ties", "limitzero"):
                    stats[k] += sub[k]
            return
    special = expected_special(fn, z, t)
    if special is not None:
        for a, b in zip(special, g):
            if not (math.isnan(a) and math.isnan(b) or a == b):
                raise Bad("special-rule mismatch: expected %r got %r" % (special, g))
        stats["rule"] += 1
        return
    has_inf = any(math.isinf(v) for v in z)
    big = max([0] + [int(mp.mag(mpf(x))) for x in z if math.isfinite(x) and x != 0])
    subs = [2 ** (max(1100, big) + 64), 2 ** (max(1100, big) + 128)] if has_inf else [None]
    fin = [x / mpf(T) for x in z if math.isfinite(x)] if fn in ROW else [mpf(x) for x in z if math.isfinite(x)]
    span, small, clamps = 0, 0, [None]
    if fn in ROW and fin:
        mx = max(fin)
        span = max(mx - x for x in fin)
        if 4.5 * span > MAX_PREC:
            clamps = CLAMPS
            stats["clamped"] += 1
            span = max(CLAMPS)
        span = float(span)
        small = max([0] + [-int(mp.mag(mx - x)) for x in fin if x != mx])
    mag = max((int(mp.mag(x)) for x in fin if x != 0), default=0)
    small = max([small] + [-int(mp.mag(x)) for x in fin if x != 0])
    for M, clamp in [(M, c) for M in subs for c in clamps]:
        magM = mag
        if M is not None:
            magM = max(mag, int(mp.mag(mpf(M) / mpf(T))))
        base = 256 + int(4.5 * span) + max(0, magM) + max(0, small)
        if base > MAX_PREC:
            raise Bad("precision needed for the check is too large")
        hist = [[] for _ in g]
        prec = base
        while True:
            mp.prec = prec
            zz = [mpf(x) if math.isfinite(x) else (mpf(M) if x > 0 else -mpf(M)) for x in z]
            if fn in ROW:
                Tm = mpf(T)
                vals = row_values(fn, [x / Tm for x in zz], Tm, [mpf(v) for v in t] if t else None, clamp)
                if fn not in ROW_VEC:
                    vals = vals[:1]
            else:
                vals = elem_values(fn, zz, [mpf(v) for v in t] if t else None)
            for i, (v, gi) in enumerate(zip(vals, g)):
                c = classify(v, gi, fmt, prec)
                if c == "bad" and M is not None and gi == 0 and math.copysign(1, gi) > 0 \
                        and abs(v) < mpf(2) ** -1100:
                    c = "limitzero"
                if c == "near" and gi == 0 and (v < 0) != (math.copysign(1, gi) < 0):
                    c = "bad"
                hist[i].append(c)
            if all(len(h) >= 2 and h[-1] == h[-2] in ("ok", "limitzero", "bad") for h in hist) \
                    or prec >= 8 * base:
                break
            prec *= 2
        for i, h in enumerate(hist):
            last = h[-1] if h[-1] == h[-2] else "undecided"
            if last == "ok":
                continue
            if last == "limitzero":
                stats["limitzero"] += 1
                continue
            if last == "near" and is_even(g[i], fmt):
                stats["ties"] += 1
                continue
            raise Bad("output %d: %s %r (golden %r, high-precision %s)"
                      % (i, last, h, g[i], mp.nstr(vals[i], 25)))
    stats["checked"] += 1


def main(argv):
    t0 = time.time()
    files = sorted(glob.glob(os.path.join(HERE, "*.jsonl")))
    if argv[1:]:
        files = [os.path.join(HERE, f + ".jsonl") for f in argv[1:]]
    failures = 0
    for path in files:
        t1 = time.time()
        stats = dict(checked=0, rule=0, clamped=0, ties=0, limitzero=0)
        n = 0
        for lineno, line in enumerate(open(path), 1):
            n += 1
            try:
                d = json.loads(line)
                if set(d) != {"request", "answer"} or set(d["answer"]) != {"result"}:
                    raise Bad("line keys")
                if d["request"]["function"] + ".jsonl" != os.path.basename(path):
                    raise Bad("function / file mismatch")
                verify_line(*validate(d["request"], d["answer"]), stats=stats)
            except (Bad, KeyError, ValueError) as e:
                failures += 1
                print("FAIL %s:%d: %s\n    %s" % (os.path.basename(path), lineno, e, line.strip()[:300]))
        print("%-28s %4d lines: %4d recomputed (%d clamped), %3d by rule, "
              "%2d exact-tie outputs, %2d limit-zero outputs, %.1fs"
              % (os.path.basename(path), n, stats["checked"], stats["clamped"], stats["rule"],
                 stats["ties"], stats["limitzero"], time.time() - t1))
    print("%s, %.1fs" % ("ALL OK" if not failures else "%d FAILURES" % failures, time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
