#!/usr/bin/env bash
# The Python package's tests, as CI runs them: a fresh venv with ./adapters/python, pytest, NumPy and ml_dtypes
# (no JAX, no PyTorch: their tests are skipped), CROSSCHECK_BIN pointing at the release build (built
# here when absent; a CROSSCHECK_BIN already set, e.g. a debug build, is used as it is), then pytest.
# Exits with pytest's status; its summary line is the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bin="${CROSSCHECK_BIN:-$root/.build/release/crosscheck}"
if [ ! -x "$bin" ]; then
  [ -z "${CROSSCHECK_BIN:-}" ] || { echo "error: CROSSCHECK_BIN=$bin is not an executable" >&2; exit 2; }
  swift build -c release --product crosscheck
fi
venv="$(mktemp -d "${TMPDIR:-/tmp}/crosscheck-python-tests.XXXXXX")"
trap 'rm -rf "$venv" "$root/adapters/python/build" "$root"/adapters/python/*.egg-info' EXIT
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check ./adapters/python pytest numpy ml_dtypes
export CROSSCHECK_BIN="$bin"
# The installed package is tested (the venv's pytest script does not put the source tree on sys.path).
cd "$venv"
"$venv/bin/pytest" -p no:cacheprovider -q -rs "$root/adapters/python/tests"
