#!/usr/bin/env bash
# Renders the Compose screens (android/ui) headless on the desktop JVM and
# proves the card screen works at a till:
#  - every screen of the demo wallet (fixed clock 2026-12-01T10:00:21Z) in the
#    light and dark theme, Russian and English, and the card at font scale 2.0
#    on a 360×640 dp screen, written as PNG to OUT_DIR;
#  - on the card's pixels: the code is the only pure black, whole pixels per
#    module (≥ 2, the same at font scale 2.0), every module pure black/white
#    and equal to the matrix, a pure white quiet zone of ≥ 4 modules inside
#    the image; the linear barcode likewise; zbarimg reads exactly the payload;
#  - the till: a member enrolled with the dev server, its card rendered with
#    the real clock and read by zbarimg, is taken once (201) and refused when
#    replayed (422 token_replayed);
#  - LOY2 (a second dev server with tests/programs/loy2-program.json): a
#    member with a java.security device key sees the 57×57 device-signed
#    code, read by zbarimg and taken once by the offline till (`loyalty pos
#    verify-offline`); the same wallet with another key shows its LOY1 code
#    with the notice, taken by the online till;
#  - the card screen under Compose's UI test API (semantics, switch button).
# Exit code 0 only if everything passed.
#
#   scripts/render-screens.sh [OUT_DIR] [--update-docs]
#
# OUT_DIR defaults to $TARGET_DIR/screenshots. --update-docs also copies one
# PNG per screen (and a few variants) to docs/screenshots/; the two LOY2 cards
# (real clock, fresh keys) differ on every run, the rest are the same bytes.
set -euo pipefail
source "$(dirname "$0")/target-dir.sh"

OUT="$TARGET_DIR/screenshots"
UPDATE_DOCS=0
for a in "$@"; do
  case "$a" in
    --update-docs) UPDATE_DOCS=1 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    -*) echo "error: unknown option $a" >&2; exit 2 ;;
    *) OUT="$a" ;;
  esac
done
# OUT_DIR is taken from where the script was started.
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }
WORK="$TARGET_DIR/ui-render"
LIB="$TARGET_DIR/debug/libloyalty_ffi.so"

step "build the bindings library, uniffi-bindgen, the dev server and the CLI (the LOY2 till)"
cargo build -q -j 1 -p loyalty-ffi -p loyalty-devserver -p loyalty-cli
cargo build -q -j 1 -p loyalty-ffi --features cli --bin uniffi-bindgen
rm -rf "$WORK" && mkdir -p "$WORK"
"$TARGET_DIR/debug/uniffi-bindgen" generate "$LIB" --language kotlin --no-format --out-dir "$WORK/gen" >/dev/null

step "toolchain (kotlinc, Compose desktop, JUnit, fonts, zbarimg)"
source scripts/android-env.sh
scripts/install-test-deps.sh
ZBARIMG="$(command -v zbarimg)"

step "compile bindings + presentation + ui + render harness (one kotlinc call, Compose plugin)"
CP="$JNA_JAR:$COMPOSE_CP"
t=$(now)
if ! env -u JAVA_OPTS "$KOTLINC" -J-XX:TieredStopAtLevel=1 -J-XX:+UseParallelGC -jvm-target 17 -Werror \
  "-Xplugin=$COMPOSE_PLUGIN" -classpath "$CP" -d "$WORK/classes" \
  "$WORK/gen/app/loyalty/core/loyalty_ffi.kt" android/loyalty-core/src/main/kotlin/app/loyalty/core/*.kt \
  android/presentation/src/main/kotlin/app/loyalty/presentation/*.kt \
  android/ui/src/commonMain/kotlin/app/loyalty/ui/*.kt \
  android/ui/src/jvmTest/kotlin/app/loyalty/ui/*.kt \
  android/ui/src/jvmTest/kotlin/app/loyalty/ui/render/*.kt > "$WORK/kotlinc.log" 2>&1; then
  cat "$WORK/kotlinc.log" >&2
  echo "error: kotlinc failed" >&2
  exit 1
fi
COMPILE_S=$(since "$t")
echo "kotlinc: $COMPILE_S s"

step "dev server on a free loopback port (for the till round trip)"
source scripts/devserver.sh
start_devserver tests/programs/sync-program.json
echo "listening on $SERVER"
start_devserver tests/programs/loy2-program.json LOY2_SERVER
echo "LOY2 program listening on $LOY2_SERVER"

JFLAGS=(-Djava.awt.headless=true "-Dskiko.data.path=$SKIKO_DATA" "-Djna.library.path=$TARGET_DIR/debug")
RUN_CP="$WORK/classes:$CP:$KLIB/kotlin-stdlib.jar"

step "render every screen headless, check the card's pixels, zbar, the till"
t=$(now)
java "${JFLAGS[@]}" -cp "$RUN_CP" app.loyalty.ui.render.RenderScreensKt \
  --out "$OUT" --server "$SERVER" --zbarimg "$ZBARIMG" --server-loy2 "$LOY2_SERVER" --loyalty "$TARGET_DIR/debug/loyalty"
RENDER_S=$(since "$t")
echo "render JVM (45 renders, checks, zbar, tills): $RENDER_S s"

step "Compose UI tests: the card screen (semantics, switch) and LoyaltyApp on the demo wallet"
java "${JFLAGS[@]}" -cp "$RUN_CP" org.junit.runner.JUnitCore app.loyalty.ui.CardScreenTest app.loyalty.ui.LoyaltyAppTest

if [ "$UPDATE_DOCS" = 1 ]; then
  step "copy the screenshots to docs/screenshots"
  mkdir -p docs/screenshots
  # docs name <- rendered name (Russian, light theme unless the name says otherwise)
  while read -r doc shot; do
    cp "$OUT/$shot.png" "docs/screenshots/$doc.png"
    echo "docs/screenshots/$doc.png"
  done <<'LIST'
card card-light-ru
card-dark-ru card-dark-ru
card-en card-light-en
card-fontscale2 card-fontscale2-light-ru
card-fontscale2-dark-en card-fontscale2-dark-en
card-barcode card-barcode-light-ru
card-loy2 card-loy2-light-ru
card-loy2-fallback card-loy2-fallback-light-ru
wallet wallet-light-ru
wallet-dark-en wallet-dark-en
challenges challenges-light-ru
leaderboards leaderboards-light-ru
leaderboards-dark-en leaderboards-dark-en
leaderboards-join leaderboards-join-light-ru
badges badges-light-ru
inbox inbox-light-ru
inbox-dark-en inbox-dark-en
onboarding onboarding-light-ru
onboarding-error onboarding-error-light-ru
LIST
fi

echo
echo "Screens rendered to $OUT (kotlinc $COMPILE_S s, render JVM $RENDER_S s); all checks passed."
