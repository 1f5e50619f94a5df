#!/usr/bin/env bash
# Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.
#
# Push benchmark: a 512 MiB image (4 gzip layers of incompressible data) from a local OCI layout to a
# fresh loopback docker-registry, `hoist push` against `skopeo copy oci:DIR docker://…`, plus a re-push
# where every blob is present. Prints wall time and peak RSS for each.
#
# Usage: bench/push.sh [HOIST_BINARY]   (default .build-registry/release/hoist, else .build/release/hoist)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
hoist=${1:-}
if [[ -z "$hoist" ]]; then
  for candidate in "$here/.build-registry/release/hoist" "$here/.build/release/hoist"; do
    [[ -x "$candidate" ]] && hoist=$candidate && break
  done
fi
[[ -x "$hoist" ]] || { echo "build hoist in release mode first (swift build -c release)" >&2; exit 1; }
for tool in docker-registry skopeo gzip sha256sum /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install docker-registry skopeo gzip coreutils time)" >&2; exit 1; }
done

layers=${LAYERS:-4}
layer_mib=${LAYER_MIB:-128}
work=$(mktemp -d /tmp/hoist-bench-push.XXXXXX)
registry_pid=
cleanup() {
  [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- the image: an OCI layout that is also a hoist store ------------------------------------------
store=$work/root/store
mkdir -p "$store/blobs/sha256"
echo '{"imageLayoutVersion":"1.0.0"}' > "$store/oci-layout"
layer_json=()
diff_ids=()
for i in $(seq 1 "$layers"); do
  head -c $((layer_mib << 20)) /dev/urandom > "$work/layer$i.tar"
  diff_ids+=("\"sha256:$(sha256sum "$work/layer$i.tar" | cut -d' ' -f1)\"")
  gzip -1 -n -c "$work/layer$i.tar" > "$work/layer$i.tgz"
  rm "$work/layer$i.tar"
  digest=$(sha256sum "$work/layer$i.tgz" | cut -d' ' -f1)
  size=$(stat -c %s "$work/layer$i.tgz")
  mv "$work/layer$i.tgz" "$store/blobs/sha256/$digest"
  layer_json+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$size}")
done
join() { local IFS=,; echo "$*"; }
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%s]}}' "$(join "${diff_ids[@]}")" > "$work/config.json"
config_digest=$(sha256sum "$work/config.json" | cut -d' ' -f1)
config_size=$(stat -c %s "$work/config.json")
mv "$work/config.json" "$store/blobs/sha256/$config_digest"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
  "$config_digest" "$config_size" "$(join "${layer_json[@]}")" > "$work/manifest.json"
manifest_digest=$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
manifest_size=$(stat -c %s "$work/manifest.json")
mv "$work/manifest.json" "$store/blobs/sha256/$manifest_digest"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"bench"}}]}' \
  "$manifest_digest" "$manifest_size" > "$store/index.json"
total=$(du -sm "$store/blobs" | cut -f1)
echo "image: $layers layers, ${total} MiB, manifest sha256:$manifest_digest"

# --- a fresh registry per run ----------------------------------------------------------------------
start_registry() {
  [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null || true
  rm -rf "$work/registry"
  mkdir -p "$work/registry"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$work/registry/config.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry/data}}
http: {addr: 127.0.0.1:$port, secret: bench}
YAML
  env -u REGISTRY_AUTH_FILE docker-registry serve "$work/registry/config.yml" > "$work/registry/log" 2>&1 &
  registry_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
}

measure() { # label command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r seconds kib < "$work/time"
  printf '%-28s %8.2f s %8.1f MiB peak RSS\n' "$label" "$seconds" "$(echo "$kib / 1024" | bc -l)"
}

runs=${RUNS:-3}
for run in $(seq 1 "$runs"); do
  start_registry
  measure "hoist push (run $run)" "$hoist" push --root "$work/root" -q ${HOIST_ARGS:-} bench "127.0.0.1:$port/bench/hoist:1"
  measure "hoist re-push (run $run)" "$hoist" push --root "$work/root" -q bench "127.0.0.1:$port/bench/hoist:1"
  start_registry
  measure "skopeo copy (run $run)" env HOME="$work" skopeo copy --dest-tls-verify=false --quiet \
    "oci:$store:bench" "docker://127.0.0.1:$port/bench/skopeo:1"
done
