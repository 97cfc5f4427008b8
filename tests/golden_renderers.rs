//! Golden files per renderer: the golden inventory (one level-3 system, tests/golden/two-regimes.yaml)
//! rendered in every text format and compared byte for byte with tests/golden/renderers/, the
//! generation time masked. A deliberate change is reviewed as a diff: rerun with UPDATE_GOLDEN=1.
//! (Each format's structure is checked against the JSON report by its own test file; these catch
//! any unintended change of output.)

mod common;

use common::{code, stderr, stdout, tuanthu};

/// Replaces every RFC 3339 UTC timestamp (`2026-11-25T08:00:00Z`, with or without fraction) by a
/// fixed marker: the generation time is the one thing that differs between runs.
fn mask_timestamps(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    while i + 20 <= b.len() {
        let digits = |r: std::ops::Range<usize>| r.clone().all(|k| b[i + k].is_ascii_digit());
        let shape = digits(0..4)
            && b[i + 4] == b'-'
            && digits(5..7)
            && b[i + 7] == b'-'
            && digits(8..10)
            && b[i + 10] == b'T'
            && digits(11..13)
            && b[i + 13] == b':'
            && digits(14..16)
            && b[i + 16] == b':'
            && digits(17..19);
        if shape {
            let mut end = i + 19;
            if end < b.len() && b[end] == b'.' {
                end += 1;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
            }
            if end < b.len() && b[end] == b'Z' {
                out.push_str(&s[copied..i]);
                out.push_str("<generated-at>");
                i = end + 1;
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&s[copied..]);
    out
}

fn render(format: &str, lang: &str) -> String {
    let o = tuanthu(&[
        "check",
        "--inventory",
        "tests/golden/two-regimes.yaml",
        "--as-of",
        "2026-11-25",
        "--format",
        format,
        "--lang",
        lang,
    ]);
    assert!(matches!(code(&o), 0 | 1), "{format}: {}", stderr(&o));
    mask_timestamps(&stdout(&o))
}

fn golden(format: &str, lang: &str, ext: &str) {
    let got = render(format, lang);
    let path = common::root().join(format!("tests/golden/renderers/two-regimes.{lang}.{ext}"));
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "{format}: line {} of {}", i + 1, path.display());
    }
    assert_eq!(got.lines().count(), want.lines().count(), "{format}: {}", path.display());
    assert_eq!(got, want, "{format}: line ends or final newline differ from {}", path.display());
}

#[test]
fn masking_touches_only_timestamps() {
    assert_eq!(mask_timestamps("at 2026-11-25T08:00:00Z."), "at <generated-at>.");
    assert_eq!(mask_timestamps("\"2026-11-25T08:00:00.123456Z\""), "\"<generated-at>\"");
    assert_eq!(
        mask_timestamps("as of 2026-11-25, 2026-11-25T08:00:00+07:00"),
        "as of 2026-11-25, 2026-11-25T08:00:00+07:00"
    );
}

#[test]
fn json_matches_its_golden_file() {
    golden("json", "en", "json");
}

#[test]
fn table_matches_its_golden_files() {
    golden("table", "en", "txt");
    golden("table", "vi", "txt");
}

#[test]
fn html_matches_its_golden_files() {
    golden("html", "en", "html");
    golden("html", "vi", "html");
}

#[test]
fn sarif_matches_its_golden_file() {
    golden("sarif", "en", "sarif");
}

#[test]
fn junit_matches_its_golden_file() {
    golden("junit", "en", "xml");
}

#[test]
fn csv_matches_its_golden_files() {
    golden("csv", "en", "csv");
    golden("mau08", "vi", "mau08.csv");
}
