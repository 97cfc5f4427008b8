//! Issue 12 item 6: every control says what decided its status (`basis`), and systems, agencies
//! and the national view say how much of the verdict is a measurement (`controls_measured`,
//! `measured_share`). The demo's figures are pinned exactly (they change when the demo gains
//! evidence: update them deliberately); an old report without bases is accepted and counts as
//! unmeasured; a report whose figures or bases do not re-derive is refused (more forgeries in
//! tests/national_forgeries.rs).

mod common;

use common::reports::{refigure, report, set_bases, system};
use common::{code, stderr, stdout, tuanthu};
use serde_json::{Value, json};
use std::path::Path;

/// The README's main command: the demo with its scan and its recorded TLS/HTTP/SSH/mail/DNS evidence.
const DEMO: [&str; 9] = [
    "check",
    "--inventory",
    "examples/demo/inventory.yaml",
    "--nmap",
    "examples/demo/scan.xml",
    "--evidence",
    "examples/demo/evidence.json",
    "--as-of",
    "2026-11-25",
];

/// The demo's required controls (7 systems) and those a measurement decided.
const DEMO_REQUIRED: u64 = 351;
const DEMO_MEASURED: u64 = 21;

fn demo(extra: &[&str]) -> std::process::Output {
    tuanthu(&[&DEMO[..], extra].concat())
}

fn system_of<'v>(doc: &'v Value, id: &str) -> &'v Value {
    doc["agencies"][0]["systems"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()
}

