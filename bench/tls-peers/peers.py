#!/usr/bin/env python3
"""Helper of bench/tls-peers/run.sh: the endpoint matrix, nginx and tuanthu configuration, and the
verdict comparison of tuanthu, sslyze and testssl.sh.

  peers.py setup WORK            endpoint matrix (64 endpoints) -> nginx.conf, inventory, target lists
  peers.py setup1000 WORK        1 000 endpoints for the memory run
  peers.py check WORK EVIDENCE   one tuanthu evidence file against the configured truth
  peers.py times WORK            WORK/times.jsonl -> WORK/times.json (median per tool)
  peers.py compare WORK          verdicts per endpoint and tool, agreement table, timing table

Only the standard library: it runs with any python3.
"""

import json
import os
import re
import sys
from datetime import datetime, timezone

# ---------------------------------------------------------------------------------------------
# The workload

# name -> (nginx ssl_protocols, ssl_ciphers (OpenSSL syntax, before @SECLEVEL=0), dhparam or None)
PROFILES = {
    "modern":  ("TLSv1.2 TLSv1.3", "ECDHE+AESGCM:ECDHE+CHACHA20", None),
    "tls12":   ("TLSv1.2", "DEFAULT", None),
    "tls13":   ("TLSv1.3", "DEFAULT", None),
    "tls10":   ("TLSv1", "DEFAULT", None),
    "tls11":   ("TLSv1.1", "DEFAULT", None),
    "allver":  ("TLSv1 TLSv1.1 TLSv1.2 TLSv1.3", "DEFAULT", None),
    "null":    ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256:NULL-SHA256:NULL-SHA:NULL-MD5:ECDHE-RSA-NULL-SHA", None),
    "anon":    ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256:ADH-AES128-GCM-SHA256:ADH-AES256-SHA:AECDH-AES128-SHA",
                "dh2048"),
    "dhe1024": ("TLSv1.2", "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305", "dh1024"),
    "dhe2048": ("TLSv1.2 TLSv1.3", "ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256", "dh2048"),
    "cbc":     ("TLSv1 TLSv1.1 TLSv1.2", "AES128-SHA:AES256-SHA:ECDHE-RSA-AES128-SHA:CAMELLIA128-SHA", None),
    "rsakx":   ("TLSv1.2", "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256", None),
    "legacy":  ("TLSv1 TLSv1.1 TLSv1.2", "ALL:COMPLEMENTOFALL:!PSK:!SRP", "dh1024"),
    "ecdsa":   ("TLSv1.2 TLSv1.3", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-CHACHA20-POLY1305",
                None),
}
# What OpenSSL 3 cannot serve any more (SSLv3, RC4, 3DES), served by tlslite-ng (legacy_server.py):
# name -> (lowest version, highest version, tlslite cipher names, MAC names, key exchanges).
LEGACY = {
    "ssl3_rc4":  ("ssl3", "tls1.2", ["rc4", "3des", "aes128"], ["sha", "md5"], ["rsa", "ecdhe_rsa"]),
    "tls_3des":  ("tls1.0", "tls1.2", ["3des", "aes128gcm"], ["sha", "aead"], ["rsa", "ecdhe_rsa"]),
    "tls12_rc4": ("tls1.2", "tls1.2", ["rc4", "aes128gcm"], ["sha", "aead"], ["rsa", "ecdhe_rsa"]),
    "ssl3_only": ("ssl3", "ssl3", ["aes128", "3des"], ["sha"], ["rsa"]),
}
LEGACY_ENDPOINTS = [("ssl3_rc4", "valid"), ("tls_3des", "expired"), ("tls12_rc4", "wronghost"),
                    ("ssl3_only", "selfsigned")]
RSA_PROFILES = [p for p in PROFILES if p != "ecdsa"]  # 13
CERT_KINDS = ["valid", "expired", "expiring", "selfsigned", "wronghost", "rsa1024", "sha1", "untrusted"]  # 8


