"""JAX: jax.nn and jax.scipy.special, with gradients from jax.grad (as training code gets them).

logsumexp is jax.nn.logsumexp, softmax/log_softmax/sigmoid are jax.nn's; CE is −log_softmax[y]
(what optax.softmax_cross_entropy_with_integer_labels computes) or −Σ tᵢ·log_softmax; BCE is
optax's sigmoid_binary_cross_entropy, −(t·log_sigmoid(x) + (1 − t)·log_sigmoid(−x)). Every
gradient is jax.grad of the loss with respect to the logits. On CPU with 64-bit types enabled.

Two backends: `jax` runs every operation eagerly (op by op, as before); `jax-jit` runs each function
under jax.jit, as training code usually does. They do not always agree: XLA rewrites and fuses a
jitted function (e.g. it may compute float16 in float32 inside a fused kernel, or form z/T − max
differently), so jit can overflow to inf or NaN where the eager operations do not — on 540 audit
requests, 19 answers differed in their NaN/inf pattern and 62 more in value.

Row lengths are bucketed. JAX compiles for every new shape, and an audit brings rows of every
length from 1 to 2,048 (a check up to 32,768): eager JAX compiled every operation of nearly every
request afresh for its length. A row of n values is now padded to the next power of two, so each
operation (eager) or function (jit) is compiled once per dtype, padded length and kind of target
(at most 16 lengths):
- logits are padded with −inf: their exponentials are exactly 0, so the max, Σ exp (LSE, softmax,
  log_softmax) and the gradients through them are those of the row; vector results are sliced back
  to the row's n values;
- the sums over a target vector (CE with soft targets, MSE) see the padded places as −0.0, the
  identity of floating-point addition (never 0·(−inf) = NaN, and −0 + −0 stays −0); padded targets
  are 0, a class index is taken with jnp.take (no compile per index value);
- elementwise inputs and targets are padded with 0 and the results sliced back (each element is
  computed alone).
What padding can still change is the order in which XLA adds a row's terms (its vectorised reduction
depends on the length), i.e. the rounding of Σ, not what is summed.
"""
import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

DTYPES = {"float16": jnp.float16, "float32": jnp.float32, "float64": jnp.float64, "bfloat16": jnp.bfloat16}


def bucket(n):
    """The padded length of a row of n values: the next power of two."""
    return 1 << max(0, n - 1).bit_length()


class Backend:
    """Eager JAX (`jax`): each operation dispatched on its own, compiled once per padded shape."""

    name = "jax"
    jit = False

    def __init__(self):
        self.compiled = {}

    def jitted(self, function, *key):
        """The function (jax.jit of it for `jax-jit`, one per function, dtype, padded length and target kind)."""
        f = ELEMENTWISE[function] if function in ELEMENTWISE else ROW[function]
        if not self.jit:
            return f
        key = (function,) + key
        compiled = self.compiled.get(key)
        if compiled is None:
            compiled = self.compiled[key] = jax.jit(f)
        return compiled

    def evaluate(self, function, fmt, logits, temperature, target):
        dt = DTYPES[fmt]
        n = len(logits)
        size = bucket(n)
        elementwise = function in ELEMENTWISE
        z = np.full(size, 0 if elementwise else -np.inf, dtype=dt)
        z[:n] = logits
        if not self.jit:
            z = jnp.asarray(z)
        if elementwise:
            t = None
            if target is not None:
                t = np.zeros(size, dtype=dt)
                t[:n] = target
            if t is not None and not self.jit:
                t = jnp.asarray(t)
            result = self.jitted(function, fmt, size, t is not None)(z, t)
        else:
            T = np.asarray(temperature, dtype=dt)
            mask = np.arange(size) < n
            t = y = None
            if target is not None:
                t = np.zeros(size, dtype=dt)
                if isinstance(target, int):
                    t[target] = 1  # what jax.nn.one_hot(y, n) gives
                    y = np.asarray(target, dtype=np.int32)
                else:
                    t[:n] = target
            kind = None if t is None else ("index" if y is not None else "vector")
            if not self.jit:
                T, mask = jnp.asarray(T), jnp.asarray(mask)
                t = None if t is None else jnp.asarray(t)
                y = None if y is None else jnp.asarray(y)
            result = self.jitted(function, fmt, size, kind)(z, T, t, y, mask)
        result = np.asarray(result).astype(dt)
        if result.ndim:
            return [float(v) for v in result[:n]]
        return float(result)


class JitBackend(Backend):
    """Jitted JAX (`jax-jit`): each function compiled whole by XLA, once per padded shape."""

    name = "jax-jit"
    jit = True


def masked_sum(v, mask):
    """Σ over the row's places; padded places add −0.0, which changes no sum."""
    return jnp.sum(jnp.where(mask, v, jnp.asarray(-0.0, dtype=v.dtype)))


def cross_entropy(z, T, t, y, mask):
    ls = jax.nn.log_softmax(z / T)
    if y is not None:
        return -jnp.take(ls, y)
    return -masked_sum(t * ls, mask)


def mse_softmax(z, T, t, y, mask):
    return masked_sum((jax.nn.softmax(z / T) - t) ** 2, mask)


def bce(x, t):
    return -(t * jax.nn.log_sigmoid(x) + (1 - t) * jax.nn.log_sigmoid(-x))


def mse_sigmoid(x, t):
    return (jax.nn.sigmoid(x) - t) ** 2


ROW = {
    "logsumexp": lambda z, T, t, y, m: jax.nn.logsumexp(z / T),
    "softmax": lambda z, T, t, y, m: jax.nn.softmax(z / T),
    "log_softmax": lambda z, T, t, y, m: jax.nn.log_softmax(z / T),
    "cross_entropy": cross_entropy,
    "cross_entropy_grad": lambda z, T, t, y, m: jax.grad(cross_entropy)(z, T, t, y, m),
    "mse_softmax": mse_softmax,
    "mse_softmax_grad": lambda z, T, t, y, m: jax.grad(mse_softmax)(z, T, t, y, m),
}

ELEMENTWISE = {
    "sigmoid": lambda x, t: jax.nn.sigmoid(x),
    "bce_with_logits": bce,
    "bce_with_logits_grad": lambda x, t: jax.grad(lambda v: jnp.sum(bce(v, t)))(x),
    "mse_sigmoid": mse_sigmoid,
    "mse_sigmoid_grad": lambda x, t: jax.grad(lambda v: jnp.sum(mse_sigmoid(v, t)))(x),
}
