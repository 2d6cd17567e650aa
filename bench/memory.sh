#!/usr/bin/env bash
# Memory figures for the server (SQLite): RSS at idle after start, after 10 s of
# authenticated GET /api/v1/courses at 50 connections, and after a burst of 100 sign-ins
# 25 at a time. Usage: bench/memory.sh   (needs wrk and curl)
set -euo pipefail
cd "$(dirname "$0")/.."
# The workspace, as the tests build it (one package alone unifies other features and rebuilds).
cargo build --release -q --workspace --bins
bin=${CARGO_TARGET_DIR:-target}/release/pintar-server
data=$(mktemp -d)
port=19$((RANDOM % 900 + 100))
PINTAR_DATA_DIR=$data PINTAR_BIND=127.0.0.1:$port PINTAR_RATE_LIMIT_ENABLED=false RUST_LOG=warn \
  "$bin" >"$data/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
base=http://127.0.0.1:$port/api/v1
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
sleep 2
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$pid/status"; }
echo "idle after start: $(rss)"
login='{"email":"mem@example.id","password":"bench-password-1"}'
curl -sf -H 'content-type: application/json' -d '{"email":"mem@example.id","password":"bench-password-1","display_name":"Mem"}' "$base/auth/register" >/dev/null
token=$(curl -sf -H 'content-type: application/json' -d "$login" "$base/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
wrk -t2 -c50 -d10s -H "authorization: Bearer $token" "$base/courses" | grep "Requests/sec"
echo "after 10 s of reads: $(rss)"
start=$(date +%s.%N)
codes=$(seq 100 | xargs -P 25 -I{} curl -s -o /dev/null -w "%{http_code}\n" -H 'content-type: application/json' -d "$login" "$base/auth/token" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
echo "100 sign-ins, 25 at a time: $(echo "$(date +%s.%N) - $start" | bc) s, status counts: $codes"
echo "after the sign-ins: $(rss)"
