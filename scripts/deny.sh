#!/usr/bin/env bash
# Supply-chain check with cargo-deny (deny.toml): licences on the allow-list,
# no OpenSSL / native-tls in the tree, crates from crates.io only.
# Installs cargo-deny with `cargo install --locked` when it is missing
# (about 15 minutes of compiling once; it lands in cargo's own bin folder,
# outside the repository). The RustSec advisory database cannot be fetched
# from the project's build machines, so advisories are not checked here:
# run `cargo deny check advisories` where GitHub is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DENY_VERSION=0.20.2
if ! cargo deny --version >/dev/null 2>&1; then
  echo "Installing cargo-deny $CARGO_DENY_VERSION from crates.io (once; ~15 min on 2 cores)..."
  # Its own target folder: the project's CARGO_TARGET_DIR is left alone.
  if ! cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked \
      --target-dir "${XDG_CACHE_HOME:-$HOME/.cache}/loyalty/cargo-deny-build"; then
    echo "error: cannot install cargo-deny (needs crates.io); install it with:" >&2
    echo "  cargo install cargo-deny --locked" >&2
    exit 1
  fi
fi
cargo deny --version
# cargo-deny reads the whole graph for every platform offline: fetch the crates
# of the other targets (windows-sys, android_system_properties...) first, which
# a build on this machine never downloads.
cargo fetch --locked --quiet
cargo deny --offline check licenses bans sources
echo "advisories: not checked (the RustSec database cannot be fetched here)"
