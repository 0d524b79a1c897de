"""Serving a Python callable to `crosscheck --external` through a relay process.

`crosscheck check/audit --external CMD` starts CMD as its child and speaks the protocol on its
stdin/stdout. The callable lives in this process, so CMD is the relay (`_relay.py`), which forwards
each line to a Unix domain socket that this process serves, in a private temporary directory
(mode 0700). `CallableServer` is a context manager: on exit it closes the socket and every
connection (so any relay still running reads end-of-file and exits) and removes the directory.
"""
import inspect
import os
import shlex
import shutil
import socket
import sys
import tempfile
import threading

from . import protocol

RELAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_relay.py")
INPUTS = ("numpy", "torch", "jax")


class CallableError(Exception):
    """The user's callable raised, or returned something that is not an answer."""


def _takes_temperature(fn):
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "temperature" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _name(fn):
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


class CallableBackend:
    """Answers requests for some functions of the family with plain Python callables.

    `functions` maps a protocol function name to the callable computing it. Each callable gets NumPy
    arrays (or torch tensors / JAX arrays with `input="torch"`/`"jax"`) in the request's dtype:

    - sigmoid: fn(x); the elementwise losses: fn(x, t)
    - logsumexp, softmax, log_softmax: fn(z) or fn(z, temperature=T)
    - the row losses and their gradients: fn(z, target) or fn(z, target, temperature=T), where the
      target is an int class index or an array of per-class targets

    A callable with a `temperature` parameter (or **kwargs) gets T, a scalar of the dtype (1 when
    the request has none). One without is called on z / T computed in the dtype, as
    `softmax(logits / T)` is written (for T = 1 exactly z), and a gradient it returns (with respect
    to z / T) is divided by T in the dtype, as autograd's chain rule does. The result is rounded to
    the dtype; a vector result must have one value per logit. A request for a function that has no
    callable, and any exception, get an {"error": ...} answer naming the callable.
    """

    def __init__(self, functions, input="numpy", takes_temperature=None):
        for f in functions:
            if f not in protocol.FUNCTIONS:
                raise ValueError("unknown function %r; expected one of: %s" % (f, ", ".join(sorted(protocol.FUNCTIONS))))
        if input not in INPUTS:
            raise ValueError("input must be one of %s, got %r" % (", ".join(INPUTS), input))
        self.functions = dict(functions)
        self.input = input
        self.takes_temperature = {f: (_takes_temperature(fn) if takes_temperature is None else bool(takes_temperature))
                                  for f, fn in self.functions.items()}
        self.lock = threading.Lock()  # user code need not be thread-safe: one call at a time

    def _convert(self, array):
        if self.input == "torch":
            import torch

            return torch.from_numpy(array)
        if self.input == "jax":
            import jax.numpy as jnp

            return jnp.asarray(array)
        return array

    def evaluate(self, function, fmt, logits, temperature, target):
        import numpy as np

        fn = self.functions.get(function)
        if fn is None:
            raise CallableError("no callable for %s here (this run checks %s)" % (function, ", ".join(sorted(self.functions))))
        dt = protocol.numpy_dtype(fmt)
        z = np.array(logits, dtype=dt)
        args = []
        kwargs = {}
        T = dt.type(temperature)
        divide = False
        with np.errstate(all="ignore"):
            if function in protocol.ROW_FUNCTIONS:
                if self.takes_temperature[function]:
                    kwargs["temperature"] = T
                elif temperature != 1:
                    z = z / T
                    divide = function in protocol.GRADIENT_FUNCTIONS
            args.append(self._convert(z))
            if function in protocol.TARGET_FUNCTIONS:
                if target is None:
                    raise CallableError("%s needs a target" % function)
                args.append(target if isinstance(target, int) else self._convert(np.array(target, dtype=dt)))
        with self.lock:
            try:
                result = fn(*args, **kwargs)
            except Exception as error:
                raise CallableError("%s raised %s: %s" % (_name(fn), type(error).__name__, error)) from error
        if hasattr(result, "detach"):  # a torch tensor
            result = result.detach().cpu().numpy()
        try:
            r = np.asarray(result)
            with np.errstate(all="ignore"):
                r = r.astype(dt)
                if divide:
                    r = r / T
        except (TypeError, ValueError) as error:
            raise CallableError("%s returned %r, not numbers (%s)" % (_name(fn), type(result).__name__, error)) from error
        if function in protocol.SCALAR_FUNCTIONS:
            if r.size != 1:
                raise CallableError("%s returned shape %s for %s, expected a scalar" % (_name(fn), r.shape, function))
            return float(r.reshape(()))
        if r.size != len(logits):
            raise CallableError("%s returned shape %s for %s of %d logits, expected one value per logit"
                                % (_name(fn), r.shape, function, len(logits)))
        return r.reshape(-1).astype(np.float64).tolist()


class CallableServer:
    """Serves `backend` on a Unix socket in a private temporary directory; `command` starts a relay to it.

        with CallableServer(backend) as server:
            subprocess.run([binary, "check", "--external", server.command, ...], env=server.environment())
    """

    def __init__(self, backend):
        self.backend = backend
        self.directory = None
        self.path = None
        self._listener = None
        self._closed = threading.Event()
        self._connections = []
        self._threads = []
        self._guard = threading.Lock()
        self.requests = 0

    def __enter__(self):
        self.directory = tempfile.mkdtemp(prefix="crosscheck-")  # mode 0700: only this user can connect
        self.path = os.path.join(self.directory, "relay.sock")
        if len(self.path.encode()) > 100:  # sun_path holds about 107 bytes
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = tempfile.mkdtemp(prefix="crosscheck-", dir="/tmp")
            self.path = os.path.join(self.directory, "relay.sock")
        try:
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(self.path)
            self._listener.listen(16)
            self._listener.settimeout(0.2)
            accept = threading.Thread(target=self._accept, name="crosscheck-accept", daemon=True)
            accept.start()
            self._threads.append(accept)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def command(self):
        """The --external command: the relay, run by this Python, replacing the shell (exec)."""
        return "exec %s -I -S %s %s" % (shlex.quote(sys.executable), shlex.quote(RELAY), shlex.quote(self.path))

    def environment(self, base=None):
        """The environment for the crosscheck process: TMPDIR inside the private directory, so the
        files it keeps there (the external command's stderr) are removed with it."""
        env = dict(os.environ if base is None else base)
        env["TMPDIR"] = self.directory
        return env

    def _accept(self):
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            connection.settimeout(None)
            with self._guard:
                if self._closed.is_set():
                    connection.close()
                    return
                self._connections.append(connection)
                worker = threading.Thread(target=self._serve, args=(connection,), name="crosscheck-serve", daemon=True)
                self._threads.append(worker)
            worker.start()

    def _serve(self, connection):
        try:
            stream = connection.makefile("rwb")
            for line in stream:
                self.requests += 1
                reply = protocol.answer(self.backend, line.decode("utf-8", "replace"))
                stream.write(reply.encode() + b"\n")
                stream.flush()
        except (OSError, ValueError):  # closed under us (close()) or the relay went away
            pass
        finally:
            try:
                connection.close()
            except OSError:
                pass

    def close(self):
        """Stops serving: closes the socket and every connection (relays exit), removes the directory."""
        self._closed.set()
        with self._guard:
            connections, self._connections = self._connections, []
        for c in connections:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for t in self._threads:
            # A callable stuck in user code cannot be interrupted; its daemon thread is left to finish.
            t.join(timeout=1.0)
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
