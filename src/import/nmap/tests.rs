//! Unit tests: one small inline document per feature or failure mode.

use super::packed;
#[cfg(test)]
use super::*;
use crate::evidence::nmap::{Address, ExtraPorts, Hostname, OsMatch, Port, Script, ScriptNode, Service};

/// Parses `xml`, returning the run, the hosts delivered and the error.
fn parse_with(xml: &str, limits: &Limits) -> (RunInfo, Vec<Host>, Option<NmapError>) {
    let mut hosts = Vec::new();
    let (run, error) = read_nmap_partial(xml.as_bytes(), limits, |h| {
        hosts.push(h);
        Ok(())
    });
    (run, hosts, error)
}

fn parse(xml: &str) -> (RunInfo, Vec<Host>) {
    match parse_with(xml, &Limits::default()) {
        (run, hosts, None) => (run, hosts),
        (_, _, Some(e)) => panic!("unexpected error: {e}"),
    }
}

/// The (line, column, message) of the error `xml` must produce.
fn malformed_with(xml: &str, limits: &Limits) -> (u64, u64, String) {
    match parse_with(xml, limits).2 {
        Some(NmapError::Malformed { line, column, message, .. }) => (line, column, message.en),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn malformed(xml: &str) -> (u64, u64, String) {
    malformed_with(xml, &Limits::default())
}

/// A complete document around `hosts`.
fn doc(hosts: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/share/nmap/nmap.xsl" type="text/xsl"?>
<nmaprun scanner="nmap" args="nmap -sV x" start="1700000000" version="7.94" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="1000" services="1-1000"/>
<verbose level="0"/>
{hosts}
<runstats><finished time="1700000100" timestr="x" summary="x" elapsed="100" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
</nmaprun>
"#
    )
}

#[test]
fn run_info_from_nmaprun_and_runstats() {
    let (run, hosts) = parse(&doc(""));
    assert!(hosts.is_empty());
    let want = RunInfo {
        scanner: Some("nmap".into()),
        version: Some("7.94".into()),
        args: Some("nmap -sV x".into()),
        xml_output_version: Some("1.05".into()),
        start: Some(1_700_000_000),
        finished: Some(1_700_000_100),
        exit: Some("success".into()),
        error_msg: None,
        hosts_up: Some(1),
        hosts_down: Some(0),
        hosts_total: Some(1),
        hosts_parsed: 0,
        complete: true,
    };
    assert_eq!(run, want);
}

#[test]
fn ipv6_mac_and_hostnames() {
    let (_, hosts) =
        parse(&doc(r#"<host starttime="10" endtime="20"><status state="up" reason="nd-response" reason_ttl="0"/>
<address addr="fe80::1" addrtype="ipv6"/>
<address addr="00:11:22:33:44:55" addrtype="mac" vendor="Acme &amp; Co"/>
<hostnames><hostname name="router.lan" type="user"/><hostname name="r1.example" type="PTR"/></hostnames>
<times srtt="1" rttvar="2" to="3"/>
</host>"#));
    let want = Host {
        state: Some("up".into()),
        reason: Some("nd-response".into()),
        addresses: vec![
            Address { addr: "fe80::1".into(), addrtype: "ipv6".into(), vendor: None },
            Address { addr: "00:11:22:33:44:55".into(), addrtype: "mac".into(), vendor: Some("Acme & Co".into()) },
        ],
        hostnames: vec![
            Hostname { name: "router.lan".into(), kind: Some("user".into()) },
            Hostname { name: "r1.example".into(), kind: Some("PTR".into()) },
        ],
        starttime: Some(10),
        endtime: Some(20),
        ..Host::default()
    };
    assert_eq!(hosts, [want]);
}

#[test]
fn ports_service_cpe_extraports_and_os() {
    let (_, hosts) = parse(&doc(r#"<host><status state="up" reason="echo-reply"/>
<address addr="10.0.0.1" addrtype="ipv4"/>
<ports><extraports state="closed" count="998"><extrareasons reason="resets" count="998"/></extraports>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" product="OpenSSH" version="8.9p1 Ubuntu 3" extrainfo="Ubuntu Linux; protocol 2.0" ostype="Linux" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh:8.9p1</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service></port>
<port protocol="udp" portid="161"><state state="open|filtered" reason="no-response"/><service name="snmp" tunnel="ssl" method="table" conf="3"/></port>
</ports>
<os><portused state="open" proto="tcp" portid="22"/><osmatch name="Linux 5.0 - 5.14" accuracy="98" line="1"><osclass type="general purpose" vendor="Linux" osfamily="Linux" accuracy="98"><cpe>cpe:/o:linux:linux_kernel:5</cpe></osclass></osmatch><osmatch name="Linux 4.15" accuracy="90"/></os>
<uptime seconds="100" lastboot="x"/><trace><hop ttl="1" ipaddr="10.0.0.1" rtt="0.1"/></trace>
</host>"#));
    let host = &hosts[0];
    assert_eq!(host.extraports, [ExtraPorts { state: "closed".into(), count: 998 }]);
    let ssh = Port {
        protocol: "tcp".into(),
        portid: 22,
        state: "open".into(),
        reason: Some("syn-ack".into()),
        service: Some(Service {
            name: Some("ssh".into()),
            product: Some("OpenSSH".into()),
            version: Some("8.9p1 Ubuntu 3".into()),
            extrainfo: Some("Ubuntu Linux; protocol 2.0".into()),
            method: Some("probed".into()),
            conf: Some(10),
            ostype: Some("Linux".into()),
            cpe: vec!["cpe:/a:openbsd:openssh:8.9p1".into(), "cpe:/o:linux:linux_kernel".into()],
            ..Service::default()
        }),
        scripts: vec![],
    };
    assert_eq!(host.ports[0], ssh);
    let snmp = &host.ports[1];
    assert_eq!((snmp.protocol.as_str(), snmp.portid, snmp.state.as_str()), ("udp", 161, "open|filtered"));
    let service = snmp.service.as_ref().expect("service");
    assert_eq!((service.tunnel.as_deref(), service.conf), (Some("ssl"), Some(3)));
    // The osclass <cpe> is not a service CPE.
    assert_eq!(
        host.os_matches,
        [
            OsMatch { name: "Linux 5.0 - 5.14".into(), accuracy: Some(98) },
            OsMatch { name: "Linux 4.15".into(), accuracy: Some(90) },
        ]
    );
}

#[test]
fn nested_script_tables_vulners_style() {
    let (_, hosts) = parse(&doc(r#"<host><address addr="10.0.0.2" addrtype="ipv4"/><ports>
<port protocol="tcp" portid="80"><state state="open"/>
<script id="vulners" output="&#xa;  cpe:/a:apache:http_server:2.4.49: &#xa;&#x9;CVE-2021-41773&#x9;7.5">
<table key="cpe:/a:apache:http_server:2.4.49">
<table>
<elem key="id">CVE-2021-41773</elem>
<elem key="cvss">7.5</elem>
<elem key="is_exploit">true</elem>
</table>
<table/>
</table>
<elem>loose</elem>
</script></port></ports>
<hostscript><script id="smb-os-discovery" output="OS: Windows"><elem key="os">Windows &lt;10&gt; &#x41;&#66;</elem></script></hostscript>
</host>"#));
    let port = &hosts[0].ports[0];
    let script = &port.scripts[0];
    assert_eq!(script.id, "vulners");
    assert_eq!(script.output, "\n  cpe:/a:apache:http_server:2.4.49: \n\tCVE-2021-41773\t7.5");
    let elem = |k: &str, v: &str| ScriptNode::Elem { key: Some(k.into()), value: v.into() };
    let want = vec![
        ScriptNode::Table {
            key: Some("cpe:/a:apache:http_server:2.4.49".into()),
            children: vec![
                ScriptNode::Table {
                    key: None,
                    children: vec![elem("id", "CVE-2021-41773"), elem("cvss", "7.5"), elem("is_exploit", "true")],
                },
                ScriptNode::Table { key: None, children: vec![] },
            ],
        },
        ScriptNode::Elem { key: None, value: "loose".into() },
    ];
    assert_eq!(script.elements, want);
    let elems: Vec<_> = script.elems().map(|(_, v)| v).collect();
    assert_eq!(elems, ["CVE-2021-41773", "7.5", "true", "loose"]);

    // Entity and character references in elem text arrive as separate events.
    let host_script = &hosts[0].scripts[0];
    assert_eq!(host_script.elements, [elem("os", "Windows <10> AB")]);

    // The serialised shape others rely on.
    let json = serde_json::to_value(&script.elements[1]).expect("json");
    assert_eq!(json, serde_json::json!({"type": "elem", "key": null, "value": "loose"}));
}

#[test]
fn entities_decoded_in_attributes_and_text() {
    let (_, hosts) = parse(&doc(r#"<host><address addr="10.0.0.3" addrtype="ipv4"/><ports>
<port protocol="tcp" portid="443"><state state="open"/><service name="http" product="A&amp;B &#x41;&#66; &quot;q&quot; &lt;x&gt; &apos;"><cpe>cpe:/a:a&amp;b:x</cpe></service></port>
</ports></host>"#));
    let service = hosts[0].ports[0].service.as_ref().expect("service");
    assert_eq!(service.product.as_deref(), Some("A&B AB \"q\" <x> '"));
    assert_eq!(service.cpe, ["cpe:/a:a&b:x"]);
}

#[test]
fn truncated_file_keeps_earlier_hosts_and_reports_eof() {
    let xml = "<nmaprun>\n<host><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/></host>\n<host><address addr=\"10.0.0.2\" addrtype=\"ipv4\"/>\n<ports><port protocol=\"tcp\" portid=\"22\">";
    let (run, hosts, error) = parse_with(xml, &Limits::default());
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].addresses[0].addr, "10.0.0.1");
    assert_eq!(run.hosts_parsed, 1);
    assert!(!run.complete);
    let Some(NmapError::Malformed { line, column, byte_offset, message }) = error else {
        panic!("expected Malformed, got {error:?}");
    };
    assert!(message.en.contains("file is truncated"), "{message:?}");
    assert!(message.en.contains("<port>"), "{message:?}");
    // EOF is after the 40 bytes of the last line.
    assert_eq!((line, column, byte_offset), (4, 41, xml.len() as u64));
}

#[test]
fn truncated_inside_a_tag() {
    let xml = "<nmaprun>\n<host>\n  <address addr=\"10.0.0";
    let (line, column, message) = malformed(xml);
    assert!(message.starts_with("file is truncated"), "{message}");
    assert!(message.contains("line 3, column 3"), "{message}");
    assert_eq!((line, column), (3, 24));
}

#[test]
fn undefined_entity_is_rejected() {
    let (line, column, message) = malformed(
        "<nmaprun>\n<host>\n<address addr=\"x\" addrtype=\"ipv4\"/><hostnames><hostname name=\"&foo;\"/></hostnames></host></nmaprun>",
    );
    assert!(message.contains("undefined entity &foo;"), "{message}");
    assert_eq!((line, column), (3, 47));

    let (line, _, message) = malformed("<nmaprun>\n<host><x>a &ext; b</x></host></nmaprun>");
    assert!(message.contains("undefined entity &ext;"), "{message}");
    assert_eq!(line, 2);
    // Even in attributes of elements we otherwise skip.
    let (_, _, message) = malformed("<nmaprun><taskbegin task=\"&x;\"/></nmaprun>");
    assert!(message.contains("undefined entity &x;"), "{message}");
}

#[test]
fn doctype_entity_declarations_are_rejected() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE nmaprun [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<nmaprun><host><hostnames><hostname name="&lol3;"/></hostnames></host></nmaprun>"#;
    let (run, hosts, _) = parse_with(laughs, &Limits::default());
    assert!(hosts.is_empty());
    assert_eq!(run.hosts_parsed, 0);
    let (line, column, message) = malformed(laughs);
    assert_eq!(message, "DTD entity declarations are not allowed");
    assert_eq!((line, column), (2, 1));

    let external = "<!DOCTYPE nmaprun [<!ENTITY ee SYSTEM \"file:///etc/passwd\">]><nmaprun>&ee;</nmaprun>";
    assert_eq!(malformed(external).2, "DTD entity declarations are not allowed");
}

#[test]
fn wrong_root_and_non_xml_are_rejected() {
    let (line, _, message) = malformed("<!-- c -->\n<root><host/></root>");
    assert_eq!(message, "not an nmap XML file: root element is <root>");
    assert_eq!(line, 2);
    assert!(malformed("{\"json\": true}").2.starts_with("not an nmap XML file"));
    assert!(malformed("").2.contains("no root element"));
    assert!(malformed("<nmaprun></nmaprun><nmaprun/>").2.contains("after </nmaprun>"));
}

#[test]
fn mismatched_end_tag_is_located() {
    let (line, column, message) = malformed("<nmaprun>\n<host>\n  </hots></nmaprun>");
    assert!(message.starts_with("not well-formed XML"), "{message}");
    assert_eq!((line, column), (3, 3));
}

#[test]
fn bad_numbers_are_rejected_with_position() {
    let port = |id: &str| {
        doc(&format!(
            "<host><ports><port protocol=\"tcp\" portid=\"{id}\"><state state=\"open\"/></port></ports></host>"
        ))
    };
    let (line, column, message) = malformed(&port("abc"));
    assert_eq!(message, "attribute portid=\"abc\" on <port> is not a valid number");
    assert_eq!((line, column), (7, 14));
    assert!(malformed(&port("65536")).2.contains("out of range"));
    assert!(malformed(&port("-1")).2.contains("not a valid number"));
    assert!(malformed(&port("")).2.contains("missing attribute portid"));
    let conf = doc(
        "<host><ports><port protocol=\"tcp\" portid=\"1\"><service name=\"x\" conf=\"300\"/></port></ports></host>",
    );
    assert!(malformed(&conf).2.contains("conf=\"300\""));
    assert!(malformed("<nmaprun start=\"yesterday\"/>").2.contains("start=\"yesterday\""));
}

#[test]
fn times_past_the_year_9999_are_rejected_with_position() {
    let (line, column, message) = malformed("<nmaprun start=\"99999999999999\"/>");
    assert_eq!(
        message,
        "attribute start=\"99999999999999\" on <nmaprun> is not a time (seconds since 1970, up to the year 9999)"
    );
    assert_eq!((line, column), (1, 1));
    let host = doc("<host starttime=\"-99999999999999\"><status state=\"up\"/></host>");
    assert!(malformed(&host).2.contains("starttime=\"-99999999999999\" on <host> is not a time"));
    // The last second nmap's format can date is still a time.
    let (run, _) = parse("<nmaprun start=\"253402300799\"></nmaprun>");
    assert_eq!(run.start, Some(253_402_300_799));
}

#[test]
fn limits_are_enforced() {
    let tiny =
        Limits { max_host_bytes: 1000, max_ports_per_host: 2, max_script_output: 8, max_nesting: 2, max_attributes: 6 };
    let ports = doc(
        r#"<host><ports><port protocol="tcp" portid="1"/><port protocol="tcp" portid="2"/><port protocol="tcp" portid="3"/></ports></host>"#,
    );
    let (_, _, message) = malformed_with(&ports, &tiny);
    assert!(message.contains("max_ports_per_host"), "{message}");

    let big = doc(&format!("<host><address addr=\"{}\" addrtype=\"ipv4\"/></host>", "1".repeat(2000)));
    assert!(malformed_with(&big, &tiny).2.contains("max_host_bytes"));

    let deep = doc(
        r#"<host><hostscript><script id="s" output="o"><table><table><table><elem>x</elem></table></table></table></script></hostscript></host>"#,
    );
    assert!(malformed_with(&deep, &tiny).2.contains("max_nesting"));

    let attrs = r#"<host><address addr="a" addrtype="ipv4" a="1" b="2" c="3" d="4" e="5"/></host>"#;
    let (_, _, message) = malformed_with(&doc(attrs), &tiny);
    assert!(message.contains("more than 6 attributes"), "{message}");

    // Records count too: empty elements cannot pile up under the budget.
    let elems = format!(
        "<host><hostscript><script id=\"s\" output=\"\">{}</script></hostscript></host>",
        "<elem/>".repeat(100)
    );
    assert!(malformed_with(&doc(&elems), &tiny).2.contains("max_host_bytes"));

    // A single token larger than the per-token cap (64 KiB floor).
    let huge = format!("<nmaprun><verbose level=\"{}\"/></nmaprun>", "9".repeat(200_000));
    assert!(malformed_with(&huge, &tiny).2.contains("longer than"));

    // Hostile nesting of unknown elements is bounded, not recursed into.
    let nest = format!("<nmaprun>{}", "<a>".repeat(100));
    assert!(malformed_with(&nest, &tiny).2.contains("nested deeper"));
}

#[test]
fn long_script_output_is_truncated_not_refused() {
    let limits = Limits { max_script_output: 10, ..Limits::default() };
    let xml = doc(
        r#"<host><hostscript><script id="s" output="0123456789abcdef"><elem key="k">ééééééé</elem></script></hostscript></host>"#,
    );
    let (_, hosts, error) = parse_with(&xml, &limits);
    assert!(error.is_none(), "{error:?}");
    let script = &hosts[0].scripts[0];
    assert_eq!(script.output, format!("0123456789{TRUNCATION_MARK}"));
    // Cut on a character boundary (é is 2 bytes).
    assert_eq!(
        script.elements[0],
        ScriptNode::Elem { key: Some("k".into()), value: format!("ééééé{TRUNCATION_MARK}") }
    );
}

#[test]
fn no_runstats_is_lenient_but_incomplete() {
    let (run, hosts) = parse(
        "<nmaprun scanner=\"nmap\"><host><status state=\"down\" reason=\"no-response\"/><address addr=\"10.0.0.9\"/></host></nmaprun>\n",
    );
    assert!(!run.complete);
    assert_eq!(run.finished, None);
    assert_eq!(run.hosts_parsed, 1);
    assert_eq!(hosts[0].state.as_deref(), Some("down"));
    assert_eq!(hosts[0].addresses[0].addrtype, "ipv4");
}

#[test]
fn callback_error_stops_reading() {
    let xml = doc("<host/><host/><host/>");
    let mut seen = 0;
    let result = read_nmap(xml.as_bytes(), &Limits::default(), |_| {
        seen += 1;
        if seen == 2 { Err("enough".into()) } else { Ok(()) }
    });
    assert!(matches!(result, Err(NmapError::Callback(m)) if m == "enough"));
    assert_eq!(seen, 2);
}

#[test]
fn crlf_bom_cdata_and_comments() {
    let xml = "\u{feff}<?xml version=\"1.0\"?>\r\n<!-- x --><nmaprun>\r\n<host><hostscript><script id=\"s\" output=\"o\"><elem key=\"k\">a\r\nb<![CDATA[<c>]]></elem></script></hostscript></host>\r\n<runstats><finished time=\"1\"/></runstats></nmaprun>\r\n";
    let (run, hosts) = parse(xml);
    assert!(run.complete);
    assert_eq!(hosts[0].scripts[0].elements[0], ScriptNode::Elem { key: Some("k".into()), value: "a\nb<c>".into() });
    // Positions still count lines after CRLF.
    let (line, _, _) = malformed("<nmaprun>\r\n<host>\r\n<x a=\"&nope;\"/>");
    assert_eq!(line, 3);
}

#[test]
fn never_panics_on_garbage() {
    let inputs = [
        "<",
        "<nmaprun",
        "<nmaprun>",
        "<nmaprun><host",
        "<nmaprun><host><ports><port portid=\"1\"><state",
        "<nmaprun>&",
        "<nmaprun>&#xFFFFFFFF;</nmaprun>",
        "<nmaprun>&#0;</nmaprun>",
        "<!DOCTYPE",
        "<!x>",
        "<nmaprun a=\"1\" a=\"2\"/>",
        "<nmaprun a=1/>",
        "</nmaprun>",
        "<nmaprun></host>",
        "\u{0}\u{1}",
        "<nmaprun><host><hostscript><script id=\"a\"><table><elem>",
    ];
    for input in inputs {
        let (_, _, error) = parse_with(input, &Limits::default());
        assert!(error.is_some(), "accepted {input:?}");
    }
    let invalid_utf8: &[u8] = b"<nmaprun><host><hostnames><hostname name=\"\xff\"/></hostnames></host></nmaprun>";
    let (_, error) = read_nmap_partial(invalid_utf8, &Limits::default(), |_| Ok(()));
    assert!(matches!(error, Some(NmapError::Malformed { .. })), "{error:?}");
}

/// Results and error positions must not depend on how the reader chunks
/// its input (the importer keeps a chunk until it is used up).
#[test]
fn chunk_size_does_not_matter() {
    let scripts = r#"<host starttime="1"><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/>
<ports><port protocol="tcp" portid="443"><state state="open"/><service name="https"><cpe>cpe:/a:x&amp;y</cpe></service>
<script id="ssl-cert" output="Subject: CN=x&#xa;Issuer: CN=y"><table key="subject"><elem key="CN">x &lt;1&gt;</elem></table></script></port></ports>
</host>"#;
    let docs = [
        doc(scripts),
        format!("\u{feff}{}", doc(scripts)),
        doc(&format!("{scripts}\n<host><ports><port protocol=\"tcp\" portid=\"x1\"/></ports></host>")),
        doc(&format!("{scripts}\n<host>\n<x a=\"&zz;\"/></host>")),
        doc(&format!("{scripts}\n<host>\n  </hots>")),
        format!("<nmaprun>\n{scripts}\n<host><address addr=\"10.0"),
        format!("<nmaprun>\n{scripts}\n<host><hostnames>\n"),
    ];
    for xml in &docs {
        let (run, hosts, error) = parse_with(xml, &Limits::default());
        let want = format!("{run:?} {hosts:?} {error:?}");
        for capacity in [1, 2, 3, 5, 8, 13, 64] {
            let reader = std::io::BufReader::with_capacity(capacity, xml.as_bytes());
            let mut got_hosts = Vec::new();
            let (run, error) = read_nmap_partial(reader, &Limits::default(), |h| {
                got_hosts.push(h);
                Ok(())
            });
            let got = format!("{run:?} {got_hosts:?} {error:?}");
            assert_eq!(got, want, "capacity {capacity}");
        }
    }
}

// ---------------------------------------------------------------------------
// Threaded reading must give exactly what single-threaded reading gives.

/// Everything one read produced: run, hosts delivered, error (with position).
/// `stop_after`: the callback refuses the host after that many.
/// `workers`: `None` for the reference, streaming path.
fn outcome(xml: &[u8], limits: &Limits, workers: Option<usize>, capacity: usize, stop_after: Option<usize>) -> String {
    let mut hosts = Vec::new();
    let reader = std::io::BufReader::with_capacity(capacity, xml);
    let (run, error) = read_with_workers(
        reader,
        limits,
        &mut |host| {
            if Some(hosts.len()) == stop_after {
                return Err("stop".to_owned());
            }
            hosts.push(host);
            Ok(())
        },
        workers,
    );
    format!("{run:?}\n{hosts:?}\n{error:?}")
}

/// Reads `xml` without threads and with 1 to 3 workers, through readers of
/// several buffer sizes, and requires identical outcomes.
fn assert_threads_agree(xml: &[u8], limits: &Limits, stop_after: Option<usize>, what: &str) {
    for capacity in [64 * 1024, 7] {
        let want = outcome(xml, limits, None, capacity, stop_after);
        for workers in [0, 1, 2, 3] {
            let got = outcome(xml, limits, Some(workers), capacity, stop_after);
            assert_eq!(got, want, "{what}: {workers} workers, reader capacity {capacity}");
        }
    }
}

/// Hosts that exercise every kind of markup the splitter must step over.
fn tricky_hosts() -> String {
    let mut hosts = String::new();
    for i in 0..6 {
        hosts.push_str(&format!(
            r#"<host starttime="{i}" endtime="{i}"><status state="up" reason="syn-ack"/>
<address addr="10.0.0.{i}" addrtype="ipv4"/><!-- a comment with </host> and <host> -->
<hostnames><hostname name="h{i}.example" type="PTR"/></hostnames>
<ports><extraports state="closed" count="98"/>
<port protocol="tcp" portid="{port}"><state state="open" reason="syn-ack"/><service name="http" product="A&amp;B" extrainfo='single "quoted" > value' conf="10"><cpe>cpe:/a:x:y</cpe></service>
<script id="s" output="a/>b &lt;c&gt; &#xa;d"><elem key="k">x &gt; y</elem><![CDATA[</host><host>]]><?pi </host> ?><table key="t"><elem>1</elem><table/></table></script></port>
</ports><os><osmatch name="Linux" accuracy="90"/></os><hostscript><script id="h" output="o"/></hostscript>
<times srtt="1" rttvar="2" to="3"/></host>
<host><status state="down"/></host>
"#,
            port = 20 + i
        ));
    }
    hosts
}

#[test]
fn threads_agree_on_synthetic_documents() {
    let tiny =
        Limits { max_host_bytes: 3000, max_ports_per_host: 2, max_script_output: 8, max_nesting: 2, max_attributes: 6 };
    let docs = [
        doc(&tricky_hosts()),
        doc(""),
        format!("\u{feff}{}", doc(&tricky_hosts())),
        doc(&format!("{}<host>\n<x a=\"&zz;\"/></host>{}", tricky_hosts(), tricky_hosts())),
        doc(&format!("{}<host>\n  </hots>{}", tricky_hosts(), tricky_hosts())),
        doc(&format!("{}<host><ports><port protocol=\"tcp\" portid=\"x1\"/></ports></host>", tricky_hosts())),
        // What the splitter declines: the main thread parses these hosts.
        doc(&format!(
            "{}<host><?xml version=\"1.1\"?><hostnames><hostname name=\"a\u{85}b\"/></hostnames></host>{}",
            tricky_hosts(),
            tricky_hosts()
        )),
        doc(&format!("{}<host><!DOCTYPE x></host>{}", tricky_hosts(), tricky_hosts())),
        doc(&format!("{}<host><!DOCTYPE ></host>{}", tricky_hosts(), tricky_hosts())),
        doc(&format!("{}<host><status state=\"up\"/></host ><host/>{}", tricky_hosts(), tricky_hosts())),
        doc(&format!("{}<host><status state=\"up\"/></port>{}", tricky_hosts(), tricky_hosts())),
        doc(&format!("{}<host><!-x-></host>", tricky_hosts())),
        // Hosts where they do not belong are not hosts.
        format!("<host/><nmaprun>{}</nmaprun>", tricky_hosts()),
        format!("<nmaprun>{}</nmaprun>{}", tricky_hosts(), tricky_hosts()),
        format!(
            "<nmaprun><prescript><host><x/></host></prescript>{}<runstats><host/></runstats></nmaprun>",
            tricky_hosts()
        ),
        // Damage after hosts a worker may have finished already.
        format!("<nmaprun>{}<runstats><finished time=\"x\"/></runstats></nmaprun>", tricky_hosts()),
        format!("<nmaprun>{}<verbose level=\"&x;\"/>{}</nmaprun>", tricky_hosts(), tricky_hosts()),
        format!("<nmaprun>{}", tricky_hosts()),
        format!("<nmaprun>{}<host><ports>", tricky_hosts()),
    ];
    for (i, xml) in docs.iter().enumerate() {
        assert_threads_agree(xml.as_bytes(), &Limits::default(), None, &format!("document {i}"));
        assert_threads_agree(xml.as_bytes(), &tiny, None, &format!("document {i}, tiny limits"));
    }
    // A callback that stops at each host in turn.
    let xml = doc(&tricky_hosts());
    for stop in 0..13 {
        assert_threads_agree(xml.as_bytes(), &Limits::default(), Some(stop), &format!("stop after {stop}"));
    }
    // The threaded path really hands hosts to workers.
    split::CUT.with(|cut| cut.set(0));
    let _ = outcome(xml.as_bytes(), &Limits::default(), Some(2), 64 * 1024, None);
    assert!(split::CUT.with(|cut| cut.get()) >= 4);
}

#[test]
fn threads_agree_on_every_truncation() {
    let xml = doc(&tricky_hosts()[..1500]);
    for end in 0..=xml.len() {
        let cut = &xml.as_bytes()[..end];
        let want = outcome(cut, &Limits::default(), None, 64 * 1024, None);
        assert_eq!(outcome(cut, &Limits::default(), Some(2), 64 * 1024, None), want, "truncated at {end}");
    }
}

/// Deterministic pseudo-random numbers (xorshift64*), to mutate documents.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

#[test]
fn threads_agree_on_damaged_documents() {
    const SNIPPETS: &[&str] = &[
        "<",
        ">",
        "\"",
        "'",
        "/",
        "&",
        ";",
        "=",
        "\n",
        "</host>",
        "<host>",
        "<host/>",
        "</port>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<?",
        "?>",
        "<?xml version=\"1.1\"?>",
        "<!DOCTYPE x>",
        "<!DOCTYPE >",
        "&bogus;",
        "&#x2013;",
        "\u{85}",
        "<port protocol=\"tcp\" portid=\"9\"/>",
        "<elem>",
        "</script>",
        "<table>",
        "\u{feff}",
        "\u{ff}",
    ];
    let base = doc(&tricky_hosts());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..400 {
        let mut xml = base.clone().into_bytes();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(xml.len());
            match rng.below(3) {
                0 => {
                    xml.remove(at);
                }
                1 => {
                    let snippet = SNIPPETS[rng.below(SNIPPETS.len())].as_bytes();
                    xml.splice(at..at, snippet.iter().copied());
                }
                _ => xml[at] = SNIPPETS[rng.below(SNIPPETS.len())].as_bytes()[0],
            }
        }
        let want = outcome(&xml, &Limits::default(), None, 64 * 1024, None);
        for (workers, capacity) in [(2, 64 * 1024), (0, 64 * 1024), (1, 5)] {
            let want =
                if capacity == 5 { outcome(&xml, &Limits::default(), None, capacity, None) } else { want.clone() };
            let got = outcome(&xml, &Limits::default(), Some(workers), capacity, None);
            assert_eq!(
                got,
                want,
                "round {round} ({workers} workers, capacity {capacity}): {}",
                String::from_utf8_lossy(&xml)
            );
        }
    }
}

#[test]
fn threads_agree_on_a_host_too_big_to_cut() {
    // Larger than what is cut out for a worker: parsed in place, streaming.
    let output = "x".repeat(400_000);
    let big = format!(
        "<host><hostscript><script id=\"a\" output=\"{output}\"/><script id=\"b\" output=\"{output}\"/><script id=\"c\" output=\"{output}\"/></hostscript></host>"
    );
    let xml = doc(&format!("{}{big}{}", tricky_hosts(), tricky_hosts()));
    let limits = Limits { max_script_output: 10, ..Limits::default() };
    assert_threads_agree(xml.as_bytes(), &limits, None, "big host");

    // Hosts around the token limit (64 KiB at least): only hosts shorter
    // than it are cut out, so that no token in a cut host can break it.
    let tiny = Limits { max_host_bytes: 1000, ..Limits::default() };
    for len in [60_000, 65_400, 65_536, 70_000] {
        let host = format!("<host><hostscript><script id=\"a\" output=\"{}\"/></hostscript></host>", "y".repeat(len));
        let xml = doc(&format!("{}{host}{}", tricky_hosts(), tricky_hosts()));
        assert_threads_agree(xml.as_bytes(), &tiny, None, &format!("token of {len} bytes"));
        assert_threads_agree(xml.as_bytes(), &limits, None, &format!("token of {len} bytes, default limits"));
    }
}

/// Every file of the shared corpus, read with and without threads.
#[test]
fn threads_agree_on_the_corpus() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/nmap-xml");
    if !root.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "nmap corpus missing at {} (required under CI)",
            root.display()
        );
        eprintln!("skipping: nmap corpus not found at {}", root.display());
        return;
    }
    let mut dirs = vec![root];
    let mut files = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read corpus dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "xml") {
                let xml = std::fs::read(&path).expect("read corpus file");
                let name = path.display().to_string();
                assert_threads_agree(&xml, &Limits::default(), None, &name);
                assert_threads_agree(&xml, &Limits::default(), Some(1), &format!("{name}, stop after 1"));
                files += 1;
            }
        }
    }
    assert!(files >= 40, "only {files} corpus files");
}

