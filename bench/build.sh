#!/usr/bin/env bash
# Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.
#
# Build benchmark: bench/build/Dockerfile (a build stage writing ~300 MB of mixed data and 20,000 small files, a
# final stage copying them out) built by `hoist build` and by `buildah build --isolation chroot --layers`, both
# from the same local busybox base, in the same run. Three scenarios, each with wall time and peak RSS:
#   cold      nothing cached (fresh hoist root holding only the base; buildah's cached layers pruned)
#   no-change the same build again
#   one-file  after changing bench/build/version.txt (copied late in the build stage)
# RUNS repeats (default 3), the tools interleaved; medians are reported, with hoist/buildah ratios. Before each
# measurement: sync, and (as root) the page cache is dropped, so every build starts from the same state.
# hoist's columns read "n/a" when its `build` command is missing, and for the rebuild scenarios when
# `hoist build --help` offers no `--no-cache` (no build cache yet).
#
# Usage: bench/build.sh            HOIST_BIN=/path/to/hoist bench/build.sh      (default .build/release/hoist)
# Environment: RUNS (3), BUILDAH_DRIVER (overlay; falls back to vfs if overlay fails), KEEP_WORK=1 keeps the
# scratch directory for inspection.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
hoist=${HOIST_BIN:-$root/.build/release/hoist}
runs=${RUNS:-3}
driver=${BUILDAH_DRIVER:-overlay}
base=localhost/busybox:peer
image=localhost/bench/build:latest

