#!/usr/bin/env bash
# 1 000-endpoint run of tuanthu collect: wall time and peak memory (max RSS, /usr/bin/time -v).
# One nginx process serves 1 000 TLS endpoints, each on its own address 127.89.X.Y:443, in 8
# configurations (peers.py MEM_PROFILES). tuanthu runs at its default politeness.
#
#   bench/tls-peers/mem1000.sh     environment: WORK1000 (default /tmp/tuanthu-tls-mem1000), TUANTHU,
#                                  REPEAT1000 (runs, default 1)
# Prints one JSON line per run (wall time, max RSS, errors) and its verdicts against the truth.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK1000:-/tmp/tuanthu-tls-mem1000}
REPEAT=${REPEAT1000:-1}
for t in nginx openssl /usr/bin/time python3; do
  command -v "$t" >/dev/null || { echo "missing $t: run run.sh once (it installs what is missing)" >&2; exit 2; }
done
if [ -z "${TUANTHU:-}" ]; then
  (cd "$ROOT" && cargo build --release -q)
  TUANTHU=$ROOT/target/release/tuanthu
fi
mkdir -p "$WORK"
"$HERE/certs.sh" "$WORK/certs"
python3 "$HERE/peers.py" setup1000 "$WORK"
# shellcheck source=server.sh
. "$HERE/server.sh"
start_servers "$WORK"
N=$(wc -l < "$WORK/addresses.txt")
for r in $(seq 1 "$REPEAT"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  rc=0
  /usr/bin/time -v -o "$WORK/tuanthu-$r.time" "$TUANTHU" collect --inventory "$WORK/inventory.yaml" \
    --ca-bundle "$WORK/certs/ca.pem" -o "$WORK/tuanthu-$r.json" --quiet 2> "$WORK/tuanthu-$r.err" || rc=$?
  t1=$(date +%s.%N)
  python3 - "$WORK/tuanthu-$r.json" "$WORK/tuanthu-$r.time" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "$rc" "$N" "$load" <<'PY'
import json, sys
ev, tm, wall, rc, n, load = sys.argv[1:]
doc = json.load(open(ev))
recs = doc["records"]
errors = [r for r in recs if r.get("error")]
rss = next(int(l.split(":")[1]) for l in open(tm) if "Maximum resident set size" in l)
cpu = sum(float(l.split(":")[1]) for l in open(tm) if "time (seconds)" in l)
print(json.dumps({"endpoints": int(n), "records": len(recs), "errors": len(errors), "exit": int(rc),
                  "wall_s": round(float(wall), 2), "per_endpoint_ms": round(1000 * float(wall) / int(n), 1),
                  "max_rss_mib": round(rss / 1024, 1), "cpu_s": round(cpu, 2), "load1_before": float(load)}))
for r in errors[:10]:
    print("  error:", r["target"], json.dumps(r["error"]))
PY
  # Verdicts of this run against what each endpoint's configuration should show.
  python3 "$HERE/peers.py" check "$WORK" "$WORK/tuanthu-$r.json"
done | tee "$WORK/mem1000.jsonl"