#[test]
fn packed_hosts_unpack_identical() {
    let (_, mut hosts) = parse(&doc(&tricky_hosts()));
    // Every field set, deep tables, non-ASCII text.
    let mut deep = ScriptNode::Elem { key: Some("leaf".into()), value: "é".into() };
    for depth in 0..200 {
        deep = ScriptNode::Table { key: (depth % 2 == 0).then(|| format!("t{depth}")), children: vec![deep] };
    }
    let service = Service {
        name: Some("n".into()),
        product: Some("p".into()),
        version: Some("v".into()),
        extrainfo: Some("e".into()),
        tunnel: Some("ssl".into()),
        method: Some("probed".into()),
        conf: Some(10),
        ostype: Some("Linux".into()),
        cpe: vec!["a".into(), String::new()],
    };
    let script = Script {
        id: "s".into(),
        output: "ổ\n".into(),
        elements: vec![deep, ScriptNode::Table { key: None, children: vec![] }],
    };
    hosts.push(Host {
        state: Some("up".into()),
        reason: Some(String::new()),
        addresses: vec![Address { addr: "::1".into(), addrtype: "ipv6".into(), vendor: Some("V".into()) }],
        hostnames: vec![Hostname { name: "h".into(), kind: None }],
        ports: vec![Port {
            protocol: "tcp".into(),
            portid: 65535,
            state: "open".into(),
            reason: None,
            service: Some(service),
            scripts: vec![script.clone()],
        }],
        extraports: vec![ExtraPorts { state: "closed".into(), count: u32::MAX }],
        os_matches: vec![OsMatch { name: "L".into(), accuracy: None }],
        scripts: vec![script],
        starttime: Some(i64::MIN),
        endtime: None,
    });
    hosts.push(Host::default());
    for host in &hosts {
        let (mut bytes, mut text) = (Vec::new(), String::new());
        packed::pack(host, &mut bytes, &mut text);
        let mut ports = Vec::new();
        assert_eq!(packed::unpack(&bytes, &text, &mut ports).as_ref(), Some(host));
        // Damaged input is refused, not a panic.
        assert!(bytes.len() < 2 || packed::unpack(&bytes[..bytes.len() / 2], &text, &mut ports).is_none());
    }
}

