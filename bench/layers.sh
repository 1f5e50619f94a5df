#!/bin/bash
# Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.
#
# Layer writer and applier benchmark (issue 4). Usage:
#   bench/layers.sh [SIZE_MB=1024] [SMALL_FILES=20000]
# Builds hoist-bench in release mode (unless HOIST_BENCH points at one), generates the tree under
# bench/out/layers, and compares, in one run on this machine:
#   write: hoist-bench write-layer (tar + diffID + gzip -6 + digest into the store)
#          vs `tar -cf - DIR | pigz -p N -6 > FILE` and `tar -cf - DIR | gzip -6 > FILE` (no digests)
#   apply: hoist-bench apply-layer (verified) vs `tar -xzf FILE -C DEST`
# Peak RSS comes from /usr/bin/time -v. Each timing is the median of RUNS (default 3) runs.
set -euo pipefail

SIZE_MB=${1:-1024}
SMALL=${2:-20000}
RUNS=${RUNS:-3}
THREADS=${THREADS:-$(nproc)}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${OUT:-$HERE/out/layers}
TREE=$OUT/tree-$SIZE_MB-$SMALL

for tool in pigz gzip tar python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install pigz gzip tar python3 time)"; exit 1; }
done

if [ -z "${HOIST_BENCH:-}" ]; then
    (cd "$ROOT" && swift build -c release --scratch-path .build-layers-release --product hoist-bench >&2)
    HOIST_BENCH=$ROOT/.build-layers-release/release/hoist-bench
fi

mkdir -p "$OUT"
if [ ! -d "$TREE" ]; then
    echo "generating $TREE" >&2
    python3 "$HERE/layers-generate.py" "$TREE.tmp" "$SIZE_MB" "$SMALL"
    mv "$TREE.tmp" "$TREE"
fi
# Warm the page cache so every contender reads from memory.
tar -cf - -C "$TREE" . >/dev/null

# run LABEL COMMAND…: prints "LABEL seconds peak_rss_kib" (median of RUNS by time).
run() {
    local label=$1; shift
    local results=()
    for _ in $(seq "$RUNS"); do
        [ -n "${BEFORE_EACH:-}" ] && eval "$BEFORE_EACH"
        local log
        log=$(mktemp)
        local start end
        start=$(date +%s.%N)
        /usr/bin/time -v -o "$log" bash -c "$*" >/dev/null
        end=$(date +%s.%N)
        local rss
        rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
        rm -f "$log"
        results+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') $rss")
    done
    printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" | sed "s/^/$label /"
}

STORE=$OUT/store
rm -rf "$STORE"
RESULTS=$OUT/results.txt
: > "$RESULTS"
BEFORE_EACH="rm -rf '$STORE'" run hoist-write-isal "'$HOIST_BENCH' write-layer '$TREE' '$STORE' --codec isal --threads $THREADS" | tee -a "$RESULTS"
BEFORE_EACH="rm -rf '$STORE'" run hoist-write-zlib "'$HOIST_BENCH' write-layer '$TREE' '$STORE' --codec zlib --threads $THREADS" | tee -a "$RESULTS"
run pigz-p$THREADS-6 "tar -cf - -C '$TREE' . | pigz -p $THREADS -6 > '$OUT/pigz.tar.gz'" | tee -a "$RESULTS"
run gzip-6 "tar -cf - -C '$TREE' . | gzip -6 > '$OUT/gzip.tar.gz'" | tee -a "$RESULTS"

rm -rf "$STORE"
LINE=$("$HOIST_BENCH" write-layer "$TREE" "$STORE" --codec zlib --threads "$THREADS")
DIGEST=${LINE%% *}
SIZE=$(echo "$LINE" | cut -d' ' -f2)
echo "hoist layer: $LINE" >&2
echo "sizes: hoist-zlib $SIZE pigz $(stat -c %s "$OUT/pigz.tar.gz") gzip $(stat -c %s "$OUT/gzip.tar.gz")" | tee -a "$RESULTS"
DEST=$OUT/apply
BEFORE_EACH="rm -rf '$DEST'" run hoist-apply "'$HOIST_BENCH' apply-layer '$STORE' '$DIGEST' '$DEST' --extract" | tee -a "$RESULTS"
BEFORE_EACH="rm -rf '$DEST'; mkdir -p '$DEST'" run tar-xzf "tar -xzf '$OUT/pigz.tar.gz' -C '$DEST'" | tee -a "$RESULTS"
rm -rf "$DEST"

awk '
    $1 == "hoist-write-isal" { i = $2; ir = $3 }
    $1 == "hoist-write-zlib" { w = $2; wr = $3 }
    $1 ~ /^pigz/ { p = $2 }
    $1 == "gzip-6" { g = $2 }
    $1 == "hoist-apply" { a = $2; ar = $3 }
    $1 == "tar-xzf" { t = $2 }
    END {
        printf "writer (zlib, the default) vs pigz: %.2fx faster; vs gzip -6: %.2fx faster; peak RSS %.1f MiB\n", p / w, g / w, wr / 1024
        printf "writer (isal, opt-in) vs pigz: %.2fx faster; vs gzip -6: %.2fx faster; peak RSS %.1f MiB\n", p / i, g / i, ir / 1024
        printf "apply vs tar -xzf: %.2fx faster; applier peak RSS %.1f MiB\n", t / a, ar / 1024
    }' "$RESULTS" | tee -a "$RESULTS"
