#!/usr/bin/env bash
# The OpenAPI document is the SDK's contract: schemathesis (PyPI, pinned) runs every check
# against a real server on SQLite, as each kind of caller, with a fixed seed and a time
# budget per caller. Any finding fails the run.
# Usage: scripts/schemathesis.sh [seconds per caller]   (after `cargo build --release`)
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-40}
bin=${CARGO_TARGET_DIR:-target}/release/pintar-server
venv=${PINTAR_CI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/pintar-ci/venv}
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis==4.32.5'
fi
data=$(mktemp -d)
port=$((19000 + RANDOM % 900))
base=http://127.0.0.1:$port
export PINTAR_DATA_DIR=$data PINTAR_BIND=127.0.0.1:$port PINTAR_RATE_LIMIT_ENABLED=false
export PINTAR_ADMIN_EMAIL=admin@contract.test PINTAR_ADMIN_PASSWORD=contract-admin-password RUST_LOG=warn
"$bin" >"$data/server.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "$base/ready" >/dev/null && break; sleep 0.2; done

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() { curl -sf -H 'content-type: application/json' "$@"; }
token() { post -d "{\"email\":\"$1\",\"password\":\"$2\"}" "$base/api/v1/auth/token" | json '["access_token"]'; }
post -d '{"email":"learner@contract.test","password":"contract-password-1","display_name":"Learner"}' "$base/api/v1/auth/register" >/dev/null
post -d '{"email":"dev@contract.test","password":"contract-password-1","display_name":"Dev"}' "$base/api/v1/auth/register" >/dev/null
post -d '{"email":"keys@contract.test","password":"contract-password-1","display_name":"Keys"}' "$base/api/v1/auth/register" >/dev/null
# The developers' addresses are confirmed as an operator would; the learner's stays
# unconfirmed, so the fuzzing covers both.
"$bin" verify-email --email dev@contract.test >/dev/null
"$bin" verify-email --email keys@contract.test >/dev/null
learner=$(token learner@contract.test contract-password-1)
developer=$(token dev@contract.test contract-password-1)
post -X POST -H "authorization: Bearer $developer" "$base/api/v1/auth/upgrade-role" >/dev/null
# The key belongs to an account of its own, so that no other caller's run revokes it.
keyholder=$(token keys@contract.test contract-password-1)
key=$(post -X POST -H "authorization: Bearer $keyholder" "$base/api/v1/auth/upgrade-role" | json '["api_key"]["key"]')
admin=$(token admin@contract.test contract-admin-password)

status=0
run() {
  local who=$1; shift
  echo "== schemathesis as $who (${budget}s)"
  "$venv/bin/st" --config-file scripts/schemathesis.toml run "$base/api/v1/openapi.json" --url "$base" \
    --checks all --seed 20261126 --max-time "$budget" --workers 1 \
    --no-color --output-truncate true --generation-database none \
    --suppress-health-check all "$@" || status=1
}
# The admin goes last: its run may change other accounts.
run anonymous
run "API key" -H "X-API-Key: $key"
run learner -H "Authorization: Bearer $learner"
run developer -H "Authorization: Bearer $developer"
run admin -H "Authorization: Bearer $admin"
if [ "$status" -ne 0 ]; then
  echo "schemathesis found problems (server log: last lines below)" >&2
  tail -20 "$data/server.log" >&2
fi
exit "$status"
