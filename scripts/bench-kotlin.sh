#!/usr/bin/env bash
# Benchmarks the generated Kotlin API on the desktop JVM (release library):
# median/p90/p99 of an empty call (the floor), cardView() and
# walletSnapshot() on the demo wallet after warm-up, and a new client's first
# cardView() on a copy of the 100 000-event wallet of scripts/bench-cold.sh.
# Reports numbers; asserts nothing.
set -euo pipefail
source "$(dirname "$0")/target-dir.sh"
cd "$(dirname "$0")/.."
GEN="$TARGET_DIR/bench-kotlin"
echo "==> release library, uniffi-bindgen, demo wallet"
cargo build -q --release -p loyalty-ffi -p loyalty-cli
cargo build -q -p loyalty-ffi --features cli --bin uniffi-bindgen
rm -rf "$GEN" && mkdir -p "$GEN"
"$TARGET_DIR/debug/uniffi-bindgen" generate "$TARGET_DIR/release/libloyalty_ffi.so" --language kotlin --no-format --out-dir "$GEN/kotlin" >/dev/null
"$TARGET_DIR/release/loyalty" --data-dir "$GEN/wallet" demo >/dev/null
COLD="$(scripts/bench-cold.sh --wallet)"
mkdir -p "$GEN/cold" && cp "$COLD"/wallet.sqlite3* "$GEN/cold/"
source scripts/kotlin-env.sh
echo "==> compile"
"$KOTLINC" -J-XX:TieredStopAtLevel=1 -J-XX:+UseParallelGC -Werror -classpath "$CP" -d "$GEN/classes" \
  "$GEN/kotlin/app/loyalty/core/loyalty_ffi.kt" tests/kotlin/bench/Bench.kt > "$GEN/kotlinc.log" 2>&1 \
  || { cat "$GEN/kotlinc.log" >&2; exit 1; }
echo "==> run ($(java -version 2>&1 | head -n1))"
java -Djna.library.path="$TARGET_DIR/release" -cp "$GEN/classes:$CP:$KLIB/kotlin-stdlib.jar" \
  app.loyalty.core.bench.BenchKt "$GEN/wallet" "$GEN/cold"
