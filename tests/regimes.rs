//! The Decree 331 regime in the engine: optional controls (Law 116 Art. 10), the renewal rules of
//! the new duties (events, deadlines, go-live), incident deadlines per catalogue, the transition
//! gap, and a golden evaluation of one system under both catalogues.

mod common;

use time::macros::date;
use tuanthu::engine::{self, Assessment, ControlResult, Evidence, Options, Status, SystemResult, TransitionState};
use tuanthu::i18n::Lang;
use tuanthu::inventory::Inventory;
use tuanthu::policy::Policy;

const AS_OF: time::Date = date!(2026 - 11 - 25);

fn policy() -> Policy {
    Policy::bundled().unwrap()
}

/// `implemented` attestations, reviewed on `reviewed`, for every required control and obligation
/// of `level` in `catalogue`, except `skip`. Optional controls are left out on purpose.
fn attest_all(catalogue: &str, level: u8, reviewed: &str, skip: &[&str]) -> String {
    let p = policy();
    let prof = p.profile(catalogue, level).unwrap();
    let mut s = String::from("    attestations:\n");
    for id in prof.controls.iter().chain(&prof.obligations).filter(|id| !skip.contains(&id.as_str())) {
        s.push_str(&format!("      {id}: {{status: implemented, evidence: \"QĐ 1/QĐ\", reviewed: {reviewed}}}\n"));
    }
    s
}

/// A one-system inventory under catalogue `catalogue` (agency default).
fn inv(catalogue: &str, level: u8, extra: &str) -> Inventory {
    let text = common::inventory(level, extra).replace("catalogue: tt12-2022", &format!("catalogue: {catalogue}"));
    let agency = tuanthu::inventory::parse_file("inv.yaml", &text, &[]).unwrap_or_else(|e| panic!("{e}"));
    Inventory { agencies: vec![agency] }
}

fn eval_with(inv: &Inventory, forced: Option<&str>, as_of: time::Date) -> Assessment {
    let p = policy();
    let problems = engine::references::check(inv, &p, forced, as_of);
    assert!(problems.is_empty(), "{problems:?}");
    let opts = Options { as_of, max_evidence_age_days: None, catalogue: forced.map(str::to_string) };
    engine::evaluate(inv, &p, &Evidence::default(), &opts)
}

fn system(a: &Assessment) -> &SystemResult {
    &a.agencies[0].systems[0]
}

fn find<'a>(s: &'a SystemResult, id: &str) -> &'a ControlResult {
    s.controls.iter().chain(&s.obligations).chain(&s.optional).find(|c| &*c.id == id).unwrap_or_else(|| panic!("{id}"))
}

fn status(a: &Assessment, id: &str) -> Status {
    find(system(a), id).status
}

fn messages(a: &Assessment, id: &str) -> String {
    find(system(a), id).findings.iter().map(|f| f.message.render(Lang::En)).collect::<Vec<_>>().join(" | ")
}

#[test]
fn optional_controls_do_not_break_compliance() {
    let a = eval_with(&inv("nd331-2026", 1, &attest_all("nd331-2026", 1, "2026-06-01", &[])), None, AS_OF);
    let s = system(&a);
    let optional: Vec<(&str, Status)> = s.optional.iter().map(|c| (&*c.id, c.status)).collect();
    assert_eq!(
        optional,
        [
            ("BAK.01", Status::Unknown),
            ("IRP.01", Status::Unknown),
            ("OBL.03", Status::Unknown),
            ("ASM.02", Status::Unknown)
        ]
    );
    assert!(s.compliant(), "{:?}", s.controls.iter().filter(|c| !c.status.is_satisfied()).collect::<Vec<_>>());
    assert!(s.controls.iter().all(|c| !["BAK.01", "IRP.01"].contains(&&*c.id)));
    // At level 3 backup and incident response are required: the same gap breaks compliance.
    let l3 = eval_with(&inv("nd331-2026", 3, &attest_all("nd331-2026", 3, "2026-06-01", &["BAK.01"])), None, AS_OF);
    assert_eq!(status(&l3, "BAK.01"), Status::Unknown);
    assert!(!system(&l3).compliant());
}