for tool in buildah busybox /usr/bin/time awk sort; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install buildah busybox-static time)" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "run as root (buildah --isolation chroot and hoist's sandbox need it)" >&2; exit 1; }

work=$(mktemp -d /tmp/hoist-bench-build.XXXXXX)
context=$work/context
cleanup() {
    if [[ -d "$work/buildah" ]]; then
        bah rm --all >/dev/null 2>&1 || true
        bah rmi --all --force >/dev/null 2>&1 || true
    fi
    if [[ -n "${KEEP_WORK:-}" ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- buildah with its own storage, configuration and home ----------------------------------------------
mkdir -p "$work/buildah"/{home,run,root,tmp}
write_buildah_config() {
    printf '[storage]\ndriver = "%s"\nrunroot = "%s"\ngraphroot = "%s"\n' \
        "$driver" "$work/buildah/run" "$work/buildah/root" > "$work/buildah/storage.conf"
}
write_buildah_config
echo 'unqualified-search-registries = []' > "$work/buildah/registries.conf"
echo '[engine]' > "$work/buildah/containers.conf"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' > "$work/buildah/policy.json"
echo '{}' > "$work/buildah/auth.json"
bah() {
    env -i PATH="$PATH" HOME="$work/buildah/home" XDG_RUNTIME_DIR="$work/buildah/run" TMPDIR="$work/buildah/tmp" \
        CONTAINERS_STORAGE_CONF="$work/buildah/storage.conf" \
        CONTAINERS_REGISTRIES_CONF="$work/buildah/registries.conf" \
        CONTAINERS_CONF="$work/buildah/containers.conf" REGISTRY_AUTH_FILE="$work/buildah/auth.json" \
        buildah --root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver "$driver" "$@"
}

# --- the busybox base: /bin/busybox, applet links as `busybox --install -s` makes them, three users -----------
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,home/app,dev,proc,sys,run}
cp "$(command -v busybox)" "$rootfs/bin/busybox"
chmod 755 "$rootfs/bin/busybox"
for applet in $(busybox --list-full); do
    [[ $applet == bin/busybox ]] || ln -s /bin/busybox "$rootfs/$applet"
done
chmod 1777 "$rootfs/tmp"; chmod 700 "$rootfs/root"; chown 1000:1000 "$rootfs/home/app"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n' \
    > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\napp:x:1000:\n' > "$rootfs/etc/group"
: > "$rootfs/etc/hosts"; : > "$rootfs/etc/hostname"; : > "$rootfs/etc/resolv.conf"
# No Env: `hoist import` sets none, and busybox sh's built-in PATH serves both builders.

# --- what hoist can do ---------------------------------------------------------------------------------------
hoist_builds=no
hoist_caches=no
if [[ -x "$hoist" ]] && "$hoist" build --help > "$work/hoist-build-help" 2>&1; then
    hoist_builds=yes
    grep -q -- '--no-cache' "$work/hoist-build-help" && hoist_caches=yes
fi
echo "hoist: $hoist (build: $hoist_builds, build cache: $hoist_caches)" >&2

pristine=$work/hoist-pristine
if [[ $hoist_builds == yes ]]; then
    "$hoist" --root "$pristine" import "$rootfs" -t "$base" >/dev/null
fi

# --- the base into buildah: hoist's own image when there is one, else the same tree committed by buildah ----------
load_buildah_base() {
    if [[ $hoist_builds == yes ]]; then
        local id
        # A docker-archive names the image by its RepoTags; an oci: path would name it after the directory.
        [[ -f "$work/base.tar" ]] || "$hoist" --root "$pristine" save "$base" -o "$work/base.tar"
        id=$(bah pull --signature-policy "$work/buildah/policy.json" -q "docker-archive:$work/base.tar" | tail -n1)
        bah tag "$id" "$base"
    else
        local ctr mnt
        ctr=$(bah from scratch)
        mnt=$(bah mount "$ctr")
        tar -C "$rootfs" -cf - . | tar -C "$mnt" -xf -
        bah commit --signature-policy "$work/buildah/policy.json" -q "$ctr" "$base" >/dev/null
        bah rm "$ctr" >/dev/null
    fi
}
if ! load_buildah_base 2> "$work/buildah-base.log"; then
    [[ $driver == overlay ]] || { cat "$work/buildah-base.log" >&2; exit 1; }
    echo "buildah: the overlay driver failed ($(tail -n1 "$work/buildah-base.log")); using vfs" >&2
    rm -rf "$work/buildah/root" "$work/buildah/run"
    mkdir -p "$work/buildah/root" "$work/buildah/run"
    driver=vfs
    write_buildah_config
    load_buildah_base
fi
echo "buildah: $(buildah --version), storage driver $driver" >&2

cp -r "$root/bench/build" "$context"

# --- one build per tool ---------------------------------------------------------------------------------------
build_hoist() { "$hoist" --root "$work/hoist" build -f Dockerfile -t "$image" --quiet . ; }
build_buildah() {
    bah build --isolation chroot --layers --pull=false --signature-policy "$work/buildah/policy.json" \
        -q -f Dockerfile -t "$image" .
}
reset_hoist() { rm -rf "$work/hoist"; cp -a "$pristine" "$work/hoist"; }
reset_buildah() {
    bah rmi --force "$image" >/dev/null 2>&1 || true
    bah rmi --prune --force >/dev/null 2>&1 || true
}

# measure TOOL SCENARIO: times one build, appends "TOOL SCENARIO seconds kib" to the results.
measure() {
    local tool=$1 scenario=$2 log=$work/time-$1-$2
    # The previous build's dirty pages are written back now, not during this tool's timed build. Then the page
    # cache is dropped: on this kind of VM, once several GB of it have built up, every file creation slows from
    # ~30 µs to 400-600 µs (system time), which made whichever build ran in such a phase 2-3x slower.
    sync
    if [[ -w /proc/sys/vm/drop_caches ]]; then echo 3 > /proc/sys/vm/drop_caches; fi
    if ! (cd "$context" && /usr/bin/time -v -o "$log" bash -c "build_$tool" > "$work/out" 2> "$work/err"); then
        echo "$tool build failed ($scenario):" >&2
        tail -n 20 "$work/err" >&2
        exit 1
    fi
    awk -v tool="$tool" -v scenario="$scenario" -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
        /Maximum resident set size/ { kib = $2 }
        END { printf "%s %s %.2f %d\n", tool, scenario, s, kib }' "$log" >> "$work/results"
    tail -n1 "$work/results" >&2
}
export -f build_hoist build_buildah bah
export hoist work image driver

: > "$work/results"
tools=(buildah)
[[ $hoist_builds == yes ]] && tools=(hoist buildah)
for run in $(seq 1 "$runs"); do
    echo "--- run $run of $runs" >&2
    echo "1" > "$context/version.txt"
    for tool in "${tools[@]}"; do
        "reset_$tool"
        measure "$tool" cold
    done
    for tool in "${tools[@]}"; do
        [[ $tool == hoist && $hoist_caches == no ]] && continue
        measure "$tool" no-change
    done
    echo "changed in run $run" > "$context/version.txt"
    for tool in "${tools[@]}"; do
        [[ $tool == hoist && $hoist_caches == no ]] && continue
        measure "$tool" one-file
    done
done

# --- medians and ratios -----------------------------------------------------------------------------------------
median() { # TOOL SCENARIO COLUMN(3 = seconds, 4 = KiB) -> the median, or n/a
    local values
    values=$(awk -v t="$1" -v s="$2" -v c="$3" '$1 == t && $2 == s { print $c }' "$work/results" | sort -n)
    [[ -z "$values" ]] && { echo n/a; return; }
    local count
    count=$(echo "$values" | wc -l)
    echo "$values" | sed -n "$(( (count + 1) / 2 ))p"
}
ratio() { [[ $1 == n/a || $2 == n/a ]] && echo n/a || awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mib() { [[ $1 == n/a ]] && echo n/a || awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

echo
echo "bench/build: median of $runs runs; buildah $(buildah --version | awk '{print $3}') --isolation chroot --layers, storage driver $driver; $(nproc) cores"
printf '%-10s %10s %10s %8s %12s %12s %8s\n' scenario "hoist s" "buildah s" ratio "hoist MiB" "buildah MiB" ratio
for scenario in cold no-change one-file; do
    hs=$(median hoist "$scenario" 3); bs=$(median buildah "$scenario" 3)
    hk=$(median hoist "$scenario" 4); bk=$(median buildah "$scenario" 4)
    printf '%-10s %10s %10s %8s %12s %12s %8s\n' "$scenario" "$hs" "$bs" "$(ratio "$hs" "$bs")" \
        "$(mib "$hk")" "$(mib "$bk")" "$(ratio "$hk" "$bk")"
done
echo "(ratio = hoist / buildah; peak RSS is /usr/bin/time's maximum resident set size of the builder process tree's largest process)"
