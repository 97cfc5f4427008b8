//! Renderers other than the table and JSON, read back with real parsers.

mod common;

use common::{check_demo, stdout};

#[test]
fn csv_reads_back_with_every_system_and_control() {
    let o = check_demo(&["--format", "csv", "--evidence", "examples/demo/evidence.json"]);
    let text = stdout(&o);
    assert!(text.starts_with('\u{FEFF}'), "a BOM, so Excel reads UTF-8");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&check_demo(&["--format", "json", "--evidence", "examples/demo/evidence.json"])))
            .unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[..3], ["agency_id", "system_id", "system"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a well-formed row")).collect();
    assert!(rows.iter().all(|r| r.len() == header.len()));
    for system in json["agencies"][0]["systems"].as_array().unwrap() {
        let id = system["id"].as_str().unwrap();
        for (kind, list) in [("control", "controls"), ("obligation", "obligations"), ("optional", "optional_controls")]
        {
            for c in system[list].as_array().unwrap() {
                let mine: Vec<&csv::StringRecord> = rows
                    .iter()
                    .filter(|r| &r[1] == id && &r[6] == kind && &r[7] == c["id"].as_str().unwrap())
                    .collect();
                assert!(!mine.is_empty(), "{id} {kind} {} has a row", c["id"]);
                assert!(mine.iter().all(|r| &r[8] == c["status"].as_str().unwrap()));
                let findings = c["findings"].as_array().unwrap().len();
                assert_eq!(mine.len(), findings.max(1), "{id} {}: one row per finding", c["id"]);
            }
        }
    }
    // Vietnamese names survive, and the Vietnamese header is used with --lang vi.
    assert!(rows.iter().any(|r| r[2].contains("Cổng dịch vụ công")));
    let vi = stdout(&check_demo(&["--format", "csv", "--lang", "vi"]));
    assert!(vi.trim_start_matches('\u{FEFF}').starts_with("ma_co_quan,ma_he_thong"));
}

#[test]
fn junit_parses_back_with_a_case_per_required_control() {
    use quick_xml::events::Event;
    let args = ["--format", "junit", "--evidence", "examples/demo/evidence.json"];
    let xml = stdout(&check_demo(&args));
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&check_demo(&["--format", "json", "--evidence", "examples/demo/evidence.json"])))
            .unwrap();
    // (suite name, test cases, failures, skipped) as read by an XML parser.
    let mut suites: Vec<(String, usize, usize, usize)> = Vec::new();
    let mut reader = quick_xml::Reader::from_str(&xml);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) if e.name().as_ref() == "testsuite" => {
                let name = e
                    .try_get_attribute("name")
                    .unwrap()
                    .unwrap()
                    .normalized_value(quick_xml::XmlVersion::default())
                    .unwrap()
                    .to_string();
                suites.push((name, 0, 0, 0));
            }
            Event::Start(e) | Event::Empty(e) => {
                let last = suites.last_mut();
                match (e.name().as_ref(), last) {
                    ("testcase", Some(s)) => s.1 += 1,
                    ("failure", Some(s)) => s.2 += 1,
                    ("skipped", Some(s)) => s.3 += 1,
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let systems = json["agencies"][0]["systems"].as_array().unwrap();
    assert_eq!(suites.len(), systems.len());
    for (system, (name, cases, failures, skipped)) in systems.iter().zip(&suites) {
        assert!(name.contains(system["id"].as_str().unwrap()), "{name}");
        let controls = system["controls"].as_array().unwrap();
        assert_eq!(*cases, controls.len(), "{name}");
        let n = |st: &[&str]| controls.iter().filter(|c| st.contains(&c["status"].as_str().unwrap())).count();
        assert_eq!(*failures, n(&["fail", "unknown"]), "{name}: unknown fails too");
        assert_eq!(*skipped, n(&["waived", "not_applicable"]), "{name}");
    }
}
