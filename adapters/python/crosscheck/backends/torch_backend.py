"""PyTorch: torch's logsumexp, softmax, log_softmax, sigmoid, F.cross_entropy and
F.binary_cross_entropy_with_logits, with gradients from autograd (as training code gets them).

CE with a class index is F.cross_entropy(z/T, y); with a target vector, F.cross_entropy with
probabilities (−Σ tᵢ·log_softmax). MSE is ((softmax − t)²).sum(). Runs on the CPU, in the
request's dtype (torch computes some float16 and bfloat16 CPU operations in float32 internally).
Mixed and FP8 requests compute in float32 (`protocol.compute_format`, as autocast does); torch's
float8 dtypes are storage formats without softmax kernels, so FP8 results are float32 results
rounded once to the FP8 format.
"""
import torch
import torch.nn.functional as F

DTYPES = {"float16": torch.float16, "float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}


class Backend:
    name = "torch"

    def __init__(self):
        torch.set_num_threads(1)

    def evaluate(self, function, fmt, logits, temperature, target):
        dt = DTYPES[fmt]
        z = torch.tensor(logits, dtype=dt, requires_grad=function.endswith("_grad"))
        if function in ELEMENTWISE:
            t = torch.tensor(target, dtype=dt) if target is not None else None
            result = ELEMENTWISE[function](z, t)
        else:
            T = torch.tensor(temperature, dtype=dt)
            t = None
            if target is not None:
                if isinstance(target, int):
                    t = torch.zeros(len(logits), dtype=dt)
                    t[target] = 1
                else:
                    t = torch.tensor(target, dtype=dt)
            result = ROW[function](z, T, t, target)
        result = result.detach().to(dt)
        return [float(v) for v in result.reshape(-1).tolist()] if result.dim() else float(result)


def grad(loss, z):
    (g,) = torch.autograd.grad(loss, z)
    return g


def cross_entropy(z, T, t, target):
    x = (z / T).unsqueeze(0)
    if isinstance(target, int):
        return F.cross_entropy(x, torch.tensor([target]))
    return F.cross_entropy(x, t.unsqueeze(0))


def mse_softmax(z, T, t, target):
    return ((torch.softmax(z / T, dim=0) - t) ** 2).sum()


def bce(x, t):
    return F.binary_cross_entropy_with_logits(x, t, reduction="none")


def mse_sigmoid(x, t):
    return (torch.sigmoid(x) - t) ** 2


ROW = {
    "logsumexp": lambda z, T, t, y: torch.logsumexp(z / T, dim=0),
    "softmax": lambda z, T, t, y: torch.softmax(z / T, dim=0),
    "log_softmax": lambda z, T, t, y: torch.log_softmax(z / T, dim=0),
    "cross_entropy": cross_entropy,
    "cross_entropy_grad": lambda z, T, t, y: grad(cross_entropy(z, T, t, y), z),
    "mse_softmax": mse_softmax,
    "mse_softmax_grad": lambda z, T, t, y: grad(mse_softmax(z, T, t, y), z),
}

ELEMENTWISE = {
    "sigmoid": lambda x, t: torch.sigmoid(x),
    "bce_with_logits": bce,
    "bce_with_logits_grad": lambda x, t: grad(bce(x, t).sum(), x),
    "mse_sigmoid": mse_sigmoid,
    "mse_sigmoid_grad": lambda x, t: grad(mse_sigmoid(x, t).sum(), x),
}
