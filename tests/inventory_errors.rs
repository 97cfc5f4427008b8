//! Inventory validation: one test per class of error, each asserting the message and the
//! position (file:line:column) it names.

mod common;

use tuanthu::diag::Problems;

fn load(text: &str) -> Result<tuanthu::inventory::Agency, Problems> {
    tuanthu::inventory::parse_file("inv.yaml", text, &[])
}

/// Asserts that loading `text` fails with a problem at `line:col` whose message contains `msg`.
#[track_caller]
fn fails_at(text: &str, line: u64, col: u64, msg: &str) {
    let e = load(text).expect_err("the inventory should be rejected");
    let found = e.iter().find(|p| p.message.en.contains(msg));
    let Some(p) = found else { panic!("no problem mentions {msg:?}; got:\n{e}") };
    assert_eq!((p.file.as_str(), p.line, p.column), ("inv.yaml", line, col), "position of {msg:?}; all:\n{e}");
}

const HEAD: &str = "schema: tuanthu/inventory/v1\nagency:\n  id: a\n  name: A\nsystems:\n";

fn with_system(body: &str) -> String {
    format!("{HEAD}  - id: s\n    name: S\n{body}")
}

#[test]
fn valid_minimal_inventory_loads() {
    let a = load(&common::inventory(3, "")).expect("valid");
    assert_eq!(a.systems.len(), 1);
    assert_eq!(a.systems[0].level, 3);
}

#[test]
fn unknown_field_is_an_error() {
    let t = with_system("    level: 2\n    aproval: {status: draft}\n    approval: {status: draft}\n");
    fails_at(&t, 9, 5, "aproval");
}

#[test]
fn level_out_of_range() {
    let t = with_system("    level: 7\n    approval: {status: draft}\n");
    fails_at(&t, 8, 12, "level must be 1, 2, 3, 4 or 5");
}

#[test]
fn level_of_wrong_type() {
    let t = with_system("    level: three\n    approval: {status: draft}\n");
    let e = load(&t).unwrap_err();
    assert_eq!((e.first().line, e.first().column), (8, 12), "{e}");
}

#[test]
fn approved_without_decision_or_date() {
    let t = with_system("    level: 2\n    approval: {status: approved}\n");
    fails_at(&t, 9, 15, "no `decision:`");
    fails_at(&t, 9, 15, "no `date:`");
}

#[test]
fn unknown_approval_status_lists_the_valid_ones() {
    let t = with_system("    level: 2\n    approval: {status: accepted}\n");
    let e = load(&t).unwrap_err();
    let s = e.to_string();
    assert!(s.contains("accepted") && s.contains("approved"), "{s}");
    assert_eq!(e.first().line, 9, "{s}");
}

#[test]
fn malformed_date() {
    let t = with_system("    level: 2\n    approval: {status: approved, decision: \"1/QĐ\", date: 2024-02-30}\n");
    fails_at(&t, 9, 58, "`2024-02-30` is not a real date (February 2024 has 29 days)");
    let t = with_system("    level: 2\n    approval: {status: approved, decision: \"1/QĐ\", date: 2024-2-3}\n");
    fails_at(&t, 9, 58, "expected a date as YYYY-MM-DD, found `2024-2-3`");
}

#[test]
fn duplicate_system_ids_in_one_file() {
    let t = format!(
        "{HEAD}  - id: s\n    name: S\n    level: 1\n    approval: {{status: draft}}\n  - id: s\n    name: T\n    level: 1\n    approval: {{status: draft}}\n"
    );
    fails_at(&t, 10, 5, "duplicate system id `s`");
}

#[test]
fn duplicate_system_ids_across_files() {
    let one = common::inventory(1, "");
    let d = common::dir_with(&[("one.yaml", &one), ("two.yaml", &one)]);
    let e = tuanthu::inventory::load_paths(&[d.path().to_path_buf()], &[]).unwrap_err();
    let s = e.to_string();
    assert!(s.contains("two.yaml:7:5: duplicate system id `sys-a` in agency test-agency"), "{s}");
    assert!(s.contains("one.yaml:7:5"), "names the first declaration: {s}");
}

#[test]
fn malformed_cidr_and_addresses() {
    let t = with_system(
        "    level: 1\n    approval: {status: draft}\n    assets:\n      hosts: [10.0.0.0/33, 10.0.0.5/24, 10.0.0.300, ok.example.vn, bad_name!]\n",
    );
    fails_at(&t, 11, 15, "not a valid CIDR network");
    fails_at(&t, 11, 28, "has host bits set");
    fails_at(&t, 11, 41, "not a valid IP address");
    fails_at(&t, 11, 68, "not a valid IP address, CIDR network or host name");
}

#[test]
fn malformed_url_tls_and_ports() {
    let t = with_system(
        "    level: 1\n    approval: {status: draft}\n    assets:\n      urls: [\"ftp://x.example.vn/\", {url: \"https://x.example.vn/\", address: 10.0.0.999}]\n      tls: [x.example.vn]\n      allowed_ports: [tcp/80, http]\n",
    );
    fails_at(&t, 11, 14, "only http and https URLs");
    fails_at(&t, 11, 37, "address `10.0.0.999` is not a valid IP address");
    fails_at(&t, 12, 13, "is not a TLS endpoint");
    fails_at(&t, 13, 31, "`http` is not a port like tcp/443");
}

