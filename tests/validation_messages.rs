//! The officer's first hour (#14 items 1–3): every mistake of an inventory found in one run, each
//! message written for the officer in English and Vietnamese with its position, and the mistakes
//! that used to be accepted silently caught. One test per message: the exact text in both
//! languages and the position.

mod common;

use time::macros::date;
use tuanthu::diag::Problem;
use tuanthu::i18n::Lang;
use tuanthu::inventory::Inventory;

const HEAD: &str = "schema: tuanthu/inventory/v1\nagency:\n  id: a\n  name: A\nsystems:\n";

fn with_system(body: &str) -> String {
    format!("{HEAD}  - id: s\n    name: S\n{body}")
}

/// Every problem of `text` as (line, column, English, Vietnamese).
fn problems(text: &str) -> Vec<(u64, u64, String, String)> {
    let e = tuanthu::inventory::parse_file("inv.yaml", text, &[]).expect_err("the inventory should be rejected");
    e.iter().map(|p| (p.line, p.column, p.message.en.clone(), p.message.vi.clone())).collect()
}

/// The one problem of `text`.
#[track_caller]
fn only(text: &str) -> (u64, u64, String, String) {
    let all = problems(text);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.into_iter().next().unwrap()
}

#[track_caller]
fn is(found: (u64, u64, String, String), line: u64, column: u64, en: &str, vi: &str) {
    assert_eq!(found, (line, column, en.to_string(), vi.to_string()));
}

#[test]
fn a_misspelt_field_gets_the_nearest_known_one() {
    let t = with_system("    level: 2\n    operater: Văn phòng\n    approval: {status: draft}\n");
    is(
        only(&t),
        9,
        5,
        "unknown field `operater` (did you mean `operator`?)",
        "trường `operater` không hợp lệ (có phải là `operator`?)",
    );
}

#[test]
fn an_unknown_field_near_nothing_lists_the_known_ones() {
    let t = with_system("    level: 2\n    approval: {status: draft, colour: red}\n");
    is(
        only(&t),
        9,
        31,
        "unknown field `colour`; known fields here: status, decision, date",
        "trường `colour` không hợp lệ; các trường hợp lệ ở đây: status, decision, date",
    );
}

#[test]
fn a_status_in_capitals_is_told_the_accepted_values() {
    let t = with_system(
        "    level: 1\n    approval: {status: draft}\n    attestations:\n      POL.01: {status: Implemented}\n",
    );
    is(
        only(&t),
        11,
        24,
        "`Implemented` is not an accepted `status` (did you mean `implemented`?); use one of: implemented, partial, planned, not-implemented, not-applicable",
        "`Implemented` không phải giá trị hợp lệ của `status` (có phải là `implemented`?); dùng một trong: implemented, partial, planned, not-implemented, not-applicable",
    );
    let t = with_system("    level: 1\n    approval: {status: aproved}\n");
    is(
        only(&t),
        9,
        24,
        "`aproved` is not an accepted `status` (did you mean `approved`?); use one of: draft, submitted, appraised, approved, rejected",
        "`aproved` không phải giá trị hợp lệ của `status` (có phải là `approved`?); dùng một trong: draft, submitted, appraised, approved, rejected",
    );
}

#[test]
fn a_fractional_level_is_told_it_is_the_level() {
    let t = with_system("    level: 2.5\n    approval: {status: draft}\n");
    is(
        only(&t),
        8,
        12,
        "`level` is the security level: write 1, 2, 3, 4 or 5 as a plain number (e.g. `level: 3`), found `2.5`",
        "`level` là cấp độ an toàn: ghi 1, 2, 3, 4 hoặc 5 dạng số thường (ví dụ `level: 3`), gặp `2.5`",
    );
    let t = with_system("    level: \"cấp 3\"\n    approval: {status: draft}\n");
    is(
        only(&t),
        8,
        12,
        "`level` is the security level: write 1, 2, 3, 4 or 5 as a plain number (e.g. `level: 3`), found `\"cấp 3\"` (did you mean `level: 3`?)",
        "`level` là cấp độ an toàn: ghi 1, 2, 3, 4 hoặc 5 dạng số thường (ví dụ `level: 3`), gặp `\"cấp 3\"` (có phải là `level: 3`?)",
    );
}

