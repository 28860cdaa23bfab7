#!/usr/bin/env bash
# Binding tests beyond Rust: generate Kotlin/Swift/Python from the freshly
# built library, run the Kotlin JUnit tests on the desktop JVM (JNA), the
# Python unittest, and check the Swift C header and exported symbols.
# Bootstraps kotlinc (npm package kotlin-compiler) and JNA/JUnit (Debian
# packages) when missing, caching kotlinc under ~/.cache/loyalty-kotlin.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
KOTLIN_VERSION=2.4.20
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/loyalty-kotlin"
GEN=target/bindings
LIB=target/debug/libloyalty_ffi.so

step "build the bindings library and uniffi-bindgen"
cargo build -q -p loyalty-ffi
cargo build -q -p loyalty-ffi --features cli --bin uniffi-bindgen
rm -rf "$GEN" && mkdir -p "$GEN"
for lang in kotlin swift python; do
  ./target/debug/uniffi-bindgen generate "$LIB" --language "$lang" --no-format --out-dir "$GEN/$lang" >/dev/null
done
KT="$GEN/kotlin/app/loyalty/core/loyalty_ffi.kt"

step "doc comments reach Kotlin and Swift"
for f in "$KT" "$GEN/swift/LoyaltyCore.swift"; do
  grep -q "The wallet screen: balance, tier and progress" "$f" || { echo "error: doc comments missing in $f" >&2; exit 1; }
done

step "Swift: the C header parses and every declared symbol is exported"
gcc -fsyntax-only -w -D_Nonnull= -D_Nullable= -x c "$GEN/swift/LoyaltyCoreFFI.h"
nm -D --defined-only "$LIB" | awk '{print $3}' | sort -u > "$GEN/exported.txt"
grep -oE '\b(uniffi|ffi)_[A-Za-z0-9_]+\(' "$GEN/swift/LoyaltyCoreFFI.h" | tr -d '(' | sort -u > "$GEN/declared.txt"
declared=$(wc -l < "$GEN/declared.txt")
if [ -n "$(comm -23 "$GEN/declared.txt" "$GEN/exported.txt")" ]; then
  echo "error: declared in the header but not exported:" >&2
  comm -23 "$GEN/declared.txt" "$GEN/exported.txt" >&2
  exit 1
fi
echo "all $declared declared symbols are exported"

step "Python unittest"
cp "$LIB" "$GEN/python/"
PYTHONPATH="$GEN/python" python3 tests/python/test_bindings.py

step "Kotlin toolchain (kotlinc $KOTLIN_VERSION, JNA, JUnit)"
if [ ! -x "$CACHE/package/bin/kotlinc" ]; then
  mkdir -p "$CACHE"
  (cd "$CACHE" && npm pack "kotlin-compiler@$KOTLIN_VERSION" >/dev/null && tar xzf "kotlin-compiler-$KOTLIN_VERSION.tgz") || {
    echo "error: cannot fetch kotlinc; install Node.js/npm (npm pack kotlin-compiler@$KOTLIN_VERSION)" >&2; exit 1; }
fi
if [ ! -f /usr/share/java/jna.jar ] || [ ! -f /usr/share/java/junit4.jar ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjna-java junit4 >/dev/null
  else
    echo "error: JNA and JUnit 4 are needed: apt-get install libjna-java junit4 (as root)" >&2; exit 1
  fi
fi
KLIB="$CACHE/package/lib"
CP="/usr/share/java/jna.jar:$KLIB/kotlinx-coroutines-core-jvm.jar:$KLIB/kotlin-test.jar:$KLIB/kotlin-test-junit.jar:/usr/share/java/junit4.jar:/usr/share/java/hamcrest.jar"

step "Kotlin: compile the generated bindings with the JUnit tests and run them on the JVM"
CLASSES="$GEN/kotlin-classes"
if ! "$CACHE/package/bin/kotlinc" -J-XX:TieredStopAtLevel=1 -J-XX:+UseParallelGC -Werror \
  -classpath "$CP" -d "$CLASSES" "$KT" tests/kotlin/*.kt > "$GEN/kotlinc.log" 2>&1; then
  cat "$GEN/kotlinc.log" >&2
  echo "error: kotlinc failed" >&2
  exit 1
fi
java -ea -Djna.library.path="$(pwd)/target/debug" -cp "$CLASSES:$CP:$KLIB/kotlin-stdlib.jar" \
  org.junit.runner.JUnitCore app.loyalty.core.tests.ClientTest

echo
echo "Binding checks passed."
