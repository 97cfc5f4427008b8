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