#[test]
fn a_level_out_of_range_lists_the_five() {
    let t = with_system("    level: 7\n    approval: {status: draft}\n");
    is(
        only(&t),
        8,
        12,
        "level must be 1, 2, 3, 4 or 5 (Decree 85/2016), found 7",
        "cấp độ phải là 1, 2, 3, 4 hoặc 5 (Nghị định 85/2016), gặp 7",
    );
}

#[test]
fn a_date_that_does_not_exist_is_not_a_real_date() {
    let t = with_system("    level: 2\n    approval: {status: approved, decision: \"1/QĐ\", date: 2025-02-30}\n");
    is(
        only(&t),
        9,
        58,
        "`2025-02-30` is not a real date (February 2025 has 28 days)",
        "`2025-02-30` không phải ngày có thật (tháng 2/2025 có 28 ngày)",
    );
}

#[test]
fn a_repeated_field_names_the_first_and_gives_no_library_advice() {
    let t = with_system("    level: 2\n    owner: A\n    approval: {status: draft}\n    owner: B\n");
    is(
        only(&t),
        11,
        5,
        "`owner` is given twice (first at line 9); keep one",
        "`owner` được khai báo hai lần (lần đầu ở dòng 9); chỉ giữ một",
    );
    let t = with_system(
        "    level: 2\n    approval: {status: draft}\n    attestations:\n      POL.01: {status: planned}\n      POL.01: {status: implemented}\n",
    );
    is(
        only(&t),
        12,
        7,
        "`POL.01` is given twice (first at line 11); keep one",
        "`POL.01` được khai báo hai lần (lần đầu ở dòng 11); chỉ giữ một",
    );
}

#[test]
fn a_tab_is_reported_on_its_own_line() {
    let t = with_system("    level: 2\n    approval:\n\t  status: draft\n");
    is(
        only(&t),
        10,
        1,
        "a tab character is used for indentation; YAML indents with spaces only",
        "có ký tự tab dùng để thụt lề; YAML chỉ thụt lề bằng dấu cách",
    );
}

#[test]
fn the_position_is_printed_once() {
    let t = format!("{HEAD}  - id: s\n    name: S\n    level: 1\n    approval: {{status: draft}}\n    x: 1\n");
    let e = tuanthu::inventory::parse_file("inv.yaml", &t, &[]).unwrap_err();
    let p: &Problem = e.first();
    assert_eq!(
        p.render(Lang::En),
        "inv.yaml:10:5: unknown field `x`; known fields here: id, name, level, catalogue, approval, tailoring, owner, operator, regulation, expected_approval, expected_completion, assessments, construction_started, operating_since, incidents, assets, attestations, waivers"
    );
    assert!(!p.render(Lang::En).contains("line") && !p.render(Lang::Vi).contains("dòng 10"), "{p}");
}

#[test]
fn a_missing_field_and_a_value_of_the_wrong_kind() {
    let t = with_system("    level: 2\n    assets:\n      hosts: 10.0.0.1\n");
    let all = problems(&t);
    assert_eq!(
        all,
        [
            (6, 5, "missing required field `approval:`".into(), "thiếu trường bắt buộc `approval:`".into()),
            (10, 14, "`hosts` must be a list, found text".into(), "`hosts` phải là một danh sách, gặp văn bản".into()),
        ]
    );
}

