//! Reading reports: signature verification, the aggregate's input summary and the gate's
//! baseline, on mutated copies of the demo's report (signed and unsigned); and the round trips
//! that must keep the data: evidence writer → reader, report JSON → aggregate summary.

use crate::mutate::{self, Case};
use crate::seeds::{self, DEMO, REPORTS};
use crate::{config, regressions};
use proptest::prelude::*;
use std::path::Path;
use tuanthu::aggregate::{self, input};
use tuanthu::collect::evidence_file::{self, ProbeError, Record};
use tuanthu::collect::evidence_writer::EvidenceWriter;
use tuanthu::report::sign;

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
        if let Ok(v) = sign::verify(&case.bytes, &DEMO.keys) {
            prop_assert_eq!(v.agency.as_str(), "skhcn-binh-an");
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
        match input::load(&path, Some(&DEMO.keys), unsigned) {
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
            Err(e) => prop_assert!(!e.trim().is_empty()),
        }
    }
}

proptest! {
    #![proptest_config(config(64, regressions!("verify-agrees")))]

    /// `verify` and `aggregate` agree (issue #11, item 8): a report the aggregate counts as signed
    /// is one `verify` accepts. Known to fail today: a signed report with blank lines appended is
    /// refused by `verify` ("not in the canonical form") and counted by `aggregate`, whose fast
    /// path strips every trailing line end. Ignored until the one verification function lands
    /// (src/report/sign.rs, src/aggregate: owned by the signing/aggregate fix).
    #[test]
    #[ignore = "issue #11 item 8: verify and aggregate disagree on trailing blank lines (sign.rs/aggregate fix)"]
    fn verify_and_aggregate_agree(case in mutate::cases(&REPORTS, mutate::JSON)) {
        let dir = tempfile::tempdir_in(seeds::scratch("agree")).expect("tempdir");
        let path = write_case(dir.path(), &case);
        if let Ok(l) = input::load(&path, Some(&DEMO.keys), false) {
            prop_assert!(l.signed_by.is_some());
            let verified = sign::verify(&case.bytes, &DEMO.keys);
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

fn record() -> impl Strategy<Value = Record> {
    (
        prop_oneof![Just("tls"), Just("http")],
        hostile_text(),
        proptest::option::of(hostile_text()),
        proptest::option::of(hostile_text()),
        proptest::option::of(hostile_text()),
        prop_oneof![
            facts().prop_map(|f| (None, Some(f))),
            (hostile_text(), hostile_text()).prop_map(|(c, m)| (Some(ProbeError { class: c, message: m }), None)),
        ],
    )
        .prop_map(|(kind, target, address, sni, observed_at, (error, facts))| Record {
            kind: kind.to_string(),
            target,
            address,
            sni,
            observed_at,
            error,
            facts,
            position: String::new(),
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
        std::fs::write(&path, tuanthu::report::json::render(&report).expect("render")).expect("write");
        let loaded = input::load(&path, None, true).map_err(|r| r.reason);
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
