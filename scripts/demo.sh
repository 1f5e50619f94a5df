#!/usr/bin/env bash
# Hoist's main job, as far as it exists today: make a base image from Debian's static busybox with
# `hoist import`, push it to a loopback registry, pull it into a fresh store, check that other tools
# read it, and run it with runc.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

step() { printf '\n==> %s\n' "$*"; }

step "set-up (apt packages when missing)"
scripts/setup.sh

step "swift build --product hoist"
swift build --product hoist 2>&1 | tail -n 1
hoist="$repo/.build/debug/hoist"
"$hoist" --version

work=$(mktemp -d /tmp/hoist-demo-XXXXXX)
registry_pid=""
cleanup() {
    if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
    runc delete -f "hoist-demo-$$" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
export SOURCE_DATE_EPOCH=1700000000
root="$work/root"

step "a root filesystem from /bin/busybox (busybox-static)"
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in $("$work/rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$work/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$work/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$work/rootfs/etc/group"
echo "$(ls "$work/rootfs/bin" | wc -l) entries in /bin"

step "hoist import: the directory becomes a one-layer image"
"$hoist" --root "$root" import "$work/rootfs" -t hoist-demo/busybox:1 \
    --cmd '["/bin/sh","-c","echo Hello from an image built by Hoist; uname -sm; id"]'
echo "again, from a tarball of the same tree (same bytes, so the same digest):"
tar -C "$work/rootfs" -czf "$work/rootfs.tar.gz" .
"$hoist" --root "$root" import "$work/rootfs.tar.gz" -t hoist-demo/busybox:from-tar \
    --cmd '["/bin/sh","-c","echo Hello from an image built by Hoist; uname -sm; id"]'

step "hoist images / hoist inspect"
"$hoist" --root "$root" images
"$hoist" --root "$root" inspect hoist-demo/busybox:1 | head -n 20

step "a registry on loopback (Debian's docker-registry, the CNCF distribution registry)"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/registry"
cat >"$work/registry.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YAML
# The registry reads every REGISTRY_* variable as configuration: start it with a clean one.
env -u REGISTRY_AUTH_FILE docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 1 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/v2/')" 2>/dev/null && break
    sleep 0.1
done
echo "registry at 127.0.0.1:$port"

step "hoist push: the image goes to the registry, named by its digest"
"$hoist" --root "$root" push hoist-demo/busybox:1 "127.0.0.1:$port/hoist-demo/busybox:1"

step "hoist pull: into a brand-new store, as another machine would"
fresh="$work/fresh-root"
"$hoist" --root "$fresh" pull "127.0.0.1:$port/hoist-demo/busybox:1"
"$hoist" --root "$fresh" images

step "other tools read the pulled image from Hoist's store: skopeo inspect, umoci unpack"
pulled="127.0.0.1:$port/hoist-demo/busybox:1"
skopeo inspect "oci:$fresh/store:$pulled" | grep -E '"(Digest|Architecture|Os)"'
umoci unpack --image "$fresh/store:$pulled" "$work/bundle" >/dev/null
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["process"]["terminal"] = False
json.dump(config, open(path, "w"))
PY

step "runc run: the pulled image's own command, inside a container"
runc run --bundle "$work/bundle" "hoist-demo-$$"

step "hoist parse: Dockerfile.sample, the multi-stage build 'hoist build' will run"
"$hoist" parse --dump Dockerfile.sample

step "done"
echo "Next, once 'hoist build' exists: build Dockerfile.sample, push it, pull it back and run it."