#[test]
fn three_mistakes_in_three_systems_are_all_reported_in_file_order() {
    let t = format!(
        "{HEAD}  - id: one\n    name: One\n    level: 2\n    operater: Văn phòng\n    approval: {{status: draft}}\n\
         \x20 - id: two\n    name: Two\n    level: 7\n    approval: {{status: draft}}\n\
         \x20 - id: three\n    name: Three\n    level: 1\n    approval: {{status: approved, date: 2025-01-01}}\n"
    );
    let e = tuanthu::inventory::parse_file("inv.yaml", &t, &[]).unwrap_err();
    let lines: Vec<String> = e.iter().map(|p| p.render(Lang::En)).collect();
    assert_eq!(
        lines,
        [
            "inv.yaml:9:5: unknown field `operater` (did you mean `operator`?)",
            "inv.yaml:13:12: level must be 1, 2, 3, 4 or 5 (Decree 85/2016), found 7",
            "inv.yaml:18:15: approval.status is `approved` but there is no `decision:` (decision number, e.g. \"123/QĐ-UBND\")",
        ]
    );
    let vi: Vec<String> = e.iter().map(|p| p.render(Lang::Vi)).collect();
    assert_eq!(
        vi,
        [
            "inv.yaml:9:5: trường `operater` không hợp lệ (có phải là `operator`?)",
            "inv.yaml:13:12: cấp độ phải là 1, 2, 3, 4 hoặc 5 (Nghị định 85/2016), gặp 7",
            "inv.yaml:18:15: approval.status là `approved` nhưng không có `decision:` (số quyết định, ví dụ \"123/QĐ-UBND\")",
        ]
    );
}

#[test]
fn a_misspelt_control_id_gets_the_nearest_id() {
    let inv = common::inventory(
        2,
        "    attestations:\n      POL.1: {status: implemented, evidence: x, reviewed: 2026-01-01}\n",
    );
    let inv = Inventory { agencies: vec![tuanthu::inventory::parse_file("inv.yaml", &inv, &[]).unwrap()] };
    let policy = tuanthu::policy::Policy::bundled().unwrap();
    let p = tuanthu::engine::references::check(&inv, &policy, None, date!(2026 - 11 - 25));
    let found: Vec<(u64, u64, &str, &str)> =
        p.iter().map(|p| (p.line, p.column, p.message.en.as_str(), p.message.vi.as_str())).collect();
    assert_eq!(
        found,
        [(
            12,
            7,
            "attestation for unknown control `POL.1` (did you mean `POL.01`?) (in no installed catalogue: nd331-2026, tt12-2022)",
            "tự đánh giá cho biện pháp không có `POL.1` (có phải là `POL.01`?) (không có trong danh mục nào: nd331-2026, tt12-2022)"
        )]
    );
}

#[test]
fn a_tailoring_file_reports_every_problem_in_both_languages() {
    let t =
        "schema: tuanthu/tailoring/v1\nadd: [DES.15]\ndrop:\n  - {control: DES.17}\n  - {control: DES.18, resaon: x}\n";
    let e = tuanthu::inventory::tailoring::parse("x", "x.yaml", t).unwrap_err();
    let found: Vec<(String, String)> = e.iter().map(|p| (p.render(Lang::En), p.render(Lang::Vi))).collect();
    assert_eq!(
        found,
        [
            (
                "x.yaml:4:5: dropping DES.17 needs a `reason:` (it is shown in every report)".to_string(),
                "x.yaml:4:5: bỏ DES.17 cần có `reason:` (lý do được hiển thị trong mọi báo cáo)".to_string()
            ),
            (
                "x.yaml:5:5: dropping DES.18 needs a `reason:` (it is shown in every report)".to_string(),
                "x.yaml:5:5: bỏ DES.18 cần có `reason:` (lý do được hiển thị trong mọi báo cáo)".to_string()
            ),
            (
                "x.yaml:5:23: unknown field `resaon` (did you mean `reason`?)".to_string(),
                "x.yaml:5:23: trường `resaon` không hợp lệ (có phải là `reason`?)".to_string()
            ),
        ]
    );
}

