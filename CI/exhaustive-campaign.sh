#!/bin/sh
# An exhaustive campaign on one machine: the shards of `crosscheck audit --exhaustive` spread over
# cores with xargs -P, each shard's report written atomically to DIR/shard-K.json, then
# `crosscheck merge` of what is there. Stopped and run again, it skips the shards whose report
# exists: finished shards are never redone, and a shard that was stopped left no file.
#
#   CI/exhaustive-campaign.sh FUNCTION FORMAT COUNT [FIRST [LAST]]
#
#   FUNCTION  an elementwise function (sigmoid, bce_with_logits, …) or a two-class row one (softmax, …)
#   FORMAT    float16 or float32
#   COUNT     shards in the whole sweep (shard K holds the blocks k with k mod COUNT = K)
#   FIRST, LAST  the range of shards to run (default 0 and COUNT − 1)
#
# Environment: CROSSCHECK (default .build/release/crosscheck), JOBS (default: every core),
# DIR (default exhaustive-FUNCTION-FORMAT), IMPLEMENTATION (default fast).
# The merged report is DIR/merged.json (and .md); with a partial range it is marked partial.
# Exit status: 0 when every shard ran and the merged audit passed, 1 when it failed, 2 otherwise.
set -eu

if [ $# -lt 3 ] || [ $# -gt 5 ]; then
    sed -n '2,17p' "$0" >&2
    exit 2
fi
function=$1 format=$2 count=$3
first=${4:-0}
last=${5:-$((count - 1))}
crosscheck=${CROSSCHECK:-.build/release/crosscheck}
jobs=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
dir=${DIR:-exhaustive-$function-$format}
implementation=${IMPLEMENTATION:-fast}

case $count$first$last in *[!0-9]*) echo "error: COUNT, FIRST and LAST must be integers" >&2; exit 2 ;; esac
if [ "$first" -gt "$last" ] || [ "$last" -ge "$count" ]; then
    echo "error: need 0 ≤ FIRST ≤ LAST < COUNT, got $first, $last, $count" >&2
    exit 2
fi
[ -x "$crosscheck" ] || { echo "error: no crosscheck at $crosscheck (set CROSSCHECK)" >&2; exit 2; }
mkdir -p "$dir"

# One shard per xargs job. audit exits 1 when the implementation fails the audit (its report is
# still written); only a status above 1 is an error of the run: the job then exits 1, xargs 123
# (or 124/125), and the campaign stops with its own status 2 before merging.
export crosscheck implementation function format count dir

todo=$(k=$first; while [ "$k" -le "$last" ]; do [ -f "$dir/shard-$k.json" ] || echo "$k"; k=$((k + 1)); done)
skipped=$((last - first + 1 - $(printf '%s' "$todo" | grep -c . || true)))
echo "$function $format: shards $first…$last of $count, $skipped already done, $jobs jobs" >&2
start=$(date +%s)
if [ -n "$todo" ]; then
    if ! printf '%s\n' "$todo" | xargs -P "$jobs" -I{} sh -c '
        "$crosscheck" audit --exhaustive --implementation "$implementation" --function "$function" --format "$format" \
            --shard "{}/$count" --threads 1 --summary-only --quiet --json "$dir/shard-{}.json" > "$dir/shard-{}.md" || [ $? -eq 1 ]'
    then
        echo "error: a shard failed (its error is above); the shards that finished are kept, run the campaign again to resume" >&2
        exit 2
    fi
fi
echo "$function $format: ran $(printf '%s' "$todo" | grep -c . || true) shards in $(($(date +%s) - start)) s" >&2

partial=""
[ "$first" -eq 0 ] && [ "$last" -eq $((count - 1)) ] || partial="--allow-partial"
set +e
# shellcheck disable=SC2086
"$crosscheck" merge $partial "$dir"/shard-*.json --json "$dir/merged.json" --summary-only > "$dir/merged.md"
status=$?
set -e
cat "$dir/merged.md"
[ "$status" -le 1 ] || exit 2
exit "$status"
