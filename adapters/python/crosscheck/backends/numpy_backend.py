"""NumPy: the textbook max-shifted formulas, written in NumPy in the request's dtype.

NumPy has no softmax of its own; this is the code people write with it (and what most
hand-written kernels do): x = z/T, m = max x, LSE = m + log Σ exp(x − m), softmax = e/Σe,
log_softmax = x − LSE, CE = LSE − x_y (or Σ tᵢ(LSE − xᵢ)), σ(x) = 1/(1 + e⁻ˣ), and the
numerically stable BCE max(x, 0) − t·x + log1p(e^−|x|). Every operation rounds to the dtype
(NumPy computes float16 operations in float32 and rounds each result).

bfloat16 is ml_dtypes' (what JAX arrays hold): NumPy rounds every bfloat16 operation to bfloat16.
"""
import numpy as np

from ..protocol import numpy_dtype


class Backend:
    name = "numpy"

    def evaluate(self, function, fmt, logits, temperature, target):
        dt = numpy_dtype(fmt).type
        with np.errstate(all="ignore"):
            z = np.array(logits, dtype=dt)
            if function in ELEMENTWISE:
                t = np.array(target, dtype=dt) if target is not None else None
                return ELEMENTWISE[function](z, t)
            T = dt(temperature)
            x = z / T
            t = one_hot(target, len(logits), dt)
            return ROW[function](x, T, t, target)


def one_hot(target, n, dt):
    if target is None:
        return None
    if isinstance(target, int):
        t = np.zeros(n, dtype=dt)
        t[target] = 1
        return t
    return np.array(target, dtype=dt)


def lse(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def cross_entropy(x, T, t, target):
    if isinstance(target, int):
        return lse(x) - x[target]
    return np.sum(t * (lse(x) - x))


def sigmoid(x):
    one = x.dtype.type(1)
    return one / (one + np.exp(-x))


ROW = {
    "logsumexp": lambda x, T, t, y: lse(x),
    "softmax": lambda x, T, t, y: softmax(x),
    "log_softmax": lambda x, T, t, y: x - lse(x),
    "cross_entropy": cross_entropy,
    "cross_entropy_grad": lambda x, T, t, y: (np.sum(t) * softmax(x) - t) / T,
    "mse_softmax": lambda x, T, t, y: np.sum((softmax(x) - t) ** 2),
    "mse_softmax_grad": lambda x, T, t, y: (lambda p: 2 * p * ((p - t) - np.sum((p - t) * p)) / T)(softmax(x)),
}

ELEMENTWISE = {
    "sigmoid": lambda x, t: sigmoid(x),
    "bce_with_logits": lambda x, t: np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x))),
    "bce_with_logits_grad": lambda x, t: sigmoid(x) - t,
    "mse_sigmoid": lambda x, t: (sigmoid(x) - t) ** 2,
    "mse_sigmoid_grad": lambda x, t: (lambda s: 2 * (s - t) * s * (1 - s))(sigmoid(x)),
}
