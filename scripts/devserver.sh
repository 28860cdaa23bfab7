# Sourced: start_devserver PROGRAM starts the built dev server on a free
# loopback port with a temporary data folder, sets SERVER to its URL, and
# stops it (and removes the folder) when the sourcing script exits.
# Needs TARGET_DIR (scripts/target-dir.sh) and a built loyalty-devserver.
start_devserver() {
  DEVSERVER_DIR=$(mktemp -d)
  "$TARGET_DIR/debug/loyalty-devserver" --listen 127.0.0.1:0 --data-dir "$DEVSERVER_DIR/data" \
    --program "$1" > "$DEVSERVER_DIR/out.log" 2>&1 &
  DEVSERVER_PID=$!
  trap stop_devserver EXIT
  SERVER=
  for _ in $(seq 100); do
    SERVER=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$DEVSERVER_DIR/out.log" | head -n1 || true)
    [ -n "$SERVER" ] && break
    kill -0 "$DEVSERVER_PID" 2>/dev/null || { cat "$DEVSERVER_DIR/out.log" >&2; echo "error: the dev server did not start" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$SERVER" ] || { echo "error: the dev server did not say where it listens within 10 s" >&2; exit 1; }
}

stop_devserver() {
  local rc=$?
  if [ -n "${DEVSERVER_PID:-}" ]; then
    kill "$DEVSERVER_PID" 2>/dev/null || true
    wait "$DEVSERVER_PID" 2>/dev/null || true
  fi
  rm -rf "${DEVSERVER_DIR:-}"
  exit "$rc"
}
