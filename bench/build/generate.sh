#!/bin/sh
# Writes the benchmark's data into $1: 150 MiB from /dev/urandom (incompressible), 150 MiB of text-like lines
# (compresses ~4x), and 20,000 small files in 20 directories.
set -eu
out=$1
mkdir -p "$out/random" "$out/text" "$out/small"
for i in 1 2 3; do
    head -c 52428800 /dev/urandom > "$out/random/blob$i.bin"
done
# One 1 MiB chunk of varied lines (longer than deflate's 32 KiB window, so it still compresses like text) ...
seq 1 20000 | awk '{ printf "%08d %s level=%d user=u%d path=/srv/app/%x/%d took=%dms\n", $1, ($1 % 3 ? "INFO" : "WARN"), $1 % 7, $1 % 113, $1 * 2654435761 % 65536, $1 % 997, ($1 * 7919) % 1000 }' | head -c 1048576 > "$out/text/chunk"
# ... repeated into 15 files of 10 MiB.
for f in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
    for r in 1 2 3 4 5 6 7 8 9 10; do cat "$out/text/chunk"; done > "$out/text/log$f.txt"
done
rm "$out/text/chunk"
d=0
while [ $d -lt 20 ]; do
    mkdir -p "$out/small/d$d"
    i=0
    while [ $i -lt 1000 ]; do
        echo "small file $d/$i" > "$out/small/d$d/f$i.txt"
        i=$((i + 1))
    done
    d=$((d + 1))
done
