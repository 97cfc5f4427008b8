//! The renderers given hostile strings: any text field of the demo's report (or of a national
//! view built from it) is replaced by text full of terminal escapes, NUL, C1 controls, bidi
//! overrides, markup, formulas and over-long runs. The property: no raw control character reaches
//! the table, CSV, HTML, JUnit or XLSX output (workbooks read back with calamine), markup is never
//! injected, and no CSV cell or workbook cell could run as a formula.

use crate::seeds::{self, DEMO};
use crate::{assert_clean, config, regressions};
use calamine::{Data, Reader, Xlsx};
use proptest::prelude::*;
use proptest::sample::Index;
use std::sync::LazyLock;
use tuanthu::aggregate::National;
use tuanthu::i18n::Lang;
use tuanthu::report::{ControlReport, Glossary, Report};

/// Text a hostile host, inventory or agency could put anywhere.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\u{1b}[2J\u{1b}]0;pwned\u{7}"),
        Just("\u{0}"),
        Just("\u{9b}31m"),
        Just("\u{7f}"),
        Just("\r\n"),
        Just("\u{202e}gpj.exe"),
        Just("\u{2066}"),
        Just("\u{fffe}\u{ffff}"),
        Just("<x-evil onload=alert(1)>"),
        Just("]]></testcase>"),
        Just("\"'&amp;"),
        Just("=HYPERLINK(\"http://x\")"),
        Just("+1+1"),
        Just("@SUM(A1)"),
        Just("-2"),
        Just("_x001B_"),
        Just("Cổng dịch vụ công 😀"),
        Just("\t"),
        Just(","),
    ];
    proptest::collection::vec(piece, 1..5).prop_map(|ps| ps.concat())
}

/// Past Excel's cell limit (32 767 UTF-16 units), so workbooks must cut it. Rare in a case: the
/// terminal table wraps such a cell slowly in a debug build.
fn long() -> impl Strategy<Value = bool> {
    proptest::bool::weighted(0.1)
}

fn lengthen(at: &mut [(Index, String)], long: bool) {
    if let (true, Some((_, s))) = (long, at.first_mut()) {
        s.push_str(&"Đ".repeat(33_000));
    }
}

/// Calls `f` on every text field of a report a renderer may show.
fn report_strings(r: &mut Report, f: &mut dyn FnMut(&mut String)) {
    f(&mut r.generated_at);
    f(&mut r.period);
    f(&mut r.policy.rules_digest);
    r.policy.catalogues.values_mut().for_each(&mut *f);
    for u in &mut r.unregistered_assets {
        f(&mut u.address);
        f(&mut u.seen_in);
        u.open_ports.iter_mut().for_each(&mut *f);
    }
    for i in &mut r.inputs {
        f(&mut i.file);
        i.error.iter_mut().chain(i.note.iter_mut()).for_each(&mut *f);
    }
    for a in &mut r.agencies {
        f(&mut a.id);
        f(&mut a.name);
        a.missing_controls.iter_mut().for_each(|m| f(&mut m.control));
        for s in &mut a.systems {
            f(&mut s.id);
            f(&mut s.name);
            f(&mut s.catalogue_reason);
            for c in s.controls.iter_mut().chain(&mut s.obligations).chain(&mut s.optional_controls) {
                control_strings(c, f);
            }
            for t in &mut s.tailoring {
                f(&mut t.control);
                f(&mut t.file);
                t.reason.iter_mut().for_each(&mut *f);
            }
            if let Some(t) = &mut s.transition {
                f(&mut t.basis);
                for g in t.gap.iter_mut().flatten() {
                    g.counterparts.iter_mut().chain(&mut g.attested_counterparts).for_each(&mut *f);
                }
            }
            let reg = &mut s.registration;
            f(&mut reg.source.file);
            [&mut reg.owner, &mut reg.operator, &mut reg.approval_decision, &mut reg.regulation]
                .into_iter()
                .flat_map(|o| o.iter_mut())
                .for_each(&mut *f);
            reg.assessments.iter_mut().flat_map(|a| a.by.iter_mut()).for_each(&mut *f);
        }
    }
}

