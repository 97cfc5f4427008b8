#!/usr/bin/env bash
# Re-record examples/demo/evidence.json: a real `tuanthu collect` run against
# stand-in HTTPS/IMAPS/SMTP servers, a real sshd and a real unbound on loopback, with the loopback addresses
# rewritten to the demo agency's addresses.
#
# What it does:
#   1. makes a demo CA (it stands for the national government CA, which browser
#      stores do not carry) and server certificates signed by it (plus one
#      self-signed), with openssl, in a temporary directory;
#   2. starts the stand-ins of the table below (standins.py) on 127.77.x.y,
#      then sshd (SSHD_HOST, SSHD_CONFIG) and unbound (RESOLVER) serving the
#      agency's zone under a demo root signed here;
#   3. writes a TEMPORARY copy of inventory.yaml in which every `urls:`,
#      `tls:`, `ssh:` and `mail:` entry is pinned (`address:`) to the loopback stand-in of its
#      target: entries the inventory already pins keep their pin, mapped from
#      the demo address to the loopback one; unpinned entries get the address
#      of the NAMES table. An entry it cannot parse, or a name without a
#      stand-in, stops the script: nothing is ever resolved or contacted
#      outside 127.77.0.0/16;
#   4. runs `tuanthu collect --ca-bundle CA.pem --resolver RESOLVER
#      --dnssec-anchor demo-root.key` on that copy;
#   5. rewrites every 127.77.x.y in the evidence (the records' `address`, the
#      HTTP facts' `connected_to`) to the demo address of the table. Nothing
#      else in the file is edited: targets, SNI and URLs are already the
#      inventory's names. In the real inventory a pinned entry (the two
#      cong-dvc nodes) matches only records whose `address` equals its pin,
#      which the rewrite restores; unpinned entries accept any address;
#   6. writes the CA certificate (never a private key) beside the evidence.
#
# Needs: bash, python3, openssl, sshd + ssh-keygen (openssh-server), unbound,
# ldns-keygen + ldns-signzone (ldnsutils), setpriv (util-linux), GNU date, Linux (all of 127.0.0.0/8 is routed
# to lo), root (the stand-ins bind ports 22, 53, 80, 443, 587 and 993), and a built
# tuanthu (target/release/tuanthu, else target/debug/tuanthu; or TUANTHU=path).
#
#   sudo examples/demo/record-evidence.sh                  # writes evidence.json, demo-gov-ca.pem
#   sudo examples/demo/record-evidence.sh OUT.json CA.pem
#   sudo RECORD_AT="2026-11-25 11:07:28" examples/demo/record-evidence.sh   # dated as the demo's --as-of
#
# The records are dated now: evaluate a new recording with --as-of its date.
set -euo pipefail

