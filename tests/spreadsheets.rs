//! Spreadsheet outputs read back with real readers: the Mẫu 08 return (CSV with the `csv` crate,
//! XLSX with calamine), the report workbook, the national CSV and workbook; hostile text stays
//! plain text; workbooks never go to a terminal.

mod common;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{check_demo, code, stderr, stdout, tuanthu};
use serde_json::{Value, json};
use std::path::Path;

const EVIDENCE: [&str; 2] = ["--evidence", "examples/demo/evidence.json"];

fn demo_json() -> Value {
    let mut args = vec!["--format", "json"];
    args.extend(EVIDENCE);
    serde_json::from_str(&stdout(&check_demo(&args))).expect("the demo's JSON report")
}

fn systems(report: &Value) -> Vec<(&Value, &Value)> {
    let agencies = report["agencies"].as_array().unwrap();
    agencies.iter().flat_map(|a| a["systems"].as_array().unwrap().iter().map(move |s| (a, s))).collect()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// Parses a tuanthu CSV: BOM first, then RFC 4180 with a header row.
fn read_csv(text: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    assert!(text.starts_with('\u{FEFF}'), "a BOM, so Excel reads UTF-8");
    assert!(text.contains("\r\n"), "CRLF line ends");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let header = reader.headers().expect("a header row").iter().map(str::to_string).collect();
    let rows = reader.records().map(|r| r.expect("a well-formed row")).collect();
    (header, rows)
}

fn open(path: &Path) -> Xlsx<std::io::BufReader<std::fs::File>> {
    open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A cell as text: integers without `.0`, dates as ISO 8601, blanks empty.
fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::DateTime(dt) => {
            let epoch = time::Date::from_calendar_date(1899, time::Month::December, 30).unwrap();
            let d = epoch + time::Duration::days(dt.as_f64().floor() as i64);
            format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
        }
        other => other.to_string(),
    }
}

/// Every row of a sheet as text.
fn sheet(wb: &mut Xlsx<std::io::BufReader<std::fs::File>>, name: &str) -> Vec<Vec<String>> {
    let range = wb.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().map(|r| r.iter().map(text).collect()).collect()
}

/// No cell of any sheet holds a formula: text from reports is written as strings.
fn assert_no_formulas(wb: &mut Xlsx<std::io::BufReader<std::fs::File>>) {
    for name in wb.sheet_names() {
        let f = wb.worksheet_formula(&name).unwrap();
        assert!(f.used_cells().all(|(_, _, v)| v.is_empty()), "a formula in sheet {name}");
    }
}

/// The demo's Mẫu 08 values, worked out by hand from examples/demo/inventory.yaml (as of
/// 2026-11-25): column 12 per system. ttdl-tinh's periodic check (2025-10-28) lapsed after 12
/// months at level 4, so only its pre-operation check counts.
const DEMO_COLUMN_12: [(&str, &str); 7] = [
    ("tin-noi-bo", ""),
    ("qlvb-email", ""),
    ("cong-dvc", "Trước khi đưa vào sử dụng, Định kỳ"),
    ("csdl-cong-dan", ""),
    ("ttdl-tinh", "Trước khi đưa vào sử dụng"),
    ("phan-anh-kien-nghi", ""),
    ("cong-ttdt", "Trước khi đưa vào sử dụng"),
];

const VI_HEADERS: [&str; 12] = [
    "STT",
    "Tên HTTT",
    "Chủ quản HTTT",
    "Đơn vị vận hành HTTT",
    "Cấp độ đề xuất",
    "Tình trạng phê duyệt cấp độ",
    "Quyết định phê duyệt cấp độ",
    "Quy chế bảo đảm ANM cho hệ thống",
    "Dự kiến thời điểm phê duyệt HSĐXCĐ",
    "Đã triển khai đầy đủ PA BĐANM",
    "Dự kiến thời điểm triển khai đầy đủ PA BĐANM",
    "Đã kiểm tra, đánh giá ANM",
];

