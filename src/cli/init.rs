//! `tuanthu init --agency ID`: a commented starter inventory for one agency, in the `--lang`
//! language, that validates and evaluates as written.
//!
//! The file is a template (`init/en.yaml`, `init/vi.yaml`: the same YAML, comments in each
//! language) with one example system that shows every commonly used field. Its attestations use ids
//! present in both catalogues except one policy control, and its dates put the example under the
//! chosen catalogue by the same transition rules `check` applies (see [`tuanthu::engine::regime`]), so
//! the ids it attests are the ids it is judged on. A file that exists is never replaced.

use super::{Error, ExitCode, write_output};
use clap::Args;
use std::path::{Path, PathBuf};
use tuanthu::engine::regime::{DECREE_331_EFFECTIVE, ND331, TT12};
use tuanthu::i18n::{Lang, tr};

const EN: &str = include_str!("init/en.yaml");
const VI: &str = include_str!("init/vi.yaml");

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The agency's id (lowercase letters, digits and hyphens): `agency.id` in the inventory, and
    /// the id of its signing key
    #[arg(long, value_name = "ID")]
    pub agency: String,
    /// The agency's name as reports show it (default: a placeholder to replace)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// File to create (an existing file is never replaced); `-` or none: standard output
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Language of the comments and messages
    #[arg(long, value_parser = super::lang_parser(), default_value = "en", env = "TUANTHU_LANG")]
    pub lang: Lang,
    /// Catalogue whose control ids the example system uses (default: the regime in force today:
    /// nd331-2026 from 2026-08-19, tt12-2022 before)
    #[arg(long, value_name = "ID", value_parser = [TT12, ND331])]
    pub catalogue: Option<String>,
}

pub fn run(a: InitArgs) -> Result<ExitCode, Error> {
    let l = a.lang;
    if !valid_id(&a.agency) {
        return Err(Error::Usage(format!("--agency: {}", bad_id(&a.agency, l))));
    }
    let name = match &a.name {
        Some(n) => n.clone(),
        None => tr(l, "Name of the agency (replace it)", "Tên cơ quan (thay bằng tên thật)").to_string(),
    };
    let Some(name) = yaml_quoted(&name) else {
        return Err(Error::Usage(format!("--name: {}", tr(l, "the name is empty", "tên cơ quan để trống"))));
    };
    let catalogue = a.catalogue.as_deref().unwrap_or_else(|| default_catalogue(tuanthu::dates::today()));
    let text = render(&a.agency, &name, catalogue, l);
    let path = a.output.as_deref().filter(|p| *p != Path::new("-"));
    match path {
        None => {
            write_output(None, &text)?;
            Ok(ExitCode::Ok)
        }
        Some(p) => create(p, &text, l),
    }
}

/// The regime a system registered today falls under (Decree 331 Art. 38): `nd331-2026` from the
/// day the decree took effect, `tt12-2022` before it.
pub fn default_catalogue(today: time::Date) -> &'static str {
    if today >= DECREE_331_EFFECTIVE { ND331 } else { TT12 }
}

/// The inventory's id rule: lowercase ASCII letters, digits and hyphens, 1-64, no leading hyphen.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('-')
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Why `id` is refused, with the id it most likely meant when there is one.
fn bad_id(id: &str, l: Lang) -> String {
    let mut msg = format!(
        "`{}` {}",
        tuanthu::sanitize::one_line(id),
        tr(
            l,
            "is not an agency id: use lowercase letters, digits and hyphens ([a-z0-9-], at most 64, not starting with a hyphen)",
            "không phải là mã cơ quan: chỉ dùng chữ thường, chữ số và dấu gạch ngang ([a-z0-9-], tối đa 64 ký tự, không bắt đầu bằng dấu gạch ngang)"
        )
    );
    let guess: String = id
        .trim()
        .chars()
        .map(|c| if c.is_whitespace() || c == '_' || c == '.' { '-' } else { c.to_ascii_lowercase() })
        .collect();
    let guess = guess.trim_start_matches('-');
    if guess != id && valid_id(guess) {
        msg.push_str(&format!("; {} `{guess}`?", tr(l, "did you mean", "có phải là")));
    }
    msg
}

/// `s` as a double-quoted YAML scalar, control characters removed; `None` when nothing is left.
fn yaml_quoted(s: &str) -> Option<String> {
    let kept: String = s.chars().filter(|c| !c.is_control()).collect();
    let kept = kept.trim();
    if kept.is_empty() {
        return None;
    }
    let mut out = String::from('"');
    for c in kept.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    Some(out)
}

/// The dates and ids that put the example system under `catalogue`.
struct Example {
    policy_id: &'static str,
    approval: &'static str,
    assessment: &'static str,
    operating_since: &'static str,
    reviewed: &'static str,
}

fn example(catalogue: &str) -> Example {
    if catalogue == TT12 {
        // Approved under Decree 85: Circular 12 until the transition ends (Law 116 Art. 45.1).
        Example {
            policy_id: "POL.01",
            approval: "2025-04-18",
            assessment: "2025-05-06",
            operating_since: "2025-06-01",
            reviewed: "2026-03-20",
        }
    } else {
        // Approved and live under Decree 331, assessed before go-live (Art. 28.3, ASM.01).
        Example {
            policy_id: "MGT.01",
            approval: "2026-10-20",
            assessment: "2026-10-28",
            operating_since: "2026-11-02",
            reviewed: "2026-10-30",
        }
    }
}

