#!/usr/bin/env python3
"""Expected casts float64 -> {bfloat16, float8_e4m3fn, float8_e5m2} -> float64, computed by ml_dtypes.

Independent of CrossCheck's MPFR rounding (IEEEBinaryFormat): ml_dtypes is what JAX and PyTorch
users' arrays are cast with. Inputs per format: every finite value of the FP8 formats (and a
sample of bfloat16's), the midpoints between neighbours and the doubles just beside each midpoint
(ties and near-ties decide the rounding), values beyond the largest finite one, below half the
least subnormal, ±0, ±inf and NaN.

    pip install ml_dtypes numpy
    python3 Fixtures/formats/generate_casts.py > Fixtures/formats/ml_dtypes_casts.jsonl
"""
import json
import random

import ml_dtypes
import numpy as np

FORMATS = {
    "float8_e4m3fn": (ml_dtypes.float8_e4m3fn, np.uint8),
    "float8_e5m2": (ml_dtypes.float8_e5m2, np.uint8),
    "bfloat16": (ml_dtypes.bfloat16, np.uint16),
}


def finite_values(dtype, bits_type):
    n = 1 << (8 * np.dtype(bits_type).itemsize)
    v = np.arange(n, dtype=np.uint64).astype(bits_type).view(dtype).astype(np.float64)
    return np.unique(v[np.isfinite(v)])


def inputs(name, dtype, bits_type):
    values = finite_values(dtype, bits_type)
    if name == "bfloat16":  # every value near the ends of the range and near 1, a sample elsewhere
        rng = random.Random(2026)
        keep = set(range(0, 300)) | set(range(len(values) - 300, len(values)))
        keep |= {i for i in range(len(values)) if abs(values[i]) in (1.0, 2.0, 0.5) or 0.25 < abs(values[i]) < 4 and rng.random() < 0.02}
        keep |= set(rng.sample(range(len(values)), 800))
        values = values[sorted(keep)]
    xs = set(values.tolist())
    for a, b in zip(values[:-1], values[1:]):
        m = (a + b) / 2
        xs.update([m, np.nextafter(m, -np.inf), np.nextafter(m, np.inf)])
    top = float(values[-1])
    xs.update([top * 1.03125, top * 1.0625, top * 1.07, top * 2, 1e300, -top * 1.0625, float("inf"), float("-inf"), 0.0, -0.0])
    least = float(min(abs(v) for v in values if v != 0))
    xs.update([least / 2, least / 2 * (1 + 2**-40), least / 2 * (1 - 2**-40), -least / 2, least / 4, 5e-324])
    return sorted(xs, key=lambda x: (x != x, x))


def main():
    for name, (dtype, bits_type) in FORMATS.items():
        xs = np.array(inputs(name, dtype, bits_type) + [float("nan")], dtype=np.float64)
        cast = xs.astype(dtype).astype(np.float64)
        for x, c in zip(xs.tolist(), cast.tolist()):
            print(json.dumps({"format": name, "x": float.hex(x), "cast": float.hex(c)}))


if __name__ == "__main__":
    main()