/// The twelve cells a system's row must hold, from the JSON report.
/// An ISO date as Mẫu 08 writes it (`2025-09-05` → `05/9/2025`); blank stays blank.
fn vi_date(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] => format!("{d}/{}/{y}", m.trim_start_matches('0')),
        _ => iso.to_string(),
    }
}

fn expected_row(i: usize, agency: &Value, sys: &Value) -> Vec<String> {
    let reg = &sys["registration"];
    let approval = s(sys, "approval");
    let approved = approval == "approved";
    let full = s(sys, "deployment") == "full";
    let owner = reg["owner"].as_str().unwrap_or(s(agency, "name"));
    let col6 = match approval {
        "draft" => "Đang dự thảo",
        "rejected" => "Đang dự thảo (hồ sơ bị trả lại)",
        "submitted" => "Đã gửi thẩm định",
        "appraised" => "Đã thẩm định",
        "approved" => "Đã được phê duyệt",
        other => panic!("approval {other}"),
    };
    let col10 = match s(sys, "deployment") {
        "full" => "Đã triển khai đầy đủ",
        "partial" => "Đã triển khai một số hạng mục",
        "none" => "Chưa triển khai",
        other => panic!("deployment {other}"),
    };
    let col7 = if approved {
        format!("{} ngày {}", s(reg, "approval_decision"), vi_date(s(reg, "approval_date")))
    } else {
        "".into()
    };
    let col12 = DEMO_COLUMN_12.iter().find(|(id, _)| *id == s(sys, "id")).map(|(_, v)| *v).unwrap();
    vec![
        (i + 1).to_string(),
        s(sys, "name").to_string(),
        owner.to_string(),
        s(reg, "operator").to_string(),
        sys["level"].to_string(),
        col6.to_string(),
        col7,
        s(reg, "regulation").to_string(),
        if approved { String::new() } else { vi_date(s(reg, "expected_approval")) },
        col10.to_string(),
        if full { String::new() } else { vi_date(s(reg, "expected_completion")) },
        col12.to_string(),
    ]
}

#[test]
fn mau08_csv_has_one_row_per_system_with_the_forms_values() {
    let report = demo_json();
    let mut args = vec!["--format", "mau08"];
    args.extend(EVIDENCE);
    let o = check_demo(&args);
    assert_eq!(code(&o), 1, "the demo is not compliant: {}", stderr(&o));
    let (header, rows) = read_csv(&stdout(&o));
    assert_eq!(header.len(), 12);
    for (h, vi) in header.iter().zip(VI_HEADERS) {
        assert!(h.ends_with(&format!("({vi})")), "English header with the form's Vietnamese: {h}");
    }
    let systems = systems(&report);
    assert_eq!(rows.len(), systems.len(), "one row per system");
    assert_eq!(rows.len(), 7);
    for (i, ((agency, sys), row)) in systems.iter().zip(&rows).enumerate() {
        assert_eq!(row.len(), 12, "{row:?}");
        let got: Vec<&str> = row.iter().collect();
        assert_eq!(got, expected_row(i, agency, sys), "row of {}", s(sys, "id"));
    }
    // Every form value is one of the form's.
    let col = |i: usize| rows.iter().map(|r| r[i].to_string()).collect::<Vec<_>>();
    assert!(col(5).iter().any(|v| v == "Đang dự thảo (hồ sơ bị trả lại)"), "the rejected dossier is noted");
    assert!(col(9).iter().all(|v| ["Chưa triển khai", "Đã triển khai một số hạng mục", "Đã triển khai đầy đủ"].contains(&v.as_str())));

    // --lang vi: the form's headers exactly; the values are the same.
    args.extend(["--lang", "vi"]);
    let (vi_header, vi_rows) = read_csv(&stdout(&check_demo(&args)));
    assert_eq!(vi_header, VI_HEADERS);
    assert_eq!(vi_rows, rows, "values stay Vietnamese in every language");
}

