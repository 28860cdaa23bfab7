#!/usr/bin/env bash
# A bounded load run of the dev server (release build) on loopback with
# wrk: GET /v1/me/sync as one member, then POST /v1/pos/purchases, each
# request a new receipt across LOAD_CARDS members with static card codes.
# LOAD_SECONDS (10) each, LOAD_THREADS (2) threads, LOAD_CONNECTIONS (16)
# connections. Prints throughput, p50/p99 latency and errors; it reports,
# it does not assert (not part of test.sh: figures depend on the machine).
set -euo pipefail
source "$(dirname "$0")/target-dir.sh"
cd "$(dirname "$0")/.."

SECONDS_EACH=${LOAD_SECONDS:-10}
THREADS=${LOAD_THREADS:-2}
CONNECTIONS=${LOAD_CONNECTIONS:-16}
CARDS_N=${LOAD_CARDS:-20}

if ! command -v wrk >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    echo "Installing wrk (Debian package) for the load run..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; } || true
  fi
  command -v wrk >/dev/null 2>&1 || {
    echo "error: wrk is needed for the load run: apt-get install wrk (as root), or brew install wrk" >&2; exit 1; }
fi

echo "Building the release dev server..."
cargo build -q --release -p loyalty-devserver
export DEVSERVER_BIN="$TARGET_DIR/release/loyalty-devserver"
source scripts/devserver.sh

work=$(mktemp -d)
DEVSERVER_DIRS+=("$work")   # removed with the servers' folders on exit
# The till run uses static codes ({card} alone): a rotating code is good for
# one purchase per card and 30 s step, which is the replay guard, not load.
python3 - tests/programs/sync-program.json "$work/static.json" <<'PY'
import json, sys
rules = json.load(open(sys.argv[1]))
rules["card"] = {"template": "{card}"}
json.dump(rules, open(sys.argv[2], "w"))
PY
start_devserver tests/programs/sync-program.json SYNC_SERVER
start_devserver "$work/static.json" TILL_SERVER

enroll() {
  python3 - "$1" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/v1/enroll", data=b"{}", method="POST",
                             headers={"Content-Type": "application/json"})
me = json.load(urllib.request.urlopen(req, timeout=10))
print(me["access_token"], me["card_number"])
PY
}

read -r TOKEN _ < <(enroll "$SYNC_SERVER")
CARDS=""
for _ in $(seq "$CARDS_N"); do
  read -r _ card < <(enroll "$TILL_SERVER")
  CARDS="$CARDS${CARDS:+,}$card"
done
export CARDS LOAD_LUA="$PWD/scripts/load"

run() {
  local name=$1; shift
  local out
  out=$(wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_EACH}s" "$@")
  echo "$out" > "$work/$name.txt"
  local line
  line=$(grep '^RESULT' <<<"$out" | sed 's/^RESULT //')
  printf '%-6s %s\n' "$name" "$line"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_EACH}s on $(nproc) cores, release build, loopback:"
run sync -s scripts/load/sync.lua -H "Authorization: Bearer $TOKEN" "$SYNC_SERVER/v1/me/sync"
run till -s scripts/load/till.lua "$TILL_SERVER/v1/pos/purchases"