#[test]
fn a_rule_file_reports_every_unknown_field_and_value_not_just_the_first() {
    let text = std::fs::read_to_string(common::root().join("rules/http/http-content-security-policy.yaml")).unwrap();
    let text = text
        .replace("severity: medium", "severity: Medium")
        .replace("applies_when:", "aplies_when:")
        .replace("  tags: [http]", "  tag: [http]");
    let e = tuanthu::policy::rules::parse_rule("r.yaml", "http-content-security-policy", &text).unwrap_err();
    let found: Vec<String> = e.iter().map(|p| p.render(Lang::En)).collect();
    assert_eq!(
        found,
        [
            "r.yaml:9:11: `Medium` is not an accepted value (did you mean `medium`?); use one of: info, low, medium, high, critical",
            "r.yaml:10:1: unknown field `aplies_when` (did you mean `applies_when`?)",
            "r.yaml:30:3: unknown field `tag` (did you mean `tags`?)",
        ]
    );
}

// ---- mistakes that used to be accepted silently ------------------------------------------------

fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, tuanthu::inventory::InventoryFiles) {
    let d = common::dir_with(files);
    let loaded = tuanthu::inventory::load_paths(&[d.path().to_path_buf()], &[]).expect("valid");
    (d, loaded)
}

/// The warnings of a load, without the temporary folder's path.
fn warnings(d: &tempfile::TempDir, w: &[Problem], lang: Lang) -> Vec<String> {
    let prefix = format!("{}/", d.path().display());
    w.iter().map(|p| p.render(lang).replace(&prefix, "")).collect()
}

const SYS: &str = "    approval: {status: approved, decision: \"1/QĐ\", date: 2025-01-10}\n";

#[test]
fn a_network_wider_than_any_system_is_a_warning() {
    let inv = format!(
        "{HEAD}  - id: s\n    name: S\n    level: 1\n{SYS}    assets:\n      hosts: [0.0.0.0/0, 10.0.0.0/16, 10.2.0.0/15, \"2001:db8::/32\", \"2001:db8:1::/48\"]\n"
    );
    let (d, l) = load(&[("inv.yaml", &inv)]);
    assert_eq!(
        warnings(&d, &l.warnings, Lang::En),
        [
            "inv.yaml:11:15: `0.0.0.0/0` is wider than any real system (more than a /16 for IPv4, a /48 for IPv6): every scanned host in it would count as this system's; declare the system's own addresses or networks",
            "inv.yaml:11:39: `10.2.0.0/15` is wider than any real system (more than a /16 for IPv4, a /48 for IPv6): every scanned host in it would count as this system's; declare the system's own addresses or networks",
            "inv.yaml:11:52: `2001:db8::/32` is wider than any real system (more than a /16 for IPv4, a /48 for IPv6): every scanned host in it would count as this system's; declare the system's own addresses or networks",
        ]
    );
    assert_eq!(
        warnings(&d, &l.warnings[..1], Lang::Vi),
        [
            "inv.yaml:11:15: `0.0.0.0/0` rộng hơn mọi hệ thống thực tế (lớn hơn /16 với IPv4, /48 với IPv6): mọi máy được quét trong dải này sẽ bị tính là của hệ thống; hãy khai báo đúng địa chỉ hoặc dải mạng của hệ thống"
        ]
    );
}

