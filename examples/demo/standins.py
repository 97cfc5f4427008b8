#!/usr/bin/env python3
"""Stand-in network services for recording examples/demo/scan.xml and
examples/demo/evidence.json.

Binds small fake services on loopback addresses (127.77.0.0/16 only) that
answer the way the real products do, so that `nmap -sV` identifies them and
`tuanthu collect` measures them. Nothing here is a working service: each one
sends the greeting/banner, headers or reply the real software would send,
then closes.

Usage (normally called by record-scan.sh or record-evidence.sh):

    standins.py --ready FILE [--cert CERT --key KEY] [--cert-dir DIR]
                ADDR:PORT:KIND[:TLS-PROFILE[:CERT-NAME]] ...

TLS kinds use TLS-PROFILE (default `python`) and the certificate CERT-NAME
(DIR/CERT-NAME.pem with DIR/CERT-NAME.key; default --cert/--key).

KIND is one of:
    http-nginx     HTTP, "Server: nginx/1.18.0"
    https-nginx    the same over TLS (needs --cert/--key)
    http-nginx-quiet, https-nginx-quiet
                   the same with server_tokens off ("Server: nginx")
    http-python    a forgotten developer server, "Server: SimpleHTTP/0.6 Python/3.8.10"
    ssh            "SSH-2.0-OpenSSH_7.4" banner
    telnet         Linux netkit telnetd option negotiation
    ftp            vsftpd 2.3.4 banner and minimal command replies
    vnc            RFB 003.008 handshake
    redis          Redis 5.0.7 (answers INFO, PING; errors otherwise)
    mysql          MySQL 5.7.33 initial handshake packet

  web sites of the evidence recording (record-evidence.sh):
    https-portal   a hardened front end over TLS: "Server: nginx", HSTS (one
                   year), strict CSP with frame-ancestors, nosniff,
                   X-Frame-Options, Referrer-Policy, session cookie
                   Secure; HttpOnly; SameSite=Lax
    https-nginx-app  an application behind a stock nginx/1.18.0: version in
                   Server, nosniff and X-Frame-Options but no CSP and no
                   HSTS, session cookie Secure; HttpOnly
    http-redirect-quiet, http-redirect-nginx
                   plain HTTP answering every request with a 301 to the same
                   path on https:// ("Server: nginx" / "nginx/1.18.0")
    https-apache-php, http-apache-php
                   a PHP application on a stock Apache (Ubuntu 20.04):
                   "Apache/2.4.41 (Ubuntu)", "X-Powered-By: PHP/7.4.3",
                   PHPSESSID cookie without Secure/HttpOnly, no security
                   headers; the http:// kind serves the page, no redirect
    imaps-dovecot  IMAP over TLS (port 993): Dovecot greeting, LOGOUT
    submission-postfix
                   SMTP submission (port 587) with STARTTLS (RFC 3207), as a
                   stock Postfix answers: greeting, EHLO listing STARTTLS,
                   "220 2.0.0 Ready to start TLS", then the TLS handshake,
                   EHLO again (AUTH offered only under TLS), QUIT

TLS-PROFILE is one of:
    python         Python's defaults (TLS 1.2-1.3)
    modern         TLS 1.2-1.3, ECDHE with AES-GCM/ChaCha20 only (Mozilla
                   "intermediate" without DHE)
    nginx-1.18     nginx 1.18's defaults when the hardened snippet is
                   missing: ssl_protocols TLSv1 TLSv1.1 TLSv1.2, ssl_ciphers
                   HIGH:!aNULL:!MD5 (no ssl_dhparam, so no DHE)
    legacy         an old "SSLProtocol all -SSLv3" setup: TLS 1.0-1.3,
                   HIGH:!aNULL (no DHE)
TLS 1.0/1.1 need OpenSSL security level 0 on OpenSSL 3, which these
profiles set; they exist to be found, on loopback only.

When every listener is bound the script writes its pid to FILE; it runs until
it receives SIGTERM/SIGINT.
"""

import argparse
import http.server
import ipaddress
import os
import re
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import warnings

ALLOWED_NET = ipaddress.ip_network("127.77.0.0/16")
CONN_TIMEOUT = 20  # seconds a stand-in waits for the client before closing


# --------------------------------------------------------------------- HTTP

PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>Trang mô phỏng phục vụ bản demo tuanthu.</p></body></html>
"""


class NginxHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_banner = "nginx/1.18.0"
    title = "Bình An (demo)"

    def version_string(self):
        return self.server_banner

    def log_message(self, fmt, *args):  # keep the recording quiet
        pass

    def _reply(self, body_wanted):
        body = PAGE.format(title=self.title).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body_wanted:
            self.wfile.write(body)
        self.close_connection = True

    def do_GET(self):
        self._reply(True)

    def do_HEAD(self):
        self._reply(False)

    def do_OPTIONS(self):
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True


class QuietNginxHandler(NginxHandler):
    server_banner = "nginx"  # server_tokens off


class PythonDevHandler(NginxHandler):
    # what `python3 -m http.server` on an Ubuntu 20.04 box says about itself
    protocol_version = "HTTP/1.0"
    server_banner = "SimpleHTTP/0.6 Python/3.8.10"
    title = "Directory listing for /"


class SiteHandler(NginxHandler):
    """A page with the headers (and cookie) of a configured site."""

    site_headers = ()  # (name, value) pairs sent with every page (self.headers is the request's)

    def _reply(self, body_wanted):
        body = PAGE.format(title=self.title).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in self.site_headers:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if body_wanted:
            self.wfile.write(body)
        self.close_connection = True


class PortalHandler(SiteHandler):
    server_banner = "nginx"  # server_tokens off
    title = "Cổng dịch vụ công tỉnh Bình An (demo)"
    site_headers = (
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
        ("Content-Security-Policy",
         "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
         "form-action 'self'; frame-ancestors 'self'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Set-Cookie", "DVCSESSID=3f9c2a7e5b1d4c08; Path=/; Secure; HttpOnly; SameSite=Lax"),
    )


class NginxAppHandler(SiteHandler):
    title = "Quản lý văn bản và điều hành (demo)"
    site_headers = (
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("Set-Cookie", "JSESSIONID=8C1F0E6A2D4B7390; Path=/; Secure; HttpOnly"),
    )


class ApachePHPHandler(SiteHandler):
    server_banner = "Apache/2.4.41 (Ubuntu)"
    title = "Phản ánh, kiến nghị (demo)"
    site_headers = (
        ("X-Powered-By", "PHP/7.4.3"),
        ("Set-Cookie", "PHPSESSID=k2v8q1m4n7r0t3w6y9z2c5f8h1; path=/"),
    )


class RedirectHandler(NginxHandler):
    """301 to the same host and path over https://, as `return 301 https://$host$request_uri;`."""

    server_banner = "nginx"

    def _reply(self, body_wanted):
        host = (self.headers.get("Host") or self.server.server_name).rsplit(":", 1)[0]
        body = (
            "<html>\r\n<head><title>301 Moved Permanently</title></head>\r\n<body>\r\n"
            "<center><h1>301 Moved Permanently</h1></center>\r\n"
            f"<hr><center>{self.server_banner}</center>\r\n</body>\r\n</html>\r\n"
        ).encode()
        self.send_response(301)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Location", f"https://{host}{self.path}")
        self.send_header("Connection", "close")
        self.end_headers()
        if body_wanted:
            self.wfile.write(body)
        self.close_connection = True


class NginxRedirectHandler(RedirectHandler):
    server_banner = "nginx/1.18.0"


class HTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    tls_context = None

    def server_bind(self):
        # http.server.HTTPServer.server_bind calls getfqdn(): avoid name lookups
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        request.settimeout(CONN_TIMEOUT)
        if self.tls_context is not None:
            # handshake in the connection's own thread, not in accept()
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        pass


# --------------------------------------------------------- banner services

class BannerHandler(socketserver.BaseRequestHandler):
    """Send a greeting, then answer lines via reply(); close on EOF/timeout."""

    greeting = b""

    def reply(self, data):
        return None  # None = keep reading, b"" = close, bytes = send and keep reading

    def handle(self):
        sock = self.request
        sock.settimeout(CONN_TIMEOUT)
        try:
            if self.greeting:
                sock.sendall(self.greeting)
            while True:
                data = sock.recv(4096)
                if not data:
                    return
                out = self.reply(data)
                if out is None:
                    continue
                if out == b"":
                    return
                sock.sendall(out)
        except OSError:
            return


class SSHHandler(BannerHandler):
    greeting = b"SSH-2.0-OpenSSH_7.4\r\n"

    def reply(self, data):
        # a real sshd would now send KEXINIT; a stand-in just hangs up on
        # anything that is not an SSH identification string
        return None if data.startswith(b"SSH-") else b""