#[test]
fn tailoring_can_require_an_optional_control() {
    let d = common::dir_with(&[
        (
            "inv.yaml",
            &common::inventory(
                1,
                &format!("    tailoring: [overlay]\n{}", attest_all("nd331-2026", 1, "2026-06-01", &[])),
            )
            .replace("catalogue: tt12-2022", "catalogue: nd331-2026"),
        ),
        ("overlay.yaml", "schema: tuanthu/tailoring/v1\nadd: [BAK.01]\n"),
    ]);
    let files = tuanthu::inventory::load_paths(&[d.path().join("inv.yaml")], &[]).unwrap();
    let a = eval_with(&files.inventory, None, AS_OF);
    let s = system(&a);
    assert!(s.controls.iter().any(|c| &*c.id == "BAK.01" && c.tailored && c.status == Status::Unknown));
    assert!(s.optional.iter().all(|c| &*c.id != "BAK.01"));
    assert!(!s.compliant(), "the owner chose to require backup and has not shown it");
}

#[test]
fn the_yearly_report_is_judged_on_its_deadline() {
    let att = |sent: &str| {
        format!("    attestations:\n      OBL.07: {{status: implemented, evidence: \"BC 1\", reviewed: {sent}}}\n")
    };
    let run = |sent: &str, as_of| status(&eval_with(&inv("nd331-2026", 2, &att(sent)), None, as_of), "OBL.07");
    // Sent on 22 December 2025: on time for 24 Dec 2025, and still the latest due until 24 Dec 2026.
    assert_eq!(run("2025-12-22", date!(2026 - 12 - 24)), Status::Pass);
    assert_eq!(run("2025-12-22", date!(2026 - 12 - 25)), Status::Unknown, "nothing sent for 24 Dec 2026");
    // Sent in January, after the deadline: it cannot count for the deadline it missed.
    let a = eval_with(&inv("nd331-2026", 2, &att("2026-01-05")), None, date!(2026 - 06 - 01));
    assert_eq!(status(&a, "OBL.07"), Status::Unknown);
    assert!(messages(&a, "OBL.07").contains("after the deadline of 2025-12-24"), "{}", messages(&a, "OBL.07"));
}

#[test]
fn a_serious_incident_renews_the_risk_assessment() {
    let risk = "    attestations:\n      RSK.02: {status: implemented, evidence: \"BC đánh giá rủi ro\", reviewed: 2019-03-01}\n";
    // No age limit: the assessment is renewed on its triggers, not on a calendar.
    assert_eq!(status(&eval_with(&inv("nd331-2026", 3, risk), None, AS_OF), "RSK.02"), Status::Pass);
    let incident = |sev: &str| {
        format!(
            "{risk}    incidents:\n      - {{detected: \"2026-09-10T09:00:00+07:00\", severity: {sev}, reported: \"2026-09-11T09:00:00+07:00\", notified: \"2026-09-10T12:00:00+07:00\"}}\n"
        )
    };
    let a = eval_with(&inv("nd331-2026", 3, &incident("serious")), None, AS_OF);
    assert_eq!(status(&a, "RSK.02"), Status::Unknown);
    assert!(messages(&a, "RSK.02").contains("serious incident detected on 2026-09-10"));
    assert_eq!(status(&eval_with(&inv("nd331-2026", 3, &incident("normal")), None, AS_OF), "RSK.02"), Status::Pass);
}

