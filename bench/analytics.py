#!/usr/bin/env python3
"""Analytics figures for issue 8, over loopback against a release build:

1. remote vs local: `POST /api/v1/analytics/analyze` of gen_exports.py --series 1000
   --months 120 (request to response) against `pintar analyze FILE --json` on the same
   file, same run (median of N each);
2. 20 concurrent uploads of that file: every answer (200, or 202 then polled to done),
   peak server RSS (VmHWM), and GET /api/v1/courses p99 while they run.

Usage: bench/analytics.py [--runs 3] [--uploads 20] [--engine sqlite|postgres]
Needs the release binaries (cargo build --release -p pintar-server -p pintar-cli) and
python3; nothing else.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time
import urllib.request, urllib.error

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
SERVER = os.path.join(TARGET, "release", "pintar-server")
CLI = os.path.join(TARGET, "release", "pintar")
GEN = os.path.join(ROOT, "..", "shared", "tools", "gen_exports.py")


def call(method, url, body=None, headers=None, timeout=600):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--engine", default="sqlite")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="pintar-bench-")
    data = os.path.join(work, "exports.csv")
    subprocess.run([sys.executable, GEN, "--series", "1000", "--months", "120", "--out", data], check=True)
    size = os.path.getsize(data)
    rows = sum(1 for _ in open(data)) - 1
    print(f"input: {rows} rows, {size / 1e6:.1f} MB; {os.cpu_count()} CPUs")

    port = 18000 + os.getpid() % 1000
    env = dict(os.environ, PINTAR_DATA_DIR=os.path.join(work, "data"), PINTAR_BIND=f"127.0.0.1:{port}",
               PINTAR_RATE_LIMIT_ENABLED="false", RUST_LOG="warn", PINTAR_SEED_DEMO="true")
    pg = None
    if args.engine == "postgres":
        pg = f"pintar_bench_{os.getpid()}"
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {pg}", "postgres"], check=True)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg}"
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([SERVER], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if call("GET", base + "/ready", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        hdr = {"content-type": "application/json"}
        call("POST", base + "/api/v1/auth/register", json.dumps({"email": "bench@example.id", "password": "bench-password-1", "display_name": "Bench"}).encode(), hdr)
        _, _, body = call("POST", base + "/api/v1/auth/token", json.dumps({"email": "bench@example.id", "password": "bench-password-1"}).encode(), hdr)
        token = json.loads(body)["access_token"]
        auth = {"authorization": f"Bearer {token}"}
        raw = open(data, "rb").read()
        print(f"server RSS after start: {rss_kb(server.pid, 'VmRSS') / 1024:.0f} MB")

        # 1. remote vs local, alternating so both see the same machine state.
        local, remote = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            subprocess.run([CLI, "analyze", data, "--json"], check=True, stdout=subprocess.DEVNULL)
            local.append(time.perf_counter() - t)
            t = time.perf_counter()
            status, _, out = call("POST", base + "/api/v1/analytics/analyze?async=false",
                                  raw, dict(auth, **{"content-type": "text/csv"}))
            remote.append(time.perf_counter() - t)
            assert status == 200, (status, out[:300])
        lm, rm = statistics.median(local), statistics.median(remote)
        print(f"local  pintar analyze --json: median {lm:.2f} s  {['%.2f' % x for x in local]}")
        print(f"remote POST /analytics/analyze: median {rm:.2f} s  {['%.2f' % x for x in remote]}")
        print(f"remote / local = {rm / lm:.2f}x (goal <= 1.3x)")

        # 2. concurrent uploads, with course reads and RSS sampled meanwhile.
        done = threading.Event()
        peak = [0]
        lat = []

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kb(server.pid, "VmRSS"))
                time.sleep(0.05)

        def reads():
            while not done.is_set():
                t = time.perf_counter()
                s, _, _ = call("GET", base + "/api/v1/courses", headers=auth)
                lat.append((time.perf_counter() - t, s))
                time.sleep(0.02)

        results = [None] * args.uploads

        def upload(i):
            t = time.perf_counter()
            status, headers, out = call("POST", base + "/api/v1/analytics/analyze", raw,
                                        dict(auth, **{"content-type": "text/csv"}))
            final = status
            if status == 202:
                loc = headers.get("Location") or headers.get("location")
                while True:
                    s, _, b = call("GET", base + loc, headers=auth)
                    run = json.loads(b)
                    if run["status"] in ("succeeded", "failed"):
                        final = run["status"]
                        break
                    time.sleep(0.2)
            elif status == 200:
                final = "succeeded"
            results[i] = (status, final, time.perf_counter() - t)

        threads = [threading.Thread(target=sample), threading.Thread(target=reads)]
        for th in threads:
            th.start()
        t0 = time.perf_counter()
        ups = [threading.Thread(target=upload, args=(i,)) for i in range(args.uploads)]
        for th in ups:
            th.start()
        for th in ups:
            th.join()
        wall = time.perf_counter() - t0
        done.set()
        for th in threads:
            th.join()
        first = {}
        for s, _, _ in results:
            first[s] = first.get(s, 0) + 1
        finals = {}
        for _, f, _ in results:
            finals[f] = finals.get(f, 0) + 1
        ok = [x for x in lat if x[1] == 200]
        lats = sorted(x[0] * 1000 for x in ok)
        p = lambda q: lats[min(len(lats) - 1, int(q * len(lats)))] if lats else float("nan")
        print(f"{args.uploads} concurrent uploads: first answers {first}, outcomes {finals}, all done in {wall:.1f} s")
        print(f"peak server RSS during the run: {peak[0] / 1024:.0f} MB (VmHWM {rss_kb(server.pid, 'VmHWM') / 1024:.0f} MB)")
        print(f"GET /api/v1/courses meanwhile: {len(lat)} requests, {len(ok)} ok, p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {lats[-1] if lats else float('nan'):.1f} ms")
    finally:
        server.terminate()
        server.wait()
        if pg:
            subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {pg} WITH (FORCE)", "postgres"])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