fn control_strings(c: &mut ControlReport, f: &mut dyn FnMut(&mut String)) {
    c.verification.iter_mut().for_each(|v| shared(v, f));
    c.caveat.iter_mut().for_each(&mut *f);
    if let Some(w) = &mut c.waiver {
        f(&mut w.reason);
        w.approved_by.iter_mut().for_each(&mut *f);
    }
    for x in &mut c.findings {
        // A rule id is text from a rule pack: poisoned as a rule's id.
        let mut rule = x.rule.to_string();
        f(&mut rule);
        x.rule = tuanthu::engine::Source::Rule(rule.into());
        f(&mut x.message);
        x.asset.iter_mut().chain(x.evidence.iter_mut()).for_each(&mut *f);
        x.observed.values_mut().for_each(&mut *f);
    }
}

/// Calls `f` on a text the report shares with the catalogue (`Arc<str>`), then stores the
/// possibly changed text back.
fn shared(a: &mut std::sync::Arc<str>, f: &mut dyn FnMut(&mut String)) {
    let mut s = a.to_string();
    f(&mut s);
    *a = s.into();
}

/// A function that calls its closure on every text field of a `T`.
type Visit<T> = fn(&mut T, &mut dyn FnMut(&mut String));

/// Replaces the fields at the chosen positions (fractions of the field count) with `texts`; a
/// failure names the fields replaced (by number and former value).
fn poison<T>(value: &mut T, visit: Visit<T>, at: &[(Index, String)]) {
    let mut n = 0usize;
    visit(value, &mut |_| n += 1);
    let targets: Vec<(usize, &String)> = at.iter().map(|(i, s)| (i.index(n), s)).collect();
    let mut k = 0usize;
    let mut replaced = Vec::new();
    visit(value, &mut |s| {
        for (t, text) in &targets {
            if *t == k {
                replaced.push(format!("field #{k} (was {:?})", s.chars().take(60).collect::<String>()));
                *s = (*text).clone();
            }
        }
        k += 1;
    });
    crate::set_context(replaced.join(", "));
}

fn lang() -> impl Strategy<Value = Lang> {
    prop_oneof![Just(Lang::En), Just(Lang::Vi)]
}

/// CSV: clean text (CRLF line ends allowed), well-formed, and no cell a spreadsheet would run.
fn check_csv(what: &str, text: &str) {
    assert_clean(what, text, true);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    for row in reader.records() {
        let row = row.unwrap_or_else(|e| panic!("{what}: malformed CSV: {e}"));
        for cell in row.iter() {
            assert_clean(what, cell, false);
            let formula = cell.starts_with(['=', '+', '-', '@']) && cell.parse::<f64>().is_err();
            assert!(!formula, "{what}: a cell a spreadsheet would run: {:?}", &cell[..cell.len().min(60)]);
        }
    }
}

/// HTML and XML: clean, and hostile markup arrives escaped.
fn check_markup(what: &str, text: &str) {
    assert_clean(what, text, false);
    assert!(!text.contains("<x-evil"), "{what}: markup from the data was not escaped");
    assert!(!text.contains("]]></testcase>"), "{what}: the data closed an element");
}

/// A workbook read back: every cell clean, within Excel's limit, and no formula.
fn check_xlsx(what: &str, bytes: &[u8]) {
    let mut wb = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap_or_else(|e| panic!("{what}: {e}"));
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap_or_else(|e| panic!("{what}/{name}: {e}"));
        for cell in range.used_cells() {
            if let (_, _, Data::String(s)) = cell {
                assert_clean(&format!("{what}/{name}"), s, false);
                assert!(s.encode_utf16().count() <= 32_767, "{what}/{name}: a cell over Excel's limit");
            }
        }
        let formulas = wb.worksheet_formula(&name).unwrap_or_else(|e| panic!("{what}/{name}: {e}"));
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{what}/{name}: a formula");
    }
}

fn json_strings(v: &serde_json::Value, f: &mut dyn FnMut(&str)) {
    match v {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, f)),
        serde_json::Value::Object(m) => m.iter().for_each(|(k, x)| {
            f(k);
            json_strings(x, f)
        }),
        _ => {}
    }
}

/// A text renderer's bytes as text (they are UTF-8 by construction).
fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("text renderers write UTF-8")
}

