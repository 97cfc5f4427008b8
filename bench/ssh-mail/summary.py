#!/usr/bin/env python3
"""Helper of bench/ssh-mail/run.sh: WORK/results.jsonl -> the timing tables (median per tool and
target), and for the mail targets the verdicts of tuanthu and sslyze compared (WORK/verdicts.json).

  summary.py WORK REPEAT

Both tools' output is reduced to the same booleans by bench/tls-peers/peers.py (versions accepted,
weak suite classes, certificate verdicts), so "weak" means one thing whatever each tool calls weak.
Only the standard library.
"""

import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tls-peers"))
import peers  # noqa: E402

SSH = ("modern", "weak")
MAIL = (("smtp", 2525), ("imap", 1143), ("pop3", 1110))


def table(rows, targets, tools):
    print("| target | tool | wall time, median (min–max) | connections (server side) | load |")
    print("|---|---|---|---|---|")
    for name in targets:
        med = {}
        for tool in tools:
            rs = [r for r in rows if r["label"].startswith(f"{tool}-{name}-")]
            if not rs:
                continue
            w = sorted(r["wall"] for r in rs)
            med[tool] = statistics.median(w)
            syns = sorted({r["syns"] for r in rs})
            loads = ", ".join(f"{r['load1']:.1f}" for r in rs)
            print(f"| {name} | {tool} | {med[tool]:.3f} s ({w[0]:.3f}–{w[-1]:.3f}, {len(w)} runs) "
                  f"| {'/'.join(map(str, syns))} | {loads} |")
        if len(med) == 2:
            a, b = tools
            print(f"| {name} | ratio | {b} / {a} = {med[b] / med[a]:.1f}× | | |")


def shown(v):
    return ", ".join(k for k in peers.VERDICTS if v.get(k) is True) or "none"


def suites(t, s):
    """The accepted suites per version, tuanthu's against sslyze's: the same, or what differs."""
    a, b = t.get("_suites") or {}, s.get("_suites") or {}
    diff = []
    for ver in peers.VERSIONS:
        x, y = set(a.get(ver) or []), set(b.get(ver) or [])
        if x != y:
            diff.append(f"{ver}: only tuanthu {sorted(x - y)}, only sslyze {sorted(y - x)}")
    n = sum(len(v or []) for v in a.values())
    return "; ".join(diff) or f"the same {n}"


def verdicts(work, repeat):
    """Every run of each tool reduced to verdicts; the first runs compared; all runs of a tool must
    say the same."""
    out, agree = {}, True
    print()
    print("| target | verdicts true (tuanthu) | sslyze differs on | accepted suites | tuanthu's own connection count |")
    print("|---|---|---|---|---|")
    for proto, port in MAIL:
        target = f"mail.bench.test:{port}"
        runs = {"tuanthu": [], "sslyze": []}
        for r in range(1, repeat + 1):
            for tool, parse in (("tuanthu", peers.from_tuanthu), ("sslyze", peers.from_sslyze)):
                path = os.path.join(work, f"{tool}-{proto}-{r}.json")
                if os.path.exists(path):
                    runs[tool].append(parse(path).get(target, {"error": "no record"}))
        if not runs["tuanthu"] or not runs["sslyze"]:
            continue
        t, s = runs["tuanthu"][0], runs["sslyze"][0]
        diff = [k for k in peers.VERDICTS + ["error"] if t.get(k) != s.get(k)]
        for tool, rs in runs.items():
            for i, v in enumerate(rs[1:], 2):
                changed = [k for k in peers.VERDICTS if v.get(k) != rs[0].get(k)]
                if changed:
                    diff.append(f"{tool} run {i} differs from run 1 on {', '.join(changed)}")
        agree &= not diff
        out[proto] = {"tuanthu": t, "sslyze": s, "differences": diff}
        detail = "; ".join(f"{k}: tuanthu {t.get(k)}, sslyze {s.get(k)}" if ":" in k and " " not in k else k
                           for k in diff) or f"nothing ({len(peers.VERDICTS)} verdicts agree)"
        print(f"| {proto} | {shown(t)} | {detail} | {suites(t, s)} | {t.get('_connections')} |")
    json.dump(out, open(os.path.join(work, "verdicts.json"), "w"), indent=1, default=str)
    print()
    print("verdicts agree on every mail target" if agree else "VERDICTS DIFFER (see above)")


def main():
    work, repeat = sys.argv[1], int(sys.argv[2])
    rows = [json.loads(line) for line in open(os.path.join(work, "results.jsonl"))]
    if any(r["label"].startswith("ssh-audit-") for r in rows):
        table(rows, SSH, ("tuanthu", "ssh-audit"))
    if any(r["label"].startswith("sslyze-") for r in rows):
        print()
        table(rows, [p for p, _ in MAIL], ("tuanthu", "sslyze"))
        verdicts(work, repeat)


if __name__ == "__main__":
    main()
