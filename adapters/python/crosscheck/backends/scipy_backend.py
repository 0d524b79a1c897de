"""SciPy: scipy.special's logsumexp, softmax, log_softmax, expit and log_expit.

Losses are composed from them as SciPy users write them: CE = −log_softmax[y] (or −Σ tᵢ·log_softmax),
BCE = −(t·log_expit(x) + (1 − t)·log_expit(−x)); gradients from softmax and expit. SciPy may
compute in a wider type than the request's (float16 has few special-function loops); results are
rounded to the request's dtype, as a user's array would be.
"""
import numpy as np
from scipy import special

DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64}


class Backend:
    name = "scipy"

    def evaluate(self, function, fmt, logits, temperature, target):
        dt = DTYPES[fmt]
        with np.errstate(all="ignore"):
            z = np.array(logits, dtype=dt)
            if function in ELEMENTWISE:
                t = np.array(target, dtype=dt) if target is not None else None
                result = ELEMENTWISE[function](z, t)
            else:
                T = dt(temperature)
                x = z / T
                t = None
                if target is not None:
                    t = np.zeros(len(logits), dtype=dt) if isinstance(target, int) else np.array(target, dtype=dt)
                    if isinstance(target, int):
                        t[target] = 1
                result = ROW[function](x, T, t, target)
            return np.asarray(result).astype(dt)


def cross_entropy(x, T, t, target):
    ls = special.log_softmax(x)
    if isinstance(target, int):
        return -ls[target]
    return -np.sum(t * ls)


ROW = {
    "logsumexp": lambda x, T, t, y: special.logsumexp(x),
    "softmax": lambda x, T, t, y: special.softmax(x),
    "log_softmax": lambda x, T, t, y: special.log_softmax(x),
    "cross_entropy": cross_entropy,
    "cross_entropy_grad": lambda x, T, t, y: (np.sum(t) * special.softmax(x) - t) / T,
    "mse_softmax": lambda x, T, t, y: np.sum((special.softmax(x) - t) ** 2),
    "mse_softmax_grad": lambda x, T, t, y: (lambda p: 2 * p * ((p - t) - np.sum((p - t) * p)) / T)(special.softmax(x)),
}

ELEMENTWISE = {
    "sigmoid": lambda x, t: special.expit(x),
    "bce_with_logits": lambda x, t: -(t * special.log_expit(x) + (1 - t) * special.log_expit(-x)),
    "bce_with_logits_grad": lambda x, t: special.expit(x) - t,
    "mse_sigmoid": lambda x, t: (special.expit(x) - t) ** 2,
    "mse_sigmoid_grad": lambda x, t: (lambda s: 2 * (s - t) * s * (1 - s))(special.expit(x)),
}
