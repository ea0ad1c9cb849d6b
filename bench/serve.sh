#!/usr/bin/env bash
# `veriface serve` under load, on this machine, against 127.0.0.1 only.
#
#   bash bench/serve.sh                 # the figures in the README's "Server" section
#   SOAK=2000 bash bench/serve.sh       # a shorter memory soak (default 10,000 requests)
#   MODEL=faceplugin-fr-512 bash bench/serve.sh   # another embedder or fusion than the default
#
# Starts the release binary with --workers 2 (this machine has 2 cores), then with oha (a load
# generator from crates.io: `cargo install oha --locked`, done here if it is missing) POSTs one
# OpenCV FR /compare body (two real faces from ../shared/eval, about 610 KB of JSON):
#   1. throughput and p50/p99 latency at 1 and 2 concurrent clients (40 and 80 requests), and 30 s
#      at 16 (above what two workers and the default queue of 8 hold: the excess must be 503
#      BUSY, answered at once, never a timeout; oha does not wait Retry-After, so the 503s
#      dominate the answer count and the percentiles: compares/s is the goodput);
#   2. a soak of $SOAK requests at 6 clients (below saturation: zero errors expected), sampling
#      the server's resident memory (VmRSS) every 2 s against the requests answered so far.
# Every run is bounded in requests and time; the server is stopped at the end (SIGTERM).
set -euo pipefail
cd "$(dirname "$0")/.."
EVAL="${VERIFACE_EVAL_DIR:-../shared/eval}"
SOAK="${SOAK:-10000}"
OUT="${OUT:-target/bench-serve}"
mkdir -p "$OUT"

command -v oha >/dev/null || cargo install oha --locked
cargo build --release --bin veriface >/dev/null
BIN="${CARGO_TARGET_DIR:-target}/release/veriface"
python3 - "$EVAL" "$OUT/compare.json" <<'PY'
import base64, json, sys
ex = sys.argv[1] + "/face_recognition_examples/examples/"
b64 = lambda f: base64.b64encode(open(ex + f, "rb").read()).decode()
json.dump({"face_base_64": b64("obama.jpg"), "ref_face_base_64": b64("obama2.jpg"),
           "min_similarity_score": 0.7}, open(sys.argv[2], "w"))
PY

"$BIN" ${MODEL:+--model "$MODEL"} serve --addr 127.0.0.1:0 --workers 2 --no-static \
  >"$OUT/stdout.txt" 2>"$OUT/server.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q listening "$OUT/stdout.txt" && break; sleep 0.5; done
URL="$(sed -n 's/^listening on //p' "$OUT/stdout.txt")"
[ -n "$URL" ] || { echo "the server did not start: see $OUT/server.log"; exit 1; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
answered() { curl -s "$URL/metrics" | awk '/^veriface_requests_total\{route="\/compare"/ {n += $2} END {print n + 0}'; }
load() { # concurrency name oha-limit (-n N or -z DURATION)
  oha --no-tui --output-format json -t 60s -m POST -T application/json -D "$OUT/compare.json" \
    -c "$1" "${@:3}" "$URL/compare" >"$OUT/$2.json"
}

echo "warming up (4 compares)"; load 1 warmup -n 4
echo "server RSS after warm-up: $(rss) kB"
printf '\n| clients | answers | answers/s | compares/s (200) | p50 ms | p99 ms | 200 | 503 | other / transport errors |\n|---|---|---|---|---|---|---|---|---|\n'
for c in 1 2 16; do
  case $c in 1) limit=(-n 40) ;; 2) limit=(-n 80) ;; *) limit=(-z 30s) ;; esac
  load "$c" "c$c" "${limit[@]}"
  python3 - "$OUT/c$c.json" "$c" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); s = r["summary"]; p = r["latencyPercentiles"]
codes = {int(k): v for k, v in r.get("statusCodeDistribution", {}).items()}
dist = r.get("errorDistribution", {})
# oha -z cancels the requests still open when the window ends: not the server's errors.
cut = dist.pop("aborted due to deadline", 0)
errors = sum(dist.values())
other = sum(v for k, v in codes.items() if k not in (200, 503)) + errors
total = sum(codes.values()) + errors
print(f"| {sys.argv[2]} | {total} | {s['requestsPerSec']:.1f} | {codes.get(200, 0) / s['total']:.2f} "
      f"| {p['p50'] * 1000:.0f} | {p['p99'] * 1000:.0f} | {codes.get(200, 0)} | {codes.get(503, 0)} | {other} |"
      + (f" ({cut} cut off by the end of the window)" if cut else ""))
PY
done

echo; echo "soak: $SOAK requests at 6 clients; VmRSS (kB) against requests answered"
base=$(answered)
echo "seconds,answered,rss_kb" >"$OUT/soak.csv"
sample() { echo "$(( $(date +%s) - start )),$(( $(answered) - base )),$(rss)" >>"$OUT/soak.csv"; }
start=$(date +%s)
sample
load 6 soak -n "$SOAK" &
LOAD=$!
while kill -0 "$LOAD" 2>/dev/null; do sample; sleep 2; done
wait "$LOAD"
sample
python3 - "$OUT/soak.csv" "$OUT/soak.json" <<'PY'
import csv, json, sys
rows = [(int(a), int(n), int(r)) for a, n, r in list(csv.reader(open(sys.argv[1])))[1:]]
r = json.load(open(sys.argv[2])); codes = r.get("statusCodeDistribution", {})
first = rows[0]
print(f"status codes: {codes}; transport errors: {sum(r.get('errorDistribution', {}).values())}")
for target in sorted({0, 1000, 2500, 5000, 7500, 10000, rows[-1][1]}):
    if target > rows[-1][1]:
        continue
    row = next((x for x in rows if x[1] >= target), rows[-1])
    print(f"  after {row[1]:>6} requests ({row[0]:>4} s): {row[2] / 1024:.1f} MiB")
print(f"  min {min(x[2] for x in rows) / 1024:.1f} MiB, max {max(x[2] for x in rows) / 1024:.1f} MiB "
      f"over {len(rows)} samples")
PY
kill -TERM "$PID"; wait "$PID" || true
trap - EXIT
echo "server log: $OUT/server.log; raw oha output: $OUT/*.json"
