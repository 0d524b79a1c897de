"""The pytest plugin: the assert_softmax_family fixture passes a correct softmax, fails a broken one
with the shrunk counterexample as a request line, and turns a raising callable into a clear error."""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import crosscheck
from kernels import correct_softmax, naive_softmax


def test_correct_softmax_passes(binary, assert_softmax_family):
    result = assert_softmax_family(correct_softmax, function="softmax", dtype="float32", max_ulp=1)
    assert result.passed and len(result.properties) == 11 and result.seed == 1
    # Properties of other functions have no applicable example: SKIP, neither passed nor failed.
    assert result.skipped and not result.failures and all(p.passed for p in result.properties if not p.skipped)


def test_correct_softmax_passes_in_float16(binary, assert_softmax_family):
    assert_softmax_family(correct_softmax, function="softmax", dtype="float16", max_ulp=1, examples=50)


def test_naive_softmax_fails_with_a_request_line_counterexample(binary):
    with pytest.raises(crosscheck.SoftmaxFamilyFailure) as failure:
        crosscheck.assert_softmax_family(naive_softmax, function="softmax", dtype="float32", max_ulp=2)
    result = failure.value.result
    assert not result.passed and result.failures
    accuracy = next(p for p in result.failures if p.name == "accuracy")
    request = json.loads(accuracy.counterexample)
    assert request["function"] == "softmax" and request["format"] == "float32" and request["logits"]
    assert accuracy.ulp is not None and accuracy.ulp > 2
    message = str(failure.value)
    assert "counterexample: {\"function\":\"softmax\"" in message and "ulp" in message


def test_float16_computed_naively_fails(binary):
    def float16_sum_softmax(z, temperature=1.0):
        # max-shifted, but exp and the running sum kept in float16: rounding piles up on long rows
        x = (z - z.max()) / z.dtype.type(temperature)
        e = np.exp(x)
        total = np.float16(0)
        for v in e:
            total = np.float16(total + v)
        return e / total

    with np.errstate(all="ignore"):
        result = crosscheck.check(float16_sum_softmax, "softmax", "float16", max_ulp=1, properties=["accuracy"])
    assert not result.passed
    (accuracy,) = result.failures
    assert json.loads(accuracy.counterexample)["format"] == "float16"


def test_raising_callable_gives_a_clear_protocol_error(binary):
    def broken(z):
        raise ValueError("kernel not ready")

    result = crosscheck.check(broken, "softmax", "float32", properties=["accuracy"], examples=5)
    (accuracy,) = result.failures
    assert "broken raised ValueError: kernel not ready" in accuracy.message


def test_wrong_shape_is_reported(binary):
    result = crosscheck.check(lambda z: z[:1], "softmax", "float64", properties=["accuracy"], examples=5)
    assert not result.passed
    assert "expected one value per logit" in result.failures[0].message or result.failures[0].counterexample


def test_backend_by_name(binary, assert_softmax_family):
    # The NumPy backend's textbook softmax gives NaN for a single +inf logit (the limit is one-hot).
    with pytest.raises(crosscheck.SoftmaxFamilyFailure) as failure:
        crosscheck.assert_softmax_family("numpy", function="softmax", dtype="float32", max_ulp=1, properties=["limits"])
    assert "counterexample" in str(failure.value)


def test_plugin_is_registered_and_fails_a_test_with_the_counterexample(binary, tmp_path):
    """A five-line test file, run by a separate pytest: one test passes, the broken one fails with its request line."""
    (tmp_path / "test_five_lines.py").write_text(textwrap.dedent("""
        import numpy as np
        from kernels import correct_softmax, naive_softmax
        def test_good(assert_softmax_family):
            assert_softmax_family(correct_softmax, function="softmax", dtype="float32", max_ulp=2)
        def test_broken(assert_softmax_family):
            assert_softmax_family(naive_softmax, function="softmax", dtype="float32", max_ulp=2)
    """))
    import kernels
    (tmp_path / "kernels.py").write_text(open(kernels.__file__).read())
    # Other plugins that write beside the tests (pytest-benchmark's .benchmarks, Hypothesis's
    # .hypothesis) are turned off: the listing below is about what this plugin leaves.
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark",
                          "-p", "no:hypothesispytest", str(tmp_path)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 1 passed" in run.stdout
    assert 'counterexample: {"function":"softmax","format":"float32"' in run.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__") == ["kernels.py", "test_five_lines.py"]
