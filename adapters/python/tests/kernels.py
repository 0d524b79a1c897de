"""Kernels the tests check: one that holds the catalog, one with the textbook mistake."""
import numpy as np


def correct_softmax(z, temperature=1.0):
    """softmax(z/T) with the README's limit semantics, computed in float64 and rounded once to z's dtype
    (within 1 ulp in float16 and float32)."""
    x = z.astype(np.float64)
    n = len(x)
    plus = np.isposinf(x)
    if np.isnan(x).any() or plus.sum() > 1 or np.isneginf(x).all():
        return np.full(n, np.nan, dtype=z.dtype)
    if plus.sum() == 1:
        return plus.astype(z.dtype)
    with np.errstate(all="ignore"):  # gaps exact for float16/float32 inputs; huge ones overflow to -inf
        e = np.exp((x - x.max()) / np.float64(temperature))
        return (e / np.sum(e)).astype(z.dtype)


def naive_softmax(z):
    """The textbook mistake: no max subtraction (and no temperature parameter)."""
    with np.errstate(all="ignore"):
        e = np.exp(z)
        return e / np.sum(e)
