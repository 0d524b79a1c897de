#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the main job — an accuracy
# audit of the fast paths against the correctly rounded reference (table on stdout, audit.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash CI/install-dependencies.sh
swift build -c release --product crosscheck
.build/release/crosscheck audit --summary-only --html audit.html
echo "== audit.html written; the reference itself: crosscheck eval --reference < Fixtures/demo/requests.jsonl"
.build/release/crosscheck eval --reference < Fixtures/demo/requests.jsonl
