#!/usr/bin/env python3
"""A real SMTP server with STARTTLS on loopback for bench/ssh-mail/run.sh: aiosmtpd (PyPI), every
message accepted and discarded (the benchmark's tools never send one: both stop at the upgrade).

  smtp_server.py HOST PORT CERT_CHAIN KEY

TLS is Python's server defaults (TLS 1.2 and 1.3, OpenSSL's security level 2 suites): the modern
configuration, next to dovecot's deliberately old one.
"""

import asyncio
import ssl
import sys

from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP


async def main(host, port, chain, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    loop = asyncio.get_running_loop()
    # require_starttls=False: EHLO and QUIT before the upgrade are what a STARTTLS probe sends.
    server = await loop.create_server(
        lambda: SMTP(Sink(), hostname="mail.bench.test", tls_context=ctx, require_starttls=False),
        host, port)
    print("listening", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]))