/// Why the example's dates put it under `catalogue`, as comment lines in the system's indentation.
fn regime_note(catalogue: &str, l: Lang) -> &'static str {
    if catalogue == TT12 {
        tr(
            l,
            "    # Approved before 2026-08-19 (under Decree 85): evaluated under Circular 12 (catalogue\n    \
# tt12-2022) until the transition ends on 2027-07-01, then under Decree 331: attest its nd331-2026\n    \
# ids by then (`tuanthu controls diff tt12-2022 nd331-2026 --level 3` shows where each id went).",
            "    # Phê duyệt trước 19/8/2026 (theo Nghị định 85): đánh giá theo Thông tư 12 (danh mục tt12-2022)\n    \
# đến hết giai đoạn chuyển tiếp 01/7/2027, sau đó theo Nghị định 331: trước thời điểm đó hãy tự khai\n    \
# theo mã nd331-2026 (`tuanthu controls diff tt12-2022 nd331-2026 --level 3` cho biết mỗi mã chuyển sang đâu).",
        )
    } else {
        tr(
            l,
            "    # Approved on or after 2026-08-19: evaluated under Decree 331 (catalogue nd331-2026).",
            "    # Phê duyệt từ ngày 19/8/2026: đánh giá theo Nghị định 331 (danh mục nd331-2026).",
        )
    }
}

fn render(agency: &str, name: &str, catalogue: &str, l: Lang) -> String {
    let e = example(catalogue);
    let template = match l {
        Lang::En => EN,
        Lang::Vi => VI,
    };
    template
        .replace("{{AGENCY_ID}}", agency)
        .replace("{{AGENCY_NAME}}", name)
        .replace("{{REGIME_NOTE}}", regime_note(catalogue, l))
        .replace("{{CATALOGUE}}", catalogue)
        .replace("{{POLICY_ID}}", e.policy_id)
        .replace("{{APPROVAL_DATE}}", e.approval)
        .replace("{{ASSESSMENT_DATE}}", e.assessment)
        .replace("{{OPERATING_SINCE}}", e.operating_since)
        .replace("{{REVIEWED}}", e.reviewed)
}

/// Creates `path` with `text`, refusing to replace anything that exists.
fn create(path: &Path, text: &str, l: Lang) -> Result<ExitCode, Error> {
    use std::io::Write;
    let shown = tuanthu::sanitize::one_line(&path.display().to_string());
    let exists = || {
        Err(Error::Usage(format!(
            "{shown} {}",
            tr(
                l,
                "exists; tuanthu init never replaces a file (give another name with -o, or move it away)",
                "đã tồn tại; tuanthu init không bao giờ ghi đè tệp (chọn tên khác với -o, hoặc chuyển tệp đi nơi khác)"
            )
        )))
    };
    // A link, even a dangling one, is something that exists: never write through it.
    if std::fs::symlink_metadata(path).is_ok() {
        return exists();
    }
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return exists(),
        Err(e) => {
            return Err(Error::Failed(tuanthu::text!("cannot create {shown}: {e}", "không tạo được {shown}: {e}")));
        }
    };
    if let Err(e) = file.write_all(text.as_bytes()) {
        return Err(Error::Failed(tuanthu::text!("cannot write {shown}: {e}", "không ghi được {shown}: {e}")));
    }
    eprintln!(
        "tuanthu: {} {shown}; {} `tuanthu validate {shown}`",
        tr(l, "wrote", "đã tạo"),
        tr(l, "after editing it, check it with", "sau khi sửa, kiểm tra bằng")
    );
    Ok(ExitCode::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_default_catalogue_follows_the_day_decree_331_took_effect() {
        assert_eq!(default_catalogue(date!(2026 - 08 - 18)), TT12);
        assert_eq!(default_catalogue(date!(2026 - 08 - 19)), ND331);
        assert_eq!(default_catalogue(date!(2030 - 01 - 01)), ND331);
    }

    #[test]
    fn names_are_quoted_and_cleaned() {
        assert_eq!(yaml_quoted("Sở \"KH&CN\" \\ tỉnh\u{7}").as_deref(), Some("\"Sở \\\"KH&CN\\\" \\\\ tỉnh\""));
        assert_eq!(yaml_quoted(" \u{1b} "), None);
    }

    #[test]
    fn a_bad_id_gets_the_id_it_probably_meant() {
        assert_eq!(
            bad_id("So_KHCN", Lang::En),
            "`So_KHCN` is not an agency id: use lowercase letters, digits and hyphens ([a-z0-9-], at most 64, \
not starting with a hyphen); did you mean `so-khcn`?"
        );
        assert!(!bad_id("sở-khcn", Lang::En).contains("did you mean"));
    }

    #[test]
    fn every_placeholder_is_filled() {
        for l in [Lang::En, Lang::Vi] {
            for cat in [TT12, ND331] {
                let text = render("stttt-demo", "\"X\"", cat, l);
                assert!(!text.contains("{{"), "{l:?} {cat}: {text}");
            }
        }
    }
}
