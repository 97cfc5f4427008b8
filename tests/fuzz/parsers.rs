//! Every input parser on mutated seeds: inventories (with a tailoring file beside them),
//! tailoring files, rule files, catalogues and profiles, nmap XML, evidence files. Each returns a
//! value or a clear error: problems name their file, have a message, and print without raw
//! control characters; nothing panics.

use crate::mutate::{self, Case};
use crate::seeds::{self, CATALOGUES, EVIDENCE, INVENTORIES, NMAP, PROFILES, RULES, TAILORINGS};
use crate::{assert_clean, config, regressions};
use proptest::prelude::*;
use std::path::Path;
use std::sync::LazyLock;
use tuanthu::diag::Problems;
use tuanthu::evidence::file as evidence_file;
use tuanthu::import::nmap::{Limits, read_nmap_partial};
use tuanthu::policy::{Catalogue, Profile};

/// What a loader's error must be: at least one problem, each naming a file and saying something,
/// and the whole printable without raw control characters.
fn assert_clear(what: &str, e: &Problems) {
    // Never empty: `Problems` cannot be built without a problem.
    for p in e {
        assert!(!p.file.is_empty(), "{what}: a problem without a file: {p:?}");
        assert!(!p.message.en.trim().is_empty(), "{what}: a problem without a message: {p:?}");
    }
    assert_clean(what, &e.to_string(), false);
}

fn stem(origin: &str) -> &str {
    Path::new(origin).file_stem().and_then(|s| s.to_str()).unwrap_or("rule")
}

static BUNDLED_CATALOGUES: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    CATALOGUES
        .items
        .iter()
        .map(|(o, t)| Catalogue::parse(o, &String::from_utf8_lossy(t)).expect("bundled catalogue"))
        .collect()
});

proptest! {
    #![proptest_config(config(48, regressions!("inventory")))]

    /// An inventory file and its tailoring file, both mutated, loaded from disk as `check` does.
    #[test]
    fn inventory_loads_or_explains(
        inv in mutate::cases(&INVENTORIES, mutate::YAML),
        tailoring in mutate::cases(&TAILORINGS, mutate::YAML),
    ) {
        let dir = tempfile::tempdir_in(seeds::scratch("inventory")).expect("tempdir");
        let path = dir.path().join("inventory.yaml");
        std::fs::write(&path, &inv.bytes).expect("write");
        std::fs::write(dir.path().join("cong-dvc-overlay.yaml"), &tailoring.bytes).expect("write");
        match tuanthu::inventory::load_paths(&[path], &[]) {
            Ok(files) => {
                for (a, s) in files.inventory.systems() {
                    prop_assert!(!a.id.is_empty() && !s.id.is_empty(), "empty id accepted");
                    prop_assert!((1..=5).contains(&s.level), "level {} accepted", s.level);
                }
            }
            Err(e) => assert_clear("inventory", &e),
        }
    }
}

proptest! {
    #![proptest_config(config(64, regressions!("policy")))]

    #[test]
    fn tailoring_parses_or_explains(t in mutate::cases(&TAILORINGS, mutate::YAML)) {
        if let Err(e) = tuanthu::inventory::tailoring::parse("overlay", "overlay.yaml", &t.text()) {
            assert_clear("tailoring", &e);
        }
    }

    /// A rule file compiles (its CEL included) or says why not.
    #[test]
    fn rule_parses_or_explains(r in mutate::cases(&RULES, mutate::YAML)) {
        let origin = r.seed.clone();
        match tuanthu::policy::rules::parse_rule(&origin, stem(&origin), &r.text()) {
            Ok(rule) => prop_assert!(!rule.controls.is_empty(), "a rule without controls"),
            Err(e) => assert_clear("rule", &e),
        }
    }

    #[test]
    fn catalogue_parses_or_explains(c in mutate::cases(&CATALOGUES, mutate::YAML)) {
        if let Err(e) = Catalogue::parse(&c.seed, &c.text()) {
            assert_clear("catalogue", &e);
        }
    }

    /// A level profile, checked against the bundled catalogues.
    #[test]
    fn profile_builds_or_explains(p in mutate::cases(&PROFILES, mutate::YAML)) {
        match Profile::build(&p.seed, &p.text(), &BUNDLED_CATALOGUES) {
            Ok(profile) => prop_assert!((1..=5).contains(&profile.level), "level {} accepted", profile.level),
            Err(e) => assert_clear("profile", &e),
        }
    }
}

/// Small limits, so that the limit paths are reached by small inputs too.
fn limits() -> impl Strategy<Value = Limits> {
    prop_oneof![
        3 => Just(Limits::default()),
        1 => (256usize..8192, 0usize..16, 0usize..256, 0usize..4, 0usize..8).prop_map(|(b, p, s, n, a)| Limits {
            max_host_bytes: b,
            max_ports_per_host: p,
            max_script_output: s,
            max_nesting: n,
            max_attributes: a,
        }),
    ]
}

fn read_nmap(case: &Case, limits: &Limits) -> (u64, tuanthu::evidence::nmap::RunInfo, Option<String>) {
    let mut delivered = 0u64;
    let (run, error) = read_nmap_partial(&case.bytes[..], limits, |host| {
        // Every delivered host respects the port cap it was read under.
        assert!(host.ports.len() <= limits.max_ports_per_host, "{} ports kept", host.ports.len());
        delivered += 1;
        Ok(())
    });
    (delivered, run, error.map(|e| e.to_string()))
}

proptest! {
    #![proptest_config(config(96, regressions!("nmap")))]

    /// The streaming nmap reader: hosts delivered are counted in the run information, a damaged
    /// file is an error with a position, and two reads of the same bytes agree (hosts are parsed
    /// on worker threads).
    #[test]
    fn nmap_reads_or_explains(case in mutate::cases(&NMAP, mutate::XML), limits in limits()) {
        let (delivered, run, error) = read_nmap(&case, &limits);
        prop_assert_eq!(delivered, run.hosts_parsed);
        if let Some(e) = &error {
            prop_assert!(e.starts_with("line ") || e.starts_with("read error"), "error without a position: {}", e);
            prop_assert!(!run.complete, "an error, yet the run is complete");
        }
        let (again, _, error_again) = read_nmap(&case, &limits);
        prop_assert_eq!(delivered, again);
        prop_assert_eq!(error, error_again);
    }
}

proptest! {
    #![proptest_config(config(96, regressions!("evidence")))]

    /// Evidence files, as a document or JSON Lines (by file name, as `check` decides): a file that
    /// had problems is marked partial or unusable, and every record says where it came from.
    #[test]
    fn evidence_reads_or_explains(case in mutate::cases(&EVIDENCE, mutate::JSON), lines in any::<bool>()) {
        let dir = tempfile::tempdir_in(seeds::scratch("evidence")).expect("tempdir");
        let path = dir.path().join(if lines { "e.jsonl" } else { "e.json" });
        std::fs::write(&path, &case.bytes).expect("write");
        let input = evidence_file::read(&path);
        if !input.problems.is_empty() {
            prop_assert!(input.partial || input.fatal.is_some(), "problems {:?} on a sound file", input.problems);
        }
        for r in &input.records {
            prop_assert!(!r.position.is_empty(), "a record without a position");
        }
        if input.fatal.is_some() {
            prop_assert!(input.records.is_empty(), "records kept from an unusable file");
        }
    }
}