/// The text outputs of a report.
fn render_report_text(r: &Report, lang: Lang) {
    let g = Glossary::new(&DEMO.policy, lang);
    use tuanthu::report::render::Detail;
    use tuanthu::report::render::{Csv, Html, Json, Junit, Mau08, Render, Sarif, Table};
    let bare = Glossary::empty(lang);
    for detail in [Detail::All, Detail::Problems, Detail::Summary] {
        let text = Table { detail, width: Some(120), gate: None }.render(r, &bare).expect("table");
        assert_clean("table", &utf8(text), false);
    }
    check_csv("csv", &utf8(Csv.render(r, &g).expect("csv")));
    check_markup("html", &utf8(Html.render(r, &g).expect("html")));
    check_markup("junit", &utf8(Junit.render(r, &g).expect("junit")));
    if let Ok(form) = Mau08::Csv.render(r, &g) {
        check_csv("mau08 csv", &utf8(form));
    }
    // JSON outputs escape controls by construction; they must still be JSON.
    let j = Json.render(r, &g).expect("report JSON");
    serde_json::from_slice::<serde_json::Value>(&j).expect("report JSON parses");
    // SARIF is shown by code-scanning pages: its strings are clean once decoded, not only escaped.
    if let Ok(s) = Sarif.render(r, &g).map(utf8) {
        assert_clean("sarif", &s, false);
        let v: serde_json::Value = serde_json::from_str(&s).expect("SARIF parses");
        json_strings(&v, &mut |t| assert_clean("sarif string", t, false));
    }
}

/// The workbooks of a report (slow in a debug build: zip written, then read back).
fn render_report_xlsx(r: &Report, lang: Lang) {
    let g = Glossary::new(&DEMO.policy, lang);
    use tuanthu::report::render::{Mau08, Render, Xlsx};
    if let Ok(bytes) = Xlsx.render(r, &g) {
        check_xlsx("xlsx", &bytes);
    }
    if let Ok(bytes) = Mau08::Xlsx.render(r, &g) {
        check_xlsx("mau08 xlsx", &bytes);
    }
}

fn hostile_fields(n: usize) -> impl Strategy<Value = Vec<(Index, String)>> {
    (proptest::collection::vec((any::<Index>(), hostile()), 1..n), long()).prop_map(|(mut at, long)| {
        lengthen(&mut at, long);
        at
    })
}

proptest! {
    #![proptest_config(config(16, regressions!("render")))]

    /// Any text field of a report, made hostile, reaches no text output raw.
    #[test]
    fn report_text_keeps_control_characters_out(at in hostile_fields(12), lang in lang()) {
        let mut r = DEMO.report.clone();
        poison(&mut r, report_strings, &at);
        render_report_text(&r, lang);
    }
}

proptest! {
    #![proptest_config(config(4, regressions!("render-xlsx")))]

    /// The same for the workbooks, read back with calamine.
    #[test]
    fn report_workbooks_keep_control_characters_out(at in hostile_fields(12), lang in lang()) {
        let mut r = DEMO.report.clone();
        poison(&mut r, report_strings, &at);
        render_report_xlsx(&r, lang);
    }
}

/// The demo's report aggregated alone: the national view the poisoning starts from.
static NATIONAL: LazyLock<National> = LazyLock::new(|| {
    let dir = seeds::scratch("national");
    let path = dir.join("demo.json");
    std::fs::write(&path, &DEMO.json).expect("write");
    std::fs::write(dir.join("broken.json"), "{\"schema\": ").expect("write");
    let opts = tuanthu::aggregate::Options { keys: None, allow_unsigned: true, previous: None, top: 0, period: None };
    tuanthu::aggregate::aggregate(&[dir], &opts).expect("national view")
});

fn national_strings(n: &mut National, f: &mut dyn FnMut(&mut String)) {
    f(&mut n.generated_at);
    f(&mut n.period);
    n.missing_controls.iter_mut().for_each(|m| f(&mut m.control));
    for a in &mut n.agencies {
        f(&mut a.id);
        f(&mut a.name);
        f(&mut a.report);
        f(&mut a.generated_at);
        a.signed_by.iter_mut().for_each(&mut *f);
        a.figures.missing_controls.iter_mut().for_each(|m| f(&mut m.control));
    }
    for r in &mut n.rejected {
        f(&mut r.file);
        f(&mut r.reason);
    }
    for s in &mut n.superseded {
        f(&mut s.file);
        f(&mut s.by);
    }
}

