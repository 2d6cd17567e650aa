#!/usr/bin/env bash
# Load figures for the server over loopback, with wrk:
#   authenticated GET /api/v1/courses at 50 connections (throughput, p99), with a JWT and
#   with an API key,
#   progress writes (POST …/complete) at 50 connections,
#   idle RSS after start-up and after the load.
# Usage: bench/load.sh [sqlite|postgres] [seconds]   (needs wrk; PostgreSQL at 127.0.0.1:5432)
set -euo pipefail
engine=${1:-sqlite}
secs=${2:-20}
cd "$(dirname "$0")/.."
# The workspace, as the tests build it (one package alone unifies other features and rebuilds).
cargo build --release -q --workspace --bins
bin=${CARGO_TARGET_DIR:-target}/release/pintar-server
data=$(mktemp -d)
port=18$((RANDOM % 900 + 100))
export PINTAR_DATA_DIR=$data PINTAR_BIND=127.0.0.1:$port PINTAR_RATE_LIMIT_ENABLED=false
export PINTAR_ADMIN_EMAIL=admin@bench.local PINTAR_ADMIN_PASSWORD=bench-admin-password RUST_LOG=warn
if [ "$engine" = postgres ]; then
  db=pintar_bench_$$
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
fi
"$bin" >"$data/server.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  [ "$engine" = postgres ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres
  rm -rf "$data"
}
trap cleanup EXIT
base=http://127.0.0.1:$port
for _ in $(seq 50); do curl -sf "$base/ready" >/dev/null && break; sleep 0.2; done
sleep 2
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$pid/status"; }
echo "engine: $engine; idle RSS after start: $(rss)"

curl -sf -H 'content-type: application/json' -d '{"email":"bench@example.id","password":"bench-password-1","display_name":"Bench"}' "$base/api/v1/auth/register" >/dev/null
token=$(curl -sf -H 'content-type: application/json' -d '{"email":"bench@example.id","password":"bench-password-1"}' "$base/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
slug=incoterms-2020
curl -sf -X POST -H "authorization: Bearer $token" "$base/api/v1/courses/$slug/enroll" >/dev/null
lesson=$(curl -sf "$base/api/v1/courses/$slug" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["outline"][0]["items"][0]["id"])')

echo "--- authenticated GET /api/v1/courses, 50 connections, ${secs}s"
wrk -t2 -c50 -d"${secs}s" --latency -H "authorization: Bearer $token" "$base/api/v1/courses" | grep -E "Requests/sec|Latency|99%|50%|Non-2xx|Socket errors"

echo "--- GET /api/v1/courses with an API key (X-API-Key), 50 connections, ${secs}s"
key=$(curl -sf -X POST -H "authorization: Bearer $token" "$base/api/v1/auth/upgrade-role" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"]["key"])')
wrk -t2 -c50 -d"${secs}s" --latency -H "x-api-key: $key" "$base/api/v1/courses" | grep -E "Requests/sec|Latency|99%|50%|Non-2xx|Socket errors"

echo "--- progress writes: POST …/contents/{lesson}/complete by 50 learners round-robin, 50 connections, ${secs}s"
lua=$(mktemp)
{
  echo 'tokens = {}'
  for i in $(seq 50); do
    curl -sf -H 'content-type: application/json' -d "{\"email\":\"w$i@example.id\",\"password\":\"bench-password-1\",\"display_name\":\"W$i\"}" "$base/api/v1/auth/register" >/dev/null
    t=$(curl -sf -H 'content-type: application/json' -d "{\"email\":\"w$i@example.id\",\"password\":\"bench-password-1\"}" "$base/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    curl -sf -X POST -H "authorization: Bearer $t" "$base/api/v1/courses/$slug/enroll" >/dev/null
    echo "tokens[$i] = \"$t\""
  done
  cat <<LUA
i = 0
request = function()
  i = i % #tokens + 1
  return wrk.format("POST", "/api/v1/courses/$slug/contents/$lesson/complete", {["authorization"] = "Bearer " .. tokens[i]})
end
LUA
} >"$lua"
wrk -t2 -c50 -d"${secs}s" --latency -s "$lua" "$base" | grep -E "Requests/sec|Latency|99%|50%|Non-2xx|Socket errors"
rm -f "$lua"
sleep 3
echo "RSS after the load: $(rss)"
