#!/usr/bin/env bash
# The iOS app shell's checks that run without a Swift toolchain (there is
# none on Linux): with tree-sitter-swift from PyPI (a venv cached under
# ~/.cache, never in the repo)
#  1. every .swift file of ios/ parses with zero syntax errors (and five
#     broken snippets are refused, so the parser is really checking);
#  2. every member of the generated Swift API the code uses (client methods
#     with their argument labels, record fields and initialisers, enum cases,
#     protocol conformances, overrides, top-level functions) is declared in a
#     LoyaltyCore.swift generated now from the freshly built library (with a
#     self-test: misspelt members must be reported);
#  3. project.yml is YAML with the targets docs/ios.md names; the Info.plists
#     and entitlements load with plistlib; the app and the extension share
#     the app group and the keychain group; push is enabled;
#  4. Localizable.xcstrings is a String Catalog with the Russian plural forms
#     one/few/many/other, whose texts, evaluated as Catalog.swift does, are
#     the Kotlin layer's (tests/presentation/texts.json and errors.json).
# What needs a Mac (building, XCTest, the simulator) is listed in docs/ios.md.
set -euo pipefail
source "$(dirname "$0")/target-dir.sh"
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
timed() {
  local start
  start=$(date +%s%N)
  "$@"
  echo "    ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
}

TS_VERSION=0.26.1
TS_SWIFT_VERSION=0.7.4
PYYAML_VERSION=6.0.3
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/loyalty-ios-checks/venv-$TS_VERSION-$TS_SWIFT_VERSION-$PYYAML_VERSION"
GEN="$TARGET_DIR/ios-check"
LIB="$TARGET_DIR/debug/libloyalty_ffi.so"

step "tree-sitter $TS_VERSION, tree-sitter-swift $TS_SWIFT_VERSION and PyYAML $PYYAML_VERSION (venv in ${VENV%/*})"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import tree_sitter, tree_sitter_swift, yaml' 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    "tree-sitter==$TS_VERSION" "tree-sitter-swift==$TS_SWIFT_VERSION" "pyyaml==$PYYAML_VERSION"
fi
PY="$VENV/bin/python"

step "generate LoyaltyCore.swift from the freshly built library"
cargo build -q -p loyalty-ffi
cargo build -q -p loyalty-ffi --features cli --bin uniffi-bindgen
rm -rf "$GEN" && mkdir -p "$GEN"
"$TARGET_DIR/debug/uniffi-bindgen" generate "$LIB" --language swift --no-format --out-dir "$GEN/swift" >/dev/null
GENERATED="$GEN/swift/LoyaltyCore.swift"

# Every Swift file of ios/ but the generated one (built on a Mac into Sources/LoyaltyCore, never committed).
mapfile -t SWIFT < <(find ios -name '*.swift' -not -path 'ios/.build/*' -not -path 'ios/Xcode/*' \
  -not -path 'ios/Sources/LoyaltyCore/LoyaltyCore.swift' | sort)
[ "${#SWIFT[@]}" -ge 20 ] || { echo "error: only ${#SWIFT[@]} Swift files found under ios/" >&2; exit 1; }

step "Swift syntax: every file of ios/ parses (tree-sitter-swift)"
timed "$PY" ios/checks/check_syntax.py "${SWIFT[@]}"

step "Swift API: the members the code uses exist in the generated LoyaltyCore.swift"
timed "$PY" ios/checks/check_api.py "$GENERATED" "${SWIFT[@]}"

step "project.yml, Info.plists and entitlements"
timed "$PY" ios/checks/check_config.py

step "Localizable.xcstrings: Russian plurals, and the same texts as the Kotlin layer"
timed "$PY" ios/checks/check_catalog.py

echo
echo "iOS checks passed (building, XCTest and the simulator need a Mac: docs/ios.md)."
