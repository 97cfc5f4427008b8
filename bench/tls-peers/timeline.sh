#!/usr/bin/env bash
# Where one endpoint's time goes: every connection tuanthu opens to it, seen on the server side.
#
#   bench/tls-peers/timeline.sh NAME BINARY...     # e.g. timeline.sh e13.bench.test target/release/tuanthu
#
# Needs a workload made by run.sh (WORK, default /tmp/tuanthu-tls-peers: certs, nginx config,
# inventory-single/NAME.yaml) and tcpdump. Starts the servers, then for each BINARY runs
# `collect` on NAME alone at the default politeness while tcpdump records the SYNs and FINs sent
# to the endpoint's address, and prints: time from exec to the first SYN, the SYN span, the time
# after the last SYN, the pacing floor, the idle pacer time (gaps between starts beyond 1/rate)
# and how long connections lived. Start times of every connection: WORK/timeline-NAME-K.txt.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/tuanthu-tls-peers}
NAME=$1; shift
IP=$(awk -v n="$NAME" '$3 == n {print $1}' "$WORK/addresses.txt")
[ -n "$IP" ] || { echo "no endpoint $NAME in $WORK/addresses.txt" >&2; exit 2; }
# shellcheck source=server.sh
. "$HERE/server.sh"
start_servers "$WORK" "${TLSLITE_PY:-$WORK/tlslite-venv/bin/python}"
k=0
for bin in "$@"; do
  k=$((k + 1))
  out=$WORK/timeline-$NAME-$k
  tcpdump -i lo -n --immediate-mode -B 65536 -w "$out.pcap" \
    "dst host $IP and dst port 443 and tcp[tcpflags] & (tcp-syn|tcp-fin) != 0" 2> "$out.tcpdump" &
  pid=$!
  for _ in $(seq 1 50); do grep -q listening "$out.tcpdump" 2>/dev/null && break; sleep 0.1; done
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  "$bin" collect --inventory "$WORK/inventory-single/$NAME.yaml" --ca-bundle "$WORK/certs/ca.pem" \
    -o "$out.json" --quiet || true
  t1=$(date +%s.%N)
  sleep 0.5
  kill -INT "$pid"; wait "$pid" 2>/dev/null || true
  tcpdump -n -tt -r "$out.pcap" 2>/dev/null > "$out.txt"
  rm -f "$out.pcap"
  echo "== $bin on $NAME (load $load)"
  python3 - "$out.txt" "$t0" "$t1" <<'PY'
import statistics as st, sys
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
conns, order = {}, []
for line in open(sys.argv[1]):
    f = line.split()
    t, src, flags = float(f[0]), f[2], line.split("Flags [")[1].split("]")[0]
    if flags == "S":
        conns[src] = {"syn": t}
        order.append(src)
    elif "F" in flags and src in conns:
        conns[src].setdefault("fin", t)
syn = [conns[s]["syn"] for s in order]
n = len(syn)
print(f"connections {n}; exec -> first SYN {1000 * (syn[0] - t0):.0f} ms; first -> last SYN "
      f"{1000 * (syn[-1] - syn[0]):.0f} ms; last SYN -> exit {1000 * (t1 - syn[-1]):.0f} ms; wall {1000 * (t1 - t0):.0f} ms")
print(f"pacing floor at 50/s: {20 * (n - 1)} ms one by one, {20 * max(n - 3, 0)} ms with a burst of 3")
gaps = [b - a for a, b in zip(syn, syn[1:])]
idle = sum(max(0.0, g - 0.020) for g in gaps)
print(f"gaps between starts: median {1000 * st.median(gaps):.1f} ms; beyond 20 ms: {1000 * idle:.0f} ms in all")
life = [conns[s]["fin"] - conns[s]["syn"] for s in order if "fin" in conns[s]]
print(f"connection life (SYN -> client FIN): median {1000 * st.median(life):.1f} ms, max {1000 * max(life):.1f} ms, "
      f"{max(sum(1 for c in conns.values() if c['syn'] <= t < c.get('fin', t)) for t in syn)} open at most at a start")
PY
done
