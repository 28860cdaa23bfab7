#!/usr/bin/env bash
# The Android app shell's checks that run without an Android SDK:
#  1. the presentation layer's JUnit tests on the desktop JVM, with the real
#     generated bindings and library, offline and against the dev server;
#  2. the Compose screens rendered headless to PNG, the card screen scanned
#     with zbar and its code taken (then refused when replayed) by the dev
#     server's till (scripts/render-screens.sh);
#  3. the manifest and resources with aapt, every Kotlin file with ktlint
#     (scripts/check-android.sh).
# Fetches kotlinc (npm), Compose desktop, JUnit and coroutines-test (Maven
# Central) into ~/.cache on first use.
set -euo pipefail
source "$(dirname "$0")/target-dir.sh"
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
GEN="$TARGET_DIR/android-gen"
LIB="$TARGET_DIR/debug/libloyalty_ffi.so"

step "build the bindings library, uniffi-bindgen and the dev server"
cargo build -q -p loyalty-ffi -p loyalty-devserver
cargo build -q -p loyalty-ffi --features cli --bin uniffi-bindgen
rm -rf "$GEN" && mkdir -p "$GEN"
"$TARGET_DIR/debug/uniffi-bindgen" generate "$LIB" --language kotlin --no-format --out-dir "$GEN/kotlin" >/dev/null

step "toolchain (kotlinc, Compose desktop, JUnit, coroutines-test, fonts)"
source scripts/android-env.sh

step "presentation: compile with the bindings and run the JUnit tests"
CLASSES="$GEN/presentation-classes"
if ! env -u JAVA_OPTS "$KOTLINC" -J-XX:TieredStopAtLevel=1 -J-XX:+UseParallelGC -jvm-target 17 -Werror -opt-in=kotlinx.coroutines.ExperimentalCoroutinesApi \
  -classpath "$JNA_JAR:$COMPOSE_CP" -d "$CLASSES" \
  "$GEN/kotlin/app/loyalty/core/loyalty_ffi.kt" android/loyalty-core/src/main/kotlin/app/loyalty/core/*.kt \
  android/presentation/src/main/kotlin/app/loyalty/presentation/*.kt \
  android/presentation/src/test/kotlin/app/loyalty/presentation/*.kt > "$GEN/kotlinc.log" 2>&1; then
  cat "$GEN/kotlinc.log" >&2
  echo "error: kotlinc failed on the presentation layer" >&2
  exit 1
fi
source scripts/devserver.sh
start_devserver tests/programs/sync-program.json
echo "dev server at $SERVER"
java -ea -Djna.library.path="$TARGET_DIR/debug" -Dloyalty.server="$SERVER" \
  -cp "$CLASSES:$JNA_JAR:$COMPOSE_CP:$KLIB/kotlin-stdlib.jar" \
  org.junit.runner.JUnitCore \
  app.loyalty.presentation.FormatTest app.loyalty.presentation.ErrorTextsTest \
  app.loyalty.presentation.CardTickerTest app.loyalty.presentation.ScreensTest \
  app.loyalty.presentation.JourneyTest app.loyalty.presentation.VectorsTest

step "Compose screens rendered headless; the card scanned with zbar and taken by the till"
bash scripts/render-screens.sh
step "aapt (manifest, resources) and ktlint (every Kotlin file)"
bash scripts/check-android.sh
echo
echo "Android app shell checks passed."
