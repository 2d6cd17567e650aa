#!/usr/bin/env bash
# Engine limits (issue 8): time and peak memory of `pintar analyze FILE --json` on inputs a
# remote caller could send to make the engine slow or greedy, then the trend tests
# (Mann–Kendall, Sen's slope) on a 1,000,000-point series.
#
#   cargo build --release -j2 -p pintar-cli && bench/engine_limits.sh
#
# PINTAR_BIN overrides the binary (default: $CARGO_TARGET_DIR or target, release/pintar).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PINTAR_BIN:-${CARGO_TARGET_DIR:-target}/release/pintar}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

# Three consecutive days, then a date 500 years later.
printf 'date,value\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n2524-01-03,4\n' >"$DIR/four_rows.csv"
# 100,000 categories of 6 months each (603,053 rows, with the generator's dirt).
python3 ../shared/tools/gen_exports.py --series 100000 --months 6 --seed 1 --out "$DIR/categories.csv"
# 20,000 JSON records, each with one extra key of its own (a 0.9 MB file).
python3 - "$DIR/unique_keys.json" <<'PY'
import datetime, json, sys
start = datetime.date(1970, 1, 1)
records = [
    {"date": (start + datetime.timedelta(days=i)).isoformat(), "value": 1000 + (i * 7919) % 613, f"note_{i}": i}
    for i in range(20_000)
]
with open(sys.argv[1], "w") as f:
    json.dump(records, f)
PY

for file in four_rows.csv categories.csv unique_keys.json; do
    /usr/bin/time -v "$BIN" analyze "$DIR/$file" --json >/dev/null 2>"$DIR/time.txt" || true
    printf '%-18s %s, peak RSS %s KB\n' "$file" \
        "$(grep 'Elapsed (wall clock)' "$DIR/time.txt" | awk '{print $NF}')" \
        "$(grep 'Maximum resident' "$DIR/time.txt" | awk '{print $NF}')"
done

cargo test --release -j2 -p pintar-core --test scaling -- --ignored --nocapture 2>&1 |
    grep -E 'million|test result'
