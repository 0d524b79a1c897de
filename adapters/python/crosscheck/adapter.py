"""Speak CrossCheck's JSON-lines protocol with a Python framework's softmax family.

    python -m crosscheck.adapter BACKEND                        # numpy, scipy, jax, jax-jit or torch
    python3 adapters/python/crosscheck_adapter.py BACKEND       # the same, from a clone

Reads one request per line on stdin and writes one answer line per request on stdout, flushed
after each, as `crosscheck eval` does (see the README's protocol section):

    {"function": "softmax", "format": "float32", "logits": ["1.5", "-inf"], "temperature": "0.5"}
    -> {"result": ["1.0", "0.0"]}

Inputs are read as exact values of the format (CrossCheck sends them); they are converted to the
backend's float16/float32/float64 arrays, the backend computes in that dtype as its users would, and
the results are written as the shortest decimal that reads back to the same value. A request the
backend cannot answer gets {"error": "..."} on its line, and the next line is answered as usual.

When the backend's framework is not installed the adapter says so on stderr and exits with
status 3 before reading anything, so `crosscheck audit --external` reports it at once.

Audit it with:
    crosscheck audit --external "python3 -m crosscheck.adapter numpy" --max-ulp 1
"""
import importlib
import sys

from .protocol import answer, format_number, parse_number  # noqa: F401  (re-exported for old callers)

#: backend name -> (module, framework, how to install it)
BACKENDS = {
    "numpy": ("crosscheck.backends.numpy_backend", "NumPy", "pip install numpy"),
    "scipy": ("crosscheck.backends.scipy_backend", "SciPy", "pip install scipy"),
    "jax": ("crosscheck.backends.jax_backend", "JAX", "pip install jax jaxlib"),
    "jax-jit": ("crosscheck.backends.jax_backend:JitBackend", "JAX", "pip install jax jaxlib"),
    "torch": ("crosscheck.backends.torch_backend", "PyTorch", "pip install torch (CPU wheels: --index-url https://download.pytorch.org/whl/cpu)"),
}


class BackendUnavailable(ImportError):
    """The backend's framework is not installed; the message says what to install."""


def import_backend(name):
    """The backend named `name` (a new instance), or BackendUnavailable / ValueError."""
    if name not in BACKENDS:
        raise ValueError("unknown backend %r; expected one of: %s" % (name, ", ".join(BACKENDS)))
    module, framework, install = BACKENDS[name]
    module, _, cls = module.partition(":")
    try:
        return getattr(importlib.import_module(module), cls or "Backend")()
    except ImportError as error:
        raise BackendUnavailable("the %s backend needs %s, which is not installed here (%s). Install it with: %s"
                                 % (name, framework, error, install)) from error


def load_backend(name):
    """Imports the backend, or exits (status 2 unknown, 3 framework missing) naming what is wrong."""
    try:
        return import_backend(name)
    except ValueError as error:
        sys.stderr.write("crosscheck_adapter: %s\n" % error)
        sys.exit(2)
    except BackendUnavailable as error:
        sys.stderr.write("crosscheck_adapter: %s\n" % error)
        sys.exit(3)


def serve(backend, stdin=None, stdout=None):
    """Answers every request line of `stdin` on `stdout`, flushing each answer."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        for line in stdin:
            stdout.write(answer(backend, line) + "\n")
            stdout.flush()
    except (BrokenPipeError, KeyboardInterrupt):  # the reader went away: nothing left to answer
        pass
    return 0


def main(argv=None):
    argv = sys.argv if argv is None else argv
    if len(argv) != 2:
        sys.stderr.write("usage: crosscheck_adapter.py {%s}\n" % "|".join(BACKENDS))
        return 2
    return serve(load_backend(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