# ----------------------------------------------------------------------------
# Mapping table: loopback stand-in -> demo address : listeners (port:kind:tls-profile:certificate)
# ----------------------------------------------------------------------------
HOSTS=(
  # loopback     demo address   listeners                                                        role
  "127.77.2.10   203.0.113.10   443:https-nginx:modern:dichvucong                                # cong-dvc web node 1 (L3): hardened TLS"
  "127.77.2.11   203.0.113.11   443:https-nginx:nginx-1.18:dichvucong                            # cong-dvc web node 2 (L3): nginx 1.18 default TLS settings (drift)"
  "127.77.2.13   203.0.113.13   443:https-portal:modern:dichvucong 80:http-redirect-quiet       # cong-dvc load balancer (public name): hardened"
  "127.77.3.17   203.0.113.17   443:https-nginx-quiet:modern:vpn                                 # ttdl-tinh SSL VPN (L4): certificate expiring"
  "127.77.4.5    10.50.2.5      443:https-nginx-app:modern:qlvb 80:http-redirect-nginx           # qlvb-email web (L2): version banner, no CSP"
  "127.77.4.6    10.50.2.6      993:imaps-dovecot:legacy:mail 587:submission-postfix:modern:mail # qlvb-email IMAPS (L2): TLS 1.0/1.1 still on; submission: hardened Postfix"
  "127.77.5.40   203.0.113.40   443:https-apache-php:legacy:phananh-selfsigned 80:http-apache-php # phan-anh-kien-nghi (L2): self-signed, no redirect"
)
# A real OpenSSH server (the system's sshd binary, its own configuration and host keys), run as
# nobody with only the capability to bind port 22: loopback -> demo address
SSHD_HOST=(127.77.3.18 203.0.113.18)   # ttdl-tinh SSH bastion (L4): CBC ciphers and SHA-1 kept for old clients
SSHD_CONFIG="KexAlgorithms curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group14-sha1
Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-cbc,aes128-cbc
MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-256,hmac-sha1
HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256"
# A real unbound answering for the demo zone (and a demo root that delegates it, unsigned, so
# that DNSSEC is judged from a real chain): loopback -> demo address of the agency's resolver
RESOLVER=(127.77.6.53 10.50.0.53)
# Unpinned inventory names -> demo address of their stand-in (the address the name resolves to)
NAMES=(
  "dichvucong.binhan.gov.vn.example   203.0.113.13"
  "qlvb.binhan.gov.vn.example         10.50.2.5"
  "mail.binhan.gov.vn.example         10.50.2.6"
  "vpn.binhan.gov.vn.example          203.0.113.17"
  "phananh.binhan.gov.vn.example      203.0.113.40"
)
# Certificates: name, DNS name, valid since (days ago), valid for (days from now), issuer
CERTS=(
  "dichvucong           dichvucong.binhan.gov.vn.example   200   165   ca"
  "qlvb                 qlvb.binhan.gov.vn.example         100   265   ca"
  "mail                 mail.binhan.gov.vn.example         100   265   ca"
  "vpn                  vpn.binhan.gov.vn.example          345   20    ca"
  "phananh-selfsigned   phananh.binhan.gov.vn.example      30    3620  self"
)
CA_SUBJECT="/C=VN/O=tuanthu demo (not a real CA)/CN=Demo Government Root CA"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$here/evidence.json}"
ca_out="${2:-$here/demo-gov-ca.pem}"
tuanthu="${TUANTHU:-}"
if [[ -z $tuanthu ]]; then
  for t in "$repo/target/release/tuanthu" "$repo/target/debug/tuanthu"; do
    [[ -x $t ]] && { tuanthu="$t"; break; }
  done
fi
[[ -n $tuanthu && -x $tuanthu ]] || { echo "record-evidence: build tuanthu first (cargo build --release) or set TUANTHU" >&2; exit 3; }
command -v openssl >/dev/null || { echo "record-evidence: openssl not found" >&2; exit 3; }
if [[ $(id -u) -ne 0 ]]; then
  echo "record-evidence: run as root (stand-ins bind ports below 1024)" >&2
  exit 2
fi

listeners=()
map_args=()
for row in "${HOSTS[@]}"; do
  row="${row%%#*}"
  read -r lo demo services <<<"$row"
  if [[ ! $lo =~ ^127\.77\.[0-9]{1,3}\.[0-9]{1,3}$ ]]; then
    echo "record-evidence: refusing non-loopback stand-in $lo" >&2
    exit 2
  fi
  map_args+=("$lo=$demo")
  for s in $services; do
    listeners+=("$lo:$s")
  done
done
map_args+=("${SSHD_HOST[0]}=${SSHD_HOST[1]}" "${RESOLVER[0]}=${RESOLVER[1]}")
name_args=()
for row in "${NAMES[@]}"; do
  read -r name demo <<<"$row"
  name_args+=("$name=$demo")
done

