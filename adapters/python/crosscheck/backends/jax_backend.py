"""JAX: jax.nn and jax.scipy.special, with gradients from jax.grad (as training code gets them).

logsumexp is jax.nn.logsumexp, softmax/log_softmax/sigmoid are jax.nn's; CE is −log_softmax[y]
(what optax.softmax_cross_entropy_with_integer_labels computes) or −Σ tᵢ·log_softmax; BCE is
optax's sigmoid_binary_cross_entropy, −(t·log_sigmoid(x) + (1 − t)·log_sigmoid(−x)). Every
gradient is jax.grad of the loss with respect to the logits. Runs eagerly on CPU with 64-bit
types enabled; XLA may compute float16 operations in float32 inside a fused kernel.
"""
import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
import jax.numpy as jnp  # noqa: E402

DTYPES = {"float16": jnp.float16, "float32": jnp.float32, "float64": jnp.float64}


class Backend:
    name = "jax"
    # Eager JAX compiles every operation for every new shape and keeps it; audits bring many
    # shapes, so the caches are cleared now and then to keep memory bounded (results unchanged).
    CLEAR_EVERY = 2000

    def __init__(self):
        self.count = 0

    def evaluate(self, function, fmt, logits, temperature, target):
        self.count += 1
        if self.count % self.CLEAR_EVERY == 0:
            jax.clear_caches()
        dt = DTYPES[fmt]
        z = jnp.asarray(logits, dtype=dt)
        if function in ELEMENTWISE:
            t = jnp.asarray(target, dtype=dt) if target is not None else None
            result = ELEMENTWISE[function](z, t)
        else:
            T = jnp.asarray(temperature, dtype=dt)
            t = None
            if target is not None:
                t = jax.nn.one_hot(target, len(logits), dtype=dt) if isinstance(target, int) else jnp.asarray(target, dtype=dt)
            result = ROW[function](z, T, t, target)
        return [float(v) for v in jnp.ravel(result).astype(dt).tolist()] if jnp.ndim(result) else float(result.astype(dt))


def cross_entropy(z, T, t, target):
    ls = jax.nn.log_softmax(z / T)
    if isinstance(target, int):
        return -ls[target]
    return -jnp.sum(t * ls)


def mse_softmax(z, T, t, target):
    return jnp.sum((jax.nn.softmax(z / T) - t) ** 2)


def bce(x, t):
    return -(t * jax.nn.log_sigmoid(x) + (1 - t) * jax.nn.log_sigmoid(-x))


def mse_sigmoid(x, t):
    return (jax.nn.sigmoid(x) - t) ** 2


ROW = {
    "logsumexp": lambda z, T, t, y: jax.nn.logsumexp(z / T),
    "softmax": lambda z, T, t, y: jax.nn.softmax(z / T),
    "log_softmax": lambda z, T, t, y: jax.nn.log_softmax(z / T),
    "cross_entropy": cross_entropy,
    "cross_entropy_grad": lambda z, T, t, y: jax.grad(cross_entropy)(z, T, t, y),
    "mse_softmax": mse_softmax,
    "mse_softmax_grad": lambda z, T, t, y: jax.grad(mse_softmax)(z, T, t, y),
}

ELEMENTWISE = {
    "sigmoid": lambda x, t: jax.nn.sigmoid(x),
    "bce_with_logits": bce,
    "bce_with_logits_grad": lambda x, t: jax.grad(lambda v: jnp.sum(bce(v, t)))(x),
    "mse_sigmoid": mse_sigmoid,
    "mse_sigmoid_grad": lambda x, t: jax.grad(lambda v: jnp.sum(mse_sigmoid(v, t)))(x),
}
