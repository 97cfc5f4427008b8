//! Every message the command line prints follows `--lang` (#14): usage errors found by clap,
//! the `error:`/`warning:` prefixes, and the messages of evidence files, importers and format
//! detection — each with its exact English and Vietnamese text and position.

mod common;

use common::{code, stderr, tuanthu};

const INV: &str = "examples/demo/inventory.yaml";

/// The same command in English and in Vietnamese: (exit code, standard error) of each.
fn both(args: &[&str]) -> ((i32, String), (i32, String)) {
    let en = tuanthu(args);
    let mut vi_args = args.to_vec();
    vi_args.extend(["--lang", "vi"]);
    let vi = tuanthu(&vi_args);
    ((code(&en), stderr(&en)), (code(&vi), stderr(&vi)))
}

#[test]
fn an_unknown_option_is_refused_in_the_language_asked_for() {
    let (en, vi) = both(&["check", "--inventory", INV, "--nope"]);
    assert_eq!(
        en,
        (
            2,
            "error: unexpected argument '--nope' found\n\n\
Usage: tuanthu check --inventory <PATH>...\n\nFor more information, try '--help'.\n"
                .to_string()
        )
    );
    assert_eq!(
        vi,
        (
            2,
            "lỗi: không có tham số '--nope'\n\n\
Cách dùng: tuanthu check --inventory <PATH>...\n\nXem thêm: '--help'.\n"
                .to_string()
        )
    );
}

