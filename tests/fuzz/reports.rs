//! Reading reports: signature verification, the aggregate's input summary and the gate's
//! baseline, on mutated copies of the demo's report (signed and unsigned); and the round trips
//! that must keep the data: evidence writer → reader, report JSON → aggregate summary.

use crate::mutate::{self, Case};
use crate::seeds::{self, DEMO, REPORTS};
use crate::{config, regressions};
use proptest::prelude::*;
use std::path::Path;
use tuanthu::aggregate::{self, input};
use tuanthu::evidence::file as evidence_file;
use tuanthu::evidence::writer::EvidenceWriter;
use tuanthu::evidence::{CertificateFacts, ErrorClass, Facts, HttpFacts, ProbeError, Record, RecordKind, TlsFacts};
use tuanthu::report::sign;
use tuanthu::report::verify::{self, Verifier};

/// The bundled catalogues and profiles, loaded once for every verification.
fn policy() -> &'static tuanthu::policy::Policy {
    static POLICY: std::sync::OnceLock<tuanthu::policy::Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| verify::bundled_policy().expect("bundled policy"))
}

/// The one verification `verify`, `aggregate` and the service share, against the demo's keys.
fn verifier(keys: Option<&Path>, allow_unsigned: bool) -> Verifier<'_> {
    // A test process: the few key-directory handles it makes may live until it ends.
    let keys = keys.map(|k| &*Box::leak(Box::new(verify::KeyDir(k))) as &dyn verify::KeySource);
    Verifier { keys, allow_unsigned, policy: policy(), now: time::OffsetDateTime::now_utc() }
}

fn write_case(dir: &Path, case: &Case) -> std::path::PathBuf {
    let path = dir.join("report.json");
    std::fs::write(&path, &case.bytes).expect("write");
    path
}

/// The report as signed, without the final line end.
fn signed_body() -> &'static [u8] {
    DEMO.signed.as_bytes().strip_suffix(b"\n").unwrap_or(DEMO.signed.as_bytes())
}

proptest! {
    #![proptest_config(config(64, regressions!("reports")))]

    /// `verify` accepts only the bytes the agency signed: no mutation forges a signature.
    #[test]
    fn verify_accepts_only_what_was_signed(case in mutate::cases(&REPORTS, mutate::JSON)) {
        if let Ok(v) = verify::verify(&case.bytes, &verifier(Some(&DEMO.keys), false)) {
            prop_assert_eq!(v.signed_by.as_deref(), Some("skhcn-binh-an"));
            let body = case.bytes.strip_suffix(b"\n").unwrap_or(&case.bytes);
            prop_assert!(body == signed_body(), "a mutated report verified");
        }
    }

    /// The aggregate's reader: every file is counted or rejected with a reason; a report counted
    /// as signed carries the signer's bytes; counted figures are within what the view can show.
    #[test]
    fn aggregate_input_counts_or_rejects(case in mutate::cases(&REPORTS, mutate::JSON), unsigned in any::<bool>()) {
        let dir = tempfile::tempdir_in(seeds::scratch("reports")).expect("tempdir");
        let path = write_case(dir.path(), &case);
        match input::load(&path, &verifier(Some(&DEMO.keys), unsigned)) {
            Ok(l) => {
                prop_assert!(!l.agency.is_empty(), "an agency without an id was counted");
                prop_assert!(l.period.len() == 4 && l.period.bytes().all(|b| b.is_ascii_digit()));
                if l.signed_by.is_some() {
                    let body = case.bytes.trim_ascii_end();
                    prop_assert!(body == signed_body(), "a mutated report counted as signed");
                }
            }
            Err(r) => prop_assert!(!r.reason.trim().is_empty(), "a rejection without a reason"),
        }
    }

    /// The gate's baseline reader: a baseline or an error, never a panic.
    #[test]
    fn baseline_loads_or_explains(case in mutate::cases(&REPORTS, mutate::JSON)) {
        let dir = tempfile::tempdir_in(seeds::scratch("baseline")).expect("tempdir");
        let path = write_case(dir.path(), &case);
        match tuanthu::gate::Baseline::load(&path, "skhcn-binh-an", "cong-dvc") {
            Ok(b) => prop_assert!(!b.controls.is_empty() || case.bytes != DEMO.json.as_bytes()),
            Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
        }
    }
}

