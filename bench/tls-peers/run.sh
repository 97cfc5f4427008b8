#!/usr/bin/env bash
# Side-by-side TLS benchmark: tuanthu collect vs sslyze vs testssl.sh on the same loopback
# endpoints (nginx + tlslite-ng, one address per endpoint in 127.88.0.0/24), verdicts compared.
#
#   bench/tls-peers/run.sh                 # 64 endpoints; tuanthu and sslyze on all, testssl on a subset
#   bench/tls-peers/run.sh --mem1000       # also the 1 000-endpoint memory run (mem1000.sh)
#
# Options (environment): WORK (scratch dir, default /tmp/tuanthu-tls-peers), REPEAT (runs of
# tuanthu and sslyze, median reported; default 3), TESTSSL_TARGETS (endpoint numbers for
# testssl.sh, default "1 4 13 34 61"; "none" to skip), TUANTHU (a tuanthu binary; default: build
# target/release/tuanthu), TUANTHU_BASELINE (another tuanthu binary, e.g. main's, measured the same
# way as "baseline" for a before/after comparison; default: none), SSLYZE (an sslyze 6 binary;
# default: /work/bench-venv/bin/sslyze if present, else a venv made under WORK with pip install
# sslyze==6.3.1).
# Connections per endpoint are counted on the server side: tcpdump on lo counts the SYNs sent to
# each endpoint address during every tuanthu and sslyze run (WORK/conns.json).
# Results: WORK/results.md (also printed) and WORK/results.json, WORK/times.json, WORK/conns.json.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-/tmp/tuanthu-tls-peers}
REPEAT=${REPEAT:-3}
TESTSSL_TARGETS=${TESTSSL_TARGETS:-"1 4 13 34 61"}
MEM1000=0
for a in "$@"; do
  case $a in
    --mem1000) MEM1000=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument $a" >&2; exit 2 ;;
  esac
done

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---- prerequisites ------------------------------------------------------------------------------
need_apt=()
command -v nginx >/dev/null || need_apt+=(nginx-core)
command -v testssl >/dev/null || need_apt+=(testssl.sh)
[ -x /usr/bin/time ] || need_apt+=(time)
command -v tcpdump >/dev/null || need_apt+=(tcpdump)
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "missing: ${need_apt[*]} (apt-get install them)" >&2; exit 2; }
  log "installing ${need_apt[*]}"
  apt-get update -qq
  # Keep the package's own nginx service from starting (port 80): the benchmark runs its own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null || { rm -f /usr/sbin/policy-rc.d; exit 2; }
  rm -f /usr/sbin/policy-rc.d
fi
mkdir -p "$WORK"
if [ -z "${SSLYZE:-}" ]; then
  if [ -x /work/bench-venv/bin/sslyze ]; then SSLYZE=/work/bench-venv/bin/sslyze
  else
    if [ ! -x "$WORK/sslyze-venv/bin/sslyze" ]; then
      log "making a venv with sslyze 6.3.1"
      python3 -m venv "$WORK/sslyze-venv" && "$WORK/sslyze-venv/bin/pip" install -q 'sslyze==6.3.1'
    fi
    SSLYZE=$WORK/sslyze-venv/bin/sslyze
  fi
fi
# tlslite-ng serves what OpenSSL 3 cannot (SSLv3, RC4, 3DES): legacy_server.py.
TLSLITE_PY=${TLSLITE_PY:-$WORK/tlslite-venv/bin/python}
if ! "$TLSLITE_PY" -c 'import tlslite' 2>/dev/null; then
  log "making a venv with tlslite-ng 0.8.2"
  python3 -m venv "$WORK/tlslite-venv" && "$WORK/tlslite-venv/bin/pip" install -q 'tlslite-ng==0.8.2'
  TLSLITE_PY=$WORK/tlslite-venv/bin/python
fi
if [ -z "${TUANTHU:-}" ]; then
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release -q)
  TUANTHU=$ROOT/target/release/tuanthu
fi

# ---- workload -----------------------------------------------------------------------------------
"$HERE/certs.sh" "$WORK/certs"
python3 "$HERE/peers.py" setup "$WORK"
N=$(wc -l < "$WORK/addresses.txt")

# shellcheck source=server.sh
. "$HERE/server.sh"
start_servers "$WORK" "$TLSLITE_PY"

# ---- measurements -------------------------------------------------------------------------------
# measure LABEL TARGETS MAXRC CMD...: one run under /usr/bin/time -v; appends a JSON line to
# times.jsonl. An exit status up to MAXRC is not a failure (tuanthu: 1 = some targets could not be
# measured; testssl.sh: the count of findings, its errors are 242 and up).
measure() {
  local label=$1 targets=$2 maxrc=$3; shift 3
  local load t0 t1 rc=0
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$WORK/$label.time" "$@" > "$WORK/$label.out" 2> "$WORK/$label.err" || rc=$?
  t1=$(date +%s.%N)
  local rss wall
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/$label.time")
  printf '{"label":"%s","targets":%s,"wall":%s,"rss_kb":%s,"rc":%s,"load1":%s}\n' \
    "$label" "$targets" "$wall" "${rss:-null}" "$rc" "$load" >> "$WORK/times.jsonl"
  log "$label: $wall s, rc $rc, max RSS ${rss:-?} KiB, load $load"
  [ "$rc" -le "$maxrc" ] || { echo "$label failed (exit $rc):" >&2; tail -20 "$WORK/$label.err" >&2; }
}