#[test]
fn mau08_xlsx_is_the_whole_form_with_the_same_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mau08.XLSX");
    let mut args = vec!["--format", "mau08", "-o", path.to_str().unwrap()];
    args.extend(EVIDENCE);
    let o = check_demo(&args);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let mut wb = open(&path);
    assert_eq!(wb.sheet_names(), ["Mẫu 08"]);
    assert_no_formulas(&mut wb);
    let cells = sheet(&mut wb, "Mẫu 08");
    let flat: Vec<&str> = cells.iter().flatten().map(String::as_str).collect();
    for wanted in [
        "REPORT (BÁO CÁO)",
        "(INFORMATION SYSTEM OWNER (CHỦ QUẢN HỆ THỐNG THÔNG TIN))",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH BÌNH AN; UBND TỈNH BÌNH AN",
        "Part 1. General information (I. Thông tin chung)",
        "a) The information system owner (Chủ quản hệ thống thông tin)",
        "b) The dedicated cybersecurity unit (Đơn vị chuyên trách về an ninh mạng)",
        "Part 3. The information systems (III. Danh sách hệ thống thông tin)",
    ] {
        assert!(flat.contains(&wanted), "{wanted} missing from the form");
    }
    // Part 1: the seven figures (demo: 7 systems; 1 submitted, 4 approved; 1 draft, 1 rejected;
    // only cong-dvc is approved with a periodic check still valid; latest expected approval).
    let figure = |item: &str| -> String {
        let row = cells.iter().find(|r| r[1].starts_with(item)).unwrap_or_else(|| panic!("{item}"));
        row[7].clone()
    };
    assert_eq!(figure("Information systems in scope"), "7");
    assert_eq!(figure("Information systems classified"), "7");
    assert_eq!(figure("Systems with a level dossier prepared"), "5");
    assert_eq!(figure("Systems whose level dossier has been appraised"), "4");
    assert_eq!(figure("Systems with the level approved"), "4");
    assert_eq!(figure("Approved systems periodically checked"), "1");
    assert_eq!(figure("Expected date for approving the level of every system"), "2027-06-30");
    // Part 2: both owners, each followed by blank fields to fill in.
    let owners: Vec<&Vec<String>> = cells.iter().filter(|r| r[1].starts_with("Name (")).collect();
    assert_eq!(owners.len(), 4, "owner and unit names of two owners");
    assert_eq!(owners[0][7], "Sở Khoa học và Công nghệ tỉnh Bình An");
    assert_eq!(owners[1][7], "", "the unit's name is not known to tuanthu");
    assert!(owners[1][9].starts_with("To be filled in"), "{:?}", owners[1]);
    assert_eq!(owners[2][7], "UBND tỉnh Bình An");
    // Part 3: the header, the column numbers, then the same rows as the CSV.
    let at = cells.iter().position(|r| r[1] == "Information system (Tên HTTT)").expect("Part 3 header");
    assert_eq!(cells[at + 1], (1..=12).map(|i| format!("({i})")).collect::<Vec<_>>());
    let mut csv_args = vec!["--format", "mau08"];
    csv_args.extend(EVIDENCE);
    let (_, rows) = read_csv(&stdout(&check_demo(&csv_args)));
    let table = &cells[at + 2..];
    assert_eq!(table.len(), rows.len());
    for (got, want) in table.iter().zip(&rows) {
        // The workbook's dates are real dates (read back here as ISO); the CSV writes them as text.
        let mut got = got[..12].to_vec();
        for c in [8, 10] {
            got[c] = vi_date(&got[c]);
        }
        assert_eq!(got[..], want.iter().collect::<Vec<_>>()[..], "the same rows, dates as real dates");
    }
}

