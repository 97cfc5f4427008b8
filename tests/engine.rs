//! Evaluation semantics of the spec: control status order, attestation validity, waivers,
//! evidence age, rates, unregistered assets, determinism.

mod common;

use std::path::Path;
use time::macros::date;
use tuanthu::engine::{self, Assessment, Evidence, Options, Status};
use tuanthu::i18n::Lang;
use tuanthu::import::nmap::read_scoped as import_nmap;
use tuanthu::inventory::Inventory;
use tuanthu::inventory::Scope;
use tuanthu::policy::Policy;
use tuanthu::report::Report;

fn policy() -> Policy {
    Policy::bundled().unwrap()
}

/// Attestations `implemented` for every control and obligation of `level`, reviewed on `reviewed`,
/// except the ids in `skip`.
fn attest_all(level: u8, reviewed: &str, skip: &[&str]) -> String {
    let p = policy();
    let prof = p.profile("tt12-2022", level).unwrap();
    let mut s = String::from("    attestations:\n");
    for id in prof.controls.iter().chain(prof.obligations.iter()).filter(|id| !skip.contains(&id.as_str())) {
        s.push_str(&format!("      {id}: {{status: implemented, evidence: \"QĐ 1/QĐ\", reviewed: {reviewed}}}\n"));
    }
    s
}

fn inv(text: &str) -> Inventory {
    let agency = tuanthu::inventory::parse_file("inv.yaml", text, &[]).unwrap_or_else(|e| panic!("{e}"));
    Inventory { agencies: vec![agency] }
}

fn eval(inv: &Inventory, nmap: &[&Path], as_of: time::Date) -> Assessment {
    let p = policy();
    assert!(engine::references::check(inv, &p, None, as_of).is_empty());
    let scope = Scope::of(inv);
    let evidence = Evidence { nmap: nmap.iter().map(|f| import_nmap(f, &scope)).collect(), ..Default::default() };
    engine::evaluate(inv, &p, &evidence, &Options { as_of, max_evidence_age_days: None, catalogue: None })
}

fn status(a: &Assessment, control: &str) -> Status {
    let s = &a.agencies[0].systems[0];
    s.controls
        .iter()
        .chain(s.obligations.iter())
        .find(|c| &*c.id == control)
        .unwrap_or_else(|| panic!("{control} not evaluated"))
        .status
}

