#!/usr/bin/env bash
# Cross-compiles loyalty-ffi for Android with cargo-ndk into
# loyalty-core/src/main/jniLibs/<abi>/libloyalty_ffi.so and generates the
# Kotlin bindings into loyalty-core/src/main/generated. Usage: build-rust.sh [release|debug]
# Needs: rustup, cargo-ndk (cargo install cargo-ndk), and an NDK (r28+) in
# ANDROID_NDK_HOME (or ANDROID_HOME/ndk/<version>).
set -euo pipefail
source "$(dirname "$0")/../scripts/target-dir.sh"
cd "$(dirname "$0")"
PROFILE="${1:-release}"
ROOT="$(cd .. && pwd)"
MODULE="$(pwd)/loyalty-core/src/main"
ABIS=(arm64-v8a armeabi-v7a x86_64)
TARGETS=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)

command -v cargo-ndk >/dev/null 2>&1 || { echo "error: cargo-ndk is missing: cargo install cargo-ndk" >&2; exit 1; }
if [ -z "${ANDROID_NDK_HOME:-}" ] && [ -z "${ANDROID_HOME:-}" ]; then
  echo "error: set ANDROID_NDK_HOME to an NDK r28+ (or ANDROID_HOME with ndk/ inside)" >&2; exit 1
fi
rustup target add "${TARGETS[@]}" >/dev/null

flags=()
[ "$PROFILE" = release ] && flags+=(--release)
args=()
for abi in "${ABIS[@]}"; do args+=(-t "$abi"); done
(cd "$ROOT" && cargo ndk "${args[@]}" --platform 24 -o "$MODULE/jniLibs" build -p loyalty-ffi "${flags[@]}")

# Bindings come from the built library (uniffi reads the metadata it embeds);
# the bindgen is built for the host from the same pinned uniffi version.
(cd "$ROOT" && cargo build -q -p loyalty-ffi --features cli --bin uniffi-bindgen)
rm -rf "$MODULE/generated"
(cd "$ROOT" && "$TARGET_DIR/debug/uniffi-bindgen" generate \
  "$MODULE/jniLibs/arm64-v8a/libloyalty_ffi.so" --language kotlin --out-dir "$MODULE/generated" --no-format)
echo "jniLibs and Kotlin bindings ready in $MODULE"