#[test]
fn check_xlsx_holds_every_system_control_and_finding() {
    let report = demo_json();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    let mut args = vec!["--format", "xlsx", "-o", path.to_str().unwrap()];
    args.extend(EVIDENCE);
    let o = check_demo(&args);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let mut wb = open(&path);
    assert_eq!(wb.sheet_names(), ["Summary", "Systems", "Controls", "Findings", "Mẫu 08"]);
    assert_no_formulas(&mut wb);
    let filtered: Vec<&str> =
        wb.defined_names().iter().filter(|(n, _)| n.contains("FilterDatabase")).map(|(_, r)| r.as_str()).collect();
    assert_eq!(filtered.len(), 4, "an autofilter on every data sheet: {filtered:?}");

    let summary = sheet(&mut wb, "Summary");
    assert_eq!(summary[0][0], "Agency ID");
    assert_eq!(summary[1][0], "skhcn-binh-an");
    assert_eq!(summary[1][1], "Sở Khoa học và Công nghệ tỉnh Bình An (demo)", "Vietnamese intact");
    assert_eq!(summary[1][5], "7");
    let at = |row: &Vec<String>, title: &str| row.iter().position(|h| h == title).unwrap_or_else(|| panic!("{title}"));
    let (measured, share) = (at(&summary[0], "Controls measured"), at(&summary[0], "Measured share"));
    let agency = &report["agencies"][0];
    assert_eq!(summary[1][measured], agency["controls_measured"].to_string());
    assert_eq!(summary[1][share].parse::<f64>().unwrap(), agency["measured_share"].as_f64().unwrap());

    let systems_sheet = sheet(&mut wb, "Systems");
    let all = systems(&report);
    assert_eq!(systems_sheet.len(), all.len() + 1);
    for ((_, sys), row) in all.iter().zip(&systems_sheet[1..]) {
        assert_eq!(row[1], s(sys, "id"));
        assert_eq!(row[2], s(sys, "name"));
        assert_eq!(row[5], s(sys, "approval"));
        assert_eq!(row[11], s(sys, "deployment"));
        assert_eq!(row[17], sys["controls_measured"].to_string());
        assert_eq!(row[18].parse::<f64>().unwrap(), sys["measured_share"].as_f64().unwrap());
    }
    assert!(systems_sheet.iter().any(|r| r[2] == "Cổng dịch vụ công tỉnh Bình An"));

    let controls = sheet(&mut wb, "Controls");
    let findings = sheet(&mut wb, "Findings");
    let mut expected_findings = 0;
    for (_, sys) in &all {
        for (kind, list) in [("control", "controls"), ("obligation", "obligations"), ("optional", "optional_controls")]
        {
            for c in sys[list].as_array().unwrap() {
                let row = controls
                    .iter()
                    .find(|r| r[1] == s(sys, "id") && r[4] == kind && r[5] == s(c, "id"))
                    .unwrap_or_else(|| panic!("{} {kind} {} has a row", s(sys, "id"), c["id"]));
                assert_eq!(row[8], s(c, "status"));
                assert_eq!(row[9], s(c, "basis"));
                let n = c["findings"].as_array().unwrap().len();
                assert_eq!(row[10], n.to_string());
                assert!(!row[6].is_empty(), "{} {}: the catalogue's title", s(sys, "id"), c["id"]);
                expected_findings += n;
            }
        }
    }
    assert_eq!(findings.len(), expected_findings + 1, "one row per finding");
    assert!(findings[1..].iter().all(|r| !r[9].is_empty() && !r[14].is_empty()), "rule and message");
}

/// A system named like a formula with a terminal escape, an owner and operator that a spreadsheet
/// would run, and an attestation longer than a cell can hold.
fn hostile_inventory() -> tempfile::TempDir {
    let long = "x".repeat(40_000);
    let text = [
        "schema: tuanthu/inventory/v1",
        "agency:",
        "  id: test-agency",
        "  name: Cơ quan thử nghiệm",
        "  catalogue: tt12-2022",
        "systems:",
        "  - id: sys-a",
        "    name: \"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\\e[2J\"",
        "    level: 2",
        "    approval: {status: approved, decision: \"1/QĐ\", date: 2025-01-10}",
        "    owner: \"@SUM(1+1)\\a\"",
        "    operator: \"-2+3\"",
        "    regulation: \"+cmd|' /C calc'!A0\"",
        "    attestations:",
        &format!("      POL.01: {{status: implemented, evidence: \"{long}\", reviewed: 2026-03-01}}"),
    ]
    .join("\n");
    common::dir_with(&[("inventory.yaml", &text)])
}