class TelnetHandler(BannerHandler):
    # netkit telnetd: DO TERMINAL-TYPE, DO TERMINAL-SPEED, DO X-DISPLAY-LOCATION,
    # DO NEW-ENVIRON
    greeting = b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27"


class FTPHandler(BannerHandler):
    greeting = b"220 (vsFTPd 2.3.4)\r\n"

    def reply(self, data):
        cmd = data.strip().split(b" ", 1)[0].upper()
        if cmd == b"USER":
            return b"331 Please specify the password.\r\n"
        if cmd == b"PASS":
            return b"530 Login incorrect.\r\n"
        if cmd == b"QUIT":
            return b"221 Goodbye.\r\n"
        if cmd in (b"HELP", b"SYST", b"FEAT"):
            return b"530 Please login with USER and PASS.\r\n"
        return b"500 Unknown command.\r\n"


class VNCHandler(BannerHandler):
    greeting = b"RFB 003.008\n"

    def reply(self, data):
        return b""  # any client version: a real server would offer security types


def resp_bulk(text):
    raw = text.encode()
    return b"$%d\r\n%s\r\n" % (len(raw), raw)


REDIS_INFO = (
    "# Server\r\n"
    "redis_version:5.0.7\r\n"
    "redis_git_sha1:00000000\r\n"
    "redis_git_dirty:0\r\n"
    "redis_build_id:66bd629f924ac924\r\n"
    "redis_mode:standalone\r\n"
    "os:Linux 5.4.0-150-generic x86_64\r\n"
    "arch_bits:64\r\n"
    "multiplexing_api:epoll\r\n"
    "atomicvar_api:atomic-builtin\r\n"
    "gcc_version:9.3.0\r\n"
    "process_id:812\r\n"
    "run_id:4c0a6ad1b1e0d3e2c0e5a9f1c6b7d8e9f0a1b2c3\r\n"
    "tcp_port:6379\r\n"
    "uptime_in_seconds:2592000\r\n"
    "uptime_in_days:30\r\n"
    "hz:10\r\n"
    "configured_hz:10\r\n"
    "lru_clock:1234567\r\n"
    "executable:/usr/bin/redis-server\r\n"
    "config_file:/etc/redis/redis.conf\r\n"
    "\r\n"
    "# Clients\r\n"
    "connected_clients:3\r\n"
)


class RedisHandler(BannerHandler):
    def reply(self, data):
        words = parse_redis_command(data)
        if not words:
            return None
        cmd = words[0].lower()
        if cmd == b"info":
            return resp_bulk(REDIS_INFO)
        if cmd == b"ping":
            return b"+PONG\r\n"
        if cmd in (b"post", b"host:"):
            return b""  # redis >= 3.2.7 drops cross-protocol (HTTP) requests
        if cmd == b"get" and len(words) != 2:
            return b"-ERR wrong number of arguments for 'get' command\r\n"
        return b"-ERR unknown command `%s`, with args beginning with: \r\n" % words[0][:32]


def parse_redis_command(data):
    """Words of a RESP array command or of an inline command."""
    if data.startswith(b"*"):
        lines = data.split(b"\r\n")
        return [lines[i] for i in range(2, len(lines), 2) if lines[i - 1].startswith(b"$")]
    return data.split(b"\r\n", 1)[0].split()


def mysql_greeting():
    version = b"5.7.33-0ubuntu0.18.04.1"
    salt1, salt2 = b"\x2f\x51\x1b\x3c\x65\x0e\x4a\x16", b"\x6f\x1d\x3e\x2b\x77\x0c\x52\x39\x68\x5d\x12\x4a"
    caps = 0x81FFF7FF  # what a stock 5.7 sends when SSL is not configured
    payload = (
        b"\x0a" + version + b"\x00"
        + struct.pack("<I", 4)                 # connection id
        + salt1 + b"\x00"
        + struct.pack("<H", caps & 0xFFFF)
        + b"\x08"                              # latin1_swedish_ci
        + struct.pack("<H", 0x0002)            # SERVER_STATUS_AUTOCOMMIT
        + struct.pack("<H", caps >> 16)
        + bytes([len(salt1) + len(salt2) + 1])
        + b"\x00" * 10
        + salt2 + b"\x00"
        + b"mysql_native_password\x00"
    )
    return struct.pack("<I", len(payload))[:3] + b"\x00" + payload