#[test]
fn an_agency_with_no_systems_is_a_warning() {
    let (d, l) = load(&[("inv.yaml", "schema: tuanthu/inventory/v1\nagency: {id: a, name: A}\n")]);
    assert_eq!(
        warnings(&d, &l.warnings, Lang::En),
        ["inv.yaml:2:9: agency `a` declares no systems: nothing of it is evaluated (list them under `systems:`)"]
    );
    assert_eq!(
        warnings(&d, &l.warnings, Lang::Vi),
        ["inv.yaml:2:9: cơ quan `a` không khai báo hệ thống nào: không có gì được đánh giá (liệt kê dưới `systems:`)"]
    );
    // Split over two files, the agency has systems: no warning.
    let (_, l) = load(&[
        (
            "a.yaml",
            "schema: tuanthu/inventory/v1\nagency: {id: test-agency, name: Cơ quan thử nghiệm, catalogue: tt12-2022}\n",
        ),
        ("b.yaml", &common::inventory(1, "")),
    ]);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn the_same_host_in_two_systems_is_a_warning_naming_both() {
    let inv = format!(
        "{HEAD}  - id: web\n    name: W\n    level: 1\n{SYS}    assets: {{hosts: [10.0.0.5, portal.example.vn]}}\n\
         \x20 - id: db\n    name: D\n    level: 1\n{SYS}    assets: {{hosts: [Portal.Example.VN.]}}\n"
    );
    let (d, l) = load(&[("inv.yaml", &inv)]);
    assert_eq!(
        warnings(&d, &l.warnings, Lang::En),
        [
            "inv.yaml:15:22: host `portal.example.vn` of system `db` is also declared by system `web` (inv.yaml:10:32): its scan results count for both; declare it in one"
        ]
    );
    assert_eq!(
        warnings(&d, &l.warnings, Lang::Vi),
        [
            "inv.yaml:15:22: máy `portal.example.vn` của hệ thống `db` cũng được khai báo trong hệ thống `web` (inv.yaml:10:32): kết quả quét của nó tính cho cả hai; chỉ khai báo ở một hệ thống"
        ]
    );
}

fn checked(inv: &str, as_of: time::Date) -> tuanthu::engine::checks::Checked {
    let agency = tuanthu::inventory::parse_file("inv.yaml", inv, &[]).expect("valid");
    let inv = Inventory { agencies: vec![agency] };
    tuanthu::engine::checks::check(&inv, tuanthu::policy::Policy::bundled().as_ref().unwrap(), None, as_of)
}

fn rendered(p: &[Problem], lang: Lang) -> Vec<String> {
    p.iter().map(|p| p.render(lang)).collect()
}

#[test]
fn attestations_of_the_other_catalogue_are_a_warning_with_the_ids_to_use() {
    let inv = format!(
        "{HEAD}  - id: s\n    name: S\n    level: 2\n    approval: {{status: approved, decision: \"1/QĐ\", date: 2026-10-01}}\n\
         \x20   attestations:\n      POL.01: {{status: implemented, evidence: x, reviewed: 2026-10-02}}\n\
         \x20   waivers:\n      - {{control: POL.02, reason: r, expires: 2027-06-01}}\n"
    );
    let c = checked(&inv, date!(2026 - 11 - 25));
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let why_en = "approved on 2026-10-01, under Decree 331/2026 (in force since 2026-08-19)";
    assert_eq!(
        rendered(&c.warnings, Lang::En),
        [
            format!(
                "inv.yaml:11:7: attestation for `POL.01` is not used: `POL.01` is a control of tt12-2022, but system `s` is judged under nd331-2026 ({why_en}); use `MGT.01`"
            ),
            format!(
                "inv.yaml:13:9: waiver for `POL.02` is not used: `POL.02` is a control of tt12-2022, but system `s` is judged under nd331-2026 ({why_en}); use `MGT.01`"
            ),
        ]
    );
    let vi = rendered(&c.warnings, Lang::Vi);
    assert!(
        vi[0].starts_with("inv.yaml:11:7: tự đánh giá cho `POL.01` không được dùng: `POL.01` là biện pháp của tt12-2022, nhưng hệ thống `s` được đánh giá theo nd331-2026 (")
            && vi[0].ends_with("); hãy dùng `MGT.01`"),
        "{vi:?}"
    );
}

#[test]
fn a_system_in_transition_keeps_both_catalogues_without_a_warning() {
    // Approved under Circular 12 before Decree 331: it moves to the new catalogue by 2027-07-01
    // and may attest both.
    let inv = common::inventory(
        2,
        "    attestations:\n      POL.01: {status: implemented, evidence: x, reviewed: 2026-01-01}\n      MGT.01: {status: implemented, evidence: x, reviewed: 2026-09-01}\n",
    )
    .replace("  catalogue: tt12-2022\n", "");
    let c = checked(&inv, date!(2026 - 11 - 25));
    assert!(c.errors.is_empty() && c.warnings.is_empty(), "{:?} {:?}", c.errors, c.warnings);
}

#[test]
fn dates_after_the_evaluation_date_are_errors() {
    let inv = format!(
        "{HEAD}  - id: s\n    name: S\n    level: 2\n    approval: {{status: approved, decision: \"1/QĐ\", date: 2026-12-01}}\n\
         \x20   construction_started: 2027-01-01\n    assessments:\n      - {{kind: periodic, date: 2026-11-30}}\n"
    );
    let c = checked(&inv, date!(2026 - 11 - 25));
    assert_eq!(
        rendered(&c.errors, Lang::En),
        [
            "inv.yaml:9:58: `approval.date` 2026-12-01 is after the evaluation date 2026-11-25: a date that has not come yet is counted as if it had (and an approval or construction date chooses the catalogue); correct it, or evaluate with --as-of",
            "inv.yaml:10:27: `construction_started` 2027-01-01 is after the evaluation date 2026-11-25: a date that has not come yet is counted as if it had (and an approval or construction date chooses the catalogue); correct it, or evaluate with --as-of",
            "inv.yaml:12:32: `assessments.date` 2026-11-30 is after the evaluation date 2026-11-25: a date that has not come yet is counted as if it had (and an approval or construction date chooses the catalogue); correct it, or evaluate with --as-of",
        ]
    );
    assert_eq!(
        rendered(&c.errors[..1], Lang::Vi),
        [
            "inv.yaml:9:58: `approval.date` 2026-12-01 sau ngày đánh giá 2026-11-25: ngày chưa đến lại được tính như đã xảy ra (ngày phê duyệt hay ngày khởi công còn quyết định danh mục áp dụng); hãy sửa lại, hoặc đánh giá với --as-of"
        ]
    );
    // On the evaluation date itself, nothing is wrong.
    assert!(checked(&inv, date!(2027 - 01 - 01)).errors.is_empty());
}

#[test]
fn tailoring_of_the_other_catalogue_is_a_warning() {
    let inv = format!(
        "{HEAD}  - id: s\n    name: S\n    level: 2\n    catalogue: nd331-2026\n    approval: {{status: approved, decision: \"1/QĐ\", date: 2026-10-01}}\n    tailoring: [overlay]\n"
    );
    let d = common::dir_with(&[
        ("inv.yaml", &inv),
        ("overlay.yaml", "schema: tuanthu/tailoring/v1\ndrop:\n  - {control: POL.02, reason: \"không áp dụng\"}\n"),
    ]);
    let files = tuanthu::inventory::load_paths(&[d.path().join("inv.yaml")], &[]).unwrap();
    let c = tuanthu::engine::checks::check(
        &files.inventory,
        tuanthu::policy::Policy::bundled().as_ref().unwrap(),
        None,
        date!(2026 - 11 - 25),
    );
    let prefix = format!("{}/", d.path().display());
    let w: Vec<String> = c.warnings.iter().map(|p| p.render(Lang::En).replace(&prefix, "")).collect();
    assert_eq!(
        w,
        [
            "overlay.yaml:3:5: tailoring for `POL.02` is not used: `POL.02` is a control of tt12-2022, but system `s` is judged under nd331-2026 (`catalogue:` of the system); use `MGT.01`"
        ]
    );
    let vi: Vec<String> = c.warnings.iter().map(|p| p.render(Lang::Vi).replace(&prefix, "")).collect();
    assert_eq!(
        vi,
        [
            "overlay.yaml:3:5: tinh chỉnh cho `POL.02` không được dùng: `POL.02` là biện pháp của tt12-2022, nhưng hệ thống `s` được đánh giá theo nd331-2026 (`catalogue:` khai báo cho hệ thống); hãy dùng `MGT.01`"
        ]
    );
}