#[test]
fn the_pre_operation_assessment_must_come_before_go_live() {
    let sys = |op: &str, assessed: &str| {
        format!(
            "    operating_since: {op}\n    assessments:\n      - {{kind: pre-operation, date: {assessed}, by: \"Đơn vị đánh giá\"}}\n"
        )
    };
    let run =
        |op: &str, assessed: &str| status(&eval_with(&inv("nd331-2026", 2, &sys(op, assessed)), None, AS_OF), "ASM.01");
    assert_eq!(run("2026-10-01", "2026-09-28"), Status::Pass, "assessed before go-live under Decree 331");
    assert_eq!(run("2026-10-01", "2026-10-02"), Status::Fail, "assessed after go-live");
    // A system that went live before Decree 331 could not have done it first: any date counts.
    assert_eq!(run("2020-05-01", "2026-10-02"), Status::Pass);
    // No record and no attestation: unknown.
    assert_eq!(status(&eval_with(&inv("nd331-2026", 2, ""), None, AS_OF), "ASM.01"), Status::Unknown);
}

#[test]
fn external_assessment_is_required_at_level_5_only() {
    let p = policy();
    assert!(p.profile("nd331-2026", 5).unwrap().obligations.iter().any(|c| c == "ASM.02"));
    for level in 1..=4 {
        assert!(p.profile("nd331-2026", level).unwrap().optional.iter().any(|c| c == "ASM.02"), "level {level}");
    }
    // Valid for 12 months (no interval in the decree), and stale after a serious incident.
    let att = |reviewed: &str| {
        format!(
            "    attestations:\n      ASM.02: {{status: implemented, evidence: \"BC đánh giá độc lập\", reviewed: {reviewed}}}\n"
        )
    };
    assert_eq!(status(&eval_with(&inv("nd331-2026", 5, &att("2025-11-25")), None, AS_OF), "ASM.02"), Status::Pass);
    assert_eq!(status(&eval_with(&inv("nd331-2026", 5, &att("2025-11-24")), None, AS_OF), "ASM.02"), Status::Unknown);
}

#[test]
fn incident_deadlines_follow_the_catalogue() {
    // Reported 80 hours after detection: late under Decree 331 (72 h), on time under Circular 20 (5 days).
    let extra = "    attestations:\n      OBL.08: {status: implemented, evidence: \"Quy trình báo cáo sự cố\", reviewed: 2026-09-01}\n    incidents:\n      - {id: SC-01, detected: \"2026-10-01T08:00:00+07:00\", severity: normal, reported: \"2026-10-04T16:00:00+07:00\"}\n";
    let nd = eval_with(&inv("nd331-2026", 2, extra), None, AS_OF);
    assert_eq!(status(&nd, "OBL.08"), Status::Fail);
    assert!(messages(&nd, "OBL.08").contains("SC-01"));
    assert_eq!(status(&eval_with(&inv("tt12-2022", 2, extra), None, AS_OF), "OBL.08"), Status::Pass);
    // A critical incident nobody notified fails at once; a serious one after 24 hours.
    let critical = extra.replace("severity: normal, reported: \"2026-10-04T16:00:00+07:00\"", "severity: critical");
    let a = eval_with(&inv("nd331-2026", 2, &critical), None, date!(2026 - 10 - 01));
    let rules: Vec<&str> = find(system(&a), "OBL.08").findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(rules.contains(&"incident-immediate-notice"), "{rules:?}");
    assert!(!rules.contains(&"incident-serious-notice"), "the 24 hours have not passed on the detection day");
}

#[test]
fn findings_on_paraphrased_rows_say_so() {
    let a = eval_with(&inv("nd331-2026", 3, ""), None, AS_OF);
    let log = find(system(&a), "LOG.01");
    assert_eq!(log.verification.as_deref(), Some("secondary"));
    assert!(log.caveat.as_ref().unwrap().en.contains("secondary paraphrase of TCVN 14423:2026"));
    let gen02 = find(system(&a), "GEN.02");
    assert_eq!((gen02.verification.as_deref(), gen02.caveat.is_none()), (Some("primary"), true));
}

