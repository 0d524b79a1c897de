"""audit() returns the report as objects; find_binary() names both places when there is no binary;
protocol numbers are read with one rounding."""
import os

import numpy as np
import pytest

import crosscheck
from crosscheck.protocol import answer, parse_numbers
from kernels import correct_softmax


def test_audit_of_a_callable_returns_cells(binary):
    report = crosscheck.audit(correct_softmax, functions=["softmax"], formats=["float32"], samples=2, seed=3)
    assert report.raw["kind"] == "crosscheck-audit-report"
    assert report.parameters["samples"] == 2 and report.parameters["seed"] == 3
    assert report.cells and all(c.function == "softmax" and c.format == "float32" for c in report.cells)
    assert {c.input_class for c in report.cells} >= {"normal", "long", "masked"}
    assert report.passed and report.summary() == {("softmax", "float32"): max(c.max_ulp for c in report.cells)}
    assert report.cell("softmax", "float32", "normal").samples == 2
    assert "softmax" in report.markdown


def test_audit_of_a_backend_by_name_shows_the_worst_input(binary):
    report = crosscheck.audit("numpy", functions="logsumexp", formats="float32", samples=2, classes=["gap", "nearTies"])
    assert report.implementation == "numpy" and len(report.cells) == 2
    worst = report.worst()
    assert worst.max_ulp > 1 and not report.passed
    assert worst.worst.request.startswith('{"function":"logsumexp"') and worst.worst.ulp == worst.max_ulp


def test_audit_needs_to_know_what_a_callable_computes():
    with pytest.raises(ValueError, match="say which function"):
        crosscheck.audit(correct_softmax)
    with pytest.raises(ValueError, match="unknown function"):
        crosscheck.audit(correct_softmax, functions=["sofmax"])


def test_binary_not_found_names_both_places(monkeypatch, tmp_path):
    monkeypatch.delenv("CROSSCHECK_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(crosscheck.BinaryNotFoundError) as error:
        crosscheck.find_binary()
    assert "CROSSCHECK_BIN" in str(error.value) and "PATH" in str(error.value)
    with pytest.raises(crosscheck.BinaryNotFoundError):
        crosscheck.check(correct_softmax, "softmax", "float32")
    monkeypatch.setenv("CROSSCHECK_BIN", str(tmp_path / "nope"))
    with pytest.raises(crosscheck.BinaryNotFoundError, match="CROSSCHECK_BIN='.*nope' is not an executable file"):
        crosscheck.find_binary()


def test_binary_from_env_then_path(monkeypatch, tmp_path):
    fake = tmp_path / "crosscheck"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.delenv("CROSSCHECK_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert crosscheck.find_binary() == str(fake)
    monkeypatch.setenv("CROSSCHECK_BIN", "/bin/true")
    assert crosscheck.find_binary() == "/bin/true"


def test_every_float16_value_reads_back_exactly():
    values = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    values = values[np.isfinite(values)]
    texts = [repr(float(v)) for v in values]
    assert np.array_equal(np.array(parse_numbers(texts, "float16"), dtype=np.float16).view(np.uint16), values.view(np.uint16))


def test_a_decimal_next_to_a_midpoint_is_rounded_once():
    # 1 + 2^-11 is the float16 midpoint between 1 and 1 + 2^-10; a decimal just above it must go up,
    # though it reads as the midpoint in a double (which would then round to even, 1.0).
    assert parse_numbers(["1.00048828125000000001", "1.00048828125", "-1.00048828125000000001"], "float16") == [
        1.0009765625, 1.0, -1.0009765625]
    assert parse_numbers(["65519.99999999999", "65520", "1e-8", "-1e-8"], "float16") == [65504.0, float("inf"), 0.0, -0.0]
    assert parse_numbers(["0x1.8p+3", "inf", "-0.0"], "float32") == [12.0, float("inf"), -0.0]


def test_answer_checks_the_request():
    class Echo:
        def evaluate(self, function, fmt, logits, temperature, target):
            return logits

    assert answer(Echo(), '{"function":"softmax","format":"float32","logits":["0.1"]}') == '{"result": ["0.10000000149011612"]}'
    assert "out of range" in answer(Echo(), '{"function":"cross_entropy_grad","format":"float32","logits":["1"],"target":1}')
    assert "targets" in answer(Echo(), '{"function":"mse_softmax_grad","format":"float32","logits":["1"],"targets":["1","0"]}')
