#!/usr/bin/env python3
"""TLS endpoints that OpenSSL 3 can no longer serve (SSLv3, RC4, 3DES), for the TLS peer benchmark,
with tlslite-ng (pure Python; needs `pip install tlslite-ng==0.8.2`).

  legacy_server.py CONFIG.json

CONFIG: [{"ip": ..., "port": ..., "chain": PEM, "key": PEM, "min": "ssl3", "max": "tls1.2",
          "ciphers": [tlslite cipher names], "macs": [...], "kx": [...]}]
Each endpoint is a threading TCP server; after the handshake it answers one HTTP request with 200.
Runs until killed.
"""

import json
import socketserver
import sys
import threading

from tlslite.api import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey

VERSIONS = {"ssl3": (3, 0), "tls1.0": (3, 1), "tls1.1": (3, 2), "tls1.2": (3, 3)}


def make_handler(chain, key, settings):
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.settimeout(10)
            conn = TLSConnection(self.request)
            try:
                conn.handshakeServer(certChain=chain, privateKey=key, settings=settings)
                conn.read(max=4096)
                conn.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
                conn.close()
            except Exception:  # scanners break handshakes on purpose
                pass
    return Handler


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128


def main():
    servers = []
    for ep in json.load(open(sys.argv[1])):
        chain = X509CertChain()
        chain.parsePemList(open(ep["chain"]).read())
        key = parsePEMKey(open(ep["key"]).read(), private=True)
        s = HandshakeSettings()
        s.minVersion = VERSIONS[ep["min"]]
        s.maxVersion = VERSIONS[ep["max"]]
        s.cipherNames = ep["ciphers"]
        s.macNames = ep.get("macs", ["sha256", "sha", "md5"])
        s.keyExchangeNames = ep.get("kx", ["rsa", "ecdhe_rsa"])
        s.minKeySize = 1024
        srv = Server((ep["ip"], ep["port"]), make_handler(chain, key, s))
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(f"tlslite-ng serves {len(servers)} endpoints", file=sys.stderr, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
