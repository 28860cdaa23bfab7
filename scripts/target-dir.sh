# Sourced by the build and test scripts, before they change directory: sets
# TARGET_DIR to the absolute cargo target directory, wherever it is. A set
# CARGO_TARGET_DIR wins; a relative one is taken from the directory the script
# was started in (as cargo itself would) and exported made absolute, so every
# cargo call and child script after a `cd` builds into the same place.
# Otherwise cargo says where it builds (build.target-dir in a config file,
# CARGO_BUILD_TARGET_DIR, or the workspace's target/).
_loyalty_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  case "$CARGO_TARGET_DIR" in
    /*) ;;
    *) CARGO_TARGET_DIR="$PWD/$CARGO_TARGET_DIR" ;;
  esac
  export CARGO_TARGET_DIR
  TARGET_DIR="$CARGO_TARGET_DIR"
else
  TARGET_DIR="$(cd "$_loyalty_root" && cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')" || {
    echo "error: cannot ask cargo for the target directory (cargo metadata failed)" >&2; exit 1; }
fi
unset _loyalty_root
