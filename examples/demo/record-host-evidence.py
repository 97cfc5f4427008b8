#!/usr/bin/env python3
"""Records the demo's host evidence: real tool output, relabelled as the demo's hosts.

The demo agency is fictional, so its hosts cannot be audited. This script takes real results and
gives them the identity of cong-dvc's hosts (203.0.113.10-12) and the week of the demo's
evaluation date (2026-11-25), and nothing else:

  dvc-web.xccdf.xml  OpenSCAP 1.3 `oscap xccdf eval --profile ...anssi_np_nt28_average --results`
                     on a Debian 12 machine (SCAP Security Guide 0.1.64, Debian 11 content with its
                     platform checks removed: the guide has no Debian 12 content), trimmed to the
                     rules the profile evaluated (descriptions, fixes and OVAL checks dropped:
                     titles, severities, idents and references kept).
  dvc-app-report.dat Lynis 3.0 `lynis audit system --quick` on the same machine.
  dvc-db-greenbone.xml
                     A Greenbone report from DefectDojo's parser tests (BSD-3-Clause, copyright
                     DefectDojo, Inc.: see LICENSE-DefectDojo.md beside this script), host address
                     and times replaced.

Usage: record-host-evidence.py XCCDF_RESULTS LYNIS_REPORT GREENBONE_REPORT   (writes beside itself)
Reproduce the first two on a Debian machine with: apt-get install openscap-scanner ssg-debian lynis;
oscap xccdf eval --profile xccdf_org.ssgproject.content_profile_anssi_np_nt28_average \
  --results xccdf.xml DS.xml   (DS.xml: ssg-debian11-ds.xml without its <platform> elements);
lynis audit system --quick --report-file report.dat
"""
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
XCCDF = "http://checklists.nist.gov/xccdf/1.2"
NS = {"x": XCCDF}
AUDITED = "2026-11-20T02:00:00"


def trim_xccdf(src: Path, dst: Path) -> None:
    ET.register_namespace("", XCCDF)
    ET.register_namespace("xhtml", "http://www.w3.org/1999/xhtml")
    tree = ET.parse(src)
    root = tree.getroot()
    test = root.find("x:TestResult", NS)
    evaluated = {rr.get("idref") for rr in test.findall("x:rule-result", NS)
                 if rr.findtext("x:result", namespaces=NS) != "notselected"}
    keep_in_rule = {f"{{{XCCDF}}}{t}" for t in ("title", "ident", "reference")}

    def prune(parent):
        for child in list(parent):
            tag = child.tag
            if tag == f"{{{XCCDF}}}Rule":
                if child.get("id") not in evaluated:
                    parent.remove(child)
                    continue
                for g in list(child):
                    if g.tag not in keep_in_rule:
                        child.remove(g)
            elif tag == f"{{{XCCDF}}}Group":
                prune(child)
                for g in list(child):
                    if g.tag in (f"{{{XCCDF}}}description", f"{{{XCCDF}}}rationale", f"{{{XCCDF}}}warning", f"{{{XCCDF}}}reference"):
                        child.remove(g)
                if child.find("x:Rule", NS) is None and child.find("x:Group", NS) is None:
                    parent.remove(child)
            elif tag in (f"{{{XCCDF}}}Value", f"{{{XCCDF}}}description", f"{{{XCCDF}}}notice",
                         f"{{{XCCDF}}}front-matter", f"{{{XCCDF}}}rear-matter", f"{{{XCCDF}}}reference",
                         f"{{{XCCDF}}}plain-text", f"{{{XCCDF}}}model", f"{{{XCCDF}}}platform"):
                parent.remove(child)
            elif tag == f"{{{XCCDF}}}Profile" and child.get("id") != test.find("x:profile", NS).get("idref"):
                parent.remove(child)

    prune(root)
    for rr in list(test.findall("x:rule-result", NS)):
        if rr.findtext("x:result", namespaces=NS) == "notselected":
            test.remove(rr)
        else:
            rr.set("time", AUDITED)
            for check in rr.findall("x:check", NS):
                rr.remove(check)
    test.set("start-time", "2026-11-20T01:58:40")
    test.set("end-time", AUDITED)
    test.find("x:target", NS).text = "dvc-web"
    for a in test.findall("x:target-address", NS):
        if a.text not in ("127.0.0.1", "0:0:0:0:0:0:0:1"):
            test.remove(a)
    addr = ET.Element(f"{{{XCCDF}}}target-address")
    addr.text = "203.0.113.10"
    test.insert(list(test).index(test.find("x:target", NS)) + 1, addr)
    facts = test.find("x:target-facts", NS)
    if facts is not None:
        test.remove(facts)
    ET.indent(tree, space="  ")
    tree.write(dst, encoding="UTF-8", xml_declaration=True)


def relabel_lynis(src: Path, dst: Path) -> None:
    out = []
    for line in src.read_text().splitlines():
        key = line.split("=", 1)[0]
        if key in ("network_ipv4_address[]", "network_ipv6_address[]", "network_mac_address[]") and "127.0.0.1" not in line and "::1" not in line:
            continue
        if key in ("hostid", "hostid2", "network_interface[]"):
            continue
        line = re.sub(r"^hostname=.*", "hostname=dvc-app", line)
        line = re.sub(r"^report_datetime_start=.*", "report_datetime_start=2026-11-20 02:00:00", line)
        line = re.sub(r"^report_datetime_end=.*", "report_datetime_end=2026-11-20 02:01:03", line)
        out.append(line)
        if key == "hostname":
            out.append("network_ipv4_address[]=203.0.113.11")
    dst.write_text("\n".join(out) + "\n")


def relabel_greenbone(src: Path, dst: Path) -> None:
    text = src.read_text()
    text = text.replace("10.99.99.99", "203.0.113.12").replace("server99", "dvc-db")
    text = re.sub(r"2025-08-22T(\d\d:\d\d:\d\d)\+02:00", r"2026-11-21T\1+07:00", text)
    dst.write_text(text)


if __name__ == "__main__":
    xccdf, lynis, greenbone = (Path(a) for a in sys.argv[1:4])
    trim_xccdf(xccdf, HERE / "dvc-web.xccdf.xml")
    relabel_lynis(lynis, HERE / "dvc-app-report.dat")
    relabel_greenbone(greenbone, HERE / "dvc-db-greenbone.xml")
