"""The backends behind `python3 adapters/python/crosscheck_adapter.py BACKEND` (and python -m crosscheck.adapter)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from crosscheck.protocol import FUNCTIONS, SCALAR_FUNCTIONS, answer

SHIM = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "crosscheck_adapter.py")

REQUESTS = [
    {"function": "logsumexp", "format": "float32", "logits": ["1", "2", "3"], "temperature": "0.5"},
    {"function": "softmax", "format": "float16", "logits": ["1", "2", "3"]},
    {"function": "log_softmax", "format": "float64", "logits": ["1", "-inf", "3"]},
    {"function": "cross_entropy", "format": "float32", "logits": ["2", "1", "0.5"], "target": 0},
    {"function": "cross_entropy", "format": "float32", "logits": ["2", "1", "-inf"], "targets": ["0.5", "0.5", "0"]},
    {"function": "cross_entropy_grad", "format": "float32", "logits": ["2", "1", "0.5"], "target": 2, "temperature": "2"},
    {"function": "mse_softmax", "format": "float64", "logits": ["2", "1", "0.5"], "targets": ["0.25", "0.5", "0.25"]},
    {"function": "mse_softmax_grad", "format": "float64", "logits": ["2", "1", "0.5"], "target": 1},
    {"function": "sigmoid", "format": "float16", "logits": ["-3", "0", "3"]},
    {"function": "bce_with_logits", "format": "float32", "logits": ["3", "-1"], "targets": ["1", "0.25"]},
    {"function": "bce_with_logits_grad", "format": "float32", "logits": ["3", "-1"], "targets": ["1", "0.25"]},
    {"function": "mse_sigmoid", "format": "float64", "logits": ["3", "-1"], "targets": ["1", "0.25"]},
    {"function": "mse_sigmoid_grad", "format": "float64", "logits": ["3", "-1"], "targets": ["1", "0.25"]},
]
assert {r["function"] for r in REQUESTS} == FUNCTIONS


def expected_shape(request):
    return None if request["function"] in SCALAR_FUNCTIONS else len(request["logits"])


def answers(backend):
    return [json.loads(answer(backend, json.dumps(r))) for r in REQUESTS]


def check_answers(got, reference=None, rtol=1e-2):
    for request, a in zip(REQUESTS, got):
        assert "result" in a, (request, a)
        shape = expected_shape(request)
        assert (shape is None) == isinstance(a["result"], str), (request, a)
        if shape is not None:
            assert len(a["result"]) == shape
    if reference is not None:
        for request, a, r in zip(REQUESTS, got, reference):
            x = np.array(a["result"], dtype=np.float64)
            y = np.array(r["result"], dtype=np.float64)
            assert np.allclose(x, y, rtol=rtol, atol=1e-3, equal_nan=True), (request, a, r)


def numpy_answers():
    from crosscheck.backends.numpy_backend import Backend

    return answers(Backend())


def test_numpy_backend_answers_every_function():
    check_answers(numpy_answers())


def test_scipy_backend_agrees_with_numpy():
    pytest.importorskip("scipy")
    from crosscheck.backends.scipy_backend import Backend

    check_answers(answers(Backend()), numpy_answers())


def test_jax_backend_agrees_with_numpy():
    pytest.importorskip("jax")
    from crosscheck.backends.jax_backend import Backend

    check_answers(answers(Backend()), numpy_answers())


def ulps_apart(a, b, fmt):
    """How many values of `fmt` lie between the answers a and b; None when their NaN/inf/zero-sign pattern differs."""
    x = np.array(a, dtype=fmt).reshape(-1)
    y = np.array(b, dtype=fmt).reshape(-1)
    if not np.array_equal(np.isnan(x), np.isnan(y)) or not np.array_equal(np.isinf(x), np.isinf(y)):
        return None
    if not np.array_equal(np.signbit(x), np.signbit(y)):
        return None
    ints = {"float16": np.int16, "float32": np.int32, "float64": np.int64}[fmt]
    finite = np.isfinite(x)
    if not np.array_equal(x[~finite & ~np.isnan(x)], y[~finite & ~np.isnan(y)]):
        return None
    return int(np.max(np.abs(x[finite].view(ints).astype(np.int64) - y[finite].view(ints).astype(np.int64)), initial=0))


def test_jax_padding_does_not_change_the_answers():
    """Padded to a power of two vs padded 4 times further: the same NaN, inf and signs of zero
    (−inf logits, −0.0 in the sums), and values apart by at most the rounding of a reordered Σ."""
    pytest.importorskip("jax")
    from crosscheck.backends import jax_backend

    backend = jax_backend.Backend()
    original = jax_backend.bucket
    rows = [["1", "2", "3"], ["0", "-inf", "-inf"], ["inf", "1", "2"], ["inf", "inf", "0"], ["-inf", "-inf", "-inf"],
            ["nan", "1", "2"], ["1e30", "-1e30", "5"], ["0.5", "0.25", "0.125", "0.0625", "0.03125"], ["-0.0"]]
    same = differ = 0
    try:
        for function in sorted(FUNCTIONS):
            for fmt in ("float16", "float64"):
                for logits in rows:
                    for index in (True, False):
                        request = {"function": function, "format": fmt, "logits": logits}
                        if function in ("cross_entropy", "cross_entropy_grad", "mse_softmax", "mse_softmax_grad"):
                            request.update({"target": 0} if index else {"targets": ["0"] * (len(logits) - 1) + ["1"]})
                        elif function.startswith(("bce", "mse_sigmoid")):
                            request["targets"] = ["0.5" if index else "0"] * len(logits)
                        line = json.dumps(request)
                        jax_backend.bucket = original
                        a = json.loads(answer(backend, line))
                        jax_backend.bucket = lambda n: 4 * original(n)
                        b = json.loads(answer(backend, line))
                        assert "result" in a and "result" in b, (line, a, b)
                        apart = ulps_apart(a["result"], b["result"], fmt)
                        assert apart is not None and apart <= 2, (line, a, b)
                        same += apart == 0
                        differ += apart != 0
    finally:
        jax_backend.bucket = original
    assert differ <= same // 20, (same, differ)


def test_jax_jit_backend_agrees_with_numpy():
    pytest.importorskip("jax")
    from crosscheck.adapter import import_backend

    check_answers(answers(import_backend("jax-jit")), numpy_answers())


def test_jax_bucket():
    pytest.importorskip("jax")
    from crosscheck.backends.jax_backend import bucket

    assert [bucket(n) for n in (1, 2, 3, 4, 5, 1000, 1024, 1025, 32768)] == [1, 2, 4, 4, 8, 1024, 1024, 2048, 32768]


def test_torch_backend_agrees_with_numpy():
    pytest.importorskip("torch")
    from crosscheck.backends.torch_backend import Backend

    check_answers(answers(Backend()), numpy_answers())


def test_shim_keeps_working():
    run = subprocess.run([sys.executable, SHIM, "numpy"], input=json.dumps(REQUESTS[1]) + "\n", capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and json.loads(run.stdout)["result"] == ["0.090087890625", "0.2447509765625", "0.66552734375"]


def test_shim_says_what_is_missing():
    run = subprocess.run([sys.executable, SHIM, "nosuch"], input="", capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "unknown backend" in run.stderr
    missing = next((b for b, m in (("jax", "jax"), ("torch", "torch")) if not _importable(m)), None)
    if missing:
        run = subprocess.run([sys.executable, SHIM, missing], input="", capture_output=True, text=True, timeout=60)
        assert run.returncode == 3 and "pip install" in run.stderr


def _importable(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None
