#!/usr/bin/env bash
# SSH and mail probes per target, timed against ssh-audit and sslyze --starttls on real servers
# on loopback.
#
#   bench/ssh-mail/run.sh                 # both halves; REPEAT runs of each tool on each target
#   PARTS=mail bench/ssh-mail/run.sh      # only the mail half (PARTS=ssh: only the SSH half)
#
# SSH: two OpenSSH servers (/usr/sbin/sshd, apt openssh-server) on 127.0.0.1 with their own host
# keys and configurations (the modern and weak ones of tests/ssh.rs); `tuanthu collect` on an
# inventory declaring the endpoint (`ssh:`) against `ssh-audit -j` (/usr/bin/ssh-audit, apt
# ssh-audit).
# Mail: an SMTP server with STARTTLS (aiosmtpd from PyPI, smtp_server.py; port 2525) and dovecot
# (apt dovecot-imapd/dovecot-pop3d, dovecot.conf; IMAP STARTTLS on 1143, POP3 STLS on 1110) on
# 127.0.0.1, each serving a certificate for mail.bench.test from a throw-away CA that both tools
# get (tuanthu --ca-bundle, sslyze --certinfo_ca_file); `tuanthu collect` on an inventory declaring
# the endpoint (`mail:` with its protocol) against `sslyze --starttls PROTO` with the scan
# commands that match tuanthu's TLS probe (the six version scans and --certinfo); verdicts compared
# (summary.py, with bench/tls-peers/peers.py's reduction of both tools' output).
# Every server runs unprivileged (as nobody through setpriv when run as root) and is stopped on
# exit. tuanthu runs at its default politeness; the wall time includes the process start and the
# inventory. One target at a time; median of REPEAT runs, the connections each run opened counted
# on the server side (tcpdump SYNs to the port) and the load average after each run.
# Environment: WORK (default /tmp/tuanthu-ssh-bench), REPEAT (default 5), TUANTHU (default
# target/release/tuanthu, built if missing), PARTS (default "ssh mail"), VENV (a venv with
# sslyze 6.3.1 and aiosmtpd 1.4.6, made if missing; default /tmp/tuanthu-bench-venvs/mail).
# Results: WORK/results.md (also printed), WORK/results.jsonl, WORK/verdicts.json.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-/tmp/tuanthu-ssh-bench}
REPEAT=${REPEAT:-5}
TUANTHU=${TUANTHU:-$ROOT/target/release/tuanthu}
PARTS=${PARTS:-"ssh mail"}
VENV=${VENV:-/tmp/tuanthu-bench-venvs/mail}
has() { [[ " $PARTS " == *" $1 "* ]]; }
[ -x "$TUANTHU" ] || (cd "$ROOT" && cargo build --release -q)
tools=(tcpdump setpriv)
has ssh && tools+=(/usr/sbin/sshd /usr/bin/ssh-audit)
has mail && tools+=(openssl python3)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
if has mail && ! command -v dovecot >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "missing: dovecot (apt-get install dovecot-imapd dovecot-pop3d)" >&2; exit 2; }
  apt-get update -qq
  # Keep the package's own dovecot service from starting: the benchmark runs its own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd dovecot-pop3d >/dev/null || { rm -f /usr/sbin/policy-rc.d; exit 2; }
  rm -f /usr/sbin/policy-rc.d
fi
if has mail && ! { [ -x "$VENV/bin/sslyze" ] && "$VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null; }; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q 'sslyze==6.3.1' 'aiosmtpd==1.4.6'
fi
SSLYZE=${SSLYZE:-$VENV/bin/sslyze}
rm -rf "$WORK"; mkdir -p "$WORK"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# unprivileged CMD... &: CMD as nobody when run as root, else as is. It execs, so that $! (the
# subshell of the background function) is the server itself and the exit trap stops it.
unprivileged() {
  if [ "$(id -u)" = 0 ]; then exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else exec "$@"; fi
}

# port_free PORT: exit when something already listens on PORT (it would be measured instead).
port_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then echo "port $1 on 127.0.0.1 is in use" >&2; exit 3; fi
}

# wait_port NAME PORT LOG: until PORT on 127.0.0.1 accepts connections (5 s), else exit with LOG.
wait_port() {
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return; sleep 0.05; done
  echo "$1 did not start: $(cat "$3")" >&2; exit 3
}