#[test]
fn the_transition_gap_after_the_deadline_is_non_compliance() {
    let approved = common::inventory(3, "").replace("  catalogue: tt12-2022\n", "");
    let agency = tuanthu::inventory::parse_file("inv.yaml", &approved, &[]).unwrap();
    let inventory = Inventory { agencies: vec![agency] };
    let before = eval_with(&inventory, None, date!(2027 - 07 - 01));
    let t = system(&before).transition.as_ref().unwrap();
    assert_eq!(
        (system(&before).catalogue.as_str(), t.state, t.gap.is_none()),
        ("tt12-2022", TransitionState::Pending, true)
    );
    let preview = eval_with(&inventory, Some("nd331-2026"), date!(2027 - 07 - 01));
    assert_eq!(system(&preview).transition.as_ref().unwrap().state, TransitionState::Preview);
    let after = eval_with(&inventory, None, date!(2027 - 07 - 02));
    let t = system(&after).transition.as_ref().unwrap();
    assert_eq!((system(&after).catalogue.as_str(), t.state), ("nd331-2026", TransitionState::Ended));
    let gap = t.gap.as_ref().unwrap();
    let asm01 = gap.iter().find(|g| g.control == "ASM.01").expect("the pre-operation assessment is missing");
    assert!(asm01.obligation && asm01.counterparts.is_empty(), "a new duty");
    let mgt01 = gap.iter().find(|g| g.control == "MGT.01").unwrap();
    assert_eq!(mgt01.counterparts, ["POL.01", "POL.02", "POL.03"]);
}

/// One system evaluated under both catalogues, compared line by line with
/// `tests/golden/two-regimes.txt` (set UPDATE_GOLDEN=1 to rewrite it after a deliberate change).
#[test]
fn golden_one_system_under_both_catalogues() {
    let text = std::fs::read_to_string(common::root().join("tests/golden/two-regimes.yaml")).unwrap();
    let agency = tuanthu::inventory::parse_file("two-regimes.yaml", &text, &[]).unwrap_or_else(|e| panic!("{e}"));
    let inventory = Inventory { agencies: vec![agency] };
    let mut out = String::new();
    for forced in [None, Some("nd331-2026")] {
        out.push_str(&summary(system(&eval_with(&inventory, forced, AS_OF))));
    }
    let path = common::root().join("tests/golden/two-regimes.txt");
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::write(&path, &out).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    for (i, (got, want)) in out.lines().zip(want.lines()).enumerate() {
        assert_eq!(got, want, "line {} of {}", i + 1, path.display());
    }
    assert_eq!(out.lines().count(), want.lines().count(), "{}", path.display());
}

/// Statuses and the rules behind them, one line per control: what a reviewer compares.
fn summary(s: &SystemResult) -> String {
    let mut out = format!(
        "== {} level {} under {} ({}): compliant {}\n",
        s.id,
        s.level,
        s.catalogue,
        s.catalogue_rule.as_str(),
        s.compliant()
    );
    for (kind, list) in [("control", &s.controls), ("obligation", &s.obligations), ("optional", &s.optional)] {
        for c in list {
            let mut rules: Vec<&str> = c.findings.iter().map(|f| f.rule.as_str()).collect();
            rules.dedup();
            out.push_str(&format!("{kind} {} {} [{}]\n", c.id, c.status.as_str(), rules.join(",")));
        }
    }
    if let Some(t) = &s.transition {
        out.push_str(&format!("transition {:?} due {}\n", t.state, tuanthu::dates::format(t.deadline)));
        for g in t.gap.iter().flatten() {
            let list = |v: &[String], none: &str| if v.is_empty() { none.to_string() } else { v.join(",") };
            let (from, attested) = (list(&g.counterparts, "new"), list(&g.attested_counterparts, "-"));
            out.push_str(&format!("gap {} {} from {from} attested {attested}\n", g.control, g.status.as_str()));
        }
    }
    out
}