# counted measure LABEL ...: the measurement, with the SYNs to each endpoint address counted by
# tcpdump on lo (server side: every TCP connection attempt a tool makes to an endpoint) into one
# line of conns.jsonl. The capture runs in immediate mode (buffered capture lost packets here).
counted() {
  local label=$2 pid
  tcpdump -i lo -n --immediate-mode -B 65536 -w "$WORK/$label.pcap" \
    'dst net 127.88.0.0/24 and dst port 443 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' \
    2> "$WORK/$label.tcpdump" &
  pid=$!
  for _ in $(seq 1 50); do grep -q listening "$WORK/$label.tcpdump" 2>/dev/null && break; sleep 0.1; done
  "$@"
  sleep 0.5
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  tcpdump -n -r "$WORK/$label.pcap" 2>/dev/null | python3 -c '
import collections, json, sys
n = collections.Counter(l.split()[4].rsplit(".", 1)[0] for l in sys.stdin if " > " in l)
print(json.dumps({"label": sys.argv[1], "syns": dict(sorted(n.items()))}))' "$label" >> "$WORK/conns.jsonl"
  rm -f "$WORK/$label.pcap"
}

# sslyze: every scan command named, because naming one turns its default set off; the Mozilla
# compliance evaluation (not a scan) is disabled. Certificates are validated against the test CA.
SSLYZE_ALL=(--sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 --certinfo --certinfo_ca_file "$WORK/certs/ca.pem"
  --elliptic_curves --reneg --resum --ems --heartbleed --openssl_ccs --fallback --compression --robot --early_data
  --http_headers --mozilla_config disable --quiet)
# The same scope as tuanthu's enumeration (versions, suites, certificate), for reference.
SSLYZE_SCOPED=(--sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 --certinfo --certinfo_ca_file "$WORK/certs/ca.pem"
  --mozilla_config disable --quiet)
mapfile -t SSLYZE_TARGETS < "$WORK/sslyze-targets.txt"

rm -f "$WORK/times.jsonl" "$WORK/conns.jsonl"
for r in $(seq 1 "$REPEAT"); do
  # tuanthu at its default politeness (--concurrency 64 --per-host 3 --rate 50, 5 s timeouts).
  counted measure "tuanthu-$r" "$N" 1 "$TUANTHU" collect --inventory "$WORK/inventory.yaml" \
    --ca-bundle "$WORK/certs/ca.pem" -o "$WORK/tuanthu-$r.json" --quiet
  if [ -n "${TUANTHU_BASELINE:-}" ]; then
    counted measure "baseline-$r" "$N" 1 "$TUANTHU_BASELINE" collect --inventory "$WORK/inventory.yaml" \
      --ca-bundle "$WORK/certs/ca.pem" -o "$WORK/baseline-$r.json" --quiet
  fi
  counted measure "sslyze-$r" "$N" 1 "$SSLYZE" "${SSLYZE_ALL[@]}" --json_out "$WORK/sslyze-$r.json" "${SSLYZE_TARGETS[@]}"
done
measure "sslyze-scoped-1" "$N" 1 "$SSLYZE" "${SSLYZE_SCOPED[@]}" --json_out "$WORK/sslyze-scoped-1.json" "${SSLYZE_TARGETS[@]}"
cp "$WORK/tuanthu-1.json" "$WORK/tuanthu.json"
cp "$WORK/sslyze-1.json" "$WORK/sslyze.json"

# testssl.sh: its default full run (no check selected = all checks), one target at a time.
# Flags only avoid waits that cannot apply on loopback (DNS, warnings prompts) and bound hangs.
mkdir -p "$WORK/testssl"
rm -f "$WORK/testssl/"*.json
if [ "$TESTSSL_TARGETS" != none ]; then
  for n in $TESTSSL_TARGETS; do
    read -r ip port name < <(sed -n "${n}p" "$WORK/addresses.txt")
    # tuanthu alone on the same target, for a one-target-at-a-time comparison.
    measure "single-tuanthu-$name" 1 1 "$TUANTHU" collect --inventory "$WORK/inventory-single/$name.yaml" \
      --ca-bundle "$WORK/certs/ca.pem" -o "$WORK/single-tuanthu-$name.json" --quiet
    measure "testssl-$name" 1 241 testssl --jsonfile "$WORK/testssl/$name.json" --add-ca "$WORK/certs/ca.pem" \
      --ip "$ip" --nodns none --warnings off --color 0 --quiet --openssl-timeout 5 --connect-timeout 5 "$name:$port"
  done
fi

python3 "$HERE/peers.py" times "$WORK"
python3 "$HERE/peers.py" compare "$WORK"
stop_servers

if [ "$MEM1000" = 1 ]; then
  TUANTHU=$TUANTHU "$HERE/mem1000.sh"
fi
