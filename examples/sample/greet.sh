#!/bin/sh
# The sample's tool: greets its arguments; `--check` is the health check.
if [ "$1" = "--check" ]; then
    exit 0
fi
echo "@GREETING@, ${*:-world}! (uid $(id -u), in $(pwd))"
