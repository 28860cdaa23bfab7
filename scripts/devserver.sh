# Sourced: start_devserver PROGRAM [VAR] starts the built dev server on a free
# loopback port with a temporary data folder, sets VAR (default SERVER) to its
# URL, and stops it (and removes the folder) when the sourcing script exits.
# May be called more than once (one server per program).
# Needs TARGET_DIR (scripts/target-dir.sh) and a built loyalty-devserver
# (the debug one; DEVSERVER_BIN names another, such as the release build).
DEVSERVER_PIDS=()
DEVSERVER_DIRS=()

start_devserver() {
  local program=$1 var=${2:-SERVER} dir pid url=
  dir=$(mktemp -d)
  "${DEVSERVER_BIN:-$TARGET_DIR/debug/loyalty-devserver}" --listen 127.0.0.1:0 --data-dir "$dir/data" \
    --program "$program" > "$dir/out.log" 2>&1 &
  pid=$!
  DEVSERVER_PIDS+=("$pid")
  DEVSERVER_DIRS+=("$dir")
  trap stop_devservers EXIT
  for _ in $(seq 100); do
    url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$dir/out.log" | head -n1 || true)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/out.log" >&2; echo "error: the dev server did not start" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { echo "error: the dev server did not say where it listens within 10 s" >&2; exit 1; }
  printf -v "$var" '%s' "$url"
}

stop_devservers() {
  local rc=$? pid dir
  for pid in "${DEVSERVER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for dir in "${DEVSERVER_DIRS[@]}"; do
    # A failed run shows what the server said last (a 5xx's cause is there).
    if [ "$rc" -ne 0 ] && [ -s "$dir/out.log" ]; then
      echo "--- the dev server's last log lines ($dir/out.log):" >&2
      tail -n 40 "$dir/out.log" >&2
    fi
    rm -rf "$dir"
  done
  exit "$rc"
}