#[test]
fn hostile_text_is_stored_as_plain_strings_without_control_characters() {
    let d = hostile_inventory();
    let inv = d.path().join("inventory.yaml");
    let out = d.path().join("r.xlsx");
    let base = ["check", "--inventory", inv.to_str().unwrap(), "--as-of", "2026-11-25"];
    let o = tuanthu(&[&base[..], &["--format", "xlsx", "-o", out.to_str().unwrap()]].concat());
    assert!(code(&o) <= 1, "{}", stderr(&o));
    let mut wb = open(&out);
    assert_no_formulas(&mut wb);
    let range = wb.worksheet_range("Systems").unwrap();
    let row: Vec<&Data> = range.rows().nth(1).unwrap().iter().collect();
    let Data::String(name) = row[2] else { panic!("the name is a string cell: {:?}", row[2]) };
    assert!(name.starts_with("=HYPERLINK(\"http://x\",\"y\")"), "{name}");
    assert!(name.ends_with("[2J") && !name.chars().any(char::is_control), "{name:?}");
    assert!(matches!(row[19], Data::String(o) if o.starts_with("@SUM(1+1)") && !o.chars().any(char::is_control)));
    assert_eq!(row[20], &Data::String("-2+3".into()), "text, not a number or a formula");
    assert_eq!(row[21], &Data::String("+cmd|' /C calc'!A0".into()));
    // The form too.
    let form = wb.worksheet_range("Mẫu 08").unwrap();
    assert!(form.used_cells().any(|(_, _, v)| matches!(v, Data::String(s) if s.starts_with("=HYPERLINK("))));
    // The 40 000-character attestation is cut to Excel's limit, marked.
    let findings = wb.worksheet_range("Findings").unwrap();
    let longest = findings
        .used_cells()
        .filter_map(|(_, _, v)| if let Data::String(s) = v { Some(s.clone()) } else { None })
        .max_by_key(|s| s.encode_utf16().count())
        .unwrap();
    assert_eq!(longest.encode_utf16().count(), 32_767);
    assert!(longest.ends_with('…'));

    // The Mẫu 08 CSV defuses what a spreadsheet would run.
    let o = tuanthu(&[&base[..], &["--format", "mau08"]].concat());
    let (_, rows) = read_csv(&stdout(&o));
    assert!(rows[0][1].starts_with("'=HYPERLINK("), "{:?}", &rows[0][1]);
    assert!(!rows[0][1].chars().any(char::is_control));
    assert_eq!(&rows[0][2][..1], "'");
    assert_eq!(&rows[0][3], "'-2+3");
}

#[test]
fn workbooks_go_to_files_and_pipes_never_to_a_terminal() {
    // A pipe (the test harness's stdout) is fine: the bytes are a ZIP container.
    let o = check_demo(&["--format", "xlsx"]);
    assert!(o.stdout.starts_with(b"PK"), "{}", stderr(&o));
    // mau08 without -o .xlsx is the CSV.
    assert!(stdout(&check_demo(&["--format", "mau08"])).starts_with('\u{FEFF}'));
    // A real terminal, when `script` can give one.
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipping the terminal case: `script` (util-linux) is not installed");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_tuanthu");
    let root = common::root();
    let inv = root.join("examples/demo/inventory.yaml");
    for cmd in [
        format!("{bin} check --inventory {} --as-of 2026-11-25 --format xlsx", inv.display()),
        format!("{bin} aggregate {} --allow-unsigned --format xlsx", root.join("examples").display()),
    ] {
        let o = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env_remove("TUANTHU_LANG")
            .output()
            .expect("run script");
        let out = stdout(&o);
        assert_eq!(code(&o), 2, "{cmd}: {out}");
        assert!(out.contains("standard output is a terminal"), "{out}");
        assert!(!out.contains("PK\u{3}\u{4}"), "no workbook bytes on the terminal");
    }
}

