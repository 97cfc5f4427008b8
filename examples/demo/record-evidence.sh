#!/usr/bin/env bash
# Re-record examples/demo/evidence.json: a real `tuanthu collect` run against
# stand-in HTTPS/IMAPS servers on loopback, with the loopback addresses
# rewritten to the demo agency's addresses.
#
# What it does:
#   1. makes a demo CA (it stands for the national government CA, which browser
#      stores do not carry) and server certificates signed by it (plus one
#      self-signed), with openssl, in a temporary directory;
#   2. starts the stand-ins of the table below (standins.py) on 127.77.x.y;
#   3. writes a TEMPORARY copy of inventory.yaml in which every `urls:` and
#      `tls:` entry is pinned (`address:`) to the loopback stand-in of its
#      target: entries the inventory already pins keep their pin, mapped from
#      the demo address to the loopback one; unpinned entries get the address
#      of the NAMES table. An entry it cannot parse, or a name without a
#      stand-in, stops the script: nothing is ever resolved or contacted
#      outside 127.77.0.0/16;
#   4. runs `tuanthu collect --ca-bundle CA.pem` on that copy;
#   5. rewrites every 127.77.x.y in the evidence (the records' `address`, the
#      HTTP facts' `connected_to`) to the demo address of the table. Nothing
#      else in the file is edited: targets, SNI and URLs are already the
#      inventory's names. In the real inventory a pinned entry (the two
#      cong-dvc nodes) matches only records whose `address` equals its pin,
#      which the rewrite restores; unpinned entries accept any address;
#   6. writes the CA certificate (never a private key) beside the evidence.
#
# Needs: bash, python3, openssl, GNU date, Linux (all of 127.0.0.0/8 is routed
# to lo), root (the stand-ins bind ports 80, 443 and 993), and a built
# tuanthu (target/release/tuanthu, else target/debug/tuanthu; or TUANTHU=path).
#
#   sudo examples/demo/record-evidence.sh                  # writes evidence.json, demo-gov-ca.pem
#   sudo examples/demo/record-evidence.sh OUT.json CA.pem
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
  "127.77.4.6    10.50.2.6      993:imaps-dovecot:legacy:mail                                    # qlvb-email IMAPS (L2): TLS 1.0/1.1 still on"
  "127.77.5.40   203.0.113.40   443:https-apache-php:legacy:phananh-selfsigned 80:http-apache-php # phan-anh-kien-nghi (L2): self-signed, no redirect"
)
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
name_args=()
for row in "${NAMES[@]}"; do
  read -r name demo <<<"$row"
  name_args+=("$name=$demo")
done

work="$(mktemp -d)"
chmod 700 "$work"
standins_pid=""
cleanup() {
  if [[ -n $standins_pid ]] && kill -0 "$standins_pid" 2>/dev/null; then
    kill "$standins_pid" 2>/dev/null || true
    wait "$standins_pid" 2>/dev/null || true
  fi
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

def parse_item(key, item, line_no):
    """(name, pin or None) of one urls/tls entry."""
    field = "url" if key == "urls" else "target"
    if re.fullmatch(r"[A-Za-z0-9._~:/?#@!$&'()*+;=%\[\]-]+", item) and not item.startswith(("&", "*", "!", "{", "[", "'")):
        return item, None
    m = re.fullmatch(r"\{\s*(\w+)\s*:\s*([^,{}\s]+)\s*,\s*(\w+)\s*:\s*([^,{}\s]+)\s*\}", item)
    if m:
        d = {m.group(1): m.group(2), m.group(3): m.group(4)}
        if set(d) == {field, "address"}:
            return d[field], d["address"]
    die(f"line {line_no}: cannot parse the {key} entry {item!r}; extend record-evidence.sh")

def host_of(key, name):
    if key == "urls":
        m = re.fullmatch(r"https?://([^/:]+)(:\d+)?(/.*)?", name)
    else:
        m = re.fullmatch(r"([^:/]+):\d+", name)
    if not m: die(f"cannot read the host of {name!r}")
    return m.group(1).lower()

def pinned(key, name, pin, line_no):
    if pin is not None:
        if pin not in lo_of_demo: die(f"line {line_no}: pinned address {pin} has no stand-in")
        lo = lo_of_demo[pin]
    else:
        host = host_of(key, name)
        if host not in demo_of_name: die(f"line {line_no}: {name} has no stand-in (add it to NAMES)")
        lo = lo_of_demo[demo_of_name[host]]
    field = "url" if key == "urls" else "target"
    return f"{{{field}: {name}, address: {lo}}}"

lines = open(src, encoding="utf-8").read().split("\n")
out, i, entries = [], 0, 0
key_re = re.compile(r"^(\s*)(urls|tls):(.*)$")
while i < len(lines):
    line = lines[i]
    m = key_re.match(line)
    if not m:
        if re.search(r"(^|[\s{,])(urls|tls)\s*:", line.split("#", 1)[0]):
            die(f"line {i + 1}: `urls:`/`tls:` in a form this script does not parse")
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
        name, pin = parse_item(key, item, n)
        out.append(f"{indent}  - {pinned(key, name, pin, n)}")
        entries += 1
open(dst, "w", encoding="utf-8").write("\n".join(out))
print(f"record-evidence: {entries} urls/tls entries pinned to loopback", file=sys.stderr)
PY

# What the collector will probe, as the engine sees it: every TLS/HTTP target must be pinned to loopback.
"$tuanthu" check --inventory "$work/inventory.yaml" --tailoring "$here" --format json --fail-on never \
  --as-of "$(date -u +%F)" -o "$work/plan.json"
python3 - "$work/plan.json" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
for ag in doc["agencies"]:
    for s in ag["systems"]:
        for c in s["controls"] + s["obligations"]:
            for f in c["findings"]:
                if f["rule"] in ("tls", "http") and not re.search(r" @ 127\.77\.\d+\.\d+$", f.get("asset", "")):
                    sys.exit(f"record-evidence: {s['id']}: target {f.get('asset')!r} is not pinned to a stand-in")
PY

# ---------------------------------------------------------------- certificates
stamp() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
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
    quiet openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" -subj "/CN=$dns" \
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

# --------------------------------------------------------------------- collect
set +e
"$tuanthu" collect --quiet --inventory "$work/inventory.yaml" --tailoring "$here" \
  --ca-bundle "$work/ca/ca.pem" -o "$work/raw.json"
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
    else:
        desc = f"{f['status']}; https redirect={f['http_redirects_to_https']}; hsts={f['hsts']['present']}; " \
               f"server={f['server_banner']!r}; cookies={[(c['name'], c['secure'], c['http_only']) for c in f['cookies']]}"
    print(f"  {r['kind']:4} {r['target']} @ {r['address']}: {desc}", file=sys.stderr)
PY
