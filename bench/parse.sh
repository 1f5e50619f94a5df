#!/usr/bin/env bash
# Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.
#
# Times `hoist parse --json` (parse + types + stage graph + JSON) and `hoist parse --dump` on a
# generated Dockerfile of 10,000 instructions, with a release build. Target: under 100 ms.
#
#   bench/parse.sh                 # builds hoist in release into .build-dsl-release, then measures
#   HOIST_BIN=/path/to/hoist bench/parse.sh   # measures an existing binary
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
instructions=${INSTRUCTIONS:-10000}

if [[ -z "${HOIST_BIN:-}" ]]; then
    scratch=${SCRATCH_PATH:-$root/.build-dsl-release}
    (cd "$root" && swift build -c release --scratch-path "$scratch" --product hoist >&2)
    HOIST_BIN=$scratch/release/hoist
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dockerfile=$work/Dockerfile

# A realistic mix: global ARGs, many stages that copy from earlier ones, RUN with mounts and
# continuations, ENV/LABEL pairs, heredocs, exec-form CMD.
awk -v total="$instructions" 'BEGIN {
    print "# syntax=docker/dockerfile:1"
    print "ARG BASE=debian:12"
    print "ARG VERSION=1.2.3"
    n = 2; stage = 0
    while (n < total) {
        if (n % 500 == 2) {
            printf "FROM ${BASE} AS s%d\n", stage; n++
            if (stage > 0) { printf "COPY --from=s%d --chown=app:app /out /in/%d\n", stage - 1, stage; n++ }
            printf "ARG VERSION\n"; n++
            stage++
            continue
        }
        r = n % 8
        if (r == 0) printf "RUN --mount=type=cache,target=/root/.cache/%d apt-get update && \\\n    apt-get install -y pkg%d && \\\n    rm -rf /var/lib/apt/lists/*\n", n, n
        else if (r == 1) printf "ENV PATH=/opt/%d/bin:$PATH VERSION_%d=\"${VERSION}-%d\"\n", n, n, n
        else if (r == 2) printf "LABEL org.example.n%d=\"value %d\" other=%d\n", n, n, n
        else if (r == 3) printf "WORKDIR /src/${VERSION}/%d\n", n
        else if (r == 4) printf "COPY --chmod=0644 --link src/%d.txt dst/%d.txt /app/%d/\n", n, n, n
        else if (r == 5) printf "RUN <<EOF\nset -e\necho %d\nEOF\n", n
        else if (r == 6) printf "CMD [\"/app/bin\", \"--id\", \"%d\"]\n", n
        else printf "EXPOSE %d/tcp\n", 1000 + n % 60000
        n++
    }
}' > "$dockerfile"

echo "generated $(grep -cvE '^(#|$|    |set -e|echo |EOF)' "$dockerfile") instructions, $(wc -c < "$dockerfile") bytes" >&2
"$HOIST_BIN" parse --json "$dockerfile" > /dev/null

if command -v hyperfine > /dev/null; then
    hyperfine --warmup 3 --runs 30 -N \
        "$HOIST_BIN parse --json $dockerfile" \
        "$HOIST_BIN parse --dump $dockerfile"
else
    for mode in --json --dump; do
        for _ in 1 2 3 4 5; do
            /usr/bin/time -f "$mode %e s %M KB" "$HOIST_BIN" parse "$mode" "$dockerfile" > /dev/null
        done
    done
fi
