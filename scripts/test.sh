#!/usr/bin/env bash
# The project's test command: formatting, lints, every Rust test (unit,
# scenario files, store, property and CLI tests). Exits non-zero on any failure.
set -euo pipefail
# Makes a relative CARGO_TARGET_DIR absolute before the cd, for every step below.
source "$(dirname "$0")/target-dir.sh"
cd "$(dirname "$0")/.."
# One clean build: incremental caches would only double the workspace crates'
# disk use (set CARGO_INCREMENTAL=1 to keep them for repeated local runs).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step() { printf '\n==> %s\n' "$*"; }

for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    echo "error: cargo $component is missing; install it with: rustup component add $component" >&2
    exit 1
  fi
done

step "test dependencies (zbarimg)"
./scripts/install-test-deps.sh

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
# The mobile library alone, with the features an app build gets (no
# software device key, no server side): what the workspace build unifies away.
cargo clippy -p loyalty-ffi --lib -- -D warnings

step "supply chain (cargo deny: licences, no OpenSSL, crates.io only)"
./scripts/deny.sh

step "cargo test --workspace"
cargo test --workspace

step "schemathesis: the dev server against docs/openapi.yaml (bounded, fixed seed)"
./scripts/schemathesis.sh

step "binding tests (Kotlin on the JVM, Python, Swift header and symbols)"
./scripts/test-bindings.sh

step "iOS app shell: Swift syntax and generated-API use (tree-sitter), project.yml, plists, String Catalog"
./scripts/check-ios.sh

step "Android app shell: presentation tests, Compose screens rendered and scanned, aapt, ktlint"
./scripts/test-android.sh

step "scenario files through the CLI, reopening the database between steps"
cargo run -q -p loyalty-cli -- scenario run --reopen tests/scenarios >/dev/null

step "fuzz smoke: every committed fuzz input replayed, then each target a few seconds (scripts/fuzz.sh --smoke)"
./scripts/fuzz.sh --smoke

echo
echo "All checks passed."
