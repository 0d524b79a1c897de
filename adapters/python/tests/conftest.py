"""Shared helpers: the binary (CROSSCHECK_BIN or PATH; the tests that need it are skipped without it
only when CROSSCHECK_SKIP_MISSING_BIN=1 — in CI a missing binary is a failure)."""
import os

import pytest

import crosscheck


@pytest.fixture(scope="session")
def binary():
    try:
        return crosscheck.find_binary()
    except crosscheck.BinaryNotFoundError as error:
        if os.environ.get("CROSSCHECK_SKIP_MISSING_BIN") == "1":
            pytest.skip(str(error))
        raise