proptest! {
    #![proptest_config(config(16, regressions!("render-national")))]

    /// Any text field of a national view, made hostile, reaches no output raw.
    #[test]
    fn national_renderers_keep_control_characters_out(
        at in hostile_fields(8),
        lang in lang(),
    ) {
        let mut n = NATIONAL.clone();
        poison(&mut n, national_strings, &at);
        render_national(&n, lang);
    }
}

fn render_national(n: &National, lang: Lang) {
    let g = Glossary::new(&DEMO.policy, lang);
    use tuanthu::report::render::{Csv, Html, Render, Table, Xlsx};
    let table = Table { detail: tuanthu::report::render::Detail::Problems, width: None, gate: None };
    assert_clean("national table", &utf8(table.render(n, &g).expect("table")), false);
    check_csv("national csv", &utf8(Csv.render(n, &g).expect("csv")));
    check_markup("national html", &utf8(Html.render(n, &g).expect("html")));
    if let Ok(bytes) = Xlsx.render(n, &g) {
        check_xlsx("national xlsx", &bytes);
    }
}

/// Every text field of the report hostile at once (a fixed case, so it always runs): the
/// table renderer once printed ids, periods, dates and verification markings raw.
#[test]
fn every_report_field_hostile_at_once() {
    let mut r = DEMO.report.clone();
    report_strings(&mut r, &mut |s| *s = format!("{s}\u{1b}[31m\u{9b}\u{202e}<x-evil>"));
    for lang in [Lang::En, Lang::Vi] {
        render_report_text(&r, lang);
    }
    render_report_xlsx(&r, Lang::Vi);
}

/// The same for the national view.
#[test]
fn every_national_field_hostile_at_once() {
    let mut n = NATIONAL.clone();
    national_strings(&mut n, &mut |s| *s = format!("{s}\u{1b}[31m\u{9b}\u{202e}<x-evil>"));
    for lang in [Lang::En, Lang::Vi] {
        render_national(&n, lang);
    }
}

/// `s` as a YAML double-quoted scalar: every character YAML forbids raw (C0, DEL, C1) and every
/// bidi control escaped, so the parser receives exactly `s`.
fn yaml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || crate::forbidden(c, false) || matches!(c, '\u{fffe}' | '\u{ffff}') => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as an XML attribute value: markup escaped, NUL left out (the reader refuses it in any
/// form, as XML 1.0 does), other control characters raw: the reader is lenient with them, as
/// real nmap output needs (banners are written as received).
fn xml_attr(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\0' => {}
            c => out.push(c),
        }
    }
    out
}