fn control_of<'v>(doc: &'v Value, system: &str, id: &str) -> &'v Value {
    system_of(doc, system)["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

#[test]
fn the_demo_states_its_bases_and_measured_figures() {
    let o = demo(&["--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let agency = &doc["agencies"][0];
    assert_eq!(agency["controls_measured"], DEMO_MEASURED);
    assert_eq!(agency["measured_share"], json!(DEMO_MEASURED as f64 / DEMO_REQUIRED as f64));
    let figures: Vec<(&str, u64, f64)> = vec![
        ("tin-noi-bo", 0, 0.0),
        ("qlvb-email", 4, 4.0 / 46.0),
        ("cong-dvc", 8, 8.0 / 65.0),
        ("csdl-cong-dan", 0, 0.0),
        ("ttdl-tinh", 7, 7.0 / 66.0),
        ("phan-anh-kien-nghi", 2, 2.0 / 40.0),
        ("cong-ttdt", 0, 0.0),
    ];
    for (id, measured, share) in figures {
        let s = system_of(&doc, id);
        assert_eq!(
            (s["controls_measured"].as_u64(), s["measured_share"].as_f64()),
            (Some(measured), Some(share)),
            "{id}"
        );
    }
    let bases = [
        // The scan shows SSH and databases reachable from the Internet: a measurement failed them.
        ("cong-dvc", "DES.01", "fail", "measured"),
        ("cong-dvc", "NET.01", "fail", "measured"),
        ("ttdl-tinh", "SRV.04", "fail", "measured"),
        // Attested partial/planned/not implemented: the attestation failed it.
        ("cong-dvc", "DES.11", "fail", "attested"),
        ("cong-dvc", "POL.01", "pass", "attested"),
        ("cong-dvc", "POL.03", "unknown", "none"),
        ("cong-dvc", "DES.17", "not_applicable", "attested"),
        // Waived over `unknown`: the basis of the status beneath the waiver.
        ("cong-dvc", "DES.10", "waived", "none"),
        // Fail-only controls passed by attestation beside clean scans of the system (6 rule
        // judgements, none failing): the scans did not decide them.
        ("tin-noi-bo", "NET.01", "pass", "attested"),
        ("tin-noi-bo", "DES.02", "pass", "attested"),
    ];
    for (system, id, status, basis) in bases {
        let c = control_of(&doc, system, id);
        assert_eq!((c["status"].as_str(), c["basis"].as_str()), (Some(status), Some(basis)), "{system} {id}");
    }
    assert_eq!(system_of(&doc, "tin-noi-bo")["evidence_judged"], 6, "the clean scans exist");
}

#[test]
fn the_demo_table_and_csv_show_the_basis_and_the_share() {
    let table = stdout(&demo(&[]));
    assert!(table.contains("· controls measured: 21/351 (6.0%)"), "{table}");
    // The Basis column is in the per-control table, which `-v` shows.
    let verbose = stdout(&demo(&["-v"]));
    assert!(verbose.contains("┆ Status  ┆ Basis    ┆ Why"), "{verbose}");
    let vi = stdout(&demo(&["--lang", "vi"]));
    assert!(vi.contains("· biện pháp đo kiểm: 21/351 (6.0%)"), "{vi}");
    let csv = stdout(&demo(&["--format", "csv"]));
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",evidence,basis,controls_measured,measured_share"), "{header}");
    let row = csv.lines().find(|l| l.contains(",control,SRV.04,fail,")).expect("ttdl-tinh SRV.04");
    assert!(row.ends_with(&format!(",measured,7,{}", 7.0 / 66.0)), "{row}");
}

fn keypair(dir: &Path, agency: &str) -> ed25519_dalek::SigningKey {
    let o = tuanthu(&["keys", "generate", "--agency", agency, "-o", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    tuanthu::report::sign::read_signing_key(&dir.join(format!("{agency}.key"))).unwrap()
}

/// A report of `so-b` as written before bases existed: one level-2 system (46 required controls).
fn old_report() -> Value {
    report("so-b", "2026-11-20T08:00:00Z", vec![system("b1", 2, "approved", "partial", &["NET.01"])])
}

#[test]
fn the_national_view_counts_an_old_report_as_unmeasured() {
    let root = tempfile::tempdir().unwrap();
    let (keys, dir) = (root.path().join("keys"), root.path().join("in"));
    std::fs::create_dir_all(&dir).unwrap();
    keypair(&keys, "skhcn-binh-an");
    let b = keypair(&keys, "so-b");
    let demo_file = dir.join("demo.json");
    let key = keys.join("skhcn-binh-an.key");
    let o = demo(&["--format", "json", "--sign", key.to_str().unwrap(), "-o", demo_file.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let old = old_report();
    assert!(old["agencies"][0].get("measured_share").is_none() && !old.to_string().contains("\"basis\""));
    let old_file = dir.join("b.json");
    std::fs::write(&old_file, tuanthu::report::sign::sign(&old, &b).unwrap()).unwrap();
    let k = keys.to_str().unwrap();
    let o = tuanthu(&["verify", old_file.to_str().unwrap(), "--keys", k]);
    assert_eq!(code(&o), 0, "an old report stays valid: {}", stdout(&o));
    let o = tuanthu(&["verify", demo_file.to_str().unwrap(), "--keys", k]);
    assert_eq!(code(&o), 0, "a report with bases verifies: {}", stdout(&o));

    let d = dir.to_str().unwrap();
    let o = tuanthu(&["aggregate", d, "--keys", k, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let n: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let total = DEMO_REQUIRED + 46;
    let overall = &n["overall"];
    assert_eq!(overall["controls_measured"], DEMO_MEASURED);
    assert_eq!(
        overall["measured_share"],
        json!(DEMO_MEASURED as f64 / total as f64),
        "the old report's controls count"
    );
    let agency = |id: &str| n["agencies"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap().clone();
    assert_eq!(
        (agency("so-b")["controls_measured"].as_u64(), agency("so-b")["measured_share"].as_f64()),
        (Some(0), Some(0.0))
    );
    let demo_agency = agency("skhcn-binh-an");
    assert_eq!(demo_agency["measured_share"], json!(DEMO_MEASURED as f64 / DEMO_REQUIRED as f64));
    // Per level: level 4 is ttdl-tinh alone (7 of 66); level 2 holds so-b's b1 (0 of 46) beside
    // three demo systems (4 of 46, 2 of 40, 0 of 40).
    let level = |l: &str| {
        (overall["by_level"][l]["controls_measured"].as_u64(), overall["by_level"][l]["measured_share"].as_f64())
    };
    assert_eq!(level("4"), (Some(7), Some(7.0 / 66.0)));
    assert_eq!(level("2"), (Some(6), Some(6.0 / (46.0 + 46.0 + 40.0 + 40.0))));
    let cat = &overall["by_catalogue"]["tt12-2022"];
    assert_eq!(cat["controls_measured"], 19, "cong-dvc 8, ttdl-tinh 7, qlvb-email 4");

    // The same figures in the other formats of the aggregate.
    let share = DEMO_MEASURED as f64 / total as f64;
    let table = stdout(&tuanthu(&["aggregate", d, "--keys", k]));
    assert!(
        table.contains("5.3% of required controls were decided by a measurement rather than paper (21 controls)."),
        "{table}"
    );
    assert!(table.lines().any(|l| l.starts_with("│ All agencies") && l.contains("┆ 21 (5.3%)")), "{table}");
    let csv = stdout(&tuanthu(&["aggregate", d, "--keys", k, "--format", "csv"]));
    let header: Vec<&str> = csv.lines().next().unwrap().trim_start_matches('\u{FEFF}').split(',').collect();
    let overall_row: Vec<&str> = csv.lines().find(|l| l.starts_with("overall,")).unwrap().split(',').collect();
    let col = |name: &str| overall_row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!((col("controls_measured"), col("measured_share")), ("21", share.to_string().as_str()));
    let html = stdout(&tuanthu(&["aggregate", d, "--keys", k, "--format", "html"]));
    assert!(
        html.contains("<span class=\"value\">21 (5.3%)</span><span class=\"label\">Measured controls</span>"),
        "{html}"
    );
}

#[test]
fn stated_figures_are_optional_and_rederived_from_the_bases() {
    let root = tempfile::tempdir().unwrap();
    let (keys, dir) = (root.path().join("keys"), root.path().join("in"));
    std::fs::create_dir_all(&dir).unwrap();
    let b = keypair(&keys, "so-b");
    // Bases on every control, NET.01 failed by a measurement; the figures left unstated.
    let mut r = old_report();
    set_bases(&mut r, &["NET.01"]);
    assert_eq!(r["agencies"][0]["systems"][0]["controls_measured"], 1, "refigure states them");
    let a = r["agencies"][0].as_object_mut().unwrap();
    a.remove("controls_measured");
    a.remove("measured_share");
    let s = r["agencies"][0]["systems"][0].as_object_mut().unwrap();
    s.remove("controls_measured");
    s.remove("measured_share");
    std::fs::write(dir.join("b.json"), tuanthu::report::sign::sign(&r, &b).unwrap()).unwrap();
    let k = keys.to_str().unwrap();
    let o = tuanthu(&["aggregate", dir.to_str().unwrap(), "--keys", k, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let n: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(n["agencies"][0]["controls_measured"], 1, "derived from the bases, not from what is stated");
    assert_eq!(n["overall"]["measured_share"], json!(1.0 / 46.0));

    // A `null` share where there are controls is a stated figure that disagrees.
    refigure(&mut r);
    r["agencies"][0]["systems"][0]["measured_share"] = Value::Null;
    std::fs::write(dir.join("b.json"), tuanthu::report::sign::sign(&r, &b).unwrap()).unwrap();
    let o = tuanthu(&["verify", dir.join("b.json").to_str().unwrap(), "--keys", k]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("system `b1`: `measured_share` states None, derived Some(0.021739130434782608)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_members_are_optional_in_the_report_schema() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join("reports/report-v1.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema itself is valid");
    let mut doc: Value = serde_json::from_str(&stdout(&demo(&["--format", "json"]))).unwrap();
    assert!(validator.is_valid(&doc));
    // Without them (a report written before bases existed) it is still a valid report.
    let agency = &mut doc["agencies"][0];
    let strip = |v: &mut Value, key: &str| v.as_object_mut().unwrap().remove(key).is_some();
    assert!(strip(agency, "controls_measured") && strip(agency, "measured_share"));
    for s in agency["systems"].as_array_mut().unwrap() {
        assert!(strip(s, "controls_measured") && strip(s, "measured_share"));
        for list in ["controls", "obligations", "optional_controls"] {
            for c in s[list].as_array_mut().unwrap() {
                assert!(strip(c, "basis"));
            }
        }
    }
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // A basis outside the four, or a share above 1, is not.
    doc["agencies"][0]["systems"][0]["controls"][0]["basis"] = json!("paper");
    assert!(!validator.is_valid(&doc));
    doc["agencies"][0]["systems"][0]["controls"][0]["basis"] = json!("both");
    doc["agencies"][0]["measured_share"] = json!(1.5);
    assert!(!validator.is_valid(&doc));
}