proptest! {
    #![proptest_config(config(64, regressions!("verify-agrees")))]

    /// `verify` and `aggregate` agree (issue #11, item 8): a report the aggregate counts as signed
    /// is one `verify` accepts. (It once failed on a signed report with blank lines appended,
    /// which the aggregate's own fast path counted and `verify` refused.)
    #[test]
    fn verify_and_aggregate_agree(case in mutate::cases(&REPORTS, mutate::JSON)) {
        let dir = tempfile::tempdir_in(seeds::scratch("agree")).expect("tempdir");
        let path = write_case(dir.path(), &case);
        if let Ok(l) = input::load(&path, &verifier(Some(&DEMO.keys), false)) {
            prop_assert!(l.signed_by.is_some());
            let verified = verify::verify(&case.bytes, &verifier(Some(&DEMO.keys), false));
            prop_assert!(verified.is_ok(), "aggregate counted it, verify says {:?}", verified.err());
        }
    }
}

/// Text that must survive a JSON round trip: controls, bidi, quotes, non-BMP, long runs.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}\"\\\\a-zé😀]{0,40}",
        Just("\u{1b}]0;pwned\u{7}\u{1b}[2J".to_string()),
    ]
}

/// Facts as the collector writes them: objects of strings, integers, booleans and lists (no
/// floats: their text form is not required to round-trip).
fn facts() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        hostile_text().prop_map(Value::String),
    ];
    let tree = leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(hostile_text(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    proptest::collection::btree_map(hostile_text(), tree, 0..6).prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// Typed facts of each kind with hostile strings where the network puts them, and hostile
/// unnamed facts under `extra`; an unknown kind keeps any JSON.
fn typed_facts() -> impl Strategy<Value = Facts> {
    let extra = || {
        facts().prop_map(|v| match v {
            serde_json::Value::Object(m) => m,
            _ => Default::default(),
        })
    };
    prop_oneof![
        (hostile_text(), hostile_text(), extra()).prop_map(|(version, subject, extra)| {
            let mut f = TlsFacts { extra, ..TlsFacts::default() };
            f.protocols.insert(version, Some(true));
            f.certificate = Some(CertificateFacts { subject: Some(subject), ..CertificateFacts::default() });
            Facts::Tls(Box::new(f))
        }),
        (hostile_text(), hostile_text(), extra()).prop_map(|(header, banner, extra)| {
            let mut f = HttpFacts { server_banner: Some(banner), extra, ..HttpFacts::default() };
            f.headers.insert(header, None);
            Facts::Http(Box::new(f))
        }),
        (hostile_text(), facts()).prop_map(|(kind, v)| Facts::Other(format!("x-{kind}"), v)),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    (
        hostile_text(),
        proptest::option::of(hostile_text()),
        proptest::option::of(hostile_text()),
        proptest::option::of(hostile_text()),
        prop_oneof![
            typed_facts().prop_map(|f| (None, Some(f))),
            (hostile_text(), hostile_text()).prop_map(|(c, m)| (Some(ProbeError::new(ErrorClass::from(c), m)), None)),
        ],
    )
        .prop_map(|(target, address, sni, observed_at, (error, facts))| {
            let mut r = match (error, facts) {
                (Some(e), _) => Record::failed(RecordKind::Tls, target, e),
                (None, Some(f)) => Record::measured(target, f),
                (None, None) => unreachable!("the strategy gives one of them"),
            };
            r.address = address;
            r.sni = sni;
            r.observed_at = observed_at;
            r
        })
}

/// A record's data, for comparing what was written with what was read.
fn key(r: &Record) -> String {
    serde_json::to_string(r).expect("a record serialises")
}

proptest! {
    #![proptest_config(config(32, regressions!("roundtrip")))]

    /// What `collect` writes, `check --evidence` reads back whole, in both encodings.
    #[test]
    fn evidence_round_trips(records in proptest::collection::vec(record(), 0..8), lines in any::<bool>()) {
        let dir = tempfile::tempdir_in(seeds::scratch("roundtrip")).expect("tempdir");
        let path = dir.path().join(if lines { "e.jsonl" } else { "e.json" });
        let mut w = EvidenceWriter::create(&path, "2026-11-25T08:00:00Z").expect("create");
        for r in &records {
            w.push(r.clone()).expect("push");
        }
        w.finish("2026-11-25T08:05:00Z").expect("finish");
        let input = evidence_file::read(&path);
        prop_assert!(input.fatal.is_none(), "unusable: {:?}", input.fatal);
        prop_assert!(input.problems.is_empty() && !input.partial, "problems: {:?}", input.problems);
        let mut wrote: Vec<String> = records.iter().map(key).collect();
        let mut read: Vec<String> = input.records.iter().map(key).collect();
        wrote.sort();
        read.sort();
        prop_assert_eq!(wrote, read);
    }

    /// A report's JSON, with hostile names, read by the aggregate: the agency, its name and the
    /// counts come back as the report states them.
    #[test]
    fn report_json_round_trips_to_the_summary(name in hostile_text(), system_name in hostile_text()) {
        let mut report = DEMO.report.clone();
        report.agencies[0].name = name.clone();
        report.agencies[0].systems[0].name = system_name;
        let dir = tempfile::tempdir_in(seeds::scratch("summary")).expect("tempdir");
        let path = dir.path().join("r.json");
        let bare = tuanthu::report::Glossary::empty(tuanthu::i18n::Lang::En);
        let json = tuanthu::report::Render::render(&tuanthu::report::render::Json, &report, &bare).expect("render");
        std::fs::write(&path, json).expect("write");
        let loaded = input::load(&path, &verifier(None, true)).map_err(|r| r.reason);
        prop_assert!(loaded.is_ok(), "rejected: {:?}", loaded.err());
        let loaded = loaded.expect("checked");
        prop_assert_eq!(&loaded.agency, &report.agencies[0].id);
        prop_assert_eq!(&loaded.agency_name, &name);
        let opts = aggregate::Options { keys: None, allow_unsigned: true, previous: None, top: 0, period: None };
        let national = aggregate::aggregate(&[path], &opts).expect("aggregate");
        let a = &report.agencies[0];
        let f = &national.overall.figures;
        prop_assert_eq!(national.agencies.len(), 1);
        prop_assert_eq!(f.systems_total, a.systems_total);
        prop_assert_eq!(f.systems_approved, a.systems_approved);
        prop_assert_eq!(f.systems_fully_implemented, a.systems_fully_implemented);
        prop_assert_eq!(f.systems_partly_implemented, a.systems_partly_implemented);
        prop_assert_eq!(f.systems_not_implemented, a.systems_not_implemented);
    }
}

/// One edit of a report's content, made before signing it again with the agency's own key: what
/// an agency could send the national center with a valid signature.
#[derive(Debug, Clone)]
enum Claim {
    Level(proptest::sample::Index, i64),
    FullyImplemented(proptest::sample::Index),
    Deployment(proptest::sample::Index, &'static str),
    Approval(proptest::sample::Index, &'static str),
    Status(proptest::sample::Index, proptest::sample::Index, &'static str),
    DropControl(proptest::sample::Index, proptest::sample::Index),
    RepeatSystem(proptest::sample::Index, u8),
    GeneratedAt(&'static str),
    Period(&'static str),
}

fn claim() -> impl Strategy<Value = Claim> {
    use proptest::sample::{Index, select};
    let i = || any::<Index>();
    prop_oneof![
        (i(), select(vec![-1i64, 0, 1, 2, 3, 4, 5, 6, 9, 300])).prop_map(|(s, l)| Claim::Level(s, l)),
        i().prop_map(Claim::FullyImplemented),
        (i(), select(vec!["full", "partial", "none", "zzz"])).prop_map(|(s, d)| Claim::Deployment(s, d)),
        (i(), select(vec!["approved", "draft", "submitted", "appraised", "rejected", "yes"]))
            .prop_map(|(s, a)| Claim::Approval(s, a)),
        (i(), i(), select(vec!["pass", "fail", "unknown", "waived", "not_applicable", "PASS"]))
            .prop_map(|(s, c, st)| Claim::Status(s, c, st)),
        (i(), i()).prop_map(|(s, c)| Claim::DropControl(s, c)),
        (i(), 1u8..20).prop_map(|(s, n)| Claim::RepeatSystem(s, n)),
        select(vec!["zzzz", "2026-11-25T09:00:00Z", "2099-01-01T00:00:00Z"]).prop_map(Claim::GeneratedAt),
        select(vec!["9999", "2026", "0000"]).prop_map(Claim::Period),
    ]
}

fn make_claim(report: &mut serde_json::Value, c: &Claim) {
    use serde_json::{Value, json};
    let Some(systems) = report["agencies"][0]["systems"].as_array_mut() else { return };
    let n = systems.len();
    let sys = |i: &proptest::sample::Index| i.index(n);
    match c {
        Claim::Level(s, l) => systems[sys(s)]["level"] = json!(l),
        Claim::FullyImplemented(s) => {
            let v = systems[sys(s)]["fully_implemented"].as_bool().unwrap_or(false);
            systems[sys(s)]["fully_implemented"] = json!(!v);
        }
        Claim::Deployment(s, d) => systems[sys(s)]["deployment"] = json!(d),
        Claim::Approval(s, a) => systems[sys(s)]["approval"] = json!(a),
        Claim::Status(s, c, st) => {
            if let Some(controls) = systems[sys(s)]["controls"].as_array_mut().filter(|c| !c.is_empty()) {
                let k = c.index(controls.len());
                controls[k]["status"] = json!(st);
            }
        }
        Claim::DropControl(s, c) => {
            if let Some(controls) = systems[sys(s)]["controls"].as_array_mut().filter(|c| !c.is_empty()) {
                controls.remove(c.index(controls.len()));
            }
        }
        Claim::RepeatSystem(s, k) => {
            let copy: Value = systems[sys(s)].clone();
            systems.extend(std::iter::repeat_n(copy, usize::from(*k)));
        }
        Claim::GeneratedAt(t) => report["generated_at"] = json!(t),
        Claim::Period(p) => report["period"] = json!(p),
    }
}

/// The national figures of one agency's systems, re-derived from their control statuses as
/// `check` derives them (compliant: every required control pass, waived or not applicable).
fn derived(systems: &[serde_json::Value]) -> [usize; 5] {
    let satisfied = |c: &serde_json::Value| matches!(c["status"].as_str(), Some("pass" | "waived" | "not_applicable"));
    let mut f = [0usize; 5];
    for s in systems {
        let controls = s["controls"].as_array().map(Vec::as_slice).unwrap_or_default();
        let compliant = !controls.is_empty() && controls.iter().all(satisfied);
        let approved = s["approval"] == "approved";
        let any_pass = controls.iter().any(|c| c["status"] == "pass");
        f[0] += 1;
        f[1] += usize::from(approved);
        f[2] += usize::from(compliant && approved);
        f[3] += usize::from(!(compliant && approved) && (compliant || any_pass));
        f[4] += usize::from(!compliant && !any_pass);
    }
    f
}

proptest! {
    #![proptest_config(config(64, regressions!("claims")))]

    /// The national view trusts a signature for who sent a report, not for what it says (issue
    /// #11, item 8): a validly signed report whose stated figures disagree with its control
    /// statuses, or that repeats a system, states an impossible level or a malformed time, is not
    /// counted as it claims. (It once failed: the aggregate counted the stated figures.)
    #[test]
    fn signed_claims_are_rederived(claims in proptest::collection::vec(claim(), 1..4)) {
        let mut report: serde_json::Value = serde_json::from_str(&DEMO.json).expect("report");
        for c in &claims {
            make_claim(&mut report, c);
        }
        let key = sign::read_signing_key(&DEMO.key_path).expect("key");
        let signed = sign::sign(&report, &key).expect("sign");
        let dir = tempfile::tempdir_in(seeds::scratch("claims")).expect("tempdir");
        std::fs::write(dir.path().join("report.json"), &signed).expect("write");
        let opts = aggregate::Options { keys: Some(&DEMO.keys), allow_unsigned: false, previous: None, top: 0, period: None };
        let national = aggregate::aggregate(&[dir.path().to_path_buf()], &opts).expect("aggregate");
        if national.agencies.is_empty() {
            return Ok(()); // refused: fine, whatever the reason
        }
        let systems = report["agencies"][0]["systems"].as_array().cloned().unwrap_or_default();
        let mut ids: Vec<&str> = systems.iter().filter_map(|s| s["id"].as_str()).collect();
        ids.sort_unstable();
        prop_assert!(ids.windows(2).all(|w| w[0] != w[1]), "a report repeating a system was counted");
        prop_assert!(systems.iter().all(|s| (1..=5).contains(&s["level"].as_i64().unwrap_or(0))), "a level outside 1..=5 was counted");
        let t = report["generated_at"].as_str().unwrap_or_default();
        prop_assert!(tuanthu::dates::parse_datetime(t).is_ok(), "generated_at {:?} was counted", t);
        let f = &national.overall.figures;
        let counted = [f.systems_total, f.systems_approved, f.systems_fully_implemented, f.systems_partly_implemented, f.systems_not_implemented];
        prop_assert_eq!(counted, derived(&systems), "figures counted vs re-derived (total, approved, fully, partly, none)");
    }
}

/// The re-derivation above agrees with `check` on a genuine report (so the ignored property fails
/// only on claims, not on the oracle).
#[test]
fn genuine_figures_rederive() {
    let report: serde_json::Value = serde_json::from_str(&DEMO.json).expect("report");
    let a = &DEMO.report.agencies[0];
    let stated = [
        a.systems_total,
        a.systems_approved,
        a.systems_fully_implemented,
        a.systems_partly_implemented,
        a.systems_not_implemented,
    ];
    let systems = report["agencies"][0]["systems"].as_array().cloned().unwrap_or_default();
    assert_eq!(stated, derived(&systems));
}
