//! `tuanthu aggregate`: signature checks, one report per agency and period, rejected and
//! superseded inputs listed, totals untouched by rejected inputs, change since the previous period.

mod common;

use common::{code, stderr, stdout, tuanthu};
use serde_json::{Value, json};
use std::path::Path;
use tuanthu::report::sign;

use common::reports::{report, system};

fn keypair(dir: &Path, agency: &str) -> ed25519_dalek::SigningKey {
    let o = tuanthu(&["keys", "generate", "--agency", agency, "-o", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    sign::read_signing_key(&dir.join(format!("{agency}.key"))).unwrap()
}

fn put(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn national(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["aggregate"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let o = tuanthu(&all);
    let v = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (code(&o), v)
}

#[test]
fn rejected_and_superseded_inputs_are_listed_and_never_counted() {
    let root = tempfile::tempdir().unwrap();
    let (keys, good, bad) = (root.path().join("keys"), root.path().join("in"), root.path().join("bad"));
    std::fs::create_dir_all(&good).unwrap();
    std::fs::create_dir_all(&bad).unwrap();
    let (a, b) = (keypair(&keys, "so-a"), keypair(&keys, "so-b"));
    let _c = keypair(&keys, "so-c");

    let ra = report(
        "so-a",
        "2026-11-20T08:00:00Z",
        vec![system("a1", 3, "approved", "full", &[]), system("a2", 2, "submitted", "partial", &["NET.01"])],
    );
    let rb_old = report("so-b", "2026-11-01T08:00:00Z", vec![system("b1", 1, "approved", "full", &[])]);
    let rb_new = report(
        "so-b",
        "2026-11-22T08:00:00Z",
        vec![
            system("b1", 1, "approved", "partial", &["NET.01", "APP.04"]),
            system("b2", 3, "draft", "none", &["NET.01"]),
        ],
    );
    put(&good, "a.json", &sign::sign(&ra, &a).unwrap());
    put(&good, "b-old.json", &sign::sign(&rb_old, &b).unwrap());
    let b_new = sign::sign(&rb_new, &b).unwrap();
    put(&good, "b-new.json", &b_new);
    put(&good, "b-new-again.json", &b_new);

    // The same inputs plus hostile ones: the totals must not move.
    for f in ["a.json", "b-old.json", "b-new.json", "b-new-again.json"] {
        std::fs::copy(good.join(f), bad.join(f)).unwrap();
    }
    let tampered =
        sign::sign(&report("so-c", "2026-11-23T08:00:00Z", vec![system("c1", 2, "approved", "full", &[])]), &_c)
            .unwrap()
            .replace("\"approved\"", "\"draft\"");
    put(&bad, "c-tampered.json", &tampered);
    // so-a's key on a report claiming to be so-c's.
    let foreign =
        sign::sign(&report("so-c", "2026-11-23T08:00:00Z", vec![system("c1", 2, "approved", "full", &[])]), &a)
            .unwrap()
            .replace("\"key_id\":\"so-c\"", "\"key_id\":\"so-a\"");
    put(&bad, "c-foreign.json", &foreign);
    let unsigned =
        serde_json::to_string(&report("so-d", "2026-11-23T08:00:00Z", vec![system("d1", 2, "approved", "full", &[])]))
            .unwrap();
    put(&bad, "d-unsigned.json", &unsigned);
    put(&bad, "garbage.json", "{\"schema\": ");

    let k = keys.to_str().unwrap();
    let (clean_code, clean) = national(&[good.to_str().unwrap(), "--keys", k]);
    assert_eq!(clean_code, 0);
    let (dirty_code, dirty) = national(&[bad.to_str().unwrap(), "--keys", k]);
    assert_eq!(dirty_code, 1, "rejected inputs make the exit code 1");
    assert_eq!(clean["overall"], dirty["overall"], "rejected inputs do not change any figure");

    let o = &clean["overall"];
    assert_eq!(o["agencies"], 2);
    assert_eq!(o["systems_total"], 4, "so-b counts once, with its newest report");
    assert_eq!(o["systems_approved"], 2);
    assert_eq!(o["systems_fully_implemented"], 1);
    assert_eq!(o["approval_rate"], 0.5);
    assert_eq!(o["agencies_below_50pct_approval"], 0, "so-a 50 %, so-b 50 %: not below");
    assert_eq!(o["by_level"]["3"]["systems_total"], 2);
    assert_eq!(clean["missing_controls"][0], json!({"control": "NET.01", "systems": 3, "agencies": 2}));

    let superseded = clean["superseded"].as_array().unwrap();
    assert_eq!(superseded.len(), 2);
    assert!(superseded.iter().any(|s| s["file"].as_str().unwrap().ends_with("b-old.json") && s["identical"] == false));
    assert!(
        superseded.iter().any(|s| s["identical"] == true),
        "the byte-identical copy is superseded, not counted twice"
    );

    let reasons: Vec<(String, String)> = dirty["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let reason = |f: &str| reasons.iter().find(|(n, _)| n == f).map(|(_, r)| r.clone()).unwrap_or_default();
    assert!(reason("c-tampered.json").contains("bad signature"), "{reasons:?}");
    assert!(reason("c-foreign.json").contains("signed with the key of `so-a`"), "{reasons:?}");
    assert!(reason("d-unsigned.json").contains("unsigned"), "{reasons:?}");
    assert!(reason("garbage.json").contains("malformed"), "{reasons:?}");
    assert_eq!(reasons.len(), 4);

    // --allow-unsigned counts the unsigned report and says so.
    let (_, with_unsigned) = national(&[bad.to_str().unwrap(), "--keys", k, "--allow-unsigned"]);
    assert_eq!(with_unsigned["overall"]["agencies"], 3);
    assert_eq!(with_unsigned["includes_unsigned"], true);
    let d = with_unsigned["agencies"].as_array().unwrap().iter().find(|a| a["id"] == "so-d").unwrap();
    assert!(d["signed_by"].is_null());

    // The change since the previous period.
    let previous = root.path().join("previous.json");
    let mut prev = clean.clone();
    prev["overall"]["approval_rate"] = json!(0.25);
    prev["period"] = json!("2025");
    std::fs::write(&previous, prev.to_string()).unwrap();
    let (_, next) = national(&[good.to_str().unwrap(), "--keys", k, "--previous", previous.to_str().unwrap()]);
    assert_eq!(next["overall"]["change"]["approval_rate"], 0.25);
    assert_eq!(next["agencies"][0]["change"]["approval_rate"], 0.0);
    // A "previous" view of the same period is refused: the change would mean nothing.
    prev["period"] = json!("2026");
    std::fs::write(&previous, prev.to_string()).unwrap();
    let o = tuanthu(&["aggregate", good.to_str().unwrap(), "--keys", k, "--previous", previous.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("not before the aggregated period 2026"), "{}", stderr(&o));
}

#[test]
fn a_real_signed_report_aggregates_and_the_table_speaks_like_the_ministry() {
    let root = tempfile::tempdir().unwrap();
    let keys = root.path().join("keys");
    keypair(&keys, "skhcn-binh-an");
    let report = root.path().join("report.json");
    let key = keys.join("skhcn-binh-an.key");
    let o = common::check_demo(&["--format", "json", "--sign", key.to_str().unwrap(), "-o", report.to_str().unwrap()]);
    assert!(code(&o) <= 1, "{}", stderr(&o));
    let t = tuanthu(&["aggregate", report.to_str().unwrap(), "--keys", keys.to_str().unwrap()]);
    assert_eq!(code(&t), 0, "{}", stderr(&t));
    let out = stdout(&t);
    assert!(out.contains("of 1 agencies have an approval rate below 50%"), "{out}");
    assert!(out.contains("of registered systems have not fully implemented their level's plan"), "{out}");
    let vi = tuanthu(&["aggregate", report.to_str().unwrap(), "--keys", keys.to_str().unwrap(), "--lang", "vi"]);
    assert!(stdout(&vi).contains("chưa triển khai đầy đủ"), "{}", stdout(&vi));
    let none = tuanthu(&["aggregate", report.to_str().unwrap()]);
    assert_eq!(code(&none), 2, "without --keys, unsigned reports must be allowed explicitly");
}

#[test]
fn a_replayed_report_of_another_period_is_rejected_not_counted() {
    let root = tempfile::tempdir().unwrap();
    let (keys, dir) = (root.path().join("keys"), root.path().join("in"));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b, c) = (keypair(&keys, "so-a"), keypair(&keys, "so-b"), keypair(&keys, "so-c"));
    let current = report("so-a", "2026-11-20T08:00:00Z", vec![system("a1", 3, "draft", "none", &["NET.01"])]);
    let c_current = report("so-c", "2026-11-21T08:00:00Z", vec![system("c1", 1, "draft", "none", &["NET.01"])]);
    // A report claiming a period far ahead: one agency's mistake must not decide the period.
    let mut c_future = report("so-c", "2026-11-22T08:00:00Z", vec![system("c1", 1, "approved", "full", &[])]);
    (c_future["period"], c_future["as_of"]) = (json!("2099"), json!("2099-01-01"));
    // Last year's report of so-a (a better picture), validly signed, sent again this year; and
    // so-b, which has not reported this year, trying to pass off last year's.
    let mut last_year = report("so-a", "2025-11-20T08:00:00Z", vec![system("a1", 3, "approved", "full", &[])]);
    (last_year["period"], last_year["as_of"]) = (json!("2025"), json!("2025-11-20"));
    let mut b_last_year = report("so-b", "2025-11-21T08:00:00Z", vec![system("b1", 1, "approved", "full", &[])]);
    (b_last_year["period"], b_last_year["as_of"]) = (json!("2025"), json!("2025-11-21"));
    put(&dir, "a-2026.json", &sign::sign(&current, &a).unwrap());
    put(&dir, "a-2025.json", &sign::sign(&last_year, &a).unwrap());
    put(&dir, "b-2025.json", &sign::sign(&b_last_year, &b).unwrap());
    put(&dir, "c-2026.json", &sign::sign(&c_current, &c).unwrap());
    put(&dir, "c-2099.json", &sign::sign(&c_future, &c).unwrap());
    let mut not_a_year = report("so-c", "2026-11-23T08:00:00Z", vec![]);
    not_a_year["period"] = json!("9");
    put(&dir, "c-9.json", &sign::sign(&not_a_year, &c).unwrap());

    let k = keys.to_str().unwrap();
    let (exit, view) = national(&[dir.to_str().unwrap(), "--keys", k]);
    assert_eq!(exit, 1, "inputs were rejected");
    assert_eq!(
        view["period"], "2026",
        "the period most agencies reported for (2026: 2, 2025: 2, 2099: 1; newest of equals)"
    );
    assert_eq!(view["overall"]["agencies"], 2);
    assert_eq!(view["overall"]["systems_total"], 2);
    assert_eq!(view["overall"]["systems_approved"], 0, "last year's approval does not count");
    let rejected = view["rejected"].as_array().unwrap();
    let reason = |f: &str| {
        rejected
            .iter()
            .find(|r| r["file"].as_str().unwrap().ends_with(f))
            .map(|r| r["reason"].as_str().unwrap().to_string())
    };
    assert_eq!(rejected.len(), 4, "{rejected:#?}");
    for f in ["a-2025.json", "b-2025.json"] {
        assert!(reason(f).unwrap().contains("period 2025, not of the aggregated period 2026"), "{f}");
    }
    assert!(reason("c-2099.json").unwrap().contains("period 2099"));
    assert!(reason("c-9.json").unwrap().contains("`9` is not a year"));

    // The previous period can still be aggregated on its own, explicitly.
    let (_, old) = national(&[dir.to_str().unwrap(), "--keys", k, "--period", "2025"]);
    assert_eq!(old["period"], "2025");
    assert_eq!(old["overall"]["agencies"], 2);
    assert_eq!(old["rejected"].as_array().unwrap().len(), 4);
    let o = tuanthu(&["aggregate", dir.to_str().unwrap(), "--keys", k, "--period", "26"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[test]
fn the_table_names_its_rows_titles_missing_controls_and_lists_a_rejected_input_once() {
    let root = tempfile::tempdir().unwrap();
    let (keys, dir) = (root.path().join("keys"), root.path().join("in"));
    std::fs::create_dir_all(&dir).unwrap();
    let a = keypair(&keys, "so-a");
    let r = report("so-a", "2026-11-20T08:00:00Z", vec![system("a1", 2, "approved", "partial", &["NET.01"])]);
    put(&dir, "a.json", &sign::sign(&r, &a).unwrap());
    put(&dir, "junk.json", "not a report");
    let k = keys.to_str().unwrap();
    let junk = dir.join("junk.json");
    let cases = [
        (
            "en",
            "│ Level / catalogue ┆ Systems ┆ Approved   ┆ Fully implemented ┆ Partly ┆ Not implemented ┆ Measured │",
            "│ Most often missing control ┆ Title                                                              ┆ Systems ┆ Agencies │",
            "│ NET.01                     ┆ Per-service access control at the perimeter (inbound, and outbound ┆ 1       ┆ 1        │",
            "rejected: ",
        ),
        (
            "vi",
            "│ Cấp độ / danh mục ┆ Hệ thống ┆ Đã phê duyệt ┆ Triển khai đầy đủ ┆ Một số hạng mục ┆ Chưa triển khai ┆ Đo kiểm  │",
            "│ Biện pháp thường thiếu nhất ┆ Tên biện pháp                                                     ┆ Hệ thống ┆ Cơ quan │",
            "│ NET.01                      ┆ Kiểm soát truy cập từ ngoài vào theo từng dịch vụ; chặn mọi truy  ┆ 1        ┆ 1       │",
            "bị từ chối: ",
        ),
    ];
    for (lang, level_head, missing_head, missing_row, rejected) in cases {
        let o = tuanthu(&["aggregate", dir.to_str().unwrap(), "--keys", k, "--lang", lang]);
        assert_eq!(code(&o), 1, "an input was rejected: {}", stderr(&o));
        let out = stdout(&o);
        let lines: Vec<&str> = out.lines().collect();
        for want in [level_head, missing_head, missing_row] {
            assert!(lines.contains(&want), "{want}\nnot in\n{out}");
        }
        // Rows of levels and catalogues under a header that names them, not "Agency".
        let at = lines.iter().position(|l| *l == level_head).unwrap();
        assert!(lines[at + 2].starts_with("│ Level 2 ") || lines[at + 2].starts_with("│ Cấp độ 2 "), "{out}");
        // The rejected input: once, at the end of the table, and not again on stderr.
        let listed: Vec<&&str> = lines.iter().filter(|l| l.contains("junk.json")).collect();
        assert_eq!(listed.len(), 1, "{out}");
        assert!(listed[0].starts_with(&format!("{rejected}{}", junk.display())), "{out}");
        assert_eq!(stderr(&o), "", "already listed by the table");
    }
    // Written to a file, or in another format, the table is not on the terminal: stderr lists it.
    let o = tuanthu(&["aggregate", dir.to_str().unwrap(), "--keys", k, "--format", "json"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stderr(&o).matches("junk.json").count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).starts_with(&format!("rejected: {}: malformed report", junk.display())), "{}", stderr(&o));
}
