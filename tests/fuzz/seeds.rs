//! The seed inputs of every format, read or built once: the repository's examples, the bundled
//! rules and profiles, the shared nmap corpus when present, evidence written by the library's own
//! writer, and the demo's report (unsigned and signed with a key made for the run).

use crate::common;
use crate::mutate::Seeds;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use tuanthu::engine::{self, Evidence, Options};
use tuanthu::evidence::file as evidence_file;
use tuanthu::evidence::writer::EvidenceWriter;
use tuanthu::i18n::Lang;
use tuanthu::policy::Policy;
use tuanthu::report::{Report, sign};

fn file(rel: &str) -> (String, Vec<u8>) {
    let p = common::root().join(rel);
    (rel.to_string(), std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

fn text(name: &str, t: String) -> (String, Vec<u8>) {
    (name.to_string(), t.into_bytes())
}

/// Scratch space under the target directory (kept between runs, never in the source tree).
pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz").join(name);
    std::fs::create_dir_all(&d).expect("scratch directory");
    d
}

pub static INVENTORIES: LazyLock<Seeds> = LazyLock::new(|| {
    let assets = "    assets:\n      hosts: [10.0.0.1, web.example, 10.1.0.0/30]\n      urls: [https://web.example/]\n      tls: [web.example:443, {target: web.example:8443, address: 10.0.0.1}]\n      allowed_ports: [tcp/443, udp/53]\n";
    let incident = "    incidents:\n      - {id: SC-1, detected: \"2026-09-14T22:10:00+07:00\", severity: serious, notified: \"2026-09-16T08:00:00+07:00\"}\n";
    Seeds::new(vec![
        file("examples/demo/inventory.yaml"),
        file("tests/golden/two-regimes.yaml"),
        text("common::inventory(1)", common::inventory(1, "")),
        text("common::inventory(3, assets)", common::inventory(3, assets)),
        text("common::inventory(4, incident)", common::inventory(4, incident)),
        text("common::inventory(2, tailoring)", common::inventory(2, "    tailoring: [cong-dvc-overlay]\n")),
    ])
});

pub static TAILORINGS: LazyLock<Seeds> = LazyLock::new(|| {
    Seeds::new(vec![
        file("examples/demo/cong-dvc-overlay.yaml"),
        text("add-only", "schema: tuanthu/tailoring/v1\nadd: [DES.18, NET.02]\n".into()),
    ])
});

fn bundled(prefix: &str, schema: Option<&str>) -> Seeds {
    let items = tuanthu::policy::source::bundled_sources(prefix)
        .into_iter()
        .filter(|s| schema.is_none_or(|k| s.text.contains(k)))
        .map(|s| (s.origin, s.text.into_bytes()))
        .collect();
    Seeds::new(items)
}

pub static RULES: LazyLock<Seeds> = LazyLock::new(|| bundled("rules/", None));
pub static CATALOGUES: LazyLock<Seeds> = LazyLock::new(|| bundled("profiles/", Some("schema: tuanthu/catalogue/v1")));
pub static PROFILES: LazyLock<Seeds> = LazyLock::new(|| bundled("profiles/", Some("schema: tuanthu/profile/v1")));

/// The shared nmap corpus, when present (`common::shared()` decides: skip outside CI, fail in CI).
pub static NMAP: LazyLock<Seeds> = LazyLock::new(|| {
    let mut items = vec![file("examples/demo/scan.xml")];
    if let Some(shared) = common::shared() {
        let dir = shared.join("corpora/nmap-xml");
        let mut found = Vec::new();
        collect_xml(&dir, &mut found);
        assert!(!found.is_empty() || std::env::var("CI").as_deref() != Ok("true"), "no nmap corpus under CI");
        found.sort();
        for p in found {
            let name = p.strip_prefix(&shared).unwrap_or(&p).display().to_string();
            items.push((name, std::fs::read(&p).expect("corpus file")));
        }
    }
    Seeds::new(items)
});

fn collect_xml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            collect_xml(&p, out);
        } else if p.extension().is_some_and(|x| x == "xml") {
            out.push(p);
        }
    }
}

/// The demo's evidence file, and the same records written as JSON Lines by the library's writer.
pub static EVIDENCE: LazyLock<Seeds> = LazyLock::new(|| {
    let demo = file("examples/demo/evidence.json");
    let input = evidence_file::read(&common::root().join("examples/demo/evidence.json"));
    let path = scratch("seeds").join("demo.jsonl");
    let mut w = EvidenceWriter::create(&path, "2026-11-25T08:00:00Z").expect("writer");
    for r in input.records {
        w.push(r).expect("push");
    }
    w.finish("2026-11-25T08:05:00Z").expect("finish");
    let lines = std::fs::read(&path).expect("jsonl seed");
    Seeds::new(vec![demo, ("demo.jsonl (written)".into(), lines)])
});

/// The demo evaluated in-process (inventory, scan and evidence as of 2026-11-25), its report, and
/// that report signed by a key made for this run.
pub struct Demo {
    pub policy: Policy,
    pub report: Report,
    pub json: String,
    pub signed: String,
    /// Holds `skhcn-binh-an.pub`.
    pub keys: PathBuf,
    /// The agency's private key (the library reads keys from files).
    pub key_path: PathBuf,
}

pub static DEMO: LazyLock<Demo> = LazyLock::new(|| {
    let root = common::root();
    let policy = Policy::bundled().expect("bundled policy");
    let files = tuanthu::inventory::load_paths(&[root.join("examples/demo/inventory.yaml")], &[]).expect("demo");
    let scope = tuanthu::inventory::Scope::of(&files.inventory);
    let evidence = Evidence {
        nmap: vec![tuanthu::import::nmap::read_scoped(&root.join("examples/demo/scan.xml"), &scope)],
        probes: vec![evidence_file::read(&root.join("examples/demo/evidence.json"))],
    };
    let opts = Options { as_of: as_of(), max_evidence_age_days: None, catalogue: None };
    let assessment = engine::evaluate(&files.inventory, &policy, &evidence, &opts);
    let report = Report::build(assessment, Lang::En, "2026-11-25T09:00:00Z".into());
    let json = tuanthu::report::Render::render(
        &tuanthu::report::render::Json,
        &report,
        &tuanthu::report::Glossary::empty(Lang::En),
    )
    .expect("report JSON");
    let json = String::from_utf8(json).expect("JSON is UTF-8");
    let dir = scratch("keys");
    let (private, public) = sign::generate().expect("key pair");
    let key_path = dir.join("signer.key");
    std::fs::write(&key_path, private).expect("write key");
    std::fs::write(dir.join("skhcn-binh-an.pub"), public).expect("write public key");
    let key = sign::read_signing_key(&key_path).expect("read key");
    let value: serde_json::Value = serde_json::from_str(&json).expect("report is JSON");
    let signed = sign::sign(&value, &key).expect("sign");
    Demo { policy, report, json, signed, keys: dir, key_path }
});

pub fn as_of() -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::November, 25).expect("a valid date")
}

/// Reports: the demo's, unsigned and signed.
pub static REPORTS: LazyLock<Seeds> = LazyLock::new(|| {
    Seeds::new(vec![
        text("demo report (unsigned)", DEMO.json.clone()),
        text("demo report (signed)", DEMO.signed.clone()),
    ])
});
