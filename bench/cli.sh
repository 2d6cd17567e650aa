#!/usr/bin/env bash
# CLI figures (issue 9): `pintar --help` and `pintar courses list --json` wall time, and
# remote vs local analysis of the 1,000-series synthetic file, with release binaries.
#   cargo build --release -p pintar-cli -p pintar-server && bash bench/cli.sh
set -euo pipefail
cd "$(dirname "$0")/.."
T="${CARGO_TARGET_DIR:-target}/release"
PINTAR="$T/pintar"; SERVER="$T/pintar-server"
WORK="$(mktemp -d)"; trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
export PINTAR_CONFIG_DIR="$WORK/config" NO_COLOR=1
PORT=18765
export PINTAR_SERVER="http://127.0.0.1:$PORT"

# Median of N wall times (ms) of a command.
median_ms() {
  local n=$1; shift
  python3 - "$n" "$@" <<'PY'
import subprocess, sys, time, statistics
n = int(sys.argv[1]); cmd = sys.argv[2:]
times = []
for _ in range(n):
    t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"median {statistics.median(times):.1f} ms, min {times[0]:.1f}, max {times[-1]:.1f} (n={n})")
PY
}

echo "== pintar --help"; median_ms 50 "$PINTAR" --help

PINTAR_BIND="127.0.0.1:$PORT" PINTAR_DATA_DIR="$WORK/data" PINTAR_RATE_LIMIT_ENABLED=false \
  PINTAR_ADMIN_EMAIL=admin@example.id PINTAR_ADMIN_PASSWORD=kopi-luwak-2024 \
  RUST_LOG=warn "$SERVER" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do curl -fs "$PINTAR_SERVER/ready" >/dev/null 2>&1 && break; sleep 0.2; done

echo "== pintar courses list --json (anonymous; server time from curl for comparison)"
median_ms 50 "$PINTAR" --json courses list
python3 - "$PINTAR_SERVER/api/v1/courses" <<'PY'
import subprocess, sys, statistics, time
ts = []
for _ in range(50):
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}", sys.argv[1]], capture_output=True, text=True, check=True).stdout
    ts.append(float(out) * 1000)
print(f"curl round trip median {statistics.median(ts):.1f} ms")
PY

echo "== remote vs local analysis of the 1k-series file"
DATA="${1:-$WORK/exports_1k.csv}"
[ -f "$DATA" ] || python3 ../shared/tools/gen_exports.py --series 1000 --months 120 --out "$DATA"
printf 'kopi-luwak-2024\n' | "$PINTAR" -q auth register --email dev@example.id --password-stdin
printf 'kopi-luwak-2024\n' | "$PINTAR" -q auth login --email dev@example.id --password-stdin 2>/dev/null
KEY="$("$PINTAR" -q upgrade)"
echo "local:";  median_ms 3 "$PINTAR" --json analyze "$DATA"
echo "remote:"; PINTAR_API_KEY="$KEY" median_ms 3 "$PINTAR" --json analyze "$DATA" --remote
