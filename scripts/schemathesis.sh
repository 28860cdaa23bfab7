#!/usr/bin/env bash
# Property-based HTTP tests of the dev server against docs/openapi.yaml with
# schemathesis: no 5xx, every status, header, content type and body as the
# spec says, schema-violating requests refused, member endpoints refusing a
# missing token. Bounded: at most SCHEMATHESIS_EXAMPLES (20) cases per
# operation and phase, a fixed seed (SCHEMATHESIS_SEED, 1) so a failure
# reproduces; one worker (hypothesis's lambda descriptions are not thread
# safe on CPython 3.11: two workers failed runs with its own internal errors).
# schemathesis comes from PyPI into a venv cached outside the
# repository (~/.cache/loyalty/schemathesis-VERSION).
set -euo pipefail
source "$(dirname "$0")/target-dir.sh"
cd "$(dirname "$0")/.."

VERSION=4.32.5
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/loyalty/schemathesis-$VERSION"
ST="$VENV/bin/st"

# A marker written last: a venv cut off mid-install is made again.
if [ ! -f "$VENV/.installed" ]; then
  echo "Installing schemathesis $VERSION into $VENV ..."
  command -v python3 >/dev/null || { echo "error: python3 is needed for schemathesis" >&2; exit 1; }
  rm -rf "$VENV"
  python3 -m venv "$VENV" || {
    echo "error: python3 -m venv failed (Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION"; then
    rm -rf "$VENV"
    echo "error: cannot install schemathesis $VERSION from PyPI (is PyPI reachable? a proxy set in PIP_INDEX_URL?)" >&2
    exit 1
  fi
  touch "$VENV/.installed"
fi

# The dev server as this checkout builds it, with the package set
# test-bindings.sh builds (the same feature unification, so test.sh builds
# it once for both).
cargo build -q -p loyalty-ffi -p loyalty-devserver -p loyalty-cli
source scripts/devserver.sh
start_devserver tests/programs/sync-program.json

# Member endpoints need a token: one member's, for every request.
TOKEN=$("$VENV/bin/python" - "$SERVER" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/v1/enroll", data=b"{}", method="POST",
                             headers={"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(req, timeout=10))["access_token"])
PY
)

report="$TARGET_DIR/schemathesis-report"
rm -rf "$report"
mkdir -p "$report"
spec="$PWD/docs/openapi.yaml"
started=$(date +%s)
set +e
# Run from the report directory: schemathesis keeps its crash cache in
# `.schemathesis/` under the working directory, which must not be the
# checkout (a test run would change files in the repository).
(cd "$report" && "$ST" run "$spec" \
  --url "$SERVER" \
  --header "Authorization: Bearer $TOKEN" \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-20}" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,ignored_auth,unsupported_method \
  --request-timeout 10 \
  --workers 1 \
  --report junit --report-dir "$report" \
  --warnings off)
rc=$?
set -e
echo "schemathesis: $(( $(date +%s) - started )) s against $SERVER (report: $report)"
if [ "$rc" -ne 0 ]; then
  echo "error: schemathesis found responses that break docs/openapi.yaml (exit $rc)" >&2
  exit "$rc"
fi
