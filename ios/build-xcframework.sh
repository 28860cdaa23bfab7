#!/usr/bin/env bash
# Builds LoyaltyCoreFFI.xcframework (iOS device, iOS simulator arm64+x86_64,
# macOS arm64+x86_64 static libraries with the C header and module map) and
# generates Sources/LoyaltyCore/LoyaltyCore.swift. macOS with Xcode only.
set -euo pipefail
source "$(dirname "$0")/../scripts/target-dir.sh"
cd "$(dirname "$0")"
ROOT="$(cd .. && pwd)"
OUT="$(pwd)"
[ "$(uname)" = Darwin ] || { echo "error: building the XCFramework needs macOS with Xcode (xcodebuild, lipo)" >&2; exit 1; }
command -v xcodebuild >/dev/null || { echo "error: xcodebuild not found; install Xcode" >&2; exit 1; }

TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "${TARGETS[@]}" >/dev/null
cd "$ROOT"
for t in "${TARGETS[@]}"; do
  cargo build -q --release -p loyalty-ffi --lib --target "$t"
done

# Swift, header and module map from the host library (same code, same metadata).
cargo build -q -p loyalty-ffi --features cli --bin uniffi-bindgen
cargo build -q --release -p loyalty-ffi --lib
T="$TARGET_DIR"
GEN="$T/swift-gen"
rm -rf "$GEN" && mkdir -p "$GEN/include"
"$T/debug/uniffi-bindgen" generate "$T/release/libloyalty_ffi.dylib" --language swift --out-dir "$GEN"
cp "$GEN/LoyaltyCoreFFI.h" "$GEN/include/"
cp "$GEN/LoyaltyCoreFFI.modulemap" "$GEN/include/module.modulemap"
cp "$GEN/LoyaltyCore.swift" "$OUT/Sources/LoyaltyCore/LoyaltyCore.swift"

LIBS="$T/xcframework-libs"
rm -rf "$LIBS" && mkdir -p "$LIBS/ios-sim" "$LIBS/macos"
lipo -create "$T/aarch64-apple-ios-sim/release/libloyalty_ffi.a" "$T/x86_64-apple-ios/release/libloyalty_ffi.a" \
  -output "$LIBS/ios-sim/libloyalty_ffi.a"
lipo -create "$T/aarch64-apple-darwin/release/libloyalty_ffi.a" "$T/x86_64-apple-darwin/release/libloyalty_ffi.a" \
  -output "$LIBS/macos/libloyalty_ffi.a"

rm -rf "$OUT/LoyaltyCoreFFI.xcframework"
xcodebuild -create-xcframework \
  -library "$T/aarch64-apple-ios/release/libloyalty_ffi.a" -headers "$GEN/include" \
  -library "$LIBS/ios-sim/libloyalty_ffi.a" -headers "$GEN/include" \
  -library "$LIBS/macos/libloyalty_ffi.a" -headers "$GEN/include" \
  -output "$OUT/LoyaltyCoreFFI.xcframework"
echo "ready: $OUT/LoyaltyCoreFFI.xcframework and Sources/LoyaltyCore/LoyaltyCore.swift (swift test runs the tests on macOS)"
