//! The facts rules see. Each evidence record becomes a JSON object with a fixed shape — every
//! field present, empty when nmap did not report it — so rule expressions never stumble over a
//! missing key. The shapes below are the rule language's contract; add fields, don't rename.

use crate::evidence::nmap::ScannedHost;
use crate::evidence::nmap::{Port, Script, ScriptNode};
use crate::inventory::{Agency, Incident, System};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// `system`: the registered system being evaluated.
pub fn system(agency: &Agency, s: &System, catalogue: &str) -> Value {
    let allowed: Vec<String> = s.assets.allowed_ports.iter().map(ToString::to_string).collect();
    json!({
        "id": s.id,
        "agency": agency.id,
        "name": s.name,
        "level": s.level,
        "catalogue": catalogue,
        "approval": s.approval.status.as_str(),
        "allowed_ports": allowed,
        "has_allowed_ports": !s.assets.allowed_ports.is_empty(),
    })
}

/// `incident`: one recorded incident, with the delays the deadlines are judged on. Delays are
/// whole minutes from detection (`-1` when there is no such notice or report); `open_minutes` runs
/// to the end of the evaluation day at the detection's UTC offset, so an unreported incident can
/// be judged late once its deadline has passed.
pub fn incident(i: &Incident, n: usize, as_of: time::Date) -> Value {
    let after = |t: Option<time::OffsetDateTime>| t.map_or(-1, |t| (t - i.detected).whole_minutes());
    let day_end = time::PrimitiveDateTime::new(as_of.next_day().unwrap_or(as_of), time::Time::MIDNIGHT)
        .assume_offset(i.detected.offset());
    // Shown at the offset the inventory gave: agencies read local time.
    let at = |t: Option<time::OffsetDateTime>| {
        t.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()).unwrap_or_default()
    };
    json!({
        "id": i.id.clone().unwrap_or_else(|| format!("incident #{}", n + 1)),
        "severity": i.severity.as_str(),
        "detected": at(Some(i.detected)),
        "notified": at(i.notified),
        "reported": at(i.reported),
        "has_notice": i.notified.is_some(),
        "notice_after_minutes": after(i.notified),
        "has_report": i.reported.is_some(),
        "report_after_minutes": after(i.reported),
        "open_minutes": (day_end - i.detected).whole_minutes().max(0),
        "reference": i.reference.clone().unwrap_or_default(),
    })
}

/// `params`: the level profile's parameters.
pub fn params(p: &BTreeMap<String, Value>) -> Value {
    Value::Object(p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// `host`: one scanned host.
pub fn host(h: &ScannedHost) -> Value {
    let open: Vec<String> =
        h.host.ports.iter().filter(|p| p.state == "open").map(|p| format!("{}/{}", p.protocol, p.portid)).collect();
    json!({
        "address": h.label,
        "public": h.addresses.iter().any(|a| is_public(*a)),
        "addresses": h.addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "hostnames": h.names,
        "state": h.host.state.clone().unwrap_or_default(),
        "os": h.host.os_matches.iter().map(|o| o.name.clone()).collect::<Vec<_>>(),
        "open_ports": open,
        "scripts": scripts(&h.host.scripts),
    })
}

/// `port`: one port of a scanned host.
pub fn port(p: &Port) -> Value {
    let s = p.service.clone().unwrap_or_default();
    let text = |o: Option<String>| o.unwrap_or_default();
    let label = service_label(s.name.as_deref().unwrap_or_default(), s.tunnel.as_deref().unwrap_or_default());
    json!({
        "protocol": p.protocol,
        "portid": p.portid,
        "id": format!("{}/{}", p.protocol, p.portid),
        "state": p.state,
        "reason": text(p.reason.clone()),
        "service": {
            "name": text(s.name),
            "product": text(s.product),
            "version": text(s.version),
            "extrainfo": text(s.extrainfo),
            "tunnel": text(s.tunnel),
            "method": text(s.method),
            "conf": s.conf.unwrap_or(0),
            "cpe": s.cpe,
            "label": label,
        },
        "scripts": scripts(&p.scripts),
    })
}

/// What a message calls the service: nmap reports HTTP over TLS as name `http`, tunnel `ssl`,
/// which is `https` to a reader (another tunnelled service is `ssl/NAME`, as nmap prints it).
fn service_label(name: &str, tunnel: &str) -> String {
    match (name, tunnel) {
        ("http", "ssl") => "https".to_string(),
        (name, "ssl") if !name.is_empty() => format!("ssl/{name}"),
        (name, _) => name.to_string(),
    }
}

/// Scripts as `{id: {output, elements}}`; `elements` flattens the script's structured output to
/// `{"key": "value"}` (nested tables joined with dots), so rules can test `"sslv2" in ...`.
fn scripts(list: &[Script]) -> Value {
    let mut m = Map::new();
    for s in list {
        let mut flat = Map::new();
        flatten(&s.elements, "", &mut flat);
        m.insert(s.id.clone(), json!({"output": s.output, "elements": flat}));
    }
    Value::Object(m)
}

fn flatten(nodes: &[ScriptNode], prefix: &str, out: &mut Map<String, Value>) {
    for (i, n) in nodes.iter().enumerate() {
        match n {
            ScriptNode::Elem { key, value } => {
                let k = join(prefix, key.as_deref(), i);
                out.insert(k, Value::String(value.clone()));
            }
            ScriptNode::Table { key, children } => flatten(children, &join(prefix, key.as_deref(), i), out),
        }
    }
}

fn join(prefix: &str, key: Option<&str>, index: usize) -> String {
    let k = key.map(str::to_string).unwrap_or_else(|| index.to_string());
    if prefix.is_empty() { k } else { format!("{prefix}.{k}") }
}

/// Globally routable: not private, loopback, link-local, CGNAT (100.64/10), unique-local or
/// unspecified. Documentation ranges (RFC 5737/3849) count as public: they stand for public
/// addresses in examples and tests.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            let cgnat = o[0] == 100 && (64..128).contains(&o[1]);
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || cgnat)
        }
        std::net::IpAddr::V6(v6) => {
            let seg0 = v6.segments()[0];
            let unique_local = (seg0 & 0xfe00) == 0xfc00;
            let link_local = (seg0 & 0xffc0) == 0xfe80;
            let mapped = v6.to_ipv4_mapped().map(|v4| is_public(std::net::IpAddr::V4(v4)));
            mapped.unwrap_or(!(v6.is_loopback() || v6.is_unspecified() || unique_local || link_local))
        }
    }
}

