//! `--format html` for `check` and `aggregate`, read back with an XML parser: well-formed polyglot
//! markup, every system and control of the JSON report present with its status, inline SVG charts,
//! nothing loaded from elsewhere, hostile text escaped, both languages.

mod common;

use common::{check_demo, code, national_inputs, stderr, stdout, tuanthu};
use quick_xml::events::Event;
use serde_json::Value;
use std::path::Path;

const EVIDENCE: [&str; 2] = ["--evidence", "examples/demo/evidence.json"];

/// What the XML parser saw of a page.
#[derive(Debug, Default)]
struct Page {
    /// Text content, entities resolved.
    text: String,
    /// Every element name, in document order.
    elements: Vec<String>,
    /// Every attribute (element, name, value), values unescaped.
    attributes: Vec<(String, String, String)>,
    /// The text of every `<style>` element.
    styles: String,
}

/// Reads `html` to the end as XML; panics on any well-formedness error, an entity XML does not
/// define, or an element left open.
fn parse(html: &str) -> Page {
    let mut reader = quick_xml::Reader::from_str(html);
    let mut page = Page::default();
    let mut open: Vec<String> = Vec::new();
    loop {
        let event =
            reader.read_event().unwrap_or_else(|e| panic!("not well-formed at {}: {e}", reader.error_position()));
        match event {
            Event::Start(e) => {
                let name = record(&mut page, &e);
                open.push(name);
            }
            Event::Empty(e) => {
                record(&mut page, &e);
            }
            Event::End(_) => {
                open.pop().expect("an end tag without a start tag");
            }
            Event::Text(t) => {
                let s = t.xml10_content();
                if open.last().is_some_and(|e| e == "style") {
                    page.styles.push_str(&s);
                }
                page.text.push_str(&s);
            }
            Event::GeneralRef(r) => {
                let name = r.xml10_content().into_owned();
                let c = match name.as_str() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => {
                        r.resolve_char_ref().unwrap_or_else(|e| panic!("&{name};: {e}")).expect("an entity XML defines")
                    }
                };
                page.text.push(c);
            }
            Event::CData(_) | Event::PI(_) | Event::Decl(_) => panic!("unexpected {event:?}"),
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty(), "elements left open: {open:?}");
    page
}

/// Notes an element and its attributes; returns its name.
fn record(page: &mut Page, e: &quick_xml::events::BytesStart<'_>) -> String {
    let name = e.name().as_ref().to_string();
    for a in e.attributes() {
        let a = a.unwrap_or_else(|err| panic!("bad attribute on <{name}>: {err}"));
        let key = a.key.as_ref().to_string();
        let value = a
            .normalized_value(quick_xml::XmlVersion::default())
            .unwrap_or_else(|err| panic!("bad value of {key}: {err}"));
        page.attributes.push((name.clone(), key, value.into_owned()));
    }
    page.elements.push(name.clone());
    name
}