#[test]
fn not_applicable_needs_a_reason() {
    let t = with_system(
        "    level: 1\n    approval: {status: draft}\n    attestations:\n      DES.17: {status: not-applicable}\n",
    );
    fails_at(&t, 11, 7, "`not-applicable` needs a `reason:`");
}

#[test]
fn unknown_attestation_status() {
    let t =
        with_system("    level: 1\n    approval: {status: draft}\n    attestations:\n      POL.01: {status: done}\n");
    let e = load(&t).unwrap_err();
    assert!(e.to_string().contains("done") && e.first().line == 11, "{e}");
}

#[test]
fn waiver_needs_reason_and_expiry() {
    let t = with_system("    level: 1\n    approval: {status: draft}\n    waivers:\n      - {control: NET.01}\n");
    fails_at(&t, 11, 9, "needs a `reason:`");
    fails_at(&t, 11, 9, "needs `expires:`");
}

#[test]
fn bad_identifiers() {
    let t = "schema: tuanthu/inventory/v1\nagency:\n  id: Sở_TTTT\n  name: A\nsystems: []\n";
    fails_at(t, 3, 7, "agency id `Sở_TTTT` must be lowercase");
}

#[test]
fn wrong_schema() {
    fails_at(
        "schema: tuanthu/inventory/v9\nagency: {id: a, name: A}\n",
        1,
        9,
        "expected `schema: tuanthu/inventory/v1`",
    );
}

#[test]
fn yaml_syntax_error_names_position() {
    let e = load("schema: tuanthu/inventory/v1\nagency: {id: a, name: A\nsystems: []\n").unwrap_err();
    assert!(e.first().line >= 2, "{e}");
}

