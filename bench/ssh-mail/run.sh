#!/usr/bin/env bash
# SSH probe per target, timed against ssh-audit on the same loopback sshd.
#
#   bench/ssh-mail/run.sh        # a modern and a weak sshd; REPEAT runs of each tool on each
#
# Starts two OpenSSH servers (/usr/sbin/sshd, apt openssh-server) on 127.0.0.1 with their own
# host keys and configurations (the modern and weak ones of tests/ssh.rs), unprivileged (as nobody
# through setpriv when run as root), then times `tuanthu collect` on an inventory declaring the
# endpoint (`ssh:`, default politeness) and `ssh-audit -j` (/usr/bin/ssh-audit, apt ssh-audit)
# one target at a time; median of REPEAT runs, and the connections each opened, counted on the
# server side (tcpdump SYNs to the sshd port). Mail (STARTTLS) is not measured yet: no real MTA
# that runs unprivileged is installed here.
# Environment: WORK (default /tmp/tuanthu-ssh-bench), REPEAT (default 5), TUANTHU (default
# target/release/tuanthu, built if missing).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-/tmp/tuanthu-ssh-bench}
REPEAT=${REPEAT:-5}
TUANTHU=${TUANTHU:-$ROOT/target/release/tuanthu}
[ -x "$TUANTHU" ] || (cd "$ROOT" && cargo build --release -q)
for tool in /usr/sbin/sshd /usr/bin/ssh-audit tcpdump setpriv; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
rm -rf "$WORK"; mkdir -p "$WORK"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# start_sshd NAME PORT "KEYS" "CONFIG": KEYS are "name:type:bits" words.
start_sshd() {
  local name=$1 port=$2 keys=$3 config=$4 dir=$WORK/$1
  mkdir -p "$dir"
  printf 'ListenAddress 127.0.0.1\nUsePAM no\nStrictModes no\nPidFile none\nAuthorizedKeysFile none\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nLogLevel ERROR\n' > "$dir/sshd_config"
  for k in $keys; do
    IFS=: read -r kname ktype kbits <<< "$k"
    ssh-keygen -q -N "" -t "$ktype" -b "$kbits" -C bench -f "$dir/$kname"
    echo "HostKey $dir/$kname" >> "$dir/sshd_config"
  done
  printf '%b' "$config" >> "$dir/sshd_config"
  local run=(/usr/sbin/sshd -D -e -f "$dir/sshd_config" -p "$port")
  if [ "$(id -u)" = 0 ]; then
    chmod 755 "$dir"; chmod 644 "$dir"/*
    run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}")
  fi
  "${run[@]}" 2> "$dir/sshd.err" &
  PIDS+=($!)
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.05; done
  echo "sshd $name did not start: $(cat "$dir/sshd.err")" >&2; exit 3
}

start_sshd modern 22201 "ed25519:ed25519:256 rsa:rsa:3072 ecdsa:ecdsa:256" \
  'KexAlgorithms curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group16-sha512\nCiphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr\nMACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com\nHostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256\n'
start_sshd weak 22202 "rsa1024:rsa:1024 dsa:dsa:1024" \
  'KexAlgorithms diffie-hellman-group1-sha1,diffie-hellman-group14-sha1\nCiphers aes128-cbc,3des-cbc,aes256-ctr\nMACs hmac-sha1,hmac-md5,umac-64@openssh.com\nHostKeyAlgorithms ssh-rsa,ssh-dss\nPubkeyAcceptedAlgorithms ssh-rsa\n'

# timed LABEL PORT CMD...: one run, wall time and SYNs to PORT appended to results.jsonl.
timed() {
  local label=$1 port=$2 pid t0 t1 syns; shift 2
  tcpdump -i lo -n --immediate-mode -w "$WORK/cap.pcap" \
    "dst host 127.0.0.1 and dst port $port and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" 2> "$WORK/tcpdump.err" &
  pid=$!
  for _ in $(seq 1 50); do grep -q listening "$WORK/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
  t0=$(date +%s.%N)
  "$@" > "$WORK/$label.out" 2> "$WORK/$label.err" || true
  t1=$(date +%s.%N)
  sleep 0.3; kill -INT "$pid"; wait "$pid" 2>/dev/null || true
  syns=$(tcpdump -n -r "$WORK/cap.pcap" 2>/dev/null | grep -c ' > ' || true)
  printf '{"label":"%s","wall":%s,"syns":%s,"load1":%s}\n' "$label" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "$syns" "$(cut -d' ' -f1 /proc/loadavg)" >> "$WORK/results.jsonl"
}

for name in modern weak; do
  port=$([ $name = modern ] && echo 22201 || echo 22202)
  cat > "$WORK/$name.yaml" <<YAML
schema: tuanthu/inventory/v1
agency: {id: bench-ssh, name: SSH probe benchmark}
systems:
  - id: sys-ssh
    name: SSH benchmark
    level: 3
    approval: {status: approved, decision: "1/QĐ", date: 2026-01-01}
    assets:
      ssh:
        - {target: "localhost:$port", address: 127.0.0.1}
YAML
  for r in $(seq 1 "$REPEAT"); do
    timed "tuanthu-$name-$r" "$port" "$TUANTHU" collect --inventory "$WORK/$name.yaml" -o "$WORK/tuanthu-$name-$r.json" --quiet
    timed "ssh-audit-$name-$r" "$port" ssh-audit -j -p "$port" 127.0.0.1
  done
done

python3 - "$WORK/results.jsonl" <<'PY' | tee "$WORK/results.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| target | tool | wall time, median (min–max) | connections (server side) | load |")
print("|---|---|---|---|---|")
for name in ("modern", "weak"):
    med = {}
    for tool in ("tuanthu", "ssh-audit"):
        rs = [r for r in rows if r["label"].startswith(f"{tool}-{name}-")]
        w = sorted(r["wall"] for r in rs)
        med[tool] = statistics.median(w)
        syns = sorted({r["syns"] for r in rs})
        loads = ", ".join(f"{r['load1']:.1f}" for r in rs)
        print(f"| {name} | {tool} | {med[tool]:.3f} s ({w[0]:.3f}–{w[-1]:.3f}, {len(w)} runs) | {'/'.join(map(str, syns))} | {loads} |")
    print(f"| {name} | ratio | ssh-audit / tuanthu = {med['ssh-audit'] / med['tuanthu']:.1f}× | | |")
PY