/// `s` with every `YYYY-MM-DDTHH:MM:SSZ` replaced by `*`, to compare two runs.
fn mask_timestamps(s: &str) -> String {
    let shape = |w: &[u8]| {
        w.iter().enumerate().all(|(i, &b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'Z',
            _ => b.is_ascii_digit(),
        })
    };
    let bytes = s.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < bytes.len() {
        if bytes.len() - i >= 20 && shape(&bytes[i..i + 20]) {
            out.push(b'*');
            i += 20;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// No element, attribute or style rule loads anything: no scripts, no external links or images,
/// no `@import` or `url(`.
fn assert_self_contained(page: &Page) {
    for banned in ["script", "link", "img", "image", "iframe", "object", "embed", "base", "form", "use"] {
        assert!(!page.elements.iter().any(|e| e == banned), "<{banned}> in the page");
    }
    for (element, name, value) in &page.attributes {
        if ["src", "href", "xlink:href", "action", "poster", "data"].contains(&name.as_str()) {
            assert!(value.starts_with('#'), "<{element} {name}=\"{value}\"> points outside the page");
        }
        assert!(!value.contains("url("), "<{element} {name}=\"{value}\">");
        assert!(!name.starts_with("on"), "event handler <{element} {name}>");
    }
    assert!(!page.styles.is_empty(), "the style sheet is inline");
    assert!(!page.styles.contains("@import") && !page.styles.contains("url("), "the style sheet loads nothing");
}

fn attr<'p>(page: &'p Page, element: &str, name: &str) -> Vec<&'p str> {
    page.attributes.iter().filter(|(e, n, _)| e == element && n == name).map(|(_, _, v)| v.as_str()).collect()
}

fn json_report(extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend(extra);
    serde_json::from_str(&stdout(&check_demo(&args))).unwrap()
}

fn html_report(extra: &[&str]) -> String {
    let mut args = vec!["--format", "html"];
    args.extend(extra);
    let o = check_demo(&args);
    assert_eq!(code(&o), 1, "the demo exits 1 by design: {}", stderr(&o));
    stdout(&o)
}

#[test]
fn demo_report_is_well_formed_self_contained_and_shows_every_control_with_its_status() {
    let html = html_report(&EVIDENCE);
    let json = json_report(&EVIDENCE);
    assert!(html.starts_with("<!DOCTYPE html>\n<html "), "{}", &html[..80]);
    assert!(html.contains("<meta charset=\"utf-8\"/>"));
    let page = parse(&html);
    assert_self_contained(&page);
    assert_eq!(attr(&page, "html", "lang"), ["en"]);

    let agency = &json["agencies"][0];
    for key in ["name", "id"] {
        assert!(page.text.contains(agency[key].as_str().unwrap()), "agency {key}");
    }
    assert!(page.text.contains("Generated at"));
    for key in ["period", "as_of"] {
        assert!(page.text.contains(json[key].as_str().unwrap()), "{key}");
    }
    assert!(page.text.contains(json["policy"]["rules_digest"].as_str().unwrap()));

    // One section per system, in the report's order, each with every control, obligation and
    // optional control as a row marked with its status.
    let sections: Vec<&str> = html.split("<section class=\"system\" id=\"").skip(1).collect();
    let systems = agency["systems"].as_array().unwrap();
    assert_eq!(sections.len(), systems.len());
    let (mut rows, mut unknown) = (0, 0);
    for (system, section) in systems.iter().zip(&sections) {
        let (id, name) = (system["id"].as_str().unwrap(), system["name"].as_str().unwrap());
        assert!(page.text.contains(name), "{id}: name");
        assert!(section.contains(&format!("<h2>{id} — ")), "{id}: heading");
        for list in ["controls", "obligations", "optional_controls"] {
            for c in system[list].as_array().unwrap() {
                let (cid, status) = (c["id"].as_str().unwrap(), c["status"].as_str().unwrap());
                let row = format!("<tr class=\"row-{status}\"><td><code>{cid}</code>");
                assert!(section.contains(&row), "{id} {list} {cid}: no row with status {status}");
                rows += 1;
                unknown += usize::from(status == "unknown");
            }
        }
    }
    assert!(rows > 300, "{rows} rows");
    // Unknown is never shown as a pass: each unknown row is marked unknown, in words too.
    assert_eq!(html.matches("<tr class=\"row-unknown\">").count(), unknown);
    assert!(unknown > 0);
    assert!(page.text.contains("unknown is not pass"));

    // Charts: inline SVG, each an image with a title; the three of the agency summary.
    let svgs = page.elements.iter().filter(|e| *e == "svg").count();
    assert_eq!(svgs, 3, "per level, most often missing, per system");
    assert_eq!(attr(&page, "svg", "role"), ["img"; 3]);
    assert_eq!(html.matches("role=\"img\" font-size=\"12\"><title>").count(), 3, "a <title> opens every chart");
    for caption in ["Systems per level", "Controls most often missing", "Required controls per system"] {
        assert!(page.text.contains(caption), "{caption}");
    }
    // Titles and clauses from the catalogue, rule titles and remediation from the rules.
    assert!(page.text.contains("Information security policy"));
    assert!(page.text.contains("Level 3: PL-III"));
    assert!(page.text.contains("How to fix"));
    // Unregistered assets and the inputs.
    for u in json["unregistered_assets"].as_array().unwrap() {
        assert!(page.text.contains(u["address"].as_str().unwrap()));
    }
    for i in json["inputs"].as_array().unwrap() {
        assert!(page.text.contains(i["file"].as_str().unwrap()));
    }
    // The output is the same from run to run, apart from the generation time.
    assert_eq!(mask_timestamps(&html), mask_timestamps(&html_report(&EVIDENCE)));
}

#[test]
fn vietnamese_report_has_vietnamese_headings() {
    let html = html_report(&["--lang", "vi"]);
    let page = parse(&html);
    assert_eq!(attr(&page, "html", "lang"), ["vi"]);
    for heading in ["Cách đọc báo cáo", "Biện pháp bắt buộc", "Tài sản chưa đăng ký", "Bằng chứng đã đọc", "Cấp độ 3"]
    {
        assert!(page.text.contains(heading), "{heading}");
    }
    for english in ["How to read this report", "Required controls", "Unregistered assets", "Findings"] {
        assert!(!page.text.contains(english), "{english} left in English");
    }
    assert!(page.text.contains("Chính sách an toàn thông tin"), "catalogue titles in Vietnamese");
}

/// The demo with a hostile system name and a hostile banner quoted in a finding.
fn hostile_demo(dir: &Path) -> (String, String) {
    let root = common::root();
    let inventory = std::fs::read_to_string(root.join("examples/demo/inventory.yaml")).unwrap();
    let hostile_name = "name: \"<script>alert(1)</script>\\e[2J\"\n";
    let inventory = inventory.replacen("name: Cổng dịch vụ công tỉnh Bình An\n", hostile_name, 1);
    assert!(inventory.contains(hostile_name));
    std::fs::write(dir.join("inventory.yaml"), inventory).unwrap();
    let mut evidence: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("examples/demo/evidence.json")).unwrap()).unwrap();
    let mut changed = 0;
    for r in evidence["records"].as_array_mut().unwrap() {
        if r["kind"] == "http" && r["facts"]["version_disclosed"] == true {
            r["facts"]["version_banners"] = serde_json::json!(["server: <script>alert(1)</script>\u{1b}[2J"]);
            changed += 1;
        }
    }
    assert!(changed > 0);
    std::fs::write(dir.join("evidence.json"), evidence.to_string()).unwrap();
    (dir.join("inventory.yaml").display().to_string(), dir.join("evidence.json").display().to_string())
}

