//! Fuzzing harness (issue #11): property tests over every parser and the evaluator, calling the
//! library in-process on the stable toolchain. See `docs/fuzzing.md` for what each property
//! covers, the longer run and how to turn a failure into a regression test.
//!
//! Inputs start from the repository's own files (examples, bundled rules and profiles, a report
//! built from the demo) and, when present, the shared nmap corpus (`../shared/corpora/nmap-xml`,
//! required under `CI=true`), then are mutated ([`mutate`]). Every property says at least:
//! nothing panics, and what reaches a reader carries no raw control character.
//!
//! The short run (the default case counts below) is part of `cargo test`; `PROPTEST_CASES=N`
//! runs every property N times instead. Failures are persisted under `proptest-regressions/fuzz/`
//! and replayed first on every later run.

#[path = "../common/mod.rs"]
mod common;

mod cel;
mod mutate;
mod parsers;
mod render;
mod reports;
mod seeds;

use proptest::test_runner::{Config, FileFailurePersistence};

/// The configuration of one property: `cases` runs (or `PROPTEST_CASES`), failures persisted in
/// `proptest-regressions/fuzz/<file>.txt`.
pub fn config(cases: u32, file: &'static str) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(file))),
        // A shrink that runs long is still a failure: stop shrinking rather than keep CI waiting.
        max_shrink_iters: 2048,
        ..Config::default()
    }
}

/// `proptest-regressions/fuzz/<name>.txt` at the crate root, as a `&'static str`.
#[macro_export]
macro_rules! regressions {
    ($name:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/proptest-regressions/fuzz/", $name, ".txt")
    };
}

/// Characters no text output may hold raw: C0 controls other than tab and line feed (carriage
/// return only where `cr_ok`: CSV line ends), DEL, C1 controls, and the bidi overrides and
/// isolates. Written out here rather than borrowed from `sanitize`, so the oracle is not the code
/// under test.
pub fn forbidden(c: char, cr_ok: bool) -> bool {
    match c {
        '\t' | '\n' => false,
        '\r' => !cr_ok,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

thread_local! {
    /// What the current case changed (e.g. which report fields were made hostile), for failures.
    static CONTEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

pub fn set_context(s: String) {
    CONTEXT.with(|c| *c.borrow_mut() = s);
}

/// Panics (failing the property) when `text` holds a [`forbidden`] character, showing where.
pub fn assert_clean(what: &str, text: &str, cr_ok: bool) {
    if let Some((i, c)) = text.char_indices().find(|&(_, c)| forbidden(c, cr_ok)) {
        let from = text.floor_char_boundary(i.saturating_sub(60));
        let to = text.ceil_char_boundary((i + 60).min(text.len()));
        let context = CONTEXT.with(|c| c.borrow().clone());
        panic!("{what}: raw control character {c:?} at byte {i}: …{:?}… [{context}]", &text[from..to]);
    }
}