class MySQLHandler(BannerHandler):
    greeting = mysql_greeting()

    def reply(self, data):
        # ERR 1043 Bad handshake, sequence 2, then close
        msg = b"\xff\x13\x04#08S01Bad handshake"
        return struct.pack("<I", len(msg))[:3] + b"\x02" + msg


class IMAPSHandler(BannerHandler):
    # Dovecot 2.3 on Ubuntu, implicit TLS (port 993)
    greeting = (
        b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ "
        b"AUTH=PLAIN AUTH=LOGIN] Dovecot (Ubuntu) ready.\r\n"
    )

    def reply(self, data):
        tag, _, rest = data.strip().partition(b" ")
        cmd = rest.split(b" ", 1)[0].upper()
        if cmd == b"LOGOUT":
            return b"* BYE Logging out\r\n" + tag + b" OK Logout completed.\r\n"
        if cmd == b"CAPABILITY":
            return (b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ "
                    b"AUTH=PLAIN AUTH=LOGIN\r\n" + tag + b" OK Pre-login capabilities listed, post-login capabilities have more.\r\n")
        return tag + b" BAD Error in IMAP command received by server.\r\n"


class SubmissionHandler(BannerHandler):
    """Postfix on Ubuntu, submission port: plaintext until STARTTLS, then TLS on the same socket."""

    name = b"mail.binhan.gov.vn.example"
    greeting = b"220 " + name + b" ESMTP Postfix (Ubuntu)\r\n"
    plain_ehlo = (b"250-" + name + b"\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
                  b"250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n"
                  b"250 CHUNKING\r\n")
    tls_ehlo = (b"250-" + name + b"\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
                b"250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n"
                b"250 CHUNKING\r\n")

    def handle(self):
        sock = self.request
        sock.settimeout(CONN_TIMEOUT)
        under_tls = False
        try:
            sock.sendall(self.greeting)
            while True:
                data = sock.recv(4096)
                if not data:
                    return
                cmd = data.strip().split(b" ", 1)[0].upper()
                if cmd in (b"EHLO", b"HELO"):
                    sock.sendall(self.tls_ehlo if under_tls else self.plain_ehlo)
                elif cmd == b"STARTTLS" and not under_tls:
                    sock.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                    try:
                        sock = self.server.tls_context.wrap_socket(sock, server_side=True)
                    except (ssl.SSLError, OSError):
                        return  # a probe's refused handshake: Postfix drops the connection too
                    under_tls = True
                elif cmd == b"QUIT":
                    sock.sendall(b"221 2.0.0 Bye\r\n")
                    return
                elif cmd in (b"NOOP", b"RSET"):
                    sock.sendall(b"250 2.0.0 Ok\r\n")
                else:
                    sock.sendall(b"530 5.7.0 Must issue a STARTTLS command first\r\n" if not under_tls
                                 else b"502 5.5.2 Error: command not recognized\r\n")
        except OSError:
            return


class TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    tls_context = None

    def finish_request(self, request, client_address):
        if self.tls_context is not None:
            request.settimeout(CONN_TIMEOUT)
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        pass


class StartTLSServer(TCPServer):
    """TLS negotiated by the handler itself (STARTTLS), so the accept path does not wrap."""

    def finish_request(self, request, client_address):
        self.RequestHandlerClass(request, client_address, self)


KINDS = {
    "http-nginx": (HTTPServer, NginxHandler, False),
    "https-nginx": (HTTPServer, NginxHandler, True),
    "http-nginx-quiet": (HTTPServer, QuietNginxHandler, False),
    "https-nginx-quiet": (HTTPServer, QuietNginxHandler, True),
    "http-python": (HTTPServer, PythonDevHandler, False),
    "ssh": (TCPServer, SSHHandler, False),
    "telnet": (TCPServer, TelnetHandler, False),
    "ftp": (TCPServer, FTPHandler, False),
    "vnc": (TCPServer, VNCHandler, False),
    "redis": (TCPServer, RedisHandler, False),
    "mysql": (TCPServer, MySQLHandler, False),
    "https-portal": (HTTPServer, PortalHandler, True),
    "https-nginx-app": (HTTPServer, NginxAppHandler, True),
    "http-redirect-quiet": (HTTPServer, RedirectHandler, False),
    "http-redirect-nginx": (HTTPServer, NginxRedirectHandler, False),
    "https-apache-php": (HTTPServer, ApachePHPHandler, True),
    "http-apache-php": (HTTPServer, ApachePHPHandler, False),
    "imaps-dovecot": (TCPServer, IMAPSHandler, True),
    "submission-postfix": (StartTLSServer, SubmissionHandler, True),
}

