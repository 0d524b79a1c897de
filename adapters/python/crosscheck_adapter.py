#!/usr/bin/env python3
"""Speak CrossCheck's protocol with NumPy, SciPy, JAX or PyTorch (kept for scripts and docs that call it).

    python3 adapters/python/crosscheck_adapter.py BACKEND      # numpy, scipy, jax or torch

A thin shim over the `crosscheck` package next to it (`crosscheck.adapter`; `pip install
./adapters/python` installs it as `python -m crosscheck.adapter BACKEND`). It uses this copy of the
package, whether or not one is installed.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from crosscheck.adapter import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv))
