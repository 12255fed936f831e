#!/usr/bin/env bash
# The benchmark (bench/README.md). Builds in release and runs side by side:
#   generated  the server `mcpgen new weather` scaffolds (spec specs/weather.yaml,
#              handlers from templates/new), built as its own crate under target/bench/
#   hand       bench/hand_rmcp: the same tool written by hand on rmcp
#   bare       bench/bare_axum: the limit, a bare axum endpoint / stdio loop
# then prints a table of medians and ratios (also written to target/bench/results.md).
# Options go to the driver (bench/driver), e.g. `bash bench/run.sh --rounds 3 --duration 5`.
#
# `bash bench/run.sh --auth [OPTIONS]` measures what auth costs instead: the generated
# server with `auth: { mode: bearer }` and a managed token on every request (the
# `generated` column) against the same server without auth (`hand`), and the bare limit.
set -euo pipefail
auth=false
if [ "${1:-}" = "--auth" ]; then
    auth=true
    shift
fi
cd "$(dirname "$0")/.."
root=$PWD

if ! command -v wrk >/dev/null 2>&1; then
    echo "error: wrk is not installed; install it with: sudo apt-get install -y wrk" >&2
    exit 1
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
release="$CARGO_TARGET_DIR/release"
scratch="$CARGO_TARGET_DIR/bench"

echo "==> building mcpgen, the hand-written server, the bare limit and the driver (release)" >&2
cargo build --release --locked -p mcpgen-cli -p bench-hand-rmcp -p bench-bare-axum -p mcpgen-bench

echo "==> scaffolding and building the generated server in $scratch/weather" >&2
rm -rf "$scratch/weather"
mkdir -p "$scratch"
(cd "$scratch" && "$release/mcpgen" new weather --runtime-path "$root/runtime" >/dev/null)
# The starter spec declares rate limits (30 calls a minute for get_forecast), which would
# turn a load test into a test of refusals; the hand-written server has none. Drop the
# budgets and regenerate: every other guardrail (validation, concurrency cap, circuit
# breaker, timeout) stays on. What the whole guardrail layer costs per call is measured
# by `cargo bench -p mcpgen-runtime --features redis --bench guardrails`.
sed -i -e '/^    rate_limit: /d' -e '/^rate_limits:/,/^[^ ]/{/^rate_limits:/d;/^  /d;}' \
    "$scratch/weather/specs/weather.yaml"
(cd "$scratch/weather" && "$release/mcpgen" generate >/dev/null)
# The scaffold lives inside this workspace's directory but is not a member of it;
# it uses the workspace's dependency versions, so all three servers build the same ones.
printf '\n# Added by bench/run.sh: not a member of the mcpgen workspace.\n[workspace]\n' \
    >>"$scratch/weather/Cargo.toml"
cp Cargo.lock "$scratch/weather/Cargo.lock"
cargo build --release --manifest-path "$scratch/weather/Cargo.toml"

if $auth; then
    echo "==> building the same server with auth on, and a managed token" >&2
    cp "$release/weather" "$scratch/weather-open"
    spec="$scratch/weather/specs/weather.yaml"
    sed -i 's/^  get_forecast:$/  get_forecast:\n    scopes: [forecast_read]/' "$spec"
    printf 'auth:\n  mode: bearer\n  scopes:\n    forecast_read: Read forecasts.\n' >>"$spec"
    (cd "$scratch/weather" && "$release/mcpgen" generate >/dev/null)
    cargo build --release --manifest-path "$scratch/weather/Cargo.toml"
    rm -rf "$scratch/data"
    token=$("$release/weather" token create --subject bench --scopes forecast_read \
        --data-dir "$scratch/data" 2>/dev/null)
    echo "==> measuring" >&2
    exec "$release/mcpgen-bench" \
        --server "generated=$release/weather" \
        --server "hand=$scratch/weather-open" \
        --server "bare=$release/bare_axum" \
        --env "MCPGEN_DATA_DIR=$scratch/data" --env "WEATHER_TOKEN=$token" \
        --header "Authorization: Bearer $token" \
        --work-dir "$scratch/run-auth" \
        --out "$scratch/results-auth.md" \
        "$@"
fi

echo "==> measuring" >&2
exec "$release/mcpgen-bench" \
    --server "generated=$release/weather" \
    --server "hand=$release/hand_rmcp" \
    --server "bare=$release/bare_axum" \
    --work-dir "$scratch/run" \
    --out "$scratch/results.md" \
    "$@"