# name -> (minimum version, maximum version, OpenSSL cipher string for TLS <= 1.2); None = Python's defaults
TLS_PROFILES = {
    "python": None,
    "modern": ("TLSv1_2", "TLSv1_3", "ECDHE+AESGCM:ECDHE+CHACHA20"),
    "nginx-1.18": ("TLSv1", "TLSv1_2", "HIGH:!aNULL:!MD5:!kDHE:@SECLEVEL=0"),
    "legacy": ("TLSv1", "TLSv1_3", "HIGH:!aNULL:!kDHE:@SECLEVEL=0"),
}


def tls_context(profile, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    spec = TLS_PROFILES[profile]
    if spec is not None:
        low, high, ciphers = spec
        with warnings.catch_warnings():  # TLSVersion.TLSv1 is deprecated: that is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.set_ciphers(ciphers)  # before the versions: the security level gates TLS < 1.2
            ctx.minimum_version = getattr(ssl.TLSVersion, low)
            ctx.maximum_version = getattr(ssl.TLSVersion, high)
    return ctx


def parse_spec(spec):
    try:
        addr, port, kind, *rest = spec.split(":")
        port = int(port)
        if len(rest) > 2:
            raise ValueError
    except ValueError:
        raise SystemExit(f"standins: bad listener spec {spec!r} (want ADDR:PORT:KIND[:TLS-PROFILE[:CERT-NAME]])")
    profile = rest[0] if rest else "python"
    cert = rest[1] if len(rest) > 1 else None
    if ipaddress.ip_address(addr) not in ALLOWED_NET:
        raise SystemExit(f"standins: refusing to bind {addr}: only {ALLOWED_NET} (loopback) is allowed")
    if kind not in KINDS:
        raise SystemExit(f"standins: unknown kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    if profile not in TLS_PROFILES:
        raise SystemExit(f"standins: unknown TLS profile {profile!r}; known: {', '.join(sorted(TLS_PROFILES))}")
    if rest and not KINDS[kind][2]:
        raise SystemExit(f"standins: {spec!r}: {kind} does not use TLS")
    if cert is not None and not re.fullmatch(r"[A-Za-z0-9_-]+", cert):
        raise SystemExit(f"standins: bad certificate name {cert!r}")
    return addr, port, kind, profile, cert


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ready", required=True, help="file to write the pid to once every listener is bound")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--cert-dir", help="where CERT-NAME.pem (certificate, then chain) and CERT-NAME.key are")
    ap.add_argument("listeners", nargs="+", metavar="ADDR:PORT:KIND[:TLS-PROFILE[:CERT-NAME]]")
    args = ap.parse_args()

    contexts = {}

    def context_for(profile, cert):
        if cert is None:
            if not (args.cert and args.key):
                raise SystemExit("standins: TLS listeners without a CERT-NAME need --cert and --key")
            files = (args.cert, args.key)
        else:
            if not args.cert_dir:
                raise SystemExit("standins: CERT-NAME needs --cert-dir")
            files = (os.path.join(args.cert_dir, cert + ".pem"), os.path.join(args.cert_dir, cert + ".key"))
        if (profile, files) not in contexts:
            try:
                contexts[(profile, files)] = tls_context(profile, *files)
            except (OSError, ssl.SSLError) as e:
                raise SystemExit(f"standins: cannot set up TLS profile {profile} with {files[0]}: {e}")
        return contexts[(profile, files)]

    specs = [parse_spec(s) for s in args.listeners]
    tls = {i: context_for(p, c) for i, (_, _, k, p, c) in enumerate(specs) if KINDS[k][2]}

    servers = []
    for i, (addr, port, kind, _, _) in enumerate(specs):
        server_cls, handler, use_tls = KINDS[kind]
        try:
            srv = server_cls((addr, port), handler)
        except OSError as e:
            for s in servers:
                s.server_close()
            raise SystemExit(f"standins: cannot bind {addr}:{port} ({kind}): {e}")
        if use_tls:
            srv.tls_context = tls[i]
        servers.append(srv)

    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())

    with open(args.ready, "w") as f:
        f.write(f"{os.getpid()}\n")
    print(f"standins: {len(servers)} listeners up", file=sys.stderr)

    stop.wait()
    for srv in servers:
        srv.shutdown()
        srv.server_close()


if __name__ == "__main__":
    main()
