#!/usr/bin/env bash
# Size of the release cdylib (x86_64 host) at opt-level "s" and "z" with the
# workspace release profile (lto, codegen-units = 1, panic = "unwind",
# strip = "debuginfo"), fully stripped as an app store ships it, and the
# largest contributors: `cargo bloat --crates` when installed, otherwise the
# symbol table summed per crate.
set -euo pipefail
cd "$(dirname "$0")/.."
human() { awk -v b="$1" 'BEGIN { printf "%.2f MiB (%d bytes)", b / 1048576, b }'; }
for opt in s z; do
  dir="target/size-$opt"
  CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt cargo build -q --release -p loyalty-ffi --target-dir "$dir"
  lib="$dir/release/libloyalty_ffi.so"
  strip -s -o "$dir/stripped.so" "$lib"
  echo "opt-level \"$opt\": as built $(human "$(stat -c %s "$lib")"), stripped $(human "$(stat -c %s "$dir/stripped.so")")"
done
echo
echo "Largest contributors (opt-level \"s\"):"
if cargo bloat --version >/dev/null 2>&1; then
  CARGO_PROFILE_RELEASE_OPT_LEVEL=s cargo bloat --release -p loyalty-ffi --lib --crates -n 15 --target-dir target/size-s
else
  echo "(cargo bloat is not installed — cargo install cargo-bloat — so: text symbols summed per crate)"
  nm -C --size-sort -S -t d target/size-s/release/libloyalty_ffi.so | awk '
    $3 ~ /^[tTwW]$/ {
      name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
      sub(/^</, "", name); sub(/^_</, "", name)
      crate = name; sub(/::.*/, "", crate); sub(/ .*/, "", crate)
      if (crate !~ /^[a-z_][a-z0-9_]*$/) crate = "(C: sqlite, ring, …)"
      size[crate] += ($2 + 0); total += ($2 + 0)
    }
    END {
      for (c in size) printf "%10.1f KB  %5.1f%%  %s\n", size[c] / 1024, 100 * size[c] / total, c
    }' | sort -rn | head -n 15
fi
