#!/usr/bin/env bash
# Benchmarks the card path of the Android presentation layer on the desktop
# JVM with the release library: client construction on an existing demo
# wallet to the first card screen state (and its pixels), and one card state
# update. Reports medians; asserts nothing.
set -euo pipefail
source "$(dirname "$0")/target-dir.sh"
cd "$(dirname "$0")/.."
GEN="$TARGET_DIR/bench-android"
echo "==> release library, uniffi-bindgen"
cargo build -q --release -p loyalty-ffi
cargo build -q -p loyalty-ffi --features cli --bin uniffi-bindgen
rm -rf "$GEN" && mkdir -p "$GEN"
"$TARGET_DIR/debug/uniffi-bindgen" generate "$TARGET_DIR/release/libloyalty_ffi.so" --language kotlin --no-format --out-dir "$GEN/kotlin" >/dev/null
source scripts/android-env.sh
echo "==> compile"
env -u JAVA_OPTS "$KOTLINC" -J-XX:TieredStopAtLevel=1 -J-XX:+UseParallelGC -jvm-target 17 -Werror \
  -classpath "$JNA_JAR:$COMPOSE_CP" -d "$GEN/classes" \
  "$GEN/kotlin/app/loyalty/core/loyalty_ffi.kt" android/loyalty-core/src/main/kotlin/app/loyalty/core/*.kt \
  android/presentation/src/main/kotlin/app/loyalty/presentation/*.kt \
  android/presentation/src/bench/kotlin/app/loyalty/presentation/*.kt > "$GEN/kotlinc.log" 2>&1 \
  || { cat "$GEN/kotlinc.log" >&2; exit 1; }
echo "==> run ($(java -version 2>&1 | head -n1))"
java -Djna.library.path="$TARGET_DIR/release" -cp "$GEN/classes:$JNA_JAR:$COMPOSE_CP:$KLIB/kotlin-stdlib.jar" \
  app.loyalty.presentation.CardBenchKt