/// An nmap run started at `start` (unix seconds) with one host and its open TCP ports.
fn nmap_xml(start: i64, addr: &str, ports: &[(u16, &str)]) -> String {
    let ports: String = ports
        .iter()
        .map(|(p, svc)| format!("<port protocol=\"tcp\" portid=\"{p}\"><state state=\"open\" reason=\"syn-ack\"/><service name=\"{svc}\" method=\"probed\" conf=\"10\"/></port>"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\" args=\"nmap -sV\" start=\"{start}\" version=\"7.93\" xmloutputversion=\"1.05\">\
<host starttime=\"{start}\" endtime=\"{start}\"><status state=\"up\" reason=\"syn-ack\"/><address addr=\"{addr}\" addrtype=\"ipv4\"/><ports>{ports}</ports></host>\
<runstats><finished time=\"{start}\" exit=\"success\"/><hosts up=\"1\" down=\"0\" total=\"1\"/></runstats></nmaprun>"
    )
}

const NOV_2026: i64 = 1_795_000_000; // 2026-11-19

#[test]
fn fully_attested_clean_system_is_compliant() {
    let d = common::dir_with(&[("scan.xml", &nmap_xml(NOV_2026, "203.0.113.5", &[(443, "https")]))]);
    let text = common::inventory(
        1,
        &format!(
            "    assets: {{hosts: [203.0.113.5], allowed_ports: [tcp/443]}}\n{}",
            attest_all(1, "2026-06-01", &[])
        ),
    );
    let a = eval(&inv(&text), &[&d.path().join("scan.xml")], date!(2026 - 11 - 25));
    let s = &a.agencies[0].systems[0];
    assert!(s.compliant(), "{:?}", s.controls.iter().filter(|c| c.status != Status::Pass).collect::<Vec<_>>());
    assert!(s.fully_implemented());
}

#[test]
fn status_order_not_applicable_then_fail_then_unknown() {
    let d = common::dir_with(&[("scan.xml", &nmap_xml(NOV_2026, "203.0.113.5", &[(23, "telnet")]))]);
    let mut att = attest_all(1, "2026-06-01", &["NET.06", "SRV.04", "POL.01"]);
    // A failing scan cannot beat a justified not-applicable...
    att.push_str("      NET.06: {status: not-applicable, reason: \"thiết bị do đơn vị khác quản lý\"}\n");
    // ...and a fresh attestation cannot beat a failing scan.
    att.push_str("      SRV.04: {status: implemented, evidence: x, reviewed: 2026-10-01}\n");
    let text = common::inventory(1, &format!("    assets: {{hosts: [203.0.113.5]}}\n{att}"));
    let a = eval(&inv(&text), &[&d.path().join("scan.xml")], date!(2026 - 11 - 25));
    assert_eq!(status(&a, "NET.06"), Status::NotApplicable);
    assert_eq!(status(&a, "SRV.04"), Status::Fail);
    assert_eq!(status(&a, "POL.01"), Status::Unknown, "no attestation is unknown, never pass");
    assert_eq!(status(&a, "POL.02"), Status::Pass);
}

#[test]
fn attestation_statuses_and_validity() {
    let extra = "      POL.01: {status: partial, evidence: x, reviewed: 2026-06-01}\n      POL.02: {status: planned}\n      POL.03: {status: not-implemented}\n      ORG.01: {status: implemented, reviewed: 2026-06-01}\n      ORG.02: {status: implemented, evidence: x}\n      HR.01: {status: implemented, evidence: x, reviewed: 2026-12-01}\n      HR.02: {status: implemented, evidence: x, reviewed: 2025-11-25}\n      HR.03: {status: implemented, evidence: x, reviewed: 2025-11-24}\n";
    let att =
        attest_all(1, "2026-06-01", &["POL.01", "POL.02", "POL.03", "ORG.01", "ORG.02", "HR.01", "HR.02", "HR.03"]);
    let a = eval(&inv(&common::inventory(1, &format!("{att}{extra}"))), &[], date!(2026 - 11 - 25));
    assert_eq!(status(&a, "POL.01"), Status::Fail, "partial");
    assert_eq!(status(&a, "POL.02"), Status::Fail, "planned");
    assert_eq!(status(&a, "POL.03"), Status::Fail, "not-implemented");
    assert_eq!(status(&a, "ORG.01"), Status::Unknown, "no evidence reference");
    assert_eq!(status(&a, "ORG.02"), Status::Unknown, "no review date");
    assert_eq!(status(&a, "HR.01"), Status::Unknown, "reviewed after the evaluation date");
    assert_eq!(status(&a, "HR.02"), Status::Pass, "exactly 12 months old is still valid");
    assert_eq!(status(&a, "HR.03"), Status::Unknown, "12 months and a day is stale");
}

#[test]
fn periodic_inspection_validity_depends_on_level() {
    // OBL.03: yearly for level 3-4, every 6 months for level 5 (Decree 85 Art. 20.2.c).
    for (level, reviewed, expect) in [
        (5, "2026-05-25", Status::Pass),
        (5, "2026-05-24", Status::Unknown),
        (3, "2025-11-25", Status::Pass),
        (3, "2025-11-24", Status::Unknown),
        (2, "2024-11-25", Status::Pass),
    ] {
        let att = format!(
            "    attestations:\n      OBL.03: {{status: implemented, evidence: \"Báo cáo kiểm tra\", reviewed: {reviewed}}}\n"
        );
        let a = eval(&inv(&common::inventory(level, &att)), &[], date!(2026 - 11 - 25));
        assert_eq!(status(&a, "OBL.03"), expect, "level {level}, reviewed {reviewed}");
    }
}

#[test]
fn waivers_valid_expired_and_on_passing_controls() {
    let att = attest_all(1, "2026-06-01", &["POL.01", "POL.02"]);
    let waivers = "    waivers:\n      - {control: POL.01, reason: \"đang mua sắm\", approved_by: \"Giám đốc\", expires: 2026-11-25}\n      - {control: POL.02, reason: \"hết hạn\", expires: 2026-11-24}\n      - {control: POL.03, reason: \"không cần\", expires: 2027-01-01}\n";
    let a = eval(&inv(&common::inventory(1, &format!("{att}{waivers}"))), &[], date!(2026 - 11 - 25));
    let s = &a.agencies[0].systems[0];
    let pol01 = s.controls.iter().find(|c| &*c.id == "POL.01").unwrap();
    assert_eq!(
        (pol01.status, pol01.waived_status),
        (Status::Waived, Some(Status::Unknown)),
        "valid through its expiry day"
    );
    let pol02 = s.controls.iter().find(|c| &*c.id == "POL.02").unwrap();
    assert_eq!(pol02.status, Status::Unknown, "an expired waiver is no waiver");
    assert!(
        pol02
            .findings
            .iter()
            .any(|f| f.rule == "waiver" && f.message.render(Lang::En).contains("expired on 2026-11-24"))
    );
    assert_eq!(status(&a, "POL.03"), Status::Pass, "a waiver does not touch a passing control");
}

#[test]
fn old_scans_are_unknown_not_pass() {
    let old = NOV_2026 - 120 * 86_400;
    let d = common::dir_with(&[("scan.xml", &nmap_xml(old, "203.0.113.5", &[(23, "telnet")]))]);
    let text =
        common::inventory(1, &format!("    assets: {{hosts: [203.0.113.5]}}\n{}", attest_all(1, "2026-06-01", &[])));
    let inventory = inv(&text);
    let a = eval(&inventory, &[&d.path().join("scan.xml")], date!(2026 - 11 - 25));
    // The scan saw telnet, but 120 days ago: too old to fail or pass anything.
    assert_eq!(status(&a, "NET.06"), Status::Unknown);
    assert_eq!(status(&a, "POL.01"), Status::Pass, "attestation-only controls are unaffected");
    // With a longer accepted age the same scan is used, and telnet fails the control.
    let scope = Scope::of(&inventory);
    let ev = Evidence { nmap: vec![import_nmap(&d.path().join("scan.xml"), &scope)], ..Default::default() };
    let opts = Options { as_of: date!(2026 - 11 - 25), max_evidence_age_days: Some(180), catalogue: None };
    let b = engine::evaluate(&inventory, &policy(), &ev, &opts);
    assert_eq!(status(&b, "NET.06"), Status::Fail);
}

#[test]
fn a_system_with_hosts_but_no_scan_is_unknown_for_scan_visible_controls() {
    let text =
        common::inventory(1, &format!("    assets: {{hosts: [203.0.113.5]}}\n{}", attest_all(1, "2026-06-01", &[])));
    let a = eval(&inv(&text), &[], date!(2026 - 11 - 25));
    assert_eq!(status(&a, "NET.01"), Status::Unknown);
    let s = &a.agencies[0].systems[0];
    assert!(!s.compliant());
    // A system that declares no hosts has nothing for nmap to show: attestations decide.
    let text = common::inventory(1, &attest_all(1, "2026-06-01", &[]));
    assert!(eval(&inv(&text), &[], date!(2026 - 11 - 25)).agencies[0].systems[0].compliant());
}

#[test]
fn rates_follow_the_spec() {
    let full = attest_all(1, "2026-06-01", &[]);
    let sys = |id: &str, approval: &str, att: &str| {
        format!("  - id: {id}\n    name: {id}\n    level: 1\n    approval: {approval}\n{att}")
    };
    let approved = "{status: approved, decision: \"1/QĐ\", date: 2025-01-10}";
    let text = format!(
        "schema: tuanthu/inventory/v1\nagency: {{id: ag, name: Ag, catalogue: tt12-2022}}\nsystems:\n{}{}{}{}",
        sys("a", approved, &full),
        sys("b", approved, ""),
        sys("c", "{status: draft}", &full),
        sys(
            "d",
            "{status: submitted}",
            "    attestations:\n      POL.01: {status: implemented, evidence: x, reviewed: 2026-06-01}\n"
        ),
    );
    let a = eval(&inv(&text), &[], date!(2026 - 11 - 25));
    let r = Report::build(a, Lang::En, "2026-11-25T00:00:00Z".into());
    let ag = &r.agencies[0];
    assert_eq!(
        (ag.systems_total, ag.systems_approved, ag.systems_compliant, ag.systems_fully_implemented),
        (4, 2, 2, 1)
    );
    assert_eq!(ag.approval_rate, Some(0.5));
    assert_eq!(ag.compliance_rate, Some(0.5));
    assert_eq!(ag.fully_implemented_rate, Some(0.25));
    assert_eq!(ag.approved_compliance_rate, Some(0.5));
    let dep: Vec<_> = ag.systems.iter().map(|s| format!("{:?}", s.deployment)).collect();
    assert_eq!(dep, ["Full", "None", "Full", "Partial"]);
    assert_eq!(ag.missing_controls[0].systems, 2, "b and d miss most controls");
    // An agency without systems has no rates, not zero rates.
    let empty = inv("schema: tuanthu/inventory/v1\nagency: {id: e, name: E}\nsystems: []\n");
    let r = Report::build(eval(&empty, &[], date!(2026 - 11 - 25)), Lang::En, String::new());
    assert_eq!(r.agencies[0].approval_rate, None);
}

#[test]
fn unregistered_assets_are_listed_and_down_hosts_are_not() {
    let xml = "<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\" start=\"1795000000\" version=\"7.93\">\
<host><status state=\"up\"/><address addr=\"203.0.113.5\" addrtype=\"ipv4\"/></host>\
<host><status state=\"up\"/><address addr=\"198.51.100.7\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" portid=\"8080\"><state state=\"open\"/></port></ports></host>\
<host><status state=\"down\"/><address addr=\"198.51.100.8\" addrtype=\"ipv4\"/></host>\
<runstats><finished time=\"1795000001\" exit=\"success\"/></runstats></nmaprun>";
    let d = common::dir_with(&[("scan.xml", xml)]);
    let text = common::inventory(1, "    assets: {hosts: [203.0.113.0/28]}\n");
    let a = eval(&inv(&text), &[&d.path().join("scan.xml")], date!(2026 - 11 - 25));
    assert_eq!(a.unregistered.len(), 1, "{:?}", a.unregistered);
    assert_eq!(a.unregistered[0].address, "198.51.100.7");
    assert_eq!(a.unregistered[0].open_ports, ["8080/tcp"]);
    assert_eq!(a.inputs[0].hosts_matched, 1);
}

#[test]
fn truncated_scan_keeps_hosts_before_the_damage() {
    let full = nmap_xml(NOV_2026, "203.0.113.5", &[(23, "telnet")]);
    let cut = &full[..full.find("<runstats>").unwrap()];
    let d = common::dir_with(&[("scan.xml", cut)]);
    let text = common::inventory(1, "    assets: {hosts: [203.0.113.5]}\n");
    let a = eval(&inv(&text), &[&d.path().join("scan.xml")], date!(2026 - 11 - 25));
    assert!(a.inputs[0].partial);
    assert!(a.inputs[0].error.is_some());
    assert_eq!(status(&a, "NET.06"), Status::Fail, "the host read before the cut still counts");
}

#[test]
fn tailoring_adds_and_drops_with_reasons() {
    let d = common::dir_with(&[
        ("inv.yaml", &common::inventory(3, "    tailoring: [overlay]\n")),
        (
            "overlay.yaml",
            "schema: tuanthu/tailoring/v1\nadd: [DES.18]\ndrop:\n  - {control: DES.17, reason: \"Không có mạng không dây\"}\n",
        ),
    ]);
    let files = tuanthu::inventory::load_paths(&[d.path().join("inv.yaml")], &[]).unwrap();
    let a = eval(&files.inventory, &[], date!(2026 - 11 - 25));
    let s = &a.agencies[0].systems[0];
    assert!(s.controls.iter().any(|c| &*c.id == "DES.18" && c.tailored));
    assert!(!s.controls.iter().any(|c| &*c.id == "DES.17"));
    let drop = s.tailoring.iter().find(|t| t.action == "drop").unwrap();
    assert_eq!(drop.reason.as_deref(), Some("Không có mạng không dây"));
}

#[test]
fn a_rule_that_cannot_be_evaluated_makes_unknown() {
    // A third-party rule reading a fact nmap never gives: its records are unmeasured, not passed.
    let rule = "schema: tuanthu/rule/v1\nid: broken-rule\nversion: 1\ncontrols: [POL.01]\nevidence: nmap.port\nseverity: low\nfail_when: 'port.service.nonexistent == \"x\"'\ninfo:\n  title: {en: t, vi: t}\n  description: {en: d, vi: d}\n  rationale: {en: r, vi: r}\n  remediation: {en: m, vi: m}\nmessage: {en: m, vi: m}\n";
    let mut rules = tuanthu::policy::source::bundled_sources("rules/");
    rules.push(tuanthu::policy::source::Source { origin: "broken-rule.yaml".into(), text: rule.into() });
    let p = Policy::from_sources(&tuanthu::policy::source::bundled_sources("profiles/"), &rules).unwrap();
    let d = common::dir_with(&[("scan.xml", &nmap_xml(NOV_2026, "203.0.113.5", &[(443, "https")]))]);
    let inventory = inv(&common::inventory(
        1,
        &format!("    assets: {{hosts: [203.0.113.5]}}\n{}", attest_all(1, "2026-06-01", &[])),
    ));
    let ev =
        Evidence { nmap: vec![import_nmap(&d.path().join("scan.xml"), &Scope::of(&inventory))], ..Default::default() };
    let a = engine::evaluate(
        &inventory,
        &p,
        &ev,
        &Options { as_of: date!(2026 - 11 - 25), max_evidence_age_days: None, catalogue: None },
    );
    assert_eq!(status(&a, "POL.01"), Status::Unknown);
}

#[test]
fn evaluation_is_deterministic() {
    let strip = |s: String| s.lines().filter(|l| !l.contains("\"generated_at\"")).collect::<Vec<_>>().join("\n");
    let one = strip(common::stdout(&common::check_demo(&["--format", "json"])));
    let two = strip(common::stdout(&common::check_demo(&["--format", "json"])));
    assert!(one.len() > 1000);
    assert_eq!(one, two);
}

#[test]
fn every_declared_host_must_be_seen_up() {
    // 203.0.113.5 was scanned clean; 203.0.113.6 is declared but absent from the scan: the scan
    // says nothing about it, so scan-visible controls are unknown rather than passed.
    let d = common::dir_with(&[("scan.xml", &nmap_xml(NOV_2026, "203.0.113.5", &[(443, "https")]))]);
    let text = common::inventory(
        1,
        &format!(
            "    assets: {{hosts: [203.0.113.5, 203.0.113.6], allowed_ports: [tcp/443]}}\n{}",
            attest_all(1, "2026-06-01", &[])
        ),
    );
    let a = eval(&inv(&text), &[&d.path().join("scan.xml")], date!(2026 - 11 - 25));
    assert_eq!(status(&a, "NET.01"), Status::Unknown);
    let c = a.agencies[0].systems[0].controls.iter().find(|c| &*c.id == "NET.01").unwrap();
    assert!(c.findings.iter().any(|f| f.asset.as_deref() == Some("203.0.113.6")));
}

#[test]
fn the_newest_scan_not_after_the_evaluation_date_is_used() {
    // An old scan saw telnet; a newer one (the fix) does not; a third, after --as-of, is ignored.
    let old = NOV_2026 - 200 * 86_400;
    let later = NOV_2026 + 30 * 86_400;
    let d = common::dir_with(&[
        ("old.xml", &nmap_xml(old, "203.0.113.5", &[(23, "telnet")])),
        ("new.xml", &nmap_xml(NOV_2026, "203.0.113.5", &[(443, "https")])),
        ("later.xml", &nmap_xml(later, "203.0.113.5", &[(3306, "mysql")])),
    ]);
    let text =
        common::inventory(1, &format!("    assets: {{hosts: [203.0.113.5]}}\n{}", attest_all(1, "2026-06-01", &[])));
    let files: Vec<_> = ["old.xml", "new.xml", "later.xml"].iter().map(|f| d.path().join(f)).collect();
    let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let a = eval(&inv(&text), &refs, date!(2026 - 11 - 25));
    assert_eq!(status(&a, "NET.06"), Status::Pass, "judged on the newest scan up to the evaluation date");
    assert_eq!(status(&a, "NET.01"), Status::Pass, "the later scan's mysql is not seen as of 2026-11-25");
}

/// A rule that speaks for several controls gives each of them its findings (the last control to
/// read them takes them, the others copy them); a control attested not applicable reads none, and
/// the controls judged after it still get theirs.
#[test]
fn a_rule_feeding_several_controls_gives_each_its_findings() {
    let d = common::dir_with(&[("scan.xml", &nmap_xml(NOV_2026, "203.0.113.5", &[(23, "telnet")]))]);
    let mut att = attest_all(3, "2026-06-01", &["NET.06"]);
    att.push_str("      NET.06: {status: not-applicable, reason: \"thiết bị do đơn vị khác quản lý\"}\n");
    let text = common::inventory(3, &format!("    assets: {{hosts: [203.0.113.5]}}\n{att}"));
    let a = eval(&inv(&text), &[&d.path().join("scan.xml")], date!(2026 - 11 - 25));
    let p = policy();
    let rule = p.rules.get("nmap-cleartext-admin").unwrap();
    let s = &a.agencies[0].systems[0];
    let expected: Vec<&str> = s
        .controls
        .iter()
        .map(|c| &*c.id)
        .filter(|id| *id != "NET.06" && rule.controls.iter().any(|c| c == id))
        .collect();
    assert!(expected.len() >= 2, "the rule feeds several controls at level 3: {expected:?}");
    for c in &s.controls {
        let found: Vec<String> = c
            .findings
            .iter()
            .filter(|f| f.rule == "nmap-cleartext-admin")
            .map(|f| format!("{:?} {:?} {:?}", f.outcome, f.asset, f.evidence))
            .collect();
        if expected.contains(&&*c.id) {
            let evidence = format!("{}#host=203.0.113.5;port=tcp/23", d.path().join("scan.xml").display());
            assert_eq!(found, [format!("Fail Some(\"203.0.113.5:23/tcp\") Some({evidence:?})")], "{}", c.id);
            assert_eq!(c.status, Status::Fail, "{}", c.id);
        } else {
            assert_eq!(found, Vec::<String>::new(), "{}", c.id);
        }
    }
    assert_eq!(status(&a, "NET.06"), Status::NotApplicable);
}
