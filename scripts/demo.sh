#!/usr/bin/env bash
# Hoist's main job: build Dockerfile.sample (a multi-stage build that starts FROM scratch with Debian's
# static busybox, so nothing is downloaded), push it to a registry on loopback, pull it back into a brand-new
# store as another machine would, check that other tools read it, and run it with runc.
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
image="127.0.0.1:$port/hoist-demo/greet:1"

step "hoist build: Dockerfile.sample, pushed to the registry"
# The context is examples/sample/ plus Debian's static busybox, the only binary the sample needs.
context="$work/context"
cp -r examples/sample "$context"
cp /bin/busybox "$context/busybox"
"$hoist" --root "$root" build -f Dockerfile.sample -t "$image" --push --progress plain \
    --metadata-file "$work/metadata.json" "$context"
echo "metadata:"
python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(json.dumps({k: m[k] for k in ("image.digest", "config.digest", "pushed")}, indent=2))' "$work/metadata.json"

step "hoist images / hoist inspect"
"$hoist" --root "$root" images
"$hoist" --root "$root" inspect "$image" >"$work/inspect.json"
head -n 24 "$work/inspect.json"
echo "  …"

step "hoist pull: into a brand-new store, as another machine would"
fresh="$work/fresh-root"
"$hoist" --root "$fresh" pull "$image"

step "other tools read the pulled image from Hoist's store: skopeo inspect, umoci unpack"
skopeo inspect "oci:$fresh/store:$image" | grep -E '"(Digest|Architecture|Os)"|org.opencontainers.image.title'
umoci unpack --image "$fresh/store:$image" "$work/bundle" >/dev/null
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["process"]["terminal"] = False
json.dump(config, open(path, "w"))
PY

step "runc run: the pulled image's own entrypoint, inside a container"
runc run --bundle "$work/bundle" "hoist-demo-$$"

step "done"