#[test]
fn clap_s_own_tips_are_translated_too() {
    let o = tuanthu(&["import", "--lang", "vi", "-o", "o.jsonl", "--nope"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "lỗi: không có tham số '--nope'\n\n  gợi ý: để đưa '--nope' vào như một giá trị, viết '-- --nope'\n\n\
Cách dùng: tuanthu import --output <EVIDENCE> --lang <LANG> <FILE>...\n\nXem thêm: '--help'.\n"
    );
}

#[test]
fn a_misspelt_command_or_value_gets_its_did_you_mean_in_vietnamese() {
    let o = tuanthu(&["--lang", "vi", "chek"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "lỗi: không có lệnh 'chek'\n\n  gợi ý: có lệnh gần giống: 'check'\n\nCách dùng: tuanthu [OPTIONS] <COMMAND>\n\n\
Xem thêm: '--help'.\n"
    );
    let o = tuanthu(&["check", "--lang=vi", "--inventory", INV, "--format", "jsn"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "lỗi: giá trị 'jsn' không hợp lệ cho '--format <FORMAT>'\n  \
[các giá trị có thể: table, json, html, sarif, junit, csv, xlsx, mau08]\n\n  gợi ý: có giá trị gần giống: 'json'\n\n\
Xem thêm: '--help'.\n"
    );
}

#[test]
fn missing_arguments_conflicts_and_ranges_are_said_in_vietnamese() {
    let o = tuanthu(&["import", "--lang", "vi"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "lỗi: thiếu các tham số bắt buộc sau:\n  --output <EVIDENCE>\n  <FILE>...\n\n\
Cách dùng: tuanthu import --output <EVIDENCE> --lang <LANG> <FILE>...\n\nXem thêm: '--help'.\n"
    );
    let o = tuanthu(&["check", "--lang", "vi", "--inventory", INV, "-q", "-v"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "lỗi: tham số '--quiet' không dùng được cùng '--verbose'\n\n\
Cách dùng: tuanthu check --inventory <PATH>... --lang <LANG> --quiet\n\nXem thêm: '--help'.\n"
    );
    let o = tuanthu(&["--lang", "vi", "controls", "--level", "9"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "lỗi: giá trị '9' không hợp lệ cho '--level <LEVEL>': 9 không thuộc khoảng 1..=5\n\nXem thêm: '--help'.\n"
    );
}

#[test]
fn lang_may_come_before_the_command() {
    let o = tuanthu(&["--lang", "vi", "validate", INV]);
    assert_eq!((code(&o), common::stdout(&o)), (0, "1 tệp hợp lệ\n".to_string()));
    // The one given last wins.
    let o = tuanthu(&["--lang", "vi", "validate", "--lang", "en", INV]);
    assert_eq!((code(&o), common::stdout(&o)), (0, "1 file(s) valid\n".to_string()));
}

/// Runs `args` (with `{dir}` in them replaced by the folder of `files`) in English and in
/// Vietnamese, from inside that folder so that file names are short.
fn in_dir(files: &[(&str, &str)], args: &[&str]) -> ((i32, String), (i32, String)) {
    let d = common::dir_with(files);
    let run = |lang: &str| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--lang", lang]);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_tuanthu"))
            .args(&all)
            .current_dir(d.path())
            .env_remove("TUANTHU_LANG")
            .output()
            .expect("run tuanthu");
        (code(&o), stderr(&o))
    };
    (run("en"), run("vi"))
}

fn demo_inventory() -> String {
    common::demo().join("inventory.yaml").display().to_string()
}

#[test]
fn a_json_evidence_file_cut_short_is_placed_at_its_end_in_both_languages() {
    // serde_json says "line 2, column 0"; the file really ends after `:` on line 1.
    let inv = demo_inventory();
    let args = ["check", "--inventory", &inv, "--as-of", "2026-11-25", "--evidence", "bad.json", "-q"];
    let (en, vi) = in_dir(&[("bad.json", "{\"a\":\n")], &args);
    assert_eq!(
        en,
        (2, "error: bad.json: line 1, column 6: EOF while parsing a value (no record of it is used)\n".into())
    );
    assert_eq!(
        vi,
        (
            2,
            "lỗi: bad.json: dòng 1, cột 6: tệp kết thúc khi còn chờ một giá trị (không bản ghi nào của tệp được dùng)\n"
                .into()
        )
    );
}

const HEADER: &str = r#"{"schema": "tuanthu/evidence/v1", "started_at": "2026-11-25T08:00:00Z"}"#;

#[test]
fn damaged_json_lines_their_warnings_and_the_report_s_input_notes_follow_lang() {
    let cut = format!(
        "{HEADER}\n{{\"kind\": \"quantum\", \"target\": \"q:1\", \"facts\": {{}}}}\n{{\"kind\": \"tls\", \"tar\n"
    );
    let inv = demo_inventory();
    let args = ["check", "--inventory", &inv, "--as-of", "2026-11-25", "--evidence", "cut.jsonl", "-q"];
    let (en, vi) = in_dir(&[("cut.jsonl", &cut)], &args);
    assert_eq!(
        en,
        (
            2,
            "error: cut.jsonl: line 3, column 20: EOF while parsing a string\n\
error: cut.jsonl: no trailer line: the run was interrupted; the records before it are used\n\
warning: cut.jsonl: line 2: 1 record(s) of kind `quantum`, which this version does not evaluate (it reads `tls`, \
`http`, `host-audit`, `vulnerabilities`, `agent`, `ssh`, `dns`): kept, but no rule reads them\n"
                .into()
        )
    );
    assert_eq!(
        vi,
        (
            2,
            "lỗi: cut.jsonl: dòng 3, cột 20: tệp kết thúc giữa một chuỗi\n\
lỗi: cut.jsonl: không có dòng kết thúc: lần đo đã bị ngắt giữa chừng; các bản ghi trước đó được dùng\n\
cảnh báo: cut.jsonl: dòng 2: 1 bản ghi loại `quantum`, loại mà phiên bản này không đánh giá (phiên bản này đọc `tls`, \
`http`, `host-audit`, `vulnerabilities`, `agent`, `ssh`, `dns`): được giữ lại, nhưng không quy tắc nào đọc\n"
                .into()
        )
    );
    // The same notes in the JSON report, in the report's language; its schema is unchanged.
    let d = common::dir_with(&[("cut.jsonl", &cut)]);
    let file = d.path().join("cut.jsonl");
    let inputs = |lang: &str| {
        let o = tuanthu(&[
            "check",
            "--inventory",
            INV,
            "--as-of",
            "2026-11-25",
            "--evidence",
            file.to_str().unwrap(),
            "--format",
            "json",
            "--lang",
            lang,
        ]);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
        let input = &doc["inputs"][0];
        (
            input["error"].as_str().unwrap_or_default().to_string(),
            input["note"].as_str().unwrap_or_default().to_string(),
        )
    };
    assert_eq!(
        inputs("en"),
        (
            "line 3, column 20: EOF while parsing a string; no trailer line: the run was interrupted; the records before it are used".to_string(),
            "line 2: 1 record(s) of kind `quantum`, which this version does not evaluate (it reads `tls`, `http`, \
`host-audit`, `vulnerabilities`, `agent`, `ssh`, `dns`): kept, but no rule reads them"
                .to_string()
        )
    );
    assert_eq!(
        inputs("vi"),
        (
            "dòng 3, cột 20: tệp kết thúc giữa một chuỗi; không có dòng kết thúc: lần đo đã bị ngắt giữa chừng; các bản ghi trước đó được dùng".to_string(),
            "dòng 2: 1 bản ghi loại `quantum`, loại mà phiên bản này không đánh giá (phiên bản này đọc `tls`, `http`, \
`host-audit`, `vulnerabilities`, `agent`, `ssh`, `dns`): được giữ lại, nhưng không quy tắc nào đọc"
                .to_string()
        )
    );
}

#[test]
fn a_record_that_breaks_the_contract_is_named_in_both_languages() {
    let bad = r#"{"kind": "http", "target": "https://d/", "facts": {"status": "200"}}"#;
    let trailer = r#"{"finished_at": "2026-11-25T08:00:09Z", "records": 1, "errors": 0}"#;
    let inv = demo_inventory();
    let args = ["check", "--inventory", &inv, "--as-of", "2026-11-25", "--evidence", "e.jsonl", "-q"];
    let (en, vi) = in_dir(&[("e.jsonl", &format!("{HEADER}\n{bad}\n{trailer}\n"))], &args);
    assert_eq!(
        en,
        (
            2,
            "error: e.jsonl: line 2: not an evidence record: http facts of https://d/: invalid type: string \"200\", \
expected u16\n"
                .into()
        )
    );
    assert_eq!(
        vi,
        (
            2,
            "lỗi: e.jsonl: dòng 2: không phải bản ghi bằng chứng: dữ kiện http của https://d/: sai kiểu: string \"200\", \
cần u16\n"
                .into()
        )
    );
}

#[test]
fn a_cut_nmap_file_says_where_in_both_languages() {
    let scan = std::fs::read_to_string(common::demo().join("scan.xml")).unwrap();
    let cut = &scan[..scan.find("<port protocol=\"tcp\" portid=\"22\">").unwrap() + 20];
    let inv = demo_inventory();
    let args = ["check", "--inventory", &inv, "--as-of", "2026-11-25", "--nmap", "cut.xml", "-q"];
    let (en, vi) = in_dir(&[("cut.xml", cut)], &args);
    let line = cut.lines().count();
    let column = cut.lines().last().unwrap().len() + 1;
    let start = column - 20;
    assert_eq!(
        en,
        (
            2,
            format!(
                "error: cut.xml: line {line}, column {column}: file is truncated: tag not closed: `>` not found before \
end of input (markup starts at line {line}, column {start}) (the 0 host(s) read before it are used; the evidence is \
marked partial)\n"
            )
        )
    );
    assert_eq!(
        vi,
        (
            2,
            format!(
                "lỗi: cut.xml: dòng {line}, cột {column}: tệp bị cắt cụt: thẻ chưa đóng: không thấy `>` trước khi hết \
dữ liệu (thẻ bắt đầu ở dòng {line}, cột {start}) (0 máy đọc được trước chỗ đó vẫn được dùng; bằng chứng được đánh dấu là \
không đầy đủ)\n"
            )
        )
    );
}

#[test]
fn importer_messages_format_detection_and_its_hint_follow_lang() {
    let xccdf = "<?xml version=\"1.0\"?>\n<TestResult xmlns=\"http://checklists.nist.gov/xccdf/1.2\"></TestResult>";
    let bench = "<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"b\"></Benchmark>\n";
    let lynis = "# Lynis Report\nreport_version_major=1\nhostname=web01\nreport_datetime_start=2026-11-20 02:00:00\n";
    let files =
        [("t.xml", xccdf), ("bench.xml", bench), ("scan.txt", "# Nmap 7.94 scan initiated\n"), ("report.dat", lynis)];
    let args = ["import", "-q", "t.xml", "bench.xml", "scan.txt", "report.dat", "-o", "o.jsonl"];
    let (en, vi) = in_dir(&files, &args);
    let known = "evidence, nmap, xccdf, arf, lynis, wazuh-agents, wazuh-sca, wazuh-vulns, openvas, nessus, ssh-audit";
    assert_eq!(
        en,
        (
            1,
            format!(
                "error: t.xml: line 2, column 1: missing attribute id on <TestResult> (nothing of it is written)\n\
warning: bench.xml: the file holds no TestResult: it is a benchmark, not a result\n\
warning: bench.xml: it describes no host, so it adds no record\n\
error: scan.txt: nmap normal output (-oN), which tuanthu does not read; run nmap with -oX FILE (XML output) and give \
that file; known formats: {known} (nothing of it is written)\n\
error: report.dat: the report has no `finish=true`: Lynis did not complete the audit\n\
error: report.dat: line 5, column 1: the report ends before `finish=true` (truncated, or Lynis did not finish); the \
records before it are used\n"
            )
        )
    );
    assert_eq!(
        vi,
        (
            1,
            format!(
                "lỗi: t.xml: dòng 2, cột 1: thiếu thuộc tính id trên <TestResult> (không phần nào của tệp được ghi)\n\
cảnh báo: bench.xml: tệp không có TestResult: đây là bộ tiêu chuẩn, không phải kết quả\n\
cảnh báo: bench.xml: tệp không mô tả máy nào, nên không thêm bản ghi nào\n\
lỗi: scan.txt: kết quả thường của nmap (-oN), định dạng tuanthu không đọc; hãy chạy nmap với -oX TỆP (kết quả XML) và \
đưa tệp đó; các định dạng tuanthu đọc: {known} (không phần nào của tệp được ghi)\n\
lỗi: report.dat: báo cáo không có `finish=true`: Lynis chưa hoàn tất việc kiểm tra\n\
lỗi: report.dat: dòng 5, cột 1: báo cáo kết thúc trước `finish=true` (bị cắt cụt, hoặc Lynis chưa chạy xong); các bản \
ghi trước chỗ đó được dùng\n"
            )
        )
    );
}

#[test]
fn a_result_without_a_host_and_a_failed_write_follow_lang() {
    let lynis = "# Lynis Report\nreport_version_major=1\nfinish=true\n";
    let (en, vi) = in_dir(&[("report.dat", lynis)], &["import", "-q", "report.dat", "-o", "o.jsonl"]);
    assert_eq!(
        en,
        (
            2,
            "error: report.dat: the host-audit results name no host, so they were not kept: convert the file with \
`tuanthu import FILE --target HOST -o evidence.jsonl`\nerror: nothing usable was read, so o.jsonl was not written\n"
                .into()
        )
    );
    assert_eq!(
        vi,
        (
            2,
            "lỗi: report.dat: các kết quả host-audit không nêu máy nào, nên không được giữ: hãy chuyển tệp bằng \
`tuanthu import TỆP --target MÁY -o evidence.jsonl`\nlỗi: không đọc được gì dùng được, nên o.jsonl không được ghi\n"
                .into()
        )
    );
    let args = ["import", "-q", "report.dat", "--target", "web01", "-o", "missing/o.jsonl"];
    let (en, vi) = in_dir(&[("report.dat", lynis)], &args);
    assert_eq!(en.0, 3);
    assert!(en.1.starts_with("error: cannot create missing/"), "{}", en.1);
    assert_eq!(vi.0, 3);
    assert!(vi.1.starts_with("lỗi: không tạo được missing/"), "{}", vi.1);
}

#[test]
fn nessus_and_ssh_audit_refusals_follow_lang() {
    let nessus = "<?xml version=\"1.0\" ?>\n<NessusClientData_v2><Report name=\"r\"><ReportHost name=\"10.0.0.5\">\n\
<ReportItem port=\"22\" svc_name=\"ssh\" protocol=\"tcp\" severity=\"9\" pluginID=\"1\" pluginName=\"x\"/>\
</ReportHost></Report></NessusClientData_v2>\n";
    let (en, vi) = in_dir(&[("n.nessus", nessus)], &["import", "-q", "n.nessus", "-o", "o.jsonl"]);
    assert_eq!(
        en.1.lines().next(),
        Some("error: n.nessus: line 3, column 1: ReportItem severity \"9\" is not 0–4 (nothing of it is written)")
    );
    assert_eq!(
        vi.1.lines().next(),
        Some(
            "lỗi: n.nessus: dòng 3, cột 1: mức nghiêm trọng \"9\" của ReportItem không thuộc 0–4 (không phần nào của tệp được ghi)"
        )
    );
    let ssh = r#"{"banner": {"raw": "SSH-2.0-OpenSSH_9.6"}, "target": "a:22"}"#;
    let (en, vi) = in_dir(&[("ssh.json", ssh)], &["import", "-q", "--from", "ssh-audit", "ssh.json", "-o", "o.jsonl"]);
    assert_eq!(
        en.1.lines().next(),
        Some(
            "error: ssh.json: ssh-audit's JSON does not say when the audit ran: convert it with `tuanthu import FILE \
--from ssh-audit --observed-at TIME -o evidence.jsonl` (nothing of it is written)"
        )
    );
    assert_eq!(
        vi.1.lines().next(),
        Some(
            "lỗi: ssh.json: JSON của ssh-audit không cho biết lúc kiểm tra: hãy chuyển bằng `tuanthu import TỆP \
--from ssh-audit --observed-at THỜI_ĐIỂM -o evidence.jsonl` (không phần nào của tệp được ghi)"
        )
    );
}

#[test]
fn rule_authors_key_commands_and_command_errors_follow_lang_too() {
    // A rule file, checked by `validate`: the loader's own words and the parser's, in both.
    let rule = "schema: tuanthu/rule/v1\nid: x\n";
    let (en, vi) = in_dir(&[("rules/x.yaml", rule)], &["validate", "rules/x.yaml"]);
    assert_eq!(
        en,
        (2, "error: rules/x.yaml:2:1: `version` is required but missing\n1 problem(s) in 1 file(s)\n".into())
    );
    assert_eq!(vi, (2, "lỗi: rules/x.yaml:2:1: thiếu trường bắt buộc `version`\n1 lỗi trong 1 tệp\n".into()));

    let (en, vi) = both(&["keys", "generate", "--agency", "bad id", "-o", "/nonexistent-dir/keys"]);
    assert_eq!(en, (2, "error: --agency: `bad id` is not an agency id (letters, digits, `-`, `_`, `.`)\n".into()));
    assert_eq!(vi, (2, "lỗi: --agency: `bad id` không phải mã cơ quan (chữ cái, chữ số, `-`, `_`, `.`)\n".into()));

    let (en, vi) = both(&["controls", "--catalogue", "nope"]);
    assert_eq!(en, (2, "error: unknown catalogue `nope` (known: nd331-2026, tt12-2022)\n".into()));
    assert_eq!(vi, (2, "lỗi: không có danh mục `nope` (các danh mục có: nd331-2026, tt12-2022)\n".into()));
}
