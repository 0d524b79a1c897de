#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash CI/install-dependencies.sh
swift build -c release --product crosscheck
echo "== crosscheck eval --reference < Fixtures/demo/requests.jsonl"
.build/release/crosscheck eval --reference < Fixtures/demo/requests.jsonl