#[test]
fn hostile_names_and_messages_appear_only_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (inventory, evidence) = hostile_demo(dir.path());
    let o = tuanthu(&[
        "check",
        "--inventory",
        &inventory,
        "--tailoring",
        "examples/demo",
        "--nmap",
        "examples/demo/scan.xml",
        "--evidence",
        &evidence,
        "--as-of",
        "2026-11-25",
        "--format",
        "html",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let html = stdout(&o);
    assert!(!html.to_lowercase().contains("<script"), "a script element got through");
    assert!(!html.contains('\u{1b}'), "an escape character got through");
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;\u{FFFD}[2J";
    assert!(html.contains(&format!("<h2>cong-dvc — {escaped}</h2>")), "the system name, escaped");
    // The message quotes the banner list as JSON, so its escape character arrives as `\u001b`.
    assert!(html.contains("server: &lt;script&gt;alert(1)&lt;/script&gt;\\u001b[2J"), "the finding's message, escaped");
    let page = parse(&html);
    assert_self_contained(&page);
    assert!(page.text.contains("<script>alert(1)</script>\u{FFFD}[2J"), "shown as text");
}

fn aggregate_html(keys: &Path, reports: &Path, extra: &[&str]) -> String {
    let mut args = vec!["aggregate", reports.to_str().unwrap(), "--keys", keys.to_str().unwrap(), "--allow-unsigned"];
    args.extend(extra);
    args.extend(["--format", "html"]);
    let o = tuanthu(&args);
    assert_eq!(code(&o), 1, "one input is rejected: {}", stderr(&o));
    stdout(&o)
}

#[test]
fn national_view_has_the_ministry_headlines_charts_and_every_input() {
    let root = tempfile::tempdir().unwrap();
    let (keys, reports) = national_inputs(root.path());
    let html = aggregate_html(&keys, &reports, &[]);
    let page = parse(&html);
    assert_self_contained(&page);
    let t = &page.text;
    assert!(t.contains("of 3 agencies have an approval rate below 50%."), "the ministry's phrasing");
    assert!(t.contains("of registered systems have not fully implemented their level's plan"));
    assert!(t.contains("Includes unsigned reports"), "includes_unsigned is shown");
    assert!(t.contains("UNSIGNED") && t.contains("signed by skhcn-binh-an"));
    assert!(t.contains("BELOW 50%"), "agencies below 50% are flagged");
    for agency in ["skhcn-binh-an", "so-nho", "so-chua-ky"] {
        assert!(t.contains(&format!("({agency})")), "{agency}");
    }
    assert!(t.contains("garbage.json") && t.contains("malformed"), "rejected, with the reason");
    assert!(t.contains("so-nho-again.json") && t.contains("byte-identical resubmission"), "superseded");
    assert_eq!(page.elements.iter().filter(|e| *e == "svg").count(), 3, "per level, distribution, missing");
    assert!(t.contains("DES.01 — "), "missing controls carry their titles from the bundled catalogues");
    assert!(!t.contains("Change (pp)"), "no change column without --previous");

    // With the previous period, the change per agency and overall.
    let national = tuanthu(&[
        "aggregate",
        reports.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--allow-unsigned",
        "--format",
        "json",
    ]);
    let mut previous: Value = serde_json::from_str(&stdout(&national)).unwrap();
    let now = previous["overall"]["approval_rate"].as_f64().unwrap();
    previous["overall"]["approval_rate"] = serde_json::json!(now - 0.125);
    previous["period"] = serde_json::json!("2025");
    let prev = root.path().join("previous.json");
    std::fs::write(&prev, previous.to_string()).unwrap();
    let with_change = parse(&aggregate_html(&keys, &reports, &["--previous", prev.to_str().unwrap()]));
    assert!(with_change.text.contains("since the previous period: +12.5 pp"), "the change in points");
    assert!(with_change.text.contains("Change (pp)"));

    let vi = parse(&aggregate_html(&keys, &reports, &["--lang", "vi"]));
    assert_eq!(attr(&vi, "html", "lang"), ["vi"]);
    for heading in
        ["Tổng hợp toàn quốc", "Theo cấp độ", "Theo cơ quan", "Biện pháp thường thiếu nhất", "chưa triển khai đầy đủ"]
    {
        assert!(vi.text.contains(heading), "{heading}");
    }
}