for lo in "${SSHD_HOST[0]}" "${RESOLVER[0]}"; do
  [[ $lo =~ ^127\.77\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || { echo "record-evidence: refusing non-loopback stand-in $lo" >&2; exit 2; }
done
for tool in sshd ssh-keygen unbound ldns-keygen ldns-signzone setpriv; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || { echo "record-evidence: $tool not found" >&2; exit 3; }
done

# RECORD_AT="2026-11-25 11:07:28" records as of that UTC time (libfaketime, apt `faketime`): the
# certificates' dates and the records' observed_at; the stand-ins run on the real clock.
clock() {
  if [[ -n ${RECORD_AT:-} ]]; then faketime -f "@$RECORD_AT" "$@"; else "$@"; fi
}
if [[ -n ${RECORD_AT:-} ]]; then
  command -v faketime >/dev/null || { echo "record-evidence: RECORD_AT needs faketime" >&2; exit 3; }
fi

work="$(mktemp -d)"
chmod 700 "$work"
standins_pid=""
sshd_pid=""
unbound_pid=""
cleanup() {
  local pid
  for pid in "$standins_pid" "$sshd_pid" "$unbound_pid"; do
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------- temporary inventory, pinned to loopback
python3 - "$here/inventory.yaml" "$work/inventory.yaml" "${map_args[@]}" -- "${name_args[@]}" <<'PY'
import re, sys
src, dst, *rest = sys.argv[1:]
sep = rest.index("--")
lo_of_demo = {d: l for l, d in (p.split("=", 1) for p in rest[:sep])}
demo_of_name = dict(p.split("=", 1) for p in rest[sep + 1:])

def die(msg):
    sys.exit(f"record-evidence: {src}: {msg}")

def split_flow(text, line_no):
    """Items of a one-line flow sequence body: plain scalars or {k: v, ...} maps."""
    items, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            items.append(cur.strip()); cur = ""; continue
        depth += (ch == "{") - (ch == "}")
        if depth < 0: die(f"line {line_no}: cannot parse {text!r}")
        cur += ch
    if depth != 0: die(f"line {line_no}: cannot parse {text!r}")
    if cur.strip(): items.append(cur.strip())
    return items

# the fields an entry of each list may have (the first names the target), besides `address`
FIELDS = {"urls": ("url",), "tls": ("target",), "ssh": ("target",), "mail": ("target", "protocol")}

def parse_item(key, item, line_no):
    """(name, pin or None, other fields) of one urls/tls/ssh/mail entry."""
    fields = FIELDS[key]
    if len(fields) == 1 and re.fullmatch(r"[A-Za-z0-9._~:/?#@!$&'()*+;=%\[\]-]+", item) \
            and not item.startswith(("&", "*", "!", "{", "[", "'")):
        return item, None, {}
    m = re.fullmatch(r"\{(.*)\}", item)
    pairs = [re.fullmatch(r"\s*(\w+)\s*:\s*([^,{}\s]+)\s*", p) for p in m.group(1).split(",")] if m else [None]
    if all(pairs):
        d = {p.group(1): p.group(2) for p in pairs}
        if set(d) in ({*fields}, {*fields, "address"}):
            return d[fields[0]], d.get("address"), {k: d[k] for k in fields[1:]}
    die(f"line {line_no}: cannot parse the {key} entry {item!r}; extend record-evidence.sh")

def host_of(key, name):
    if key == "urls":
        m = re.fullmatch(r"https?://([^/:]+)(:\d+)?(/.*)?", name)
    else:
        m = re.fullmatch(r"([^:/]+):\d+", name)
    if not m: die(f"cannot read the host of {name!r}")
    return m.group(1).lower()

def pinned(key, name, pin, extra, line_no):
    if pin is not None:
        if pin not in lo_of_demo: die(f"line {line_no}: pinned address {pin} has no stand-in")
        lo = lo_of_demo[pin]
    else:
        host = host_of(key, name)
        if host not in demo_of_name: die(f"line {line_no}: {name} has no stand-in (add it to NAMES)")
        lo = lo_of_demo[demo_of_name[host]]
    more = "".join(f", {k}: {v}" for k, v in extra.items())
    return f"{{{FIELDS[key][0]}: {name}{more}, address: {lo}}}"

lines = open(src, encoding="utf-8").read().split("\n")
out, i, entries = [], 0, 0
key_re = re.compile(r"^(\s*)(urls|tls|ssh|mail):(.*)$")
while i < len(lines):
    line = lines[i]
    m = key_re.match(line)
    if not m:
        if re.search(r"(^|[\s{,])(urls|tls|ssh|mail)\s*:", line.split("#", 1)[0]):
            die(f"line {i + 1}: `urls:`/`tls:`/`ssh:`/`mail:` in a form this script does not parse")
        out.append(line); i += 1; continue
    indent, key, value = m.group(1), m.group(2), m.group(3).split(" #", 1)[0].strip()
    items = []
    if value.startswith("[") and value.endswith("]"):
        items = [(it, i + 1) for it in split_flow(value[1:-1], i + 1)]
        i += 1
    elif value == "":
        i += 1
        while i < len(lines):
            body = lines[i]
            stripped = body.strip()
            if stripped == "" or stripped.startswith("#"):
                i += 1; continue
            if len(body) - len(body.lstrip()) <= len(indent):
                break
            if not stripped.startswith("- "):
                die(f"line {i + 1}: cannot parse the {key} list")
            items.append((stripped[2:].split(" #", 1)[0].strip(), i + 1))
            i += 1
    else:
        die(f"line {i + 1}: cannot parse `{key}: {value}`")
    out.append(f"{indent}{key}:")
    for item, n in items:
        name, pin, extra = parse_item(key, item, n)
        out.append(f"{indent}  - {pinned(key, name, pin, extra, n)}")
        entries += 1
open(dst, "w", encoding="utf-8").write("\n".join(out))
print(f"record-evidence: {entries} urls/tls/ssh/mail entries pinned to loopback", file=sys.stderr)
PY

# What the collector will probe, as the engine sees it: every TLS/HTTP/SSH/mail target must be pinned to loopback.
"$tuanthu" check --inventory "$work/inventory.yaml" --tailoring "$here" --format json --fail-on never \
  --as-of "$(clock date -u +%F)" -o "$work/plan.json"
python3 - "$work/plan.json" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
for ag in doc["agencies"]:
    for s in ag["systems"]:
        for c in s["controls"] + s["obligations"]:
            for f in c["findings"]:
                if f["rule"] in ("tls", "http", "ssh", "mail") and not re.search(r" @ 127\.77\.\d+\.\d+$", f.get("asset", "")):
                    sys.exit(f"record-evidence: {s['id']}: target {f.get('asset')!r} is not pinned to a stand-in")
PY

# ---------------------------------------------------------------- certificates
stamp() { clock date -u -d "$1" +%Y%m%d%H%M%SZ; }
# run quietly; show what the command said if it fails
quiet() {
  local log
  log="$("$@" 2>&1)" || { printf 'record-evidence: failed: %s\n%s\n' "$*" "$log" >&2; return 1; }
}
mkdir -p "$work/ca/new" "$work/certs"
: >"$work/ca/index.txt"
echo 1000 >"$work/ca/serial"
cat >"$work/ca/openssl.cnf" <<EOF
[ ca ]
default_ca = demo
[ demo ]
dir = $work/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ any ]
countryName = optional
organizationName = optional
commonName = supplied
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:\${ENV::SAN}
EOF
export SAN=unused
quiet openssl req -new -newkey rsa:3072 -nodes -subj "$CA_SUBJECT" \
  -keyout "$work/ca/ca.key" -out "$work/ca/ca.csr"
quiet openssl ca -batch -notext -selfsign -config "$work/ca/openssl.cnf" -extensions v3_ca \
  -keyfile "$work/ca/ca.key" -startdate "$(stamp '-730 days')" -enddate "$(stamp '+3650 days')" \
  -in "$work/ca/ca.csr" -out "$work/ca/ca.pem"
for row in "${CERTS[@]}"; do
  read -r cname dns since days issuer <<<"$row"
  key="$work/certs/$cname.key"
  if [[ $issuer == self ]]; then
    quiet clock openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" -subj "/CN=$dns" \
      -addext "subjectAltName=DNS:$dns" -addext "basicConstraints=critical,CA:FALSE" \
      -addext "extendedKeyUsage=serverAuth" -keyout "$key" -out "$work/certs/$cname.pem"
  else
    quiet openssl req -new -newkey rsa:2048 -nodes -subj "/C=VN/O=tuanthu demo/CN=$dns" \
      -keyout "$key" -out "$work/certs/$cname.csr"
    SAN="$dns" quiet openssl ca -batch -notext -config "$work/ca/openssl.cnf" -extensions v3_leaf \
      -cert "$work/ca/ca.pem" -keyfile "$work/ca/ca.key" \
      -startdate "$(stamp "-$since days")" -enddate "$(stamp "+$days days")" \
      -in "$work/certs/$cname.csr" -out "$work/certs/$cname.pem"
  fi
done

# ------------------------------------------------------------------ stand-ins
python3 "$here/standins.py" --ready "$work/ready" --cert-dir "$work/certs" "${listeners[@]}" &
standins_pid=$!
for _ in $(seq 50); do
  [[ -s $work/ready ]] && break
  kill -0 "$standins_pid" 2>/dev/null || { echo "record-evidence: stand-ins failed to start" >&2; exit 3; }
  sleep 0.2
done
[[ -s $work/ready ]] || { echo "record-evidence: stand-ins not ready" >&2; exit 3; }

# Both run as nobody (the function execs: `$!` of `unprivileged … &` is the server's pid) with only the capability to bind ports below 1024; they read their files
# from directories anyone may read (nothing secret: throwaway keys of a loopback stand-in).
unprivileged() {
  exec setpriv --reuid=65534 --regid=65534 --clear-groups \
    --inh-caps=+net_bind_service --ambient-caps=+net_bind_service "$@"
}
# wait until ADDR:PORT accepts TCP, or the process PID has exited (then show its log)
await() {
  local pid=$1 addr=$2 port=$3 what=$4
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { echo "record-evidence: $what exited:" >&2; cat "$work/$what.log" >&2; exit 3; }
    (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "record-evidence: $what does not listen on $addr:$port" >&2
  exit 3
}

# ------------------------------------------------------------------------ sshd
mkdir -p "$work/ssh"
for k in "ed25519 256" "rsa 3072"; do
  read -r t b <<<"$k"
  quiet ssh-keygen -q -N "" -t "$t" -b "$b" -C bastion.binhan.gov.vn.example -f "$work/ssh/$t"
done
cat >"$work/ssh/sshd_config" <<EOF
ListenAddress ${SSHD_HOST[0]}:22
HostKey $work/ssh/ed25519
HostKey $work/ssh/rsa
UsePAM no
StrictModes no
PidFile none
AuthorizedKeysFile none
PasswordAuthentication no
KbdInteractiveAuthentication no
LogLevel ERROR
$SSHD_CONFIG
EOF
chmod 755 "$work" "$work/ssh"
chmod 644 "$work/ssh"/*
sshd_bin="$(command -v sshd || echo /usr/sbin/sshd)"
unprivileged "$sshd_bin" -D -e -f "$work/ssh/sshd_config" </dev/null >"$work/sshd.log" 2>&1 &
sshd_pid=$!
await "$sshd_pid" "${SSHD_HOST[0]}" 22 sshd

# --------------------------------------------------------------------- unbound
# The agency's zone, unsigned (as most provincial zones are), and a demo root that delegates it
# without a DS record, signed with a key made here: `--dnssec-anchor` gives that key, so tuanthu
# proves the zone unsigned ("insecure") from a real chain (".example" is reserved: the real root
# has no delegation for it, and the recording must not leave loopback anyway).
mkdir -p "$work/dns"
cat >"$work/dns/root.zone" <<EOF
\$TTL 86400
. IN SOA ns. admin. 2026112001 1800 900 604800 86400
. IN NS ns.
ns. IN A ${RESOLVER[1]}
binhan.gov.vn.example. IN NS ns1.binhan.gov.vn.example.
ns1.binhan.gov.vn.example. IN A ${RESOLVER[1]}
EOF
cat >"$work/dns/binhan.zone" <<EOF
\$TTL 3600
\$ORIGIN binhan.gov.vn.example.
@          IN SOA  ns1 hostmaster 2026112001 3600 600 1209600 300
@          IN NS   ns1
ns1        IN A    ${RESOLVER[1]}
@          IN MX   10 mail
mail       IN A    10.50.2.6
qlvb       IN A    10.50.2.5
dichvucong IN A    203.0.113.13
vpn        IN A    203.0.113.17
phananh    IN A    203.0.113.40
bastion    IN A    203.0.113.18
; good: SPF ending in -all, DMARC with aggregate reports (still p=none, as attested), CAA
@          IN TXT  "v=spf1 mx ip4:10.50.2.0/28 -all"
_dmarc     IN TXT  "v=DMARC1; p=none; rua=mailto:dmarc@binhan.gov.vn.example"
@          IN CAA  0 issue "ca.gov.vn.example"
@          IN CAA  0 iodef "mailto:attt@binhan.gov.vn.example"
; missing: MTA-STS (no _mta-sts record) and DNSSEC (no DS in the parent)
EOF
root_key="$(cd "$work/dns" && ldns-keygen -a ECDSAP256SHA256 -k .)"
(cd "$work/dns" && quiet clock ldns-signzone -n root.zone "$root_key")  # signatures valid from RECORD_AT
cp "$work/dns/$root_key.key" "$work/dns/demo-root.key"
cat >"$work/dns/unbound.conf" <<EOF
server:
  interface: ${RESOLVER[0]}
  port: 53
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$work/dns"
  pidfile: ""
  use-syslog: no
  logfile: ""
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
remote-control:
  control-enable: no
auth-zone:
  name: "."
  zonefile: "$work/dns/root.zone.signed"
  for-downstream: yes
  for-upstream: no
auth-zone:
  name: "binhan.gov.vn.example"
  zonefile: "$work/dns/binhan.zone"
  for-downstream: yes
  for-upstream: no
EOF
chmod 755 "$work/dns"
chmod 644 "$work/dns"/*
unprivileged unbound -d -c "$work/dns/unbound.conf" </dev/null >"$work/unbound.log" 2>&1 &
unbound_pid=$!
await "$unbound_pid" "${RESOLVER[0]}" 53 unbound

# --------------------------------------------------------------------- collect
set +e
clock "$tuanthu" collect --quiet --inventory "$work/inventory.yaml" --tailoring "$here" \
  --ca-bundle "$work/ca/ca.pem" --resolver "${RESOLVER[0]}" --dnssec-anchor "$work/dns/demo-root.key" \
  -o "$work/raw.json"
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
  echo "record-evidence: tuanthu collect exited $rc (a target could not be measured?)" >&2
  python3 -c 'import json,sys; [print("  ", r["target"], r.get("address"), r["error"], file=sys.stderr) for r in json.load(open(sys.argv[1]))["records"] if r.get("error")]' "$work/raw.json" || true
  exit 3
fi

# --------------------------------------------------------------- rewrite back
python3 - "$work/raw.json" "$out" "${map_args[@]}" <<'PY'
import json, re, sys
src, dst, *pairs = sys.argv[1:]
mapping = dict(p.split("=", 1) for p in pairs)
text = open(src, encoding="utf-8").read()
pattern = re.compile(r"(?<![\d.])127\.77\.\d{1,3}\.\d{1,3}(?![\d.])")
def sub(m):
    if m.group(0) not in mapping:
        sys.exit(f"record-evidence: {m.group(0)} in the evidence has no demo address")
    return mapping[m.group(0)]
text = pattern.sub(sub, text)
if "127.77." in text or "127.0.0.1" in text:
    sys.exit("record-evidence: loopback addresses left after rewriting")
doc = json.loads(text)  # still valid JSON
if doc.get("schema") != "tuanthu/evidence/v1" or any(r.get("error") for r in doc["records"]):
    sys.exit("record-evidence: unexpected evidence")
with open(dst, "w", encoding="utf-8") as f:
    f.write(text)
PY
cp "$work/ca/ca.pem" "$ca_out"

echo "record-evidence: wrote $out and $ca_out" >&2
python3 - "$out" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1], encoding="utf-8"))["records"]:
    f = r["facts"]
    if r["kind"] == "tls":
        on = [v for v, ok in f["protocols"].items() if ok]
        c = f["certificate"] or {}
        desc = f"{' '.join(on)}; fs={f.get('forward_secrecy')} weak={f.get('weak_cipher_classes')}; " \
               f"cert trusted={c.get('chain_valid')} self_signed={c.get('self_signed')} until {c.get('not_after')}"
        if f.get("starttls"):
            desc = f"{f['starttls']} STARTTLS offered={f.get('starttls_offered')}; {desc}"
    elif r["kind"] == "ssh":
        desc = f"{f['banner']!r}; weak={[w['algorithm'] for w in f['weak']]}; " \
               f"host keys={[(k['type'], k['bits']) for k in f['host_keys']]}"
    elif r["kind"] == "dns":
        desc = f"spf={f['spf']['result']} {f['spf']['all']}all; dmarc p={f['dmarc']['p']!r} rua={f['dmarc']['rua']}; " \
               f"mta-sts={f['mta_sts']['mode']!r}; caa={f['caa']['records']}; dnssec={f['dnssec']}; " \
               f"mx={[(m['host'], m['declared']) for m in f['mx']]}"
    else:
        desc = f"{f['status']}; https redirect={f['http_redirects_to_https']}; hsts={f['hsts']['present']}; " \
               f"server={f['server_banner']!r}; cookies={[(c['name'], c['secure'], c['http_only']) for c in f['cookies']]}"
    print(f"  {r['kind']:4} {r['target']} @ {r['address']}: {desc}", file=sys.stderr)
PY
