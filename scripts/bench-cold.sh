#!/usr/bin/env bash
# The till's cold path (issue 18): a process with the library loaded opens
# its client on an existing 100 000-event wallet and shows the first card
# frame. Builds the wallet once (kept in $TARGET_DIR/bench-cold, ~1 min),
# then runs `cold_start run` RUNS times (default 21), each a new process with
# the wallet's pages in the OS cache, and prints the median and spread of
# the time to the first frame and of the peak RSS. Reports; asserts nothing.
#
#   scripts/bench-cold.sh [RUNS]
#   scripts/bench-cold.sh --wallet   build (once) and print only the wallet's folder
set -euo pipefail
source "$(dirname "$0")/target-dir.sh"
cd "$(dirname "$0")/.."
runs="${1:-21}" wallet_only=0
[ "$runs" = --wallet ] && { wallet_only=1; runs=0; }
case "$runs" in ''|*[!0-9]*) echo "error: RUNS must be a whole number, not '$runs'" >&2; exit 2 ;; esac
[ "$wallet_only" = 1 ] || [ "$runs" -gt 0 ] || { echo "error: RUNS must be at least 1" >&2; exit 2; }
cargo build -q --release -p loyalty-core --example cold_start
BIN="$TARGET_DIR/release/examples/cold_start"
# Rebuilt when the schema or what the wallet is made of changes: the folder
# is named by the schema version and a hash of the example and demo program.
schema="$(sed -n 's/^pub const SCHEMA_VERSION: i64 = \([0-9]*\);.*/\1/p' core/src/store/schema.rs)"
[ -n "$schema" ] || { echo "error: cannot read SCHEMA_VERSION from core/src/store/schema.rs" >&2; exit 1; }
made_of="$(cat core/examples/cold_start.rs core/src/session/demo.rs | sha256sum | cut -c1-12)"
WALLET="$TARGET_DIR/bench-cold/wallet-v$schema-$made_of"
if [ ! -f "$WALLET/done" ]; then
  rm -rf "$WALLET"
  "$BIN" build "$WALLET" >&2
  touch "$WALLET/done"
fi
[ "$wallet_only" = 1 ] && { echo "$WALLET"; exit 0; }
out="$(mktemp)"; trap 'rm -f "$out"' EXIT
for _ in $(seq "$runs"); do "$BIN" run "$WALLET" >> "$out"; done
python3 - "$out" "$WALLET" <<'PY'
import os, statistics, sys
rows = [dict(zip(l.split()[0::2], l.split()[1::2])) for l in open(sys.argv[1])]
us = sorted(int(r["first_frame_us"]) for r in rows)
peak = sorted(int(r["peak_rss_kib"]) for r in rows)
size = os.path.getsize(os.path.join(sys.argv[2], "wallet.sqlite3"))
print(f"wallet: {size / 2**20:.1f} MiB, {len(rows)} runs (peak RSS reset: {rows[0]['peak_reset']})")
print(f"client -> first card frame: median {statistics.median(us) / 1000:.2f} ms "
      f"(min {us[0] / 1000:.2f}, max {us[-1] / 1000:.2f})")
print(f"peak RSS of the process:    median {statistics.median(peak) / 1024:.1f} MiB "
      f"(min {peak[0] / 1024:.1f}, max {peak[-1] / 1024:.1f})")
PY
