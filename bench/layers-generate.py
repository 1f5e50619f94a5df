#!/usr/bin/env python3
# Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.
"""Generates the layer benchmark tree: SIZE_MB of data (half incompressible from /dev/urandom, half
text) in 64 MiB files, plus SMALL small files (0.5-4 KiB of text) spread over 100 directories."""
import os
import random
import sys

def main():
    root, size_mb, small = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(42)
    os.makedirs(os.path.join(root, "big"), exist_ok=True)
    words = [("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10))))
             for _ in range(5000)]
    chunk = 64 << 20
    half = (size_mb << 20) // 2
    with open("/dev/urandom", "rb") as urandom:
        written, index = 0, 0
        while written < half:
            n = min(chunk, half - written)
            with open(os.path.join(root, "big", "random-%03d.bin" % index), "wb") as f:
                left = n
                while left:
                    block = urandom.read(min(left, 1 << 20))
                    f.write(block)
                    left -= len(block)
            written += n
            index += 1
    written, index = 0, 0
    while written < half:
        n = min(chunk, half - written)
        with open(os.path.join(root, "big", "text-%03d.txt" % index), "w") as f:
            left = n
            while left > 0:
                line = " ".join(rng.choice(words) for _ in range(12)) + "\n"
                line = line[:left]
                f.write(line)
                left -= len(line)
        written += n
        index += 1
    for i in range(small):
        directory = os.path.join(root, "small", "d%03d" % (i % 100))
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "f%05d.txt" % i), "w") as f:
            f.write(" ".join(rng.choice(words) for _ in range(rng.randint(80, 600)))[:rng.randint(512, 4096)])

if __name__ == "__main__":
    main()