fn keypair(dir: &Path, agency: &str) -> ed25519_dalek::SigningKey {
    let o = tuanthu(&["keys", "generate", "--agency", agency, "-o", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    tuanthu::report::sign::read_signing_key(&dir.join(format!("{agency}.key"))).unwrap()
}

/// A small report of another agency, with a hostile name (complete and consistent: aggregate
/// verifies every figure).
fn other_report(generated_at: &str) -> Value {
    use common::reports::{refigure, report, system};
    let mut r = report(
        "so-b",
        generated_at,
        vec![system("b1", 2, "approved", "full", &[]), system("b2", 2, "draft", "partial", &["NET.01"])],
    );
    r["agencies"][0]["name"] = json!("=cmd|' /C calc'!A0 Sở B\u{1b}[31m");
    refigure(&mut r);
    r
}

#[test]
fn aggregate_csv_and_xlsx_of_signed_reports() {
    let root = tempfile::tempdir().unwrap();
    let (keys, inputs) = (root.path().join("keys"), root.path().join("in"));
    std::fs::create_dir_all(&inputs).unwrap();
    keypair(&keys, "skhcn-binh-an");
    let b = keypair(&keys, "so-b");
    let demo = inputs.join("demo.json");
    let key = keys.join("skhcn-binh-an.key");
    let mut args = vec!["--format", "json", "--sign", key.to_str().unwrap(), "-o", demo.to_str().unwrap()];
    args.extend(EVIDENCE);
    let o = check_demo(&args);
    assert!(code(&o) <= 1, "{}", stderr(&o));
    let sign = |v: &Value| tuanthu::report::sign::sign(v, &b).unwrap();
    std::fs::write(inputs.join("b-old.json"), sign(&other_report("2026-11-01T08:00:00Z"))).unwrap();
    std::fs::write(inputs.join("b.json"), sign(&other_report("2026-11-20T08:00:00Z"))).unwrap();
    std::fs::write(inputs.join("garbage.json"), "{\"schema\": ").unwrap();
    let (dir, k) = (inputs.to_str().unwrap(), keys.to_str().unwrap());

    let national: Value =
        serde_json::from_str(&stdout(&tuanthu(&["aggregate", dir, "--keys", k, "--format", "json"]))).unwrap();
    // A previous period with higher rates: the changes are negative numbers.
    let previous = root.path().join("previous.json");
    let mut prev = national.clone();
    prev["overall"]["approval_rate"] = json!(0.9);
    prev["period"] = json!("2025");
    for a in prev["agencies"].as_array_mut().unwrap() {
        a["approval_rate"] = json!(0.9);
    }
    std::fs::write(&previous, prev.to_string()).unwrap();

    // CSV: one row per agency, then the overall row.
    let o = tuanthu(&["aggregate", dir, "--keys", k, "--format", "csv", "--previous", previous.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "the garbage input is rejected: {}", stderr(&o));
    let (header, rows) = read_csv(&stdout(&o));
    assert_eq!(header[..3], ["scope", "agency_id", "agency"]);
    let idx = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows.iter().map(|r| r[0].to_string()).collect::<Vec<_>>(), ["agency", "agency", "overall"]);
    for (row, a) in rows.iter().zip(national["agencies"].as_array().unwrap()) {
        assert_eq!(&row[idx("agency_id")], a["id"].as_str().unwrap());
        assert_eq!(row[idx("systems_total")].parse::<u64>().unwrap(), a["systems_total"].as_u64().unwrap());
        assert_eq!(row[idx("approval_rate")].parse::<f64>().unwrap(), a["approval_rate"].as_f64().unwrap());
        let change: f64 = row[idx("change_approval_rate")].parse().expect("a signed number, not defused text");
        assert!((change - (a["approval_rate"].as_f64().unwrap() - 0.9)).abs() < 1e-12);
    }
    let b_row = rows.iter().find(|r| &r[1] == "so-b").unwrap();
    assert!(b_row[2].starts_with("'=cmd") && !b_row[2].chars().any(char::is_control), "{:?}", &b_row[2]);
    assert!(b_row[idx("missing_controls")].contains("NET.01 (1)"));
    let overall = &rows[2];
    assert_eq!(
        overall[idx("systems_total")].parse::<u64>().unwrap(),
        national["overall"]["systems_total"].as_u64().unwrap()
    );
    assert_eq!(&overall[idx("systems_total")], "9", "7 demo systems and so-b's newest 2");
    assert!(overall[idx("change_approval_rate")].parse::<f64>().unwrap() < 0.0);
    let vi = tuanthu(&["aggregate", dir, "--keys", k, "--format", "csv", "--lang", "vi"]);
    assert!(stdout(&vi).trim_start_matches('\u{FEFF}').starts_with("pham_vi,ma_co_quan,co_quan"));

    // XLSX.
    let path = root.path().join("national.xlsx");
    let o = tuanthu(&["aggregate", dir, "--keys", k, "--format", "xlsx", "--top", "0", "-o", path.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let mut wb = open(&path);
    assert_eq!(wb.sheet_names(), ["Overview", "Agencies", "By level", "Missing controls", "Rejected", "Superseded"]);
    assert_no_formulas(&mut wb);
    let overview = sheet(&mut wb, "Overview");
    let lines: Vec<&str> = overview.iter().map(|r| r[0].as_str()).collect();
    assert!(lines.iter().any(|l| l.contains("of 2 agencies have an approval rate below 50%")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("of registered systems have not fully implemented their level's plan")));
    let agencies = sheet(&mut wb, "Agencies");
    assert_eq!(agencies.len(), 4, "header, two agencies, the total");
    assert_eq!(agencies[1][0], "skhcn-binh-an");
    assert_eq!(agencies[1][1], "Sở Khoa học và Công nghệ tỉnh Bình An (demo)");
    assert!(agencies[2][1].starts_with("=cmd|") && !agencies[2][1].chars().any(char::is_control));
    assert_eq!(agencies[3][2], "9", "the total row");
    let measured = agencies[0].iter().position(|h| h == "Measured controls").expect("a measured column");
    assert_eq!(agencies[0][measured + 1], "Measured share");
    assert_eq!(agencies[3][measured], national["overall"]["controls_measured"].to_string());
    assert_eq!(
        agencies[3][measured + 1].parse::<f64>().unwrap(),
        national["overall"]["measured_share"].as_f64().unwrap()
    );
    assert_eq!(agencies[2][measured], "0", "so-b's report has no bases: unmeasured");
    let levels = sheet(&mut wb, "By level");
    assert!(levels.iter().any(|r| r[0] == "level" && r[1] == "3"));
    assert!(levels.iter().any(|r| r[0] == "catalogue" && r[1] == "nd331-2026"));
    let missing = sheet(&mut wb, "Missing controls");
    let net = missing.iter().find(|r| r[1] == "NET.01").expect("NET.01 is missing somewhere");
    assert!(net[2] != "NET.01" && !net[2].is_empty(), "a catalogue title: {net:?}");
    let rejected = sheet(&mut wb, "Rejected");
    assert!(rejected.iter().any(|r| r[0].ends_with("garbage.json") && r[1].contains("malformed")));
    let superseded = sheet(&mut wb, "Superseded");
    assert!(superseded.iter().any(|r| r[0].ends_with("b-old.json") && r[1].ends_with("b.json") && r[2] == "no"));
}
