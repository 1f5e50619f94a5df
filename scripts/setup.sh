#!/usr/bin/env bash
# Installs what Hoist needs on Debian 12 when it is missing: the C libraries it links and the real
# tools its tests and demo use. Safe to run again; does nothing when everything is there.
set -euo pipefail

packages=(
    # linked by hoist
    libarchive-dev libssl-dev zlib1g-dev libisal-dev libzstd-dev pkg-config
    # used by tests, benchmarks and the demo
    docker-registry skopeo umoci oci-image-tool runc busybox-static libarchive-tools tar gzip pigz
    apache2-utils openssl git python3 time hyperfine buildah rsync
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: no 'swift' on PATH; install the Swift 6.2+ toolchain for Linux first" >&2
    exit 1
fi
