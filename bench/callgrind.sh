#!/usr/bin/env bash
# A deterministic cross-check of bench/run.sh (bench/README.md): instructions
# counted by valgrind's callgrind, which do not depend on what else the machine runs.
# For each server: instructions to start and answer one stdio tools/call;
# instructions per tools/call over a pipelined stdio run of N calls (the difference
# between a run of N and a run of 1, divided by N-1); and instructions per tools/call
# over Streamable HTTP (wrk, 8 connections, 10 s against the server under callgrind;
# the start-up count subtracted, divided by the requests wrk completed).
# With `--cache` after N (`bash bench/callgrind.sh 2000 --cache`), a table of simulated
# cache misses and mispredicted branches per HTTP tools/call instead (cachegrind).
# Run bench/run.sh first (it builds the binaries and the wrk script); needs valgrind
# and wrk (apt-get install valgrind wrk).
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
script="${CARGO_TARGET_DIR:-$PWD/target}/bench/run/tools_call.lua"
[ -f "$script" ] || { echo "error: $script is missing; run bash bench/run.sh first" >&2; exit 1; }
under_load() { # log file, valgrind command... -> prints the requests wrk completed
    local log=$1 port pid requests
    shift
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$@" serve --http "127.0.0.1:$port" >/dev/null 2>"$log" &
    pid=$!
    for _ in $(seq 1 100); do
        curl -s -o /dev/null -X POST "http://127.0.0.1:$port/mcp" && break
        sleep 0.2
    done
    requests=$(wrk -t1 -c8 -d10s -s "$script" "http://127.0.0.1:$port/mcp" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
    kill -INT "$pid"
    wait "$pid" || true
    echo "$requests"
}
http_per_call() { # binary, start-up instructions -> instructions per HTTP tools/call
    local requests total
    requests=$(under_load "$work/http.log" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1")
    total=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/http.log")
    echo $(( (total - $2) / (requests + 1) ))
}
if [ "${2:-}" = "--cache" ]; then
    # Where the time goes that instructions do not show: cachegrind simulates this
    # machine's L1 caches and a branch predictor.
    # Per HTTP tools/call, both rmcp servers with logging off; start-up is included
    # (about 600 events a call over a run).
    per() { # cachegrind's summary label -> its count divided by the requests
        sed -n "s/.*$1: *\([0-9,]*\).*/\1/p" "$work/cache.log" | head -n 1 | tr -d , |
            awk -v n="$requests" '{printf "%.0f", $1 / n}'
    }
    printf '| per HTTP tools/call | instructions | L1 instruction misses | L1 data misses | mispredicted branches |\n|---|---:|---:|---:|---:|\n'
    for name in generated:weather hand:hand_rmcp; do
        bin="$release/${name#*:}"
        [ -x "$bin" ] || { echo "error: $bin is missing; run bash bench/run.sh first" >&2; exit 1; }
        requests=$(under_load "$work/cache.log" env RUST_LOG=off valgrind --tool=cachegrind \
            --cache-sim=yes --branch-sim=yes --cachegrind-out-file=/dev/null "$bin")
        printf '| %s | %s | %s | %s | %s |\n' "${name%%:*}" "$(per 'I *refs')" "$(per 'I1 *misses')" \
            "$(per 'D1 *misses')" "$(per 'Mispredicts')"
    done
    exit 0
fi
printf '| server | instructions to start and answer once | per tools/call, stdio (%d pipelined) | per tools/call, HTTP |\n|---|---:|---:|---:|\n' "$n"
for name in generated:weather hand:hand_rmcp bare:bare_axum; do
    bin="$release/${name#*:}"
    [ -x "$bin" ] || { echo "error: $bin is missing; run bash bench/run.sh first" >&2; exit 1; }
    one=$(count "$bin" "$work/calls-1.jsonl")
    many=$(count "$bin" "$work/calls-$n.jsonl")
    printf '| %s | %d | %d | %d |\n' "${name%%:*}" "$one" $(( (many - one) / (n - 1) )) "$(http_per_call "$bin" "$one")"
done
