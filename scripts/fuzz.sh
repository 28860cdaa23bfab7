#!/usr/bin/env bash
# Fuzzes every parser that takes outside input (fuzz/, cargo-fuzz + libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]  fuzz each target SECONDS (default 60)
#   scripts/fuzz.sh --smoke [TARGET...]    replay the committed corpus, then a few
#                                          seconds each (FUZZ_SMOKE_SECONDS, default 5)
#   scripts/fuzz.sh --seed                 rebuild fuzz/corpus/ from the test fixtures
#                                          and what the core makes (card codes, wallets)
#   scripts/fuzz.sh --cmin                 minimise fuzz/corpus/ with what runs found
#
# Stable Rust is enough: `--sanitizer none` (no AddressSanitizer, which needs
# nightly's -Zsanitizer; the targets are safe Rust over a C SQLite that is
# exercised, not sanitised). Runs keep their growing corpus and any crash
# outside the repository, in ~/.cache/loyalty/fuzz (LOYALTY_FUZZ_CACHE); the
# build goes to $CARGO_TARGET_DIR/fuzz (or ~/.cache/loyalty/target/fuzz).
# A crash stops the run with the input's path and how to replay it.
set -euo pipefail
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  source "$(dirname "$0")/target-dir.sh"
  BUILD_DIR="$TARGET_DIR/fuzz"
else
  BUILD_DIR="$HOME/.cache/loyalty/target/fuzz"
fi
cd "$(dirname "$0")/.."
ROOT="$PWD"
CACHE="${LOYALTY_FUZZ_CACHE:-$HOME/.cache/loyalty/fuzz}"
ALL=(program scenario push sync_page till_body card_loy1 card_loy2 wallet_db)

mode=run seconds=60
case "${1:-}" in
  --smoke) mode=smoke; shift ;;
  --seed) mode=seed; shift ;;
  --cmin) mode=cmin; shift ;;
  -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
  '') ;;
  *[!0-9]*) echo "error: unknown argument '$1' (SECONDS, --smoke, --seed or --cmin)" >&2; exit 2 ;;
  *) seconds="$1"; shift ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")

CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is missing; installing $CARGO_FUZZ_VERSION (once, ~3 min) with: cargo install cargo-fuzz --locked" >&2
  # Its own build folder: the project's CARGO_TARGET_DIR is left alone.
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked \
      --target-dir "$HOME/.cache/loyalty/cargo-fuzz-build" || {
    echo "error: could not install cargo-fuzz (needs crates.io); install it with: cargo install cargo-fuzz --locked" >&2; exit 1; }
fi
# libfuzzer-sys compiles libFuzzer itself, which is C++.
if ! command -v "${CXX:-c++}" >/dev/null 2>&1; then
  echo "error: the fuzz targets need a C++ compiler for libFuzzer (c++ not found): install g++ (Debian: apt-get install g++) or set CXX" >&2
  exit 1
fi
# The fuzz workspace's own lock file, as committed: a build never rewrites it.
cargo fetch --locked --quiet --manifest-path fuzz/Cargo.toml || {
  echo "error: fuzz/Cargo.lock is out of date or a crate cannot be fetched; run cargo update in fuzz/ and commit the lock file" >&2; exit 1; }

echo "==> building the fuzz targets (cargo fuzz build --sanitizer none, into $BUILD_DIR)"
cargo fuzz build --sanitizer none --debug-assertions --target-dir "$BUILD_DIR" >&2
BIN="$BUILD_DIR/$(rustc -vV | sed -n 's/^host: //p')/release"

# Runs target $1 with libFuzzer arguments $2...; prints its final figures.
run_target() {
  local t="$1"; shift
  local log="$CACHE/logs/$t.log"
  mkdir -p "$CACHE/logs" "$CACHE/artifacts/$t"
  if ! "$BIN/$t" -artifact_prefix="$CACHE/artifacts/$t/" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "error: fuzz target $t failed; the input is in $CACHE/artifacts/$t/ — replay it with: $BIN/$t <file>" >&2
    return 1
  fi
  local execs cov ft secs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  printf '%-10s %12s execs %6ss  cov %6s  ft %6s\n' "$t" "${execs:-?}" "${secs:-0}" "${cov:-?}" "${ft:-?}"
}

