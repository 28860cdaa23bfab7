#!/usr/bin/env bash
# Binding tests beyond Rust: generate Kotlin/Swift/Python from the freshly
# built library; start the dev server on a free loopback port; run the Kotlin
# JUnit tests on the desktop JVM (JNA) and the Python unittest against it;
# check the Swift C header and exported symbols, and that doc comments reach
# Kotlin and Swift. Bootstraps kotlinc (npm package kotlin-compiler) and
# JNA/JUnit (Debian packages) when missing, caching kotlinc under ~/.cache.
set -euo pipefail
source "$(dirname "$0")/target-dir.sh"
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
GEN="$TARGET_DIR/bindings"
LIB="$TARGET_DIR/debug/libloyalty_ffi.so"

step "build the bindings library, uniffi-bindgen, the dev server and the CLI (the LOY2 till)"
cargo build -q -p loyalty-ffi -p loyalty-devserver -p loyalty-cli
cargo build -q -p loyalty-ffi --features cli --bin uniffi-bindgen
rm -rf "$GEN" && mkdir -p "$GEN"
for lang in kotlin swift python; do
  "$TARGET_DIR/debug/uniffi-bindgen" generate "$LIB" --language "$lang" --no-format --out-dir "$GEN/$lang" >/dev/null
done
KT="$GEN/kotlin/app/loyalty/core/loyalty_ffi.kt"
SWIFT="$GEN/swift/LoyaltyCore.swift"

step "doc comments reach Kotlin and Swift"
# The first line of the doc comment of every exported item (objects, records,
# enums and their fields and variants, methods, foreign traits) must appear in
# both generated files. bindings/ denies missing docs, so every item has one.
python3 - "$KT" "$SWIFT" bindings/src/*.rs <<'PY'
import re, sys
kotlin, swift = (open(p, encoding="utf-8").read() for p in sys.argv[1:3])
wanted = []
for path in sys.argv[3:]:
    lines = open(path, encoding="utf-8").read().splitlines()
    # Brace depth per line (string and char literals removed first), and the
    # blocks opened by items carrying a uniffi attribute or derive.
    depth, depths, exported = 0, [], []   # exported: (open depth, start, end)
    stack = []
    for i, line in enumerate(lines):
        code = re.sub(r'"(\\.|[^"\\])*"', '""', line.split("//")[0])
        code = re.sub(r"'.'", "''", code)
        depths.append(depth)
        for ch in code:
            if ch == "{":
                j = i - 1
                attrs = []
                while j >= 0 and (lines[j].strip().startswith("#[") or lines[j].strip().startswith("///")):
                    attrs.append(lines[j]); j -= 1
                stack.append((depth, i, any("uniffi::" in a for a in attrs), " enum " in f" {line.strip()} "))
                depth += 1
            elif ch == "}":
                depth -= 1
                d, start, is_exported, is_enum = stack.pop()
                if is_exported:
                    exported.append((d, start, i, is_enum))
    for i, line in enumerate(lines):
        m = re.match(r"\s*/// ?(.*)", line)
        if not m or (i > 0 and lines[i - 1].strip().startswith("///")):
            continue
        j = i
        attrs = []
        while j < len(lines) and (lines[j].strip().startswith("///") or lines[j].strip().startswith("#[")):
            attrs.append(lines[j]); j += 1
        item = lines[j].strip() if j < len(lines) else ""
        own = any("uniffi::" in a for a in attrs)
        # A field of an exported enum's variant, or an item directly inside an
        # exported item (but not a private field of an object).
        variant_field = any(start < j <= end and is_enum and depths[j] == d + 2
                            for d, start, end, is_enum in exported)
        direct = any(start < j <= end and depths[j] == d + 1 for d, start, end, _ in exported)
        private_field = re.match(r"(pub\(crate\) )?[a-z_0-9]+:", item) is not None
        inside = variant_field or (direct and not private_field)
        if (own or inside) and m.group(1).strip():
            wanted.append((path, j + 1, m.group(1).strip()))
missing = [(p, n, d) for p, n, d in wanted if d not in kotlin or d not in swift]
for p, n, d in missing:
    print(f"error: {p}:{n}: doc comment not in the generated Kotlin and Swift: {d}", file=sys.stderr)
if missing or len(wanted) < 100:
    sys.exit(f"{len(missing)} missing of {len(wanted)} checked")
print(f"all {len(wanted)} doc comments of exported items are in both")
PY

step "Swift: the C header parses and every declared symbol is exported"
gcc -fsyntax-only -w -D_Nonnull= -D_Nullable= -x c "$GEN/swift/LoyaltyCoreFFI.h"
nm -D --defined-only "$LIB" | awk '{print $3}' | sort -u > "$GEN/exported.txt"
grep -oE '\b(uniffi|ffi)_[A-Za-z0-9_]+\(' "$GEN/swift/LoyaltyCoreFFI.h" | tr -d '(' | sort -u > "$GEN/declared.txt"
declared=$(wc -l < "$GEN/declared.txt")
[ "$declared" -gt 50 ] || { echo "error: only $declared symbols found in the header; the check is broken" >&2; exit 1; }
if [ -n "$(comm -23 "$GEN/declared.txt" "$GEN/exported.txt")" ]; then
  echo "error: declared in the header but not exported:" >&2
  comm -23 "$GEN/declared.txt" "$GEN/exported.txt" >&2
  exit 1
fi
echo "all $declared declared symbols are exported"

step "dev server on a free loopback port"
source scripts/devserver.sh
start_devserver tests/programs/sync-program.json
echo "listening on $SERVER"
# A LOY2 program's server, for the Kotlin device key (java.security) test.
start_devserver tests/programs/loy2-program.json LOY2_SERVER
echo "LOY2 program listening on $LOY2_SERVER"

step "Python unittest"
cp "$LIB" "$GEN/python/"
LOYALTY_SERVER="$SERVER" PYTHONPATH="$GEN/python" python3 tests/python/test_bindings.py -v

step "Kotlin toolchain (kotlinc, JNA, JUnit)"
source scripts/kotlin-env.sh

step "Kotlin: compile the generated bindings with the JUnit tests and run them on the JVM"
CLASSES="$GEN/kotlin-classes"
if ! "$KOTLINC" -J-XX:TieredStopAtLevel=1 -J-XX:+UseParallelGC -Werror \
  -classpath "$CP" -d "$CLASSES" "$KT" android/loyalty-core/src/main/kotlin/app/loyalty/core/*.kt \
  tests/kotlin/*.kt > "$GEN/kotlinc.log" 2>&1; then
  cat "$GEN/kotlinc.log" >&2
  echo "error: kotlinc failed" >&2
  exit 1
fi
java -ea -Djna.library.path="$TARGET_DIR/debug" -Djava.library.path="$TARGET_DIR/debug" \
  -Dloyalty.server="$SERVER" -Dloyalty.server.loy2="$LOY2_SERVER" -Dloyalty.cli="$TARGET_DIR/debug/loyalty" \
  -cp "$CLASSES:$CP:$KLIB/kotlin-stdlib.jar" \
  org.junit.runner.JUnitCore app.loyalty.core.tests.ClientTest app.loyalty.core.tests.ExtensionsTest \
  app.loyalty.core.tests.JourneyTest app.loyalty.core.tests.DeviceKeyTest

echo
echo "Binding checks passed."