/// A reader that fails after `ok` bytes, handed out `chunk` bytes at a time.
struct Failing<'a> {
    data: &'a [u8],
    ok: usize,
    chunk: usize,
}

impl std::io::Read for Failing<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let available = std::io::BufRead::fill_buf(self)?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        std::io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl std::io::BufRead for Failing<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.ok == 0 && !self.data.is_empty() {
            return Err(std::io::Error::other("disk on fire"));
        }
        let n = self.data.len().min(self.ok).min(self.chunk);
        Ok(&self.data[..n])
    }

    fn consume(&mut self, amt: usize) {
        self.data = &self.data[amt..];
        self.ok -= amt;
    }
}

#[test]
fn threads_agree_on_read_errors() {
    let xml = doc(&tricky_hosts());
    for ok in (0..xml.len()).step_by(97) {
        for chunk in [4096, 100] {
            let read = |workers| {
                let mut hosts = Vec::new();
                let reader = Failing { data: xml.as_bytes(), ok, chunk };
                let mut on_host = |host| {
                    hosts.push(host);
                    Ok(())
                };
                let (run, error) = read_with_workers(reader, &Limits::default(), &mut on_host, workers);
                format!("{run:?}\n{hosts:?}\n{error:?}")
            };
            let want = read(None);
            assert!(want.contains("disk on fire"), "{want}");
            for workers in [0, 1, 2] {
                assert_eq!(read(Some(workers)), want, "failing after {ok} bytes, chunks of {chunk}, {workers} workers");
            }
        }
    }
}
