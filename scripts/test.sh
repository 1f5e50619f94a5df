#!/usr/bin/env bash
# Runs every check Hoist has: set-up, format lint, a full build, and the whole test suite against the
# real tools (registry, skopeo, umoci, runc, tar). Fails loudly on the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "set-up (apt packages when missing)"
scripts/setup.sh

step "swift format lint --strict"
swift format lint --strict --recursive Package.swift Sources Tests Plugins bench

step "swift build --build-tests"
build_log=$(mktemp)
if ! swift build --build-tests >"$build_log" 2>&1; then
    grep -v -E '^\[[0-9]+/[0-9]+\] ' "$build_log" | tail -n 80 >&2
    echo "test.sh: BUILD FAILED" >&2
    exit 1
fi
tail -n 1 "$build_log"

step "swift test"
log=$(mktemp)
set +e
swift test --skip-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
echo
echo "==> summary"
grep -E '^(✔|✘) Test run with' "$log" | tail -n 1 || true
if [ "$status" -ne 0 ] || grep -q -E '^✘ Test run|with [0-9]+ issues?' "$log"; then
    echo "test.sh: TESTS FAILED (swift test exit status $status)" >&2
    grep -E '^✘ ' "$log" | head -n 40 >&2 || true
    exit 1
fi
echo "test.sh: all tests passed"
