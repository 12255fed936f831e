#!/usr/bin/env bash
# A deterministic cross-check of bench/run.sh (README: "Performance"): instructions
# counted by valgrind's callgrind, which do not depend on what else the machine runs.
# For each server: instructions to start and answer one stdio tools/call, and
# instructions per tools/call over a pipelined stdio run of N calls (the difference
# between a run of N and a run of 1, divided by N-1).
# Run bench/run.sh first (it builds the binaries); needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2000}"
release="${CARGO_TARGET_DIR:-$PWD/target}/release"
work="${CARGO_TARGET_DIR:-$PWD/target}/bench/callgrind"
if ! command -v valgrind >/dev/null 2>&1; then
    echo "error: valgrind is not installed; install it with: sudo apt-get install -y valgrind" >&2
    exit 1
fi
mkdir -p "$work"
meta='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcpgen-bench","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}'
: >"$work/calls-$n.jsonl"
for i in $(seq 1 "$n"); do
    printf '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_forecast","arguments":{"city":"Zurich","days":3},%s}}\n' "$i" "$meta" >>"$work/calls-$n.jsonl"
done
head -n 1 "$work/calls-$n.jsonl" >"$work/calls-1.jsonl"

count() { # binary, input -> instructions
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" serve --stdio <"$2" \
        2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '| server | instructions to start and answer once | instructions per tools/call (stdio, %d pipelined) |\n|---|---:|---:|\n' "$n"
for name in generated:weather hand:hand_rmcp bare:bare_axum; do
    bin="$release/${name#*:}"
    [ -x "$bin" ] || { echo "error: $bin is missing; run bash bench/run.sh first" >&2; exit 1; }
    one=$(count "$bin" "$work/calls-1.jsonl")
    many=$(count "$bin" "$work/calls-$n.jsonl")
    printf '| %s | %d | %d |\n' "${name%%:*}" "$one" $(( (many - one) / (n - 1) ))
done
