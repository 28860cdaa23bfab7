#!/usr/bin/env bash
# Size of the release cdylib (x86_64 host) at opt-level "s" and "z" with the
# workspace release profile (lto, codegen-units = 1, panic = "unwind",
# strip = "debuginfo"), fully stripped as an app store ships it, and the
# largest contributors: `cargo bloat --crates` when installed, otherwise the
# symbol table summed per crate. Then the floor: size-floor/, a cdylib of the
# owner's fixed dependencies (uniffi, tokio, reqwest on rustls, serde,
# rusqlite, qrcode, chrono, tracing) with one export using each, built with
# the same profile — the difference is what the core itself adds.
set -euo pipefail
source "$(dirname "$0")/target-dir.sh"
cd "$(dirname "$0")/.."
# The floor's own manifest must carry the workspace's release profile
# (checked first: the builds take minutes). Both keep it as one block.
profile() { sed -n '/^\[profile.release\]/,/^$/p' "$1" | grep -v '^#'; }
if [ "$(profile Cargo.toml)" != "$(profile size-floor/Cargo.toml)" ]; then
  echo "error: size-floor/Cargo.toml's [profile.release] differs from the workspace's; copy it over" >&2; exit 1
fi
human() { awk -v b="$1" 'BEGIN { printf "%.2f MiB (%d bytes)", b / 1048576, b }'; }
for opt in s z; do
  dir="$TARGET_DIR/size-$opt"
  CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt cargo build -q --release -p loyalty-ffi --target-dir "$dir"
  lib="$dir/release/libloyalty_ffi.so"
  strip -s -o "$dir/stripped.so" "$lib"
  echo "opt-level \"$opt\": as built $(human "$(stat -c %s "$lib")"), stripped $(human "$(stat -c %s "$dir/stripped.so")")"
done
CARGO_PROFILE_RELEASE_OPT_LEVEL=s cargo build -q --release --locked \
  --manifest-path size-floor/Cargo.toml --target-dir "$TARGET_DIR/size-floor"
floor="$TARGET_DIR/size-floor/release/libloyalty_size_floor.so"
strip -s -o "$TARGET_DIR/size-floor/stripped.so" "$floor"
ours=$(stat -c %s "$TARGET_DIR/size-s/stripped.so")
base=$(stat -c %s "$TARGET_DIR/size-floor/stripped.so")
echo "floor (fixed dependencies, one export), opt-level \"s\": stripped $(human "$base")"
echo "the core's own share: $(human $((ours - base))) ($(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%.2f", a / b }')x the floor)"
echo
echo "Largest contributors (opt-level \"s\"):"
if cargo bloat --version >/dev/null 2>&1; then
  CARGO_PROFILE_RELEASE_OPT_LEVEL=s cargo bloat --release -p loyalty-ffi --lib --crates -n 15 --target-dir "$TARGET_DIR/size-s"
else
  echo "(cargo bloat is not installed — cargo install cargo-bloat — so: code symbols summed per crate;"
  echo " C and assembly attributed through the static archives the build scripts produced)"
  build="$TARGET_DIR/size-s/release/build"
  {
    for a in $(ls -t "$build"/libsqlite3-sys-*/out/*.a 2>/dev/null | head -n1); do
      nm --defined-only "$a" 2>/dev/null | awk 'NF == 3 { print $3 "\tsqlite (C)" }'
    done
    for a in $(ls -t "$build"/ring-*/out/libring_core_*.a 2>/dev/null | grep -v _test | head -n1); do
      nm --defined-only "$a" 2>/dev/null | awk 'NF == 3 { print $3 "\tring (C + asm)" }'
    done
  } > "$TARGET_DIR/size-s/c-symbols.tsv"
  nm -C --size-sort -S -t d "$TARGET_DIR/size-s/release/libloyalty_ffi.so" > "$TARGET_DIR/size-s/symbols.txt"
  awk -F'\t' 'FILENAME == ARGV[1] { bucket[$1] = $2; next }
    {
      split($0, f, " ")
      if (f[3] !~ /^[tTwW]$/) next
      name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
      raw = name; sub(/\.(constprop|isra|part|cold)\..*$/, "", raw)
      if (raw in bucket) crate = bucket[raw]
      else {
        sub(/^</, "", name); sub(/^_</, "", name)
        crate = name; sub(/::.*/, "", crate); sub(/ .*/, "", crate)
        if (crate ~ /^ring_core_/) crate = "ring (C + asm)"
        else if (crate !~ /^[a-z_][a-z0-9_]*$/) crate = "(other C / runtime)"
      }
      size[crate] += f[2]; total += f[2]
    }
    END {
      for (c in size) printf "%10.1f KB  %5.1f%%  %s\n", size[c] / 1024, 100 * size[c] / total, c
      printf "%10.1f KB          all code\n", total / 1024
    }' "$TARGET_DIR/size-s/c-symbols.tsv" "$TARGET_DIR/size-s/symbols.txt" | sort -rn | head -n 18
fi
