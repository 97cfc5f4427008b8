#!/usr/bin/env bash
# Re-record examples/demo/scan.xml: a real nmap -sV run against stand-in
# services on loopback, with the loopback addresses rewritten to the demo
# agency's documentation addresses.
#
# Needs: bash, python3, nmap (recorded with 7.93), openssl, Linux (all of
# 127.0.0.0/8 is routed to lo), and root (the stand-ins bind ports < 1024;
# nmap then does a SYN scan). It scans ONLY the 127.77.x.y addresses below.
#
#   sudo examples/demo/record-scan.sh            # writes examples/demo/scan.xml
#   sudo examples/demo/record-scan.sh OUT.xml
set -euo pipefail

# ----------------------------------------------------------------------------
# Mapping table: loopback stand-in -> demo address (role) : stand-in services
# ----------------------------------------------------------------------------
HOSTS=(
  # loopback     demo address   services (port:kind)                      role
  "127.77.1.10   10.50.1.10     80:http-nginx-quiet 443:https-nginx-quiet # tin-noi-bo: internal news site (L1)"
  "127.77.2.10   203.0.113.10   80:http-nginx 443:https-nginx 22:ssh      # cong-dvc web node 1 (L3), SSH exposed"
  "127.77.2.11   203.0.113.11   80:http-nginx 443:https-nginx             # cong-dvc web node 2 (L3)"
  "127.77.2.12   203.0.113.12   3306:mysql 6379:redis                     # cong-dvc database node (L3), DB exposed"
  "127.77.3.20   203.0.113.20   23:telnet                                 # ttdl-tinh core switch management (L4)"
  "127.77.3.21   203.0.113.21   5900:vnc                                  # ttdl-tinh operator console (L4)"
  "127.77.3.22   203.0.113.22   21:ftp                                    # ttdl-tinh file exchange (L4)"
  "127.77.9.99   203.0.113.99   8080:http-python                          # unregistered: forgotten test server"
)
# every port any stand-in uses; nmap probes exactly these on every address
PORTS="21,22,23,80,443,3306,5900,6379,8080"
TLS_CN="dichvucong.binhan.gov.vn.example"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/scan.xml}"

command -v nmap >/dev/null || { echo "record-scan: nmap not found" >&2; exit 3; }
command -v openssl >/dev/null || { echo "record-scan: openssl not found" >&2; exit 3; }
if [[ $(id -u) -ne 0 ]]; then
  echo "record-scan: run as root (stand-ins bind ports below 1024)" >&2
  exit 2
fi

targets=()
listeners=()
map_args=()
for row in "${HOSTS[@]}"; do
  row="${row%%#*}"
  read -r lo demo services <<<"$row"
  if [[ ! $lo =~ ^127\.77\.[0-9]{1,3}\.[0-9]{1,3}$ ]]; then
    echo "record-scan: refusing non-loopback target $lo" >&2
    exit 2
  fi
  targets+=("$lo")
  map_args+=("$lo=$demo")
  for s in $services; do
    listeners+=("$lo:$s")
  done
done

work="$(mktemp -d)"
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

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$TLS_CN" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

python3 "$here/standins.py" --ready "$work/ready" \
  --cert "$work/cert.pem" --key "$work/key.pem" "${listeners[@]}" &
standins_pid=$!

for _ in $(seq 50); do
  [[ -s $work/ready ]] && break
  kill -0 "$standins_pid" 2>/dev/null || { echo "record-scan: stand-ins failed to start" >&2; exit 3; }
  sleep 0.2
done
[[ -s $work/ready ]] || { echo "record-scan: stand-ins not ready" >&2; exit 3; }

# run from the work dir so the recorded args say "-oX raw.xml"
(cd "$work" && nmap -sV -Pn -n --version-light -p "$PORTS" -oX raw.xml "${targets[@]}" >/dev/null)

python3 - "$work/raw.xml" "$out" "${map_args[@]}" <<'PY'
import re, sys
import xml.etree.ElementTree as ET
src, dst, *pairs = sys.argv[1:]
mapping = dict(p.split("=", 1) for p in pairs)
text = open(src, encoding="utf-8").read()
pattern = re.compile(r"(?<![\d.])127\.77\.\d{1,3}\.\d{1,3}(?![\d.])")
def sub(m):
    if m.group(0) not in mapping:
        sys.exit(f"record-scan: {m.group(0)} in the nmap output has no demo address")
    return mapping[m.group(0)]
text = pattern.sub(sub, text)
if "127.77." in text:
    sys.exit("record-scan: loopback addresses left after rewriting")
ET.fromstring(text.encode("utf-8"))  # still well-formed
with open(dst, "w", encoding="utf-8") as f:
    f.write(text)
PY

echo "record-scan: wrote $out" >&2
python3 - "$out" <<'PY'
import sys
import xml.etree.ElementTree as ET
for host in ET.parse(sys.argv[1]).getroot().iter("host"):
    addr = host.find("address").get("addr")
    for port in host.iter("port"):
        if port.find("state").get("state") != "open":
            continue
        svc = port.find("service")
        desc = " ".join(filter(None, [svc.get("tunnel"), svc.get("name"), svc.get("product"), svc.get("version"), svc.get("extrainfo")])) if svc is not None else "?"
        print(f"  {addr}:{port.get('portid')}/{port.get('protocol')}  {desc}", file=sys.stderr)
PY
