# Sourced by run.sh and mem1000.sh: the servers of the benchmark endpoints.
# start_servers WORK [TLSLITE_PYTHON]: nginx on WORK/nginx/nginx.conf (made by peers.py) and, when
# WORK/legacy.json lists endpoints, legacy_server.py (tlslite-ng) under TLSLITE_PYTHON; waits until
# every address in WORK/addresses.txt accepts connections. Both stop when the calling shell exits.
SERVER_PIDS=()

stop_servers() {
  local p
  for p in "${SERVER_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${SERVER_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  SERVER_PIDS=()
}

start_servers() {
  local work=$1 py=${2:-}
  trap stop_servers EXIT
  trap 'stop_servers; exit 130' INT TERM
  # nginx's OpenSSL starts at security level 0 (openssl.cnf) so that weak keys and TLS 1.0 load.
  OPENSSL_CONF=$work/nginx/openssl.cnf nginx -t -q -c "$work/nginx/nginx.conf" -p "$work/nginx/"
  OPENSSL_CONF=$work/nginx/openssl.cnf nginx -c "$work/nginx/nginx.conf" -p "$work/nginx/" -g 'daemon off;' \
    > "$work/nginx/stdout" 2>&1 &
  SERVER_PIDS+=($!)
  if [ -s "$work/legacy.json" ] && [ "$(cat "$work/legacy.json")" != "[]" ]; then
    "$py" "$(dirname "${BASH_SOURCE[0]}")/legacy_server.py" "$work/legacy.json" > "$work/legacy.log" 2>&1 &
    SERVER_PIDS+=($!)
  fi
  python3 - "$work/addresses.txt" <<'PY'
import socket, sys, time
addrs = [l.split()[:2] for l in open(sys.argv[1]) if l.strip()]
deadline = time.time() + 60
for ip, port in addrs:
    while True:
        try:
            socket.create_connection((ip, int(port)), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline:
                sys.exit(f"nothing listens on {ip}:{port}")
            time.sleep(0.1)
PY
  echo "servers (pids ${SERVER_PIDS[*]}) listen on $(wc -l < "$work/addresses.txt") endpoints" >&2
}