/// An inventory, an nmap scan and an evidence file carrying `t` (a list of hostile texts, used in
/// turn) wherever their formats take free text.
fn hostile_inputs(dir: &std::path::Path, t: &[String]) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let at = |i: usize| t[i % t.len()].as_str();
    let y = |i: usize| yaml_quoted(at(i));
    let inventory = format!(
        "schema: tuanthu/inventory/v1\nagency:\n  id: hostile-agency\n  name: {}\n  catalogue: tt12-2022\nsystems:\n  - id: sys-a\n    name: {}\n    level: 3\n    approval: {{status: approved, decision: {}, date: 2025-01-10}}\n    owner: {}\n    operator: {}\n    assessments:\n      - {{kind: periodic, date: 2026-03-10, by: {}}}\n    assets:\n      hosts: [10.0.0.1]\n      tls: [web.example:443]\n      urls: [https://web.example/]\n      allowed_ports: [tcp/443]\n    attestations:\n      POL.01: {{status: implemented, evidence: {}, reviewed: 2026-03-12}}\n      DES.17: {{status: not-applicable, reason: {}, evidence: {}, reviewed: 2026-03-12}}\n    waivers:\n      - {{control: DES.13, reason: {}, approved_by: {}, expires: 2027-03-31}}\n",
        y(0),
        y(1),
        y(2),
        y(3),
        y(4),
        y(5),
        y(6),
        y(7),
        y(8),
        y(9),
        y(10)
    );
    let x = |i: usize| xml_attr(at(i));
    let scan = format!(
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" start=\"1795000000\" version=\"7.94\">\n<host><status state=\"up\" reason=\"{}\"/><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/><address addr=\"10.0.0.9\" addrtype=\"ipv4\"/><hostnames><hostname name=\"{}\" type=\"PTR\"/></hostnames><ports>\n<port protocol=\"tcp\" portid=\"23\"><state state=\"open\" reason=\"{}\"/><service name=\"telnet\" product=\"{}\" version=\"{}\" extrainfo=\"{}\"/><script id=\"banner\" output=\"{}\"/></port>\n<port protocol=\"tcp\" portid=\"22\"><state state=\"open\"/><service name=\"ssh\" product=\"{}\" extrainfo=\"protocol 1.99 {}\"/></port>\n</ports><os><osmatch name=\"{}\" accuracy=\"90\"/></os></host>\n<host><status state=\"up\"/><address addr=\"10.9.9.9\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/><service name=\"{}\"/></port></ports></host>\n<runstats><finished time=\"1795000100\" exit=\"success\"/></runstats>\n</nmaprun>\n",
        x(0),
        x(1),
        x(2),
        x(3),
        x(4),
        x(5),
        x(6),
        x(7),
        x(8),
        x(9),
        x(10)
    );
    let records = serde_json::json!({
        "schema": "tuanthu/evidence/v1",
        "started_at": "2026-11-25T08:00:00Z",
        "finished_at": "2026-11-25T08:05:00Z",
        "records": [
            {"kind": "tls", "target": "web.example:443", "observed_at": "2026-11-25T08:00:01Z",
             "facts": {"protocols": {"tls1.0": true, at(0): at(1)}, "certificate": {"subject": at(2), "issuer": at(3),
                       "not_after": "2026-12-01T00:00:00Z", "chain": [{"subject": at(4)}]}, "cipher_suites": [at(5)]}},
            {"kind": "http", "target": "https://web.example/", "observed_at": "2026-11-25T08:00:02Z",
             "error": {"class": at(6), "message": at(7)}},
            {"kind": "tls", "target": at(8), "observed_at": at(9), "facts": {}},
        ],
    });
    let inv = dir.join("inventory.yaml");
    let nmap = dir.join("scan.xml");
    let evidence =
        dir.join(format!("{}.json", at(10).chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>()));
    std::fs::write(&inv, inventory).expect("write");
    std::fs::write(&nmap, scan).expect("write");
    std::fs::write(&evidence, records.to_string()).expect("write");
    (inv, nmap, evidence)
}

proptest! {
    #![proptest_config(config(12, regressions!("render-pipeline")))]

    /// Hostile text in the real inputs (inventory fields, nmap banners and script output, evidence
    /// facts and probe errors), evaluated by the engine: nothing raw reaches a text output.
    #[test]
    fn hostile_inputs_through_the_engine_reach_no_output_raw(
        texts in proptest::collection::vec(hostile(), 11),
        lang in lang(),
    ) {
        let dir = tempfile::tempdir_in(seeds::scratch("pipeline")).expect("tempdir");
        let (inv, nmap, evidence) = hostile_inputs(dir.path(), &texts);
        let files = tuanthu::inventory::load_paths(&[inv], &[]);
        let files = match files {
            Ok(f) => f,
            Err(e) => {
                crate::assert_clean("inventory problems", &e.to_string(), false);
                return Ok(());
            }
        };
        let scope = tuanthu::inventory::Scope::of(&files.inventory);
        let evidence = tuanthu::engine::Evidence {
            nmap: vec![tuanthu::import::nmap::read_scoped(&nmap, &scope)],
            probes: vec![tuanthu::evidence::file::read(&evidence)],
        };
        let opts = tuanthu::engine::Options { as_of: seeds::as_of(), max_evidence_age_days: None, catalogue: None };
        let assessment = tuanthu::engine::evaluate(&files.inventory, &DEMO.policy, &evidence, &opts);
        let report = Report::build(assessment, lang, "2026-11-25T09:00:00Z".into());
        prop_assert_eq!(report.agencies.len(), 1);
        // Not vacuous: the scan's host reached the engine with its hostile banners.
        prop_assert!(report.inputs.iter().any(|i| i.kind == "nmap" && i.hosts_matched == 1), "{:?}", report.inputs);
        render_report_text(&report, lang);
    }
}