/// An evidence time (RFC 3339, as the contract writes every time).
fn rfc3339(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// Whole days from `t` to the end of the evaluation day (0 for the same day; negative if after).
fn days_before(t: Option<time::OffsetDateTime>, as_of: time::Date) -> i64 {
    t.map_or(-1, |t| (as_of - t.date()).whole_days())
}

/// `audit`: one host audit, without its check list (rules read checks through `select:`).
pub fn audit(rec: &crate::evidence::Record, f: &crate::evidence::HostAuditFacts, as_of: time::Date) -> Value {
    json!({
        "target": rec.target,
        "benchmark": f.benchmark.clone().unwrap_or_default(),
        "profile": f.profile.clone().unwrap_or_default(),
        "tool": rec.source.as_ref().and_then(|s| s.tool.clone()).unwrap_or_default(),
        "score": f.score.unwrap_or(-1.0),
        "checks": f.results.len(),
        "counts": f.counts,
        "state": f.state.clone().unwrap_or_default(),
        "has_state": f.state.is_some(),
        "age_days": days_before(rec.observed(), as_of),
    })
}

/// `check`: one audited check as a `select:` expression sees it — what it is, never its result.
pub fn check(benchmark: &str, c: &crate::evidence::Check) -> Value {
    json!({
        "id": c.check,
        "title": c.title,
        "severity": c.severity.map_or("", |s| s.as_str()),
        "references": c.references,
        "benchmark": benchmark,
    })
}

/// `vulns`: one vulnerability scan; each finding with the days it has been open at the
/// evaluation date (from its first sighting: the tool's, else the earliest among the files).
pub fn vulns(
    rec: &crate::evidence::Record,
    f: &crate::evidence::VulnerabilityFacts,
    as_of: time::Date,
    first_seen: impl Fn(&str) -> Option<time::OffsetDateTime>,
) -> Value {
    let findings: Vec<Value> = f
        .findings
        .iter()
        .map(|v| {
            let tool_first = v.first_seen.as_deref().and_then(rfc3339);
            let first = tool_first.or_else(|| first_seen(&v.id)).or(rec.observed());
            json!({
                "id": v.id,
                "name": v.name,
                "port": v.port.clone().unwrap_or_default(),
                "severity": v.severity.map_or("unknown", |s| s.as_str()),
                "cvss": v.cvss.unwrap_or(-1.0),
                "cves": v.cves,
                "first_seen": first.map(crate::dates::rfc3339).unwrap_or_default(),
                "open_days": days_before(first, as_of),
            })
        })
        .collect();
    json!({
        "target": rec.target,
        "tool": rec.source.as_ref().and_then(|s| s.tool.clone()).unwrap_or_default(),
        "counts": f.counts,
        "findings": findings,
        "age_days": days_before(rec.observed(), as_of),
    })
}

/// `agent`: one monitoring agent; `silent_hours` is the time from its last keep-alive to when the
/// list was taken (-1 when either is unknown).
pub fn agent(rec: &crate::evidence::Record, f: &crate::evidence::AgentFacts, as_of: time::Date) -> Value {
    let keepalive = f.last_keepalive.as_deref().and_then(rfc3339);
    let silent = keepalive.zip(rec.observed()).map_or(-1, |(k, at)| (at - k).whole_hours());
    json!({
        "target": rec.target,
        "tool": f.tool,
        "agent_id": f.agent_id,
        "status": f.status,
        "active": f.status.eq_ignore_ascii_case("active"),
        "last_keepalive": f.last_keepalive.clone().unwrap_or_default(),
        "silent_hours": silent,
        "version": f.version.clone().unwrap_or_default(),
        "age_days": days_before(rec.observed(), as_of),
    })
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn public_addresses() {
        for a in ["203.0.113.5", "8.8.8.8", "2001:db8::1"] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
        for a in [
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "127.0.0.1",
            "100.64.1.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn an_ssl_tunnelled_http_port_is_called_https() {
        use super::service_label;
        assert_eq!(service_label("http", "ssl"), "https");
        assert_eq!(service_label("imap", "ssl"), "ssl/imap");
        assert_eq!(service_label("http", ""), "http");
        assert_eq!(service_label("", "ssl"), "");
        let facts = serde_json::json!({"port": {"id": "tcp/443", "service": {"label": service_label("http", "ssl")}}});
        let msg = crate::policy::rules::render_message("{port.id} ({port.service.label}) is open", &facts);
        assert_eq!(msg, "tcp/443 (https) is open");
    }
}
