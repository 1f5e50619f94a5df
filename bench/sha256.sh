#!/usr/bin/env bash
# SHA-256 throughput: swift-crypto vs OpenSSL EVP from Swift (release build), against
# `openssl speed -evp sha256` on the same machine. Usage: bench/sha256.sh
set -euo pipefail
cd "$(dirname "$0")/sha256"
swift build -c release --scratch-path ../../.build-bench-sha256 >/dev/null
../../.build-bench-sha256/release/sha256-bench
echo "openssl speed -evp sha256 (16 KiB blocks, bytes per second):"
openssl speed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null | tail -n 1