def matrix():
    """64 endpoints: 56 RSA ones cycling through 13 profiles and 8 certificate kinds (13 and 8 are
    coprime, so every pair is distinct), server preference on for rounds 0 and 2, off for 1 and 3;
    then 4 ECDSA ones on nginx; then 4 legacy ones on tlslite-ng."""
    eps = []
    for i in range(56):
        eps.append({"profile": RSA_PROFILES[i % 13], "cert": CERT_KINDS[i % 8], "prefer": (i // 13) % 2 == 0})
    eps.append({"profile": "ecdsa", "cert": "ecdsa", "prefer": True})
    eps.append({"profile": "ecdsa", "cert": "ecdsa", "prefer": False})
    eps.append({"profile": "tls13", "cert": "ecdsa", "prefer": True})
    eps.append({"profile": "modern", "cert": "valid", "prefer": False})
    for prof, cert in LEGACY_ENDPOINTS:
        eps.append({"profile": prof, "cert": cert, "prefer": True, "server": "tlslite"})
    for n, e in enumerate(eps, 1):
        e.setdefault("server", "nginx")
        e["n"] = n
        e["name"] = f"e{n:02d}.bench.test"
        e["ip"] = f"127.88.0.{n}"
        e["port"] = 443
    return eps


# The 1 000-endpoint memory run: a few configurations repeated, 127.89.X.Y.
MEM_PROFILES = [("modern", "valid"), ("tls12", "expired"), ("allver", "selfsigned"), ("cbc", "wronghost"),
                ("tls13", "valid"), ("legacy", "valid"), ("dhe2048", "untrusted"), ("null", "rsa1024")]


# What each configuration should show (the harness's ground truth, from the configuration alone).
PROFILE_WEAK = {
    "modern": [], "tls12": [], "tls13": [], "tls10": ["CBC_TLS1.0"], "tls11": [], "allver": ["CBC_TLS1.0"],
    "null": ["NULL", "MD5"], "anon": ["ANON"], "dhe1024": ["DH_WEAK"], "dhe2048": [], "cbc": ["CBC_TLS1.0"],
    "rsakx": [], "legacy": ["NULL", "ANON", "MD5", "CBC_TLS1.0", "DH_WEAK"], "ecdsa": [],
    "ssl3_rc4": ["RC4", "3DES", "MD5", "CBC_TLS1.0"], "tls_3des": ["3DES", "CBC_TLS1.0"], "tls12_rc4": ["RC4"],
    "ssl3_only": ["3DES", "CBC_TLS1.0"],
}
NGINX_VERSION = {"TLSv1": "tls1.0", "TLSv1.1": "tls1.1", "TLSv1.2": "tls1.2", "TLSv1.3": "tls1.3"}


def expected(e):
    v = empty()
    if e["profile"] in LEGACY:
        lo, hi = LEGACY[e["profile"]][:2]
        order = ["ssl3", "tls1.0", "tls1.1", "tls1.2"]
        on = set(order[order.index(lo):order.index(hi) + 1])
    else:
        on = {NGINX_VERSION[p] for p in PROFILES[e["profile"]][0].split()}
    for ver in VERSIONS:
        v[f"proto:{ver}"] = ver in on
    for w in WEAK:
        v[f"weak:{w}"] = w in PROFILE_WEAK[e["profile"]]
    k = e["cert"]
    v["cert:expired"] = k == "expired"
    v["cert:expiring_30d"] = k == "expiring"
    # Chain trust as strict path validators (webpki, cryptography) judge it: an expired, self-signed,
    # unknown-issuer or SHA-1-signed chain is not trusted. The leaf's own key size is not a path
    # validation matter (the intermediate signs the 1024-bit leaf with RSA-2048/SHA-256): it is the
    # weak_key verdict. The host name is its own verdict too.
    v["cert:chain_trusted"] = k in ("valid", "expiring", "ecdsa", "wronghost", "rsa1024")
    v["cert:hostname_match"] = k != "wronghost"
    v["cert:weak_key"] = k == "rsa1024"
    v["cert:sha1_signature"] = k == "sha1"
    return v


def matrix1000():
    eps = []
    for n in range(1000):
        prof, cert = MEM_PROFILES[n % len(MEM_PROFILES)]
        eps.append({"n": n + 1, "profile": prof, "cert": cert, "prefer": n % 2 == 0,
                    "name": f"m{n + 1:04d}.bench.test", "ip": f"127.89.{n // 250}.{n % 250 + 1}", "port": 443,
                    "server": "nginx"})
    return eps


def nginx_conf(work, eps, workers="2"):
    certs = os.path.join(work, "certs")
    out = [f"""# generated by bench/tls-peers/peers.py
worker_processes {workers};
worker_rlimit_nofile 16384;
error_log {work}/nginx/error.log warn;
pid {work}/nginx/nginx.pid;
events {{ worker_connections 16384; }}
http {{
  access_log off;
  server_tokens off;
  client_body_temp_path {work}/nginx/tmp;
  proxy_temp_path {work}/nginx/tmp;
  fastcgi_temp_path {work}/nginx/tmp;
  uwsgi_temp_path {work}/nginx/tmp;
  scgi_temp_path {work}/nginx/tmp;
"""]
    for e in eps:
        if e.get("server") != "nginx":
            continue
        protos, ciphers, dh = PROFILES[e["profile"]]
        lines = [
            f"  server {{  # {e['name']}: {e['profile']} / {e['cert']} / prefer {'on' if e['prefer'] else 'off'}",
            f"    listen {e['ip']}:{e['port']} ssl;",
            f"    server_name {e['name']};",
            f"    ssl_certificate {certs}/{e['cert']}.chain.pem;",
            f"    ssl_certificate_key {certs}/{e['cert']}.key;",
            f"    ssl_protocols {protos};",
            f"    ssl_ciphers '{ciphers}:@SECLEVEL=0';",
            f"    ssl_prefer_server_ciphers {'on' if e['prefer'] else 'off'};",
        ]
        if dh:
            lines.append(f"    ssl_dhparam {certs}/{dh}.pem;")
        lines.append("    location / { return 200 \"ok\\n\"; }")
        lines.append("  }")
        out.append("\n".join(lines) + "\n")
    out.append("}\n")
    return "".join(out)


OPENSSL_CNF = """# nginx's OpenSSL defaults for the benchmark: security level 0, so that 1024-bit keys, SHA-1
# certificates and TLS 1.0/1.1 load at all (each server block then sets its own suites).
openssl_conf = init
[init]
ssl_conf = ssl
[ssl]
system_default = sysdef
[sysdef]
CipherString = DEFAULT:@SECLEVEL=0
"""


def inventory(eps, agency):
    lines = ["schema: tuanthu/inventory/v1",
             f"agency: {{id: {agency}, name: TLS peer benchmark}}",
             "systems:"]
    # One system per 10 endpoints.
    for s in range(0, len(eps), 10):
        lines += [f"  - id: sys-{s // 10 + 1:03d}",
                  f"    name: Benchmark system {s // 10 + 1}",
                  "    level: 3",
                  "    approval: {status: approved, decision: \"1/QĐ\", date: 2026-01-01}",
                  "    assets:",
                  "      tls:"]
        for e in eps[s:s + 10]:
            lines.append(f"        - {{target: \"{e['name']}:{e['port']}\", address: {e['ip']}}}")
    return "\n".join(lines) + "\n"


def setup(work, eps, agency):
    os.makedirs(os.path.join(work, "nginx", "tmp"), exist_ok=True)
    with open(os.path.join(work, "endpoints.json"), "w") as f:
        json.dump(eps, f, indent=1)
    with open(os.path.join(work, "nginx", "nginx.conf"), "w") as f:
        f.write(nginx_conf(work, eps))
    with open(os.path.join(work, "nginx", "openssl.cnf"), "w") as f:
        f.write(OPENSSL_CNF)
    legacy = []
    for e in eps:
        if e.get("server") == "tlslite":
            lo, hi, ciphers, macs, kx = LEGACY[e["profile"]]
            legacy.append({"ip": e["ip"], "port": e["port"], "chain": f"{work}/certs/{e['cert']}.chain.pem",
                           "key": f"{work}/certs/{e['cert']}.key", "min": lo, "max": hi, "ciphers": ciphers,
                           "macs": macs, "kx": kx})
    with open(os.path.join(work, "legacy.json"), "w") as f:
        json.dump(legacy, f, indent=1)
    with open(os.path.join(work, "inventory.yaml"), "w") as f:
        f.write(inventory(eps, agency))
    # One inventory per endpoint, for one-target runs.
    os.makedirs(os.path.join(work, "inventory-single"), exist_ok=True)
    for e in (eps if len(eps) <= 100 else []):
        with open(os.path.join(work, "inventory-single", f"{e['name']}.yaml"), "w") as f:
            f.write(inventory([e], agency))
    with open(os.path.join(work, "sslyze-targets.txt"), "w") as f:
        f.write("".join(f"{e['name']}:{e['port']}{{{e['ip']}}}\n" for e in eps))
    with open(os.path.join(work, "addresses.txt"), "w") as f:
        f.write("".join(f"{e['ip']} {e['port']} {e['name']}\n" for e in eps))


# ---------------------------------------------------------------------------------------------
# Verdicts. Every tool's output is reduced to the same booleans, computed the same way from what
# the tool says the server accepted (so "weak" means one thing here, whatever each tool calls weak).

VERSIONS = ["ssl2", "ssl3", "tls1.0", "tls1.1", "tls1.2", "tls1.3"]
WEAK = ["NULL", "ANON", "EXPORT", "RC4", "3DES", "DES", "MD5", "CBC_TLS1.0", "DH_WEAK"]
CERT = ["expired", "expiring_30d", "chain_trusted", "hostname_match", "weak_key", "sha1_signature"]
VERDICTS = [f"proto:{v}" for v in VERSIONS] + [f"weak:{w}" for w in WEAK] + [f"cert:{c}" for c in CERT]


def suite_classes(name, version):
    """Weak classes of an accepted suite, from its IANA (or SSLv2) name. `version` is the key of
    VERSIONS. Matches tuanthu's definitions (src/collect/tls/suites.rs)."""
    n = name.upper()
    out = set()
    if "_WITH_NULL_" in n or n.endswith("_NULL_SHA") or "NULL_SHA256" in n or "NULL_SHA384" in n \
            or n == "TLS_NULL_WITH_NULL_NULL" or n in ("TLS_SHA256_SHA256", "TLS_SHA384_SHA384"):
        out.add("NULL")
    if "_ANON_" in n:
        out.add("ANON")
    if "EXPORT" in n:
        out.add("EXPORT")
    if "RC4" in n:
        out.add("RC4")
    if "3DES" in n or "DES_192_EDE3" in n:
        out.add("3DES")
    elif re.search(r"_DES(40|_40|_64)?_CBC|_DES_CBC", n) or "DES_64" in n:
        out.add("DES")
    if n.endswith("_MD5"):
        out.add("MD5")
    if version in ("ssl3", "tls1.0") and "_CBC_" in n:
        out.add("CBC_TLS1.0")
    return out


def empty():
    return {k: None for k in VERDICTS}


def weak_key(key):
    """(type, bits) -> RSA/DSA/DH under 2048 bits or EC under 224 bits."""
    if key is None or key[1] is None:
        return None
    kind, bits = key[0].upper(), key[1]
    return bits < 224 if kind.startswith("EC") or "ELLIPTIC" in kind else bits < 2048


def cert_verdicts(v, not_after, now, trusted, host_ok, key, sig):
    if not_after is not None:
        left = (not_after - now).total_seconds()
        v["cert:expired"] = left < 0
        v["cert:expiring_30d"] = 0 <= left < 30 * 86400
    v["cert:chain_trusted"] = trusted
    v["cert:hostname_match"] = host_ok
    v["cert:weak_key"] = weak_key(key)
    v["cert:sha1_signature"] = None if sig is None else ("sha1" in sig.lower().replace("-", ""))


def parse_time(s):
    s = s.strip().replace("Z", "+00:00")
    for fmt in (None, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M %z"):
        try:
            d = datetime.fromisoformat(s) if fmt is None else datetime.strptime(s, fmt)
            return d if d.tzinfo else d.replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    return None


def from_tuanthu(path):
    """Evidence file (JSON document or JSON Lines) -> {target: verdicts}."""
    text = open(path).read()
    try:
        doc = json.loads(text)
        recs = doc["records"]
    except (ValueError, KeyError):
        recs = [json.loads(l) for l in text.splitlines() if l.strip()]
        recs = [r for r in recs if r.get("kind") == "tls"]
    out = {}
    for r in recs:
        if r.get("kind") != "tls":
            continue
        v = empty()
        f = r.get("facts")
        if r.get("error") or not f:
            v["error"] = json.dumps(r.get("error"))
            out[r["target"]] = v
            continue
        for ver in VERSIONS:
            v[f"proto:{ver}"] = bool(f["protocols"].get(ver, False))
        classes = set(f.get("weak_cipher_classes") or [])
        for w in WEAK:
            v[f"weak:{w}"] = w in classes
        c = f.get("certificate") or {}
        now = parse_time(r["observed_at"])
        na = parse_time(c["not_after"]) if c.get("not_after") else None
        cert_verdicts(v, na, now, c.get("chain_valid"), c.get("hostname_match"),
                      (c.get("key_type") or "", c.get("key_bits")), c.get("signature_algorithm"))
        v["_suites"] = f.get("ciphers")
        v["_dh_min_bits"] = f.get("dh_min_bits")
        v["_chain_error"] = c.get("chain_error")
        v["_connections"] = f.get("connections")
        out[r["target"]] = v
    return out


def dns_match(host, pattern):
    """RFC 6125 matching with a left-most-label wildcard (sslyze 6 reports the SAN but folds the
    name check into path validation, so the harness matches the SAN itself)."""
    host, pattern = host.lower().rstrip("."), pattern.lower().rstrip(".")
    if pattern.startswith("*."):
        return "." in host and host.split(".", 1)[1] == pattern[2:] and host.split(".", 1)[0] != ""
    return host == pattern


SSLYZE_VERSIONS = {"ssl_2_0_cipher_suites": "ssl2", "ssl_3_0_cipher_suites": "ssl3",
                   "tls_1_0_cipher_suites": "tls1.0", "tls_1_1_cipher_suites": "tls1.1",
                   "tls_1_2_cipher_suites": "tls1.2", "tls_1_3_cipher_suites": "tls1.3"}


def from_sslyze(path, ca_name="Supplied CA file"):
    doc = json.load(open(path))
    out = {}
    for s in doc["server_scan_results"]:
        loc = s["server_location"]
        target = f"{loc['hostname']}:{loc['port']}"
        v = empty()
        if s.get("scan_status") != "COMPLETED" or not s.get("scan_result"):
            v["error"] = s.get("connectivity_error_trace") or s.get("scan_status")
            out[target] = v
            continue
        sr = s["scan_result"]
        classes = set()
        suites = {}
        dh_min = None
        for key, ver in SSLYZE_VERSIONS.items():
            a = sr.get(key) or {}
            if a.get("status") != "COMPLETED":
                v["error"] = f"{key}: {a.get('status')} {a.get('error_reason')}"
                continue
            acc = a["result"]["accepted_cipher_suites"]
            v[f"proto:{ver}"] = bool(acc)
            suites[ver] = [x["cipher_suite"]["name"] for x in acc]
            for x in acc:
                classes |= suite_classes(x["cipher_suite"]["name"], ver)
                ek = x.get("ephemeral_key") or {}
                if ek.get("type_name") == "DH" and ek.get("size"):
                    dh_min = ek["size"] if dh_min is None else min(dh_min, ek["size"])
        if dh_min is not None and dh_min < 2048:
            classes.add("DH_WEAK")
        for w in WEAK:
            v[f"weak:{w}"] = w in classes
        ci = sr.get("certificate_info") or {}
        if ci.get("status") == "COMPLETED":
            dep = ci["result"]["certificate_deployments"][0]
            leaf = dep["received_certificate_chain"][0]
            custom = [p for p in dep["path_validation_results"] if p["trust_store"]["name"] == ca_name]
            trusted = custom[0]["was_validation_successful"] if custom else None
            # A chain trusted by one of sslyze's public stores counts too.
            if any(p["was_validation_successful"] for p in dep["path_validation_results"]):
                trusted = True
            # sslyze 6 folds the host name check into path validation; the host name is a verdict of
            # its own here, so a chain whose only error is the name counts as trusted (and is noted).
            v["_raw_chain_trusted"] = trusted
            if trusted is False and custom and "no matching subjectAltName" in (custom[0].get("validation_error") or ""):
                trusted = True
                v["_normalized"] = "chain_trusted: sslyze's validation failed only on the host name"
            now = parse_time(doc.get("date_scans_completed") or s.get("date_scans_completed") or
                             datetime.now(timezone.utc).isoformat())
            sig = (leaf.get("signature_hash_algorithm") or {}).get("name")
            pk = leaf.get("public_key") or {}
            sans = (leaf.get("subject_alternative_name") or {}).get("dns_names") or []
            cert_verdicts(v, parse_time(leaf["not_valid_after"]), now, trusted,
                          any(dns_match(loc["hostname"], p) for p in sans),
                          (pk.get("algorithm") or "", pk.get("key_size")), sig)
            v["_chain_error"] = [p.get("validation_error") for p in custom]
        else:
            v["error"] = f"certificate_info: {ci.get('status')}"
        v["_suites"] = suites
        v["_dh_min_bits"] = dh_min
        out[target] = v
    return out


TESTSSL_PROTO = {"SSLv2": "ssl2", "SSLv3": "ssl3", "TLS1": "tls1.0", "TLS1_1": "tls1.1", "TLS1_2": "tls1.2",
                 "TLS1_3": "tls1.3"}


def from_testssl(path, target, observed):
    """testssl.sh flat JSON (--jsonfile) of one target, from its default run: protocols from the
    SSLv2..TLS1_3 items, accepted suites from the "cipher_x…" items (the all-ciphers test, IANA name
    last; they carry no version, so CBC-in-TLS1.0 comes from the BEAST item), DH sizes from the
    suites' "DH nnnn" column and DH_groups, certificate facts from the cert_* items."""
    items = json.load(open(path))
    if isinstance(items, dict):
        items = items.get("scanResult", items)
    by_id = {}
    for it in items:
        by_id.setdefault(it["id"].split(" ")[0], []).append(it)

    def first(i):
        x = by_id.get(i)
        return x[0]["finding"] if x else None

    v = empty()
    for k, ver in TESTSSL_PROTO.items():
        f = first(k)
        if f is not None:
            v[f"proto:{ver}"] = f.startswith("offered")
    classes = set()
    suites = []
    dh = None
    for i, lst in by_id.items():
        if not re.match(r"cipher_x[0-9a-f]+$", i):
            continue
        for it in lst:
            f = it["finding"]
            iana = f.split()[-1]
            suites.append(iana)
            classes |= suite_classes(iana, "tls1.2")
            m = re.search(r"\bDH (\d+)\b", f)
            if m and "ECDH" not in f.split()[2]:
                dh = int(m.group(1)) if dh is None else min(dh, int(m.group(1)))
    m = re.search(r"(\d{3,4}) bits", first("DH_groups") or "")
    if m:
        dh = int(m.group(1)) if dh is None else min(dh, int(m.group(1)))
    if dh is not None and dh < 2048:
        classes.add("DH_WEAK")
    beast = first("BEAST")
    if beast is not None and beast.startswith("VULNERABLE"):
        classes.add("CBC_TLS1.0")
    if suites:
        for w in WEAK:
            v[f"weak:{w}"] = w in classes
    v["_suites"] = {"all": sorted(set(suites))}
    v["_dh_min_bits"] = dh
    na = first("cert_notAfter")
    trust = first("cert_chain_of_trust")
    host = first("cert_trust")
    ks = first("cert_keySize") or ""
    sig = first("cert_signatureAlgorithm")
    m = re.match(r"(\w+) (\d+) bits", ks)
    cert_verdicts(v, parse_time(na) if na else None, observed,
                  None if trust is None else trust.startswith("passed"),
                  None if host is None else not ("does not match" in host.lower()),
                  (m.group(1), int(m.group(2))) if m else None, sig)
    v["_chain_error"] = trust
    return v


# ---------------------------------------------------------------------------------------------

def fmt(x):
    return "—" if x is None else ("yes" if x is True else "no" if x is False else str(x))


def compare(work):
    eps = json.load(open(os.path.join(work, "endpoints.json")))
    times = json.load(open(os.path.join(work, "times.json")))
    tt = from_tuanthu(os.path.join(work, "tuanthu.json"))
    peers = {}
    if os.path.exists(os.path.join(work, "sslyze.json")):
        peers["sslyze"] = from_sslyze(os.path.join(work, "sslyze.json"))
    ts = {}
    for e in eps:
        p = os.path.join(work, "testssl", f"{e['name']}.json")
        if os.path.exists(p) and os.path.getsize(p) > 0:
            observed = datetime.fromtimestamp(os.path.getmtime(p), timezone.utc)
            ts[f"{e['name']}:{e['port']}"] = from_testssl(p, e["name"], observed)
    if ts:
        peers["testssl"] = ts
    truth = {f"{e['name']}:{e['port']}": expected(e) for e in eps}

    lines = []
    say = lines.append
    n = len(eps)
    say(f"## Timing ({n} endpoints; machine: {os.cpu_count()} cores)\n")
    say("| tool | targets | wall time (s) | per target (s) | peak RSS (MiB) | tuanthu faster by | target |")
    say("|---|---|---|---|---|---|---|")
    t_tt = times["tuanthu"]
    per_tt = t_tt["wall"] / t_tt["targets"]
    for tool, goal in (("tuanthu", None), ("baseline", None), ("sslyze", 10), ("sslyze-scoped", None),
                       ("testssl", 50)):
        t = times.get(tool)
        if not t:
            continue
        per = t["wall"] / t["targets"]
        ratio = per / per_tt
        rss = f"{t['rss_kb'] / 1024:.0f}" if t.get("rss_kb") else "—"
        verdict = "" if tool == "tuanthu" else f"{ratio:.1f}×"
        target = f"≥ {goal}× {'met' if ratio >= goal else 'NOT met'}" if goal else ""
        say(f"| {tool} | {t['targets']} | {t['wall']:.2f} | {per:.3f} | {rss} | {verdict} | {target} |")
    say("")
    say("Per-target times are wall time / targets (tuanthu and sslyze scan targets concurrently, testssl.sh "
        "one at a time). Ratios compare per-target times. Wall time: median of the runs "
        + ", ".join(f"{k} {len(times[k]['runs'])}" for k in ("tuanthu", "baseline", "sslyze", "sslyze-scoped")
                    if k in times)
        + "; peak RSS: largest of the runs. 1-minute load average before each run: "
        + "; ".join(f"{k} " + ", ".join(f"{r['load1']:.1f}" for r in times[k]["runs"])
                    for k in ("tuanthu", "baseline", "sslyze") if k in times)
        + ".\n")
    lines.extend(connections(work, eps, tt))
    single = {r["label"][len("single-tuanthu-"):]: r for r in (times.get("single-tuanthu") or {}).get("runs", [])}
    if times.get("testssl"):
        say("One target at a time (testssl.sh subset; tuanthu run alone on the same target just before):\n")
        say("| endpoint | profile/cert | testssl.sh (s) | tuanthu alone (s) | ratio | tuanthu in the 64-endpoint run (s/target) | ratio |")
        say("|---|---|---|---|---|---|---|")
        prof = {e["name"]: f"{e['profile']}/{e['cert']}" for e in eps}
        for r in times["testssl"]["runs"]:
            name = r["label"][len("testssl-"):]
            s1 = single.get(name)
            a = f"{s1['wall']:.2f} | {r['wall'] / s1['wall']:.0f}×" if s1 else "— | —"
            say(f"| {name} | {prof.get(name, '')} | {r['wall']:.1f} | {a} | {per_tt:.3f} | {r['wall'] / per_tt:.0f}× |")
        say("")

    report = {"timing": times, "agreement": {}, "disagreements": {}}
    # Each tool against the configured truth, then tuanthu against each peer.
    pairs = [("expected", truth, "tuanthu", tt)] + [("expected", truth, t, r) for t, r in peers.items()] + \
            [("tuanthu", tt, t, r) for t, r in peers.items()]
    for ref_name, ref, tool, res in pairs:
        agree = total = 0
        per_verdict = {k: [0, 0] for k in VERDICTS}
        dis = []
        missing = []
        for e in eps:
            t = f"{e['name']}:{e['port']}"
            a = ref.get(t)
            b = res.get(t)
            if b is None:
                continue
            if a is None:
                missing.append(f"{t}: no {ref_name} record")
                continue
            for k in VERDICTS:
                if a.get(k) is None or b.get(k) is None:
                    continue
                total += 1
                per_verdict[k][1] += 1
                if a[k] == b[k]:
                    agree += 1
                    per_verdict[k][0] += 1
                else:
                    dis.append((t, f"{e['profile']}/{e['cert']}", k, a[k], b[k], detail(k, a, b)))
            if b.get("error"):
                missing.append(f"{t}: {tool} error {b['error']}")
            if a.get("error"):
                missing.append(f"{t}: {ref_name} error {a['error']}")
            if b.get("_normalized"):
                missing.append(f"{t}: {tool} {b['_normalized']} (raw verdict: not trusted)")
        scanned = sum(1 for e in eps if f"{e['name']}:{e['port']}" in res)
        say(f"## Verdicts: {tool} vs {ref_name} ({scanned} endpoints)\n")
        say(f"{agree} of {total} verdicts agree ({100.0 * agree / max(total, 1):.1f}%).\n")
        say("| verdict | agree / compared |")
        say("|---|---|")
        for k in VERDICTS:
            if per_verdict[k][1]:
                say(f"| {k} | {per_verdict[k][0]} / {per_verdict[k][1]} |")
        say("")
        if dis:
            say(f"| endpoint | profile/cert | verdict | {ref_name} | {tool} | detail |")
            say("|---|---|---|---|---|---|")
            for d in dis:
                say(f"| {d[0]} | {d[1]} | {d[2]} | {fmt(d[3])} | {fmt(d[4])} | {d[5]} |")
            say("")
        for m in missing:
            say(f"- {m}")
        if missing:
            say("")
        key = f"{tool} vs {ref_name}"
        if ref_name == "tuanthu":
            sdiff = suite_diff(ref, res, eps)
            say(f"Accepted cipher suites (not a verdict, a finer check): identical on "
                f"{scanned - len(sdiff)} of {scanned} endpoints.")
            for t, d in sdiff:
                say(f"- {t}: {d}")
            say("")
        report["agreement"][key] = {"agree": agree, "compared": total, "endpoints": scanned}
        report["disagreements"][key] = [list(map(str, d)) for d in dis]
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(work, "results.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(report, f, indent=1)


def connections(work, eps, tt):
    """The connections-per-endpoint section: SYNs counted on the server side (conns.jsonl, one
    line per counted run), the first run of each tool, and tuanthu's own count (facts.connections)
    against it."""
    import statistics
    path = os.path.join(work, "conns.jsonl")
    if not os.path.exists(path):
        return []
    runs = [json.loads(l) for l in open(path) if l.strip()]
    first = {}
    for r in runs:
        first.setdefault(r["label"].rsplit("-", 1)[0], r["syns"])
    tools = [t for t in ("tuanthu", "baseline", "sslyze") if t in first]
    out = ["## Connections per endpoint (server side)\n",
           "TCP connection attempts (SYNs) to each endpoint address, captured on lo by tcpdump during the "
           "first run of each tool. The benchmark declares only `tls:` assets, so tuanthu sends no HTTP "
           "request and its legacy-TLS HTTP fallback opens no connection; sslyze's count includes its "
           "`--http_headers` request.\n"]
    head = " | ".join(tools)
    out.append(f"| endpoint | profile/cert | {head} |")
    out.append("|---|---|" + "---|" * len(tools))
    per_tool = {t: [] for t in tools}
    for e in eps:
        row = []
        for t in tools:
            n = first[t].get(e["ip"], 0)
            per_tool[t].append(n)
            row.append(str(n))
        out.append(f"| {e['name']} | {e['profile']}/{e['cert']} | " + " | ".join(row) + " |")
    for label, f in (("total", sum), ("median", statistics.median), ("max", max)):
        out.append(f"| **{label}** | | " + " | ".join(f"{f(per_tool[t]):g}" for t in tools) + " |")
    out.append("")
    if "tuanthu" in first:
        own = {f"{e['name']}:{e['port']}": e["ip"] for e in eps}
        same = sum(1 for t, ip in own.items() if tt.get(t, {}).get("_connections") == first["tuanthu"].get(ip, 0))
        out.append(f"tuanthu's own count (`connections` in its evidence) equals the server-side count on "
                   f"{same} of {len(own)} endpoints.\n")
    if os.path.exists(os.path.join(work, "baseline-1.json")):
        a, b = same_facts(os.path.join(work, "tuanthu-1.json"), os.path.join(work, "baseline-1.json"))
        out.append(f"tuanthu and the baseline binary wrote identical TLS facts (every field but `connections`, "
                   f"suites in the server's order included) for {a} of {b} endpoints.\n")
    return out


def same_facts(path_a, path_b):
    """(endpoints whose TLS facts are identical except `connections`, endpoints) of two evidence files."""
    def facts(path):
        out = {}
        for r in json.load(open(path))["records"]:
            f = dict(r.get("facts") or {})
            f.pop("connections", None)
            out[r["target"]] = (f, r.get("error"))
        return out
    fa, fb = facts(path_a), facts(path_b)
    return sum(1 for t in fa if fa[t] == fb.get(t)), len(fa)


def suite_diff(a_all, b_all, eps):
    """Endpoints whose accepted suites differ (per version; testssl.sh's default run has no
    versions, so its suites are compared as one set)."""
    out = []
    for e in eps:
        t = f"{e['name']}:{e['port']}"
        a, b = a_all.get(t), b_all.get(t)
        if not a or not b or a.get("error") or b.get("error"):
            continue
        sa, sb = a.get("_suites") or {}, b.get("_suites") or {}
        if "all" in sb:
            sa = {"all": sorted({x for v in sa.values() for x in v if not x.startswith("SSL_CK_")})}
        diffs = []
        for ver in sorted(set(sa) | set(sb)):
            x, y = set(sa.get(ver) or []), set(sb.get(ver) or [])
            if x - y:
                diffs.append(f"{ver}: only tuanthu {' '.join(sorted(x - y))}")
            if y - x:
                diffs.append(f"{ver}: only the peer {' '.join(sorted(y - x))}")
        if diffs:
            out.append((t, "; ".join(diffs)))
    return out


def detail(k, a, b):
    if k.startswith("weak:") or k.startswith("proto:"):
        sa, sb = a.get("_suites"), b.get("_suites") or {}
        diff = []
        for ver in (VERSIONS if sa is not None else []):
            x, y = set(sa.get(ver) or []), set(sb.get(ver) or [])
            if x - y:
                diff.append(f"{ver} only tuanthu: {' '.join(sorted(x - y))}")
            if y - x:
                diff.append(f"{ver} only peer: {' '.join(sorted(y - x))}")
        if k == "weak:DH_WEAK":
            diff.append(f"DH bits tuanthu {a.get('_dh_min_bits')} peer {b.get('_dh_min_bits')}")
        return "; ".join(diff)[:400]
    if k == "cert:chain_trusted":
        return f"{a.get('_chain_error')} / {b.get('_chain_error')}"[:300]
    return ""


def times(work):
    """times.jsonl (one line per measured run) -> times.json: median wall per tool over its runs."""
    import statistics
    rows = [json.loads(l) for l in open(os.path.join(work, "times.jsonl")) if l.strip()]
    out = {}
    for tool in ("tuanthu", "baseline", "sslyze", "sslyze-scoped", "testssl", "single-tuanthu"):
        if tool in ("testssl", "single-tuanthu"):
            rs = [r for r in rows if r["label"].startswith(tool + "-")]
        else:
            rs = [r for r in rows if r["label"].rsplit("-", 1)[0] == tool]
        if not rs:
            continue
        if tool in ("testssl", "single-tuanthu"):
            out[tool] = {"targets": len(rs), "wall": sum(r["wall"] for r in rs),
                         "rss_kb": max(r["rss_kb"] or 0 for r in rs), "runs": rs}
        else:
            walls = sorted(r["wall"] for r in rs)
            out[tool] = {"targets": rs[0]["targets"], "wall": statistics.median(walls), "wall_min": walls[0],
                         "wall_max": walls[-1], "rss_kb": max(r["rss_kb"] or 0 for r in rs), "runs": rs}
    with open(os.path.join(work, "times.json"), "w") as f:
        json.dump(out, f, indent=1)


def check(work, evidence):
    """Verdicts of one tuanthu evidence file against the configured truth (the 1 000-endpoint run)."""
    eps = json.load(open(os.path.join(work, "endpoints.json")))
    tt = from_tuanthu(evidence)
    agree = total = 0
    bad = []
    for e in eps:
        t = f"{e['name']}:{e['port']}"
        a, b = expected(e), tt.get(t)
        if b is None or b.get("error"):
            bad.append(f"{t}: {'no record' if b is None else b['error']}")
            continue
        for k in VERDICTS:
            total += 1
            if a[k] == b[k]:
                agree += 1
            else:
                bad.append(f"{t} {e['profile']}/{e['cert']} {k}: expected {fmt(a[k])}, tuanthu {fmt(b[k])}")
    print(json.dumps({"verdicts_agree": agree, "verdicts_compared": total, "endpoints": len(eps)}))
    for x in bad[:20]:
        print("  ", x)


def main():
    cmd, work = sys.argv[1], sys.argv[2]
    if cmd == "setup":
        setup(work, matrix(), "bench-tls-peers")
    elif cmd == "setup1000":
        setup(work, matrix1000(), "bench-tls-mem1000")
    elif cmd == "check":
        check(work, sys.argv[3])
    elif cmd == "times":
        times(work)
    elif cmd == "compare":
        compare(work)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