case "$mode" in
  seed)
    # Test fixtures first, then what each target makes from the core itself.
    tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
    python3 - "$ROOT" "$tmp" <<'PY'
import json, os, sys, glob, hashlib
root, out = sys.argv[1], sys.argv[2]
def put(target, text):
    os.makedirs(f"{out}/{target}", exist_ok=True)
    name = hashlib.sha1(text.encode()).hexdigest()[:16]
    open(f"{out}/{target}/fixture-{name}", "w").write(text)
for p in sorted(glob.glob(f"{root}/tests/programs/*.json")):
    put("program", open(p).read())
for p in sorted(glob.glob(f"{root}/tests/scenarios/*.json")):
    text = open(p).read()
    put("scenario", text)
    d = json.loads(text)
    put("program", json.dumps(d["program"]))
    for s in d.get("steps", []):
        if "push" in s:
            put("push", s["push"] if isinstance(s["push"], str) else json.dumps(s["push"]))
        for kind in ("purchase", "return"):
            if isinstance(s.get(kind), dict):
                put("till_body", json.dumps({"payload": "LOY1:4006381333931:07081804", kind: s[kind]}))
PY
    for t in "${ALL[@]}"; do
      mkdir -p "$tmp/$t" "fuzz/corpus/$t"
      # The init of each target writes what the core makes (card codes, wallet files, pages).
      LOYALTY_FUZZ_SEEDS="$tmp/$t" "$BIN/$t" -runs=0 "$tmp/$t" >/dev/null 2>&1 || true
      # Minimised into the committed corpus (only inputs that add coverage).
      rm -rf "fuzz/corpus/$t.new"; mkdir -p "fuzz/corpus/$t.new"
      "$BIN/$t" -merge=1 -max_len=65536 "fuzz/corpus/$t.new" "$tmp/$t" "fuzz/corpus/$t" >/dev/null 2>&1
      rm -rf "fuzz/corpus/$t"; mv "fuzz/corpus/$t.new" "fuzz/corpus/$t"
      echo "$t: $(ls "fuzz/corpus/$t" | wc -l) seeds, $(du -sk "fuzz/corpus/$t" | cut -f1) KB"
    done
    ;;
  cmin)
    for t in "${targets[@]}"; do
      mkdir -p "$CACHE/corpus/$t"
      rm -rf "fuzz/corpus/$t.new"; mkdir -p "fuzz/corpus/$t.new"
      "$BIN/$t" -merge=1 -max_len=65536 "fuzz/corpus/$t.new" "fuzz/corpus/$t" "$CACHE/corpus/$t" >/dev/null 2>&1
      rm -rf "fuzz/corpus/$t"; mv "fuzz/corpus/$t.new" "fuzz/corpus/$t"
      echo "$t: $(ls "fuzz/corpus/$t" | wc -l) inputs, $(du -sk "fuzz/corpus/$t" | cut -f1) KB"
    done
    ;;
  smoke)
    smoke="${FUZZ_SMOKE_SECONDS:-5}"
    scratch="$(mktemp -d)"; trap 'rm -rf "$scratch"' EXIT
    for t in "${targets[@]}"; do
      # Every committed input still passes, then a short run from them (new
      # inputs go to a scratch folder: the committed corpus is not changed).
      mkdir -p "$scratch/$t"
      run_target "$t" -max_total_time="$smoke" "$scratch/$t" "fuzz/corpus/$t"
    done
    ;;
  run)
    for t in "${targets[@]}"; do
      mkdir -p "$CACHE/corpus/$t"
      run_target "$t" -max_total_time="$seconds" "$CACHE/corpus/$t" "fuzz/corpus/$t"
    done
    echo "(corpus kept in $CACHE/corpus; scripts/fuzz.sh --cmin folds it into fuzz/corpus)"
    ;;
esac
