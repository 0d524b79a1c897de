"""pytest plugin (entry point `pytest11`): the `assert_softmax_family` fixture.

    def test_my_softmax(assert_softmax_family):
        assert_softmax_family(my_softmax, function="softmax", dtype="float32", max_ulp=2)

The fixture runs `crosscheck check` on the callable (or on a backend by name: "numpy", "jax", …)
and fails the test with each failed property's shrunk counterexample, a protocol request line.
Options: --crosscheck-bin PATH (else $CROSSCHECK_BIN, else PATH); --crosscheck-seed N and
--crosscheck-examples N override every call's seed (default 1) and examples per property (100).
"""
import functools

import pytest

from . import api


def pytest_addoption(parser):
    group = parser.getgroup("crosscheck", "CrossCheck: softmax-family kernels against a correctly rounded reference")
    group.addoption("--crosscheck-bin", default=None, help="the crosscheck binary (default: $CROSSCHECK_BIN, then PATH)")
    group.addoption("--crosscheck-seed", type=int, default=None, help="seed for every assert_softmax_family call")
    group.addoption("--crosscheck-examples", type=int, default=None, help="examples per property for every call")


@pytest.fixture
def assert_softmax_family(request):
    """assert_softmax_family(fn_or_backend, function=…, dtype=…, max_ulp=…, **options): see crosscheck.assert_softmax_family."""
    config = request.config
    defaults = {}
    if config.getoption("crosscheck_bin"):
        defaults["binary"] = config.getoption("crosscheck_bin")
    if config.getoption("crosscheck_seed") is not None:
        defaults["seed"] = config.getoption("crosscheck_seed")
    if config.getoption("crosscheck_examples") is not None:
        defaults["examples"] = config.getoption("crosscheck_examples")

    @functools.wraps(api.assert_softmax_family)
    def run(fn_or_backend, function=None, dtype=None, max_ulp=1, **options):
        __tracebackhide__ = True
        options.update(defaults)
        try:
            return api.assert_softmax_family(fn_or_backend, function, dtype, max_ulp, **options)
        except api.SoftmaxFamilyFailure as failure:
            message = str(failure)
        pytest.fail(message, pytrace=False)  # outside the except: the message is shown once

    return run


@pytest.fixture
def crosscheck_binary(request):
    """The path of the crosscheck binary the plugin uses."""
    from ._binary import find_binary

    return find_binary(request.config.getoption("crosscheck_bin"))