# start_sshd NAME PORT "KEYS" "CONFIG": KEYS are "name:type:bits" words.
start_sshd() {
  local name=$1 port=$2 keys=$3 config=$4 dir=$WORK/$1
  port_free "$port"
  mkdir -p "$dir"
  printf 'ListenAddress 127.0.0.1\nUsePAM no\nStrictModes no\nPidFile none\nAuthorizedKeysFile none\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nLogLevel ERROR\n' > "$dir/sshd_config"
  for k in $keys; do
    IFS=: read -r kname ktype kbits <<< "$k"
    ssh-keygen -q -N "" -t "$ktype" -b "$kbits" -C bench -f "$dir/$kname"
    echo "HostKey $dir/$kname" >> "$dir/sshd_config"
  done
  printf '%b' "$config" >> "$dir/sshd_config"
  [ "$(id -u)" = 0 ] && { chmod 755 "$dir"; chmod 644 "$dir"/*; }
  unprivileged /usr/sbin/sshd -D -e -f "$dir/sshd_config" -p "$port" 2> "$dir/sshd.err" &
  PIDS+=($!)
  wait_port "sshd $name" "$port" "$dir/sshd.err"
}

# mail_certs DIR: a throw-away CA (DIR/ca.pem) and a leaf for mail.bench.test signed by it
# (DIR/leaf.pem, DIR/leaf.key), RSA 2048, SHA-256, valid 90 days; 1024-bit DH parameters for
# dovecot (DIR/dh1024.pem).
mail_certs() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 365 \
    -subj "/CN=tuanthu mail bench CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$d/leaf.key" -out "$d/leaf.csr" -subj "/CN=mail.bench.test" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:mail.bench.test\n' > "$d/leaf.ext"
  openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 90 -sha256 \
    -extfile "$d/leaf.ext" -out "$d/leaf.pem" 2>/dev/null
  openssl dhparam -out "$d/dh1024.pem" 1024 2>/dev/null
}

# start_mail: aiosmtpd on 2525, dovecot on 1143 (IMAP) and 1110 (POP3), all on 127.0.0.1.
start_mail() {
  local certs=$WORK/mail-certs dir=$WORK/dovecot user group
  port_free 2525; port_free 1143; port_free 1110
  mail_certs "$certs"
  mkdir -p "$dir/run" "$dir/state" "$dir/home"
  user=$(id -un); group=$(id -gn)
  if [ "$(id -u)" = 0 ]; then
    user=nobody; group=$(id -gn nobody)
    chmod -R a+rX "$WORK"; chown -R nobody "$dir"
  fi
  unprivileged "$VENV/bin/python" "$HERE/smtp_server.py" 127.0.0.1 2525 "$certs/leaf.pem" "$certs/leaf.key" \
    > "$WORK/smtp.log" 2>&1 &
  PIDS+=($!)
  sed -e "s|@DIR@|$dir|g; s|@CERTS@|$certs|g; s|= nobody$|= $user|; s|= nogroup$|= $group|; s|gid=nogroup|gid=$group|; s|uid=nobody|uid=$user|" \
    "$HERE/dovecot.conf" > "$dir/dovecot.conf"
  unprivileged dovecot -F -c "$dir/dovecot.conf" > "$dir/dovecot.out" 2>&1 &
  PIDS+=($!)
  wait_port "aiosmtpd" 2525 "$WORK/smtp.log"
  wait_port "dovecot (IMAP)" 1143 "$dir/dovecot.out"
  wait_port "dovecot (POP3)" 1110 "$dir/dovecot.out"
}

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

# inventory NAME ASSETS: WORK/NAME.yaml, one system whose assets are ASSETS (YAML, 6 spaces in).
inventory() {
  cat > "$WORK/$1.yaml" <<YAML
schema: tuanthu/inventory/v1
agency: {id: bench-ssh-mail, name: SSH and mail probe benchmark}
systems:
  - id: sys-bench
    name: SSH and mail benchmark
    level: 3
    approval: {status: approved, decision: "1/QĐ", date: 2026-01-01}
    assets:
$2
YAML
}

if has ssh; then
  start_sshd modern 22201 "ed25519:ed25519:256 rsa:rsa:3072 ecdsa:ecdsa:256" \
    'KexAlgorithms curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group16-sha512\nCiphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr\nMACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com\nHostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256\n'
  start_sshd weak 22202 "rsa1024:rsa:1024 dsa:dsa:1024" \
    'KexAlgorithms diffie-hellman-group1-sha1,diffie-hellman-group14-sha1\nCiphers aes128-cbc,3des-cbc,aes256-ctr\nMACs hmac-sha1,hmac-md5,umac-64@openssh.com\nHostKeyAlgorithms ssh-rsa,ssh-dss\nPubkeyAcceptedAlgorithms ssh-rsa\n'
  for name in modern weak; do
    port=$([ $name = modern ] && echo 22201 || echo 22202)
    inventory "$name" "      ssh:
        - {target: \"localhost:$port\", address: 127.0.0.1}"
    for r in $(seq 1 "$REPEAT"); do
      timed "tuanthu-$name-$r" "$port" "$TUANTHU" collect --inventory "$WORK/$name.yaml" -o "$WORK/tuanthu-$name-$r.json" --quiet
      timed "ssh-audit-$name-$r" "$port" ssh-audit -j -p "$port" 127.0.0.1
    done
  done
fi

if has mail; then
  start_mail
  # sslyze: the scans that match tuanthu's TLS probe (versions with their suites, certificate and
  # chain); naming them turns the rest of its default set off. No Mozilla compliance evaluation.
  SSLYZE_SCOPE=(--sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 --certinfo
    --certinfo_ca_file "$WORK/mail-certs/ca.pem" --mozilla_config disable --quiet)
  for target in smtp:2525 imap:1143 pop3:1110; do
    proto=${target%:*}; port=${target#*:}
    inventory "$proto" "      mail:
        - {target: \"mail.bench.test:$port\", protocol: $proto, address: 127.0.0.1}"
    for r in $(seq 1 "$REPEAT"); do
      timed "tuanthu-$proto-$r" "$port" "$TUANTHU" collect --inventory "$WORK/$proto.yaml" \
        --ca-bundle "$WORK/mail-certs/ca.pem" -o "$WORK/tuanthu-$proto-$r.json" --quiet
      timed "sslyze-$proto-$r" "$port" "$SSLYZE" --starttls "$proto" "${SSLYZE_SCOPE[@]}" \
        --json_out "$WORK/sslyze-$proto-$r.json" "mail.bench.test:$port{127.0.0.1}"
    done
  done
fi

python3 "$HERE/summary.py" "$WORK" "$REPEAT" | tee "$WORK/results.md"