fn alias_bomb(prefix: &str, target: &str) -> String {
    let mut t = String::from(prefix);
    t.push_str("x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        t.push_str(&format!("x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    t.push_str(target);
    t
}

#[test]
fn alias_bomb_is_refused() {
    // In an inventory the bomb is refused before any expansion: unknown keys are errors.
    let inv = alias_bomb("schema: tuanthu/inventory/v1\nagency: {id: a, name: A}\n", "");
    assert_eq!(
        load(&inv).unwrap_err().to_string(),
        "inv.yaml:8:10: the file is too large or expands too much (anchors and aliases `*name` repeated beyond \
         the limit a tuanthu file needs)"
    );
    // Profile parameters are free-form, so there the expansion budget is what stops it.
    let head = "schema: tuanthu/profile/v1\ncatalogue: tt12-2022\nlevel: 1\ntitle: {en: x, vi: x}\nparams:\n";
    let body = alias_bomb("", "").lines().map(|l| format!("  {l}\n")).collect::<String>();
    let cats = tuanthu::policy::Policy::bundled().unwrap().catalogues;
    let e = tuanthu::policy::Profile::build("p.yaml", &format!("{head}{body}"), &cats).unwrap_err();
    assert_eq!(
        e.to_string(),
        "p.yaml:11:12: the file is too large or expands too much (anchors and aliases `*name` repeated beyond the \
         limit a tuanthu file needs)"
    );
}

#[test]
fn deep_nesting_is_refused() {
    let deep = format!(
        "schema: tuanthu/inventory/v1\nagency: {{id: a, name: A}}\nx: {}1{}\n",
        "[".repeat(500),
        "]".repeat(500)
    );
    let e = load(&deep).unwrap_err();
    // The whole document is read into a tree before it is checked, so the depth is what stops it,
    // at the place it is exceeded.
    assert_eq!(
        e.to_string(),
        "inv.yaml:3:259: values are nested too deeply (a tuanthu file nests a few levels at most)"
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let t = with_system("    level: 9\n    approval: {status: approved}\n    assets:\n      hosts: [10.0.0.0/40]\n");
    let e = load(&t).unwrap_err();
    assert_eq!(
        e.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        [
            "inv.yaml:8:12: level must be 1, 2, 3, 4 or 5 (Decree 85/2016), found 9",
            "inv.yaml:9:15: approval.status is `approved` but there is no `decision:` (decision number, e.g. \"123/QĐ-UBND\")",
            "inv.yaml:9:15: approval.status is `approved` but there is no `date:` (decision date, YYYY-MM-DD)",
            "inv.yaml:11:15: `10.0.0.0/40` is not a valid CIDR network (e.g. 10.10.1.0/28)",
        ]
    );
}

#[test]
fn unknown_control_ids_are_errors() {
    let inv = common::inventory(
        2,
        "    attestations:\n      POL.99: {status: implemented, evidence: x, reviewed: 2026-01-01}\n    waivers:\n      - {control: NET.77, reason: r, expires: 2027-01-01}\n",
    );
    let agency = tuanthu::inventory::parse_file("inv.yaml", &inv, &[]).unwrap();
    let inv = tuanthu::inventory::Inventory { agencies: vec![agency] };
    let policy = tuanthu::policy::Policy::bundled().unwrap();
    let p = tuanthu::engine::references::check(&inv, &policy, None, time::macros::date!(2026 - 11 - 25));
    let s: Vec<String> = p.iter().map(ToString::to_string).collect();
    assert!(s.iter().any(|x| x.starts_with("inv.yaml:12:7: attestation for unknown control `POL.99`")), "{s:?}");
    assert!(s.iter().any(|x| x.starts_with("inv.yaml:14:9: waiver for unknown control `NET.77`")), "{s:?}");
}

#[test]
fn missing_tailoring_file_and_drop_without_reason() {
    let inv = common::inventory(3, "    tailoring: [overlay, nowhere]\n");
    let d = common::dir_with(&[
        ("inv.yaml", &inv),
        ("overlay.yaml", "schema: tuanthu/tailoring/v1\ndrop:\n  - {control: DES.17}\n"),
    ]);
    let e = tuanthu::inventory::load_paths(&[d.path().join("inv.yaml")], &[]).unwrap_err();
    let s = e.to_string();
    assert!(s.contains("overlay.yaml:3:5: dropping DES.17 needs a `reason:`"), "{s}");
    assert!(s.contains("inv.yaml:11:26: tailoring `nowhere` not found"), "{s}");
}

#[test]
fn obligations_cannot_be_tailored() {
    let d = common::dir_with(&[
        ("inv.yaml", &common::inventory(2, "    tailoring: [overlay]\n")),
        ("overlay.yaml", "schema: tuanthu/tailoring/v1\ndrop:\n  - {control: OBL.03, reason: \"không muốn\"}\n"),
    ]);
    let files = tuanthu::inventory::load_paths(&[d.path().join("inv.yaml")], &[]).unwrap();
    let p = tuanthu::engine::references::check(
        &files.inventory,
        &tuanthu::policy::Policy::bundled().unwrap(),
        None,
        time::macros::date!(2026 - 11 - 25),
    );
    let s: Vec<String> = p.iter().map(ToString::to_string).collect();
    assert!(s.iter().any(|x| x.contains("overlay.yaml:3:5: `OBL.03` is a decree obligation")), "{s:?}");
}

#[test]
fn one_agency_split_over_files_must_agree_on_its_catalogue() {
    let a = common::inventory(1, "");
    let b = a.replace("sys-a", "sys-b").replace("  catalogue: tt12-2022\n", "  catalogue: nd331-2026\n");
    let d = common::dir_with(&[("a.yaml", &a), ("b.yaml", &b)]);
    let e = tuanthu::inventory::load_paths(&[d.path().to_path_buf()], &[]).unwrap_err().to_string();
    assert!(e.contains("agency test-agency: `catalogue` is `nd331-2026` here but `tt12-2022` in"), "{e}");
}

#[test]
fn level_spellings_other_than_plain_decimal_are_errors() {
    for spelling in ["\"3\"", "'3'", "0x3", "0o3", "+3", "03", "3.0"] {
        let t = with_system(&format!("    level: {spelling}\n    approval: {{status: draft}}\n"));
        fails_at(
            &t,
            8,
            12,
            &format!(
                "`level` is the security level: write 1, 2, 3, 4 or 5 as a plain number (e.g. `level: 3`), found `{spelling}` (did you mean `level: 3`?)"
            ),
        );
    }
}

#[test]
fn yaml_tags_are_errors_at_the_tag() {
    let t = with_system("    level: 2\n    approval: {status: draft}\n    owner: !!binary U8ahIFRUVFQ=\n");
    fails_at(&t, 10, 12, "YAML tag `!!binary` is not accepted");
    let t = with_system("    level: !!python/object:builtins.int 2\n    approval: {status: draft}\n");
    fails_at(&t, 8, 12, "YAML tag `!!python/object:builtins.int` is not accepted");
}

#[test]
fn tailoring_names_that_leave_the_folder_are_refused_unread() {
    let d = common::dir_with(&[
        ("inv/inv.yaml", &common::inventory(3, "    tailoring: [\"../outside\", \"sub/inside\"]\n")),
        ("outside.yaml", "private_key_of_the_host: x\n"),
        ("inv/sub/inside.yaml", "schema: tuanthu/tailoring/v1\nadd: [DES.15]\n"),
    ]);
    let e = tuanthu::inventory::load_paths(&[d.path().join("inv/inv.yaml")], &[]).unwrap_err().to_string();
    assert!(e.contains("inv.yaml:11:17: tailoring `../outside` is not a name inside the inventory's folder"), "{e}");
    assert!(!e.contains("private_key"), "the file outside was read: {e}");
    assert!(!e.contains("sub/inside"), "a subfolder is inside: {e}");
    let lookup = tuanthu::inventory::tailoring::Lookup { dirs: vec![], allow_outside: true };
    let e = tuanthu::inventory::load_paths_with(&[d.path().join("inv/inv.yaml")], &lookup).unwrap_err().to_string();
    assert!(e.contains("outside.yaml:1:1: unknown field `private_key_of_the_host`"), "read when allowed: {e}");
}
