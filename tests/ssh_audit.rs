//! ssh-audit's JSON (`ssh-audit -j`) imported as `ssh` records: the corpus's real outputs
//! (`../shared/corpora/host-and-vuln/ssh-audit/`, skipped outside CI when absent), with exact
//! counts of what each file holds, then judged by the SSH rules through `check --evidence`.

mod common;

use common::{code, stderr, stdout, tuanthu};
use serde_json::Value;

fn corpus() -> Option<std::path::PathBuf> {
    Some(common::shared()?.join("corpora/host-and-vuln/ssh-audit"))
}

fn records(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines[1..lines.len() - 1].to_vec()
}

/// (category, algorithm, classes joined by +) of a record's weak facts.
fn weak(rec: &Value) -> Vec<String> {
    rec["facts"]["weak"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let classes: Vec<&str> = w["classes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
            format!("{} {} {}", w["category"].as_str().unwrap(), w["algorithm"].as_str().unwrap(), classes.join("+"))
        })
        .collect()
}

#[test]
fn the_corpus_converts_with_exact_counts_and_is_judged() {
    let Some(dir) = corpus() else { return };
    let (bug_fix, many) = (dir.join("bug_fix.json"), dir.join("many_vulns.json"));
    let out = tempfile::tempdir().unwrap();
    let ev = out.path().join("ssh.jsonl");
    // No --from: detected from the content.
    let o = tuanthu(&[
        "import",
        bug_fix.to_str().unwrap(),
        many.to_str().unwrap(),
        "--observed-at",
        "2026-12-01T00:00:00Z",
        "-o",
        ev.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let recs = records(&ev);
    assert_eq!(recs.len(), 2);
    let (a, b) = (&recs[0], &recs[1]);
    assert_eq!((a["kind"].as_str(), a["target"].as_str()), (Some("ssh"), Some("nanana.com:22")));
    assert_eq!(
        (a["source"]["format"].as_str(), a["observed_at"].as_str()),
        (Some("ssh-audit"), Some("2026-12-01T00:00:00Z"))
    );
    let f = &a["facts"];
    assert_eq!(f["banner"], "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.5");
    assert_eq!((f["software"].as_str(), f["openssh_version"].as_str()), (Some("OpenSSH_8.9p1"), Some("8.9p1")));
    let len = |f: &Value, k: &str| f[k].as_array().unwrap().len();
    // 11 kex names in the file, the last the strict-kex pseudo-algorithm.
    assert_eq!([len(f, "kex"), len(f, "host_key_algorithms"), len(f, "ciphers"), len(f, "macs")], [10, 4, 6, 10]);
    assert_eq!((f["strict_kex"].as_bool(), f["end_of_life"].is_null()), (Some(true), true));
    assert_eq!(
        f["host_keys"],
        serde_json::json!([{"type": "ssh-rsa", "bits": 3072, "sha256": ""},
                           {"type": "ecdsa-sha2-nistp256", "bits": 256, "sha256": ""},
                           {"type": "ssh-ed25519", "bits": 256, "sha256": ""}])
    );
    assert_eq!(
        weak(a),
        [
            "kex ecdh-sha2-nistp256 nist-curve",
            "kex ecdh-sha2-nistp384 nist-curve",
            "kex ecdh-sha2-nistp521 nist-curve",
            "host_key_algorithm ecdsa-sha2-nistp256 nist-curve",
            "mac umac-64-etm@openssh.com tag-64",
            "mac hmac-sha1-etm@openssh.com sha1",
            "mac umac-64@openssh.com tag-64",
            "mac hmac-sha1 sha1",
        ]
    );
    let g = &b["facts"];
    assert_eq!(b["target"], "sdf.sdf.fewio:22");
    assert_eq!([len(g, "kex"), len(g, "host_key_algorithms"), len(g, "ciphers"), len(g, "macs")], [10, 5, 6, 10]);
    assert_eq!(g["strict_kex"], false);
    assert_eq!(
        g["host_keys"][0],
        serde_json::json!({"type": "ssh-rsa", "bits": 2048, "sha256": "SHA256:W1xWUfJ7EU3CEi4etW6JwLbQZz04gtYEfc8YGIouNyc"})
    );
    assert_eq!(g["host_keys"][2]["sha256"], "SHA256:mHoRf3V/hprQTMrO1PcDB2FSGhB61MlDJ//eWMtkkjE");
    assert_eq!(weak(b).len(), 10);
    assert!(weak(b).contains(&"kex diffie-hellman-group14-sha1 sha1".to_string()));
    assert!(weak(b).contains(&"host_key_algorithm ssh-rsa sha1".to_string()));
    let cves: Vec<&str> = g["extra"]["cves"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(cves.len(), 4);
    assert_eq!(cves[0], "CVE-2021-41617");

    // Judged like probed records: both fail the MAC rule, only the second the kex and host-key rules.
    let inv = common::inventory(3, "    assets:\n      ssh: [nanana.com:22, sdf.sdf.fewio:22]\n");
    let inv_path = out.path().join("inventory.yaml");
    std::fs::write(&inv_path, inv).unwrap();
    let check = tuanthu(&[
        "check",
        "--inventory",
        inv_path.to_str().unwrap(),
        "--evidence",
        ev.to_str().unwrap(),
        "--as-of",
        "2026-12-02",
        "--format",
        "json",
    ]);
    assert_eq!(code(&check), 1, "{}", stderr(&check));
    let report: Value = serde_json::from_str(&stdout(&check)).unwrap();
    let mut failed: Vec<String> = report["agencies"][0]["systems"][0]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().into_iter().flatten())
        .filter(|f| f["outcome"] == "fail" && f["rule"].as_str().unwrap_or_default().starts_with("ssh-"))
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["asset"].as_str().unwrap()))
        .collect();
    failed.sort();
    failed.dedup();
    assert_eq!(
        failed,
        [
            "ssh-weak-host-keys sdf.sdf.fewio:22",
            "ssh-weak-kex sdf.sdf.fewio:22",
            "ssh-weak-macs nanana.com:22",
            "ssh-weak-macs sdf.sdf.fewio:22",
        ]
    );
}

#[test]
fn without_a_time_the_file_is_refused_with_the_command_that_converts_it() {
    let Some(dir) = corpus() else { return };
    let file = dir.join("bug_fix.json");
    let out = tempfile::tempdir().unwrap();
    let ev = out.path().join("x.jsonl");
    let o = tuanthu(&["import", file.to_str().unwrap(), "--from", "ssh-audit", "-o", ev.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: ssh-audit's JSON does not say when the audit ran: convert it with `tuanthu import FILE --from ssh-audit --observed-at TIME -o evidence.jsonl` (nothing of it is written)\nerror: nothing usable was read, so {} was not written\n",
            file.display(),
            ev.display()
        )
    );
    assert!(!ev.exists());
}
