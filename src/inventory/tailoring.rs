//! Per-system tailoring (`tuanthu/tailoring/v1`): add controls to a system's profile, or drop
//! them with a mandatory reason that every report shows.
//!
//! A system names its tailoring (`tailoring: [no-wifi]`); the file `no-wifi.yaml` is looked up in
//! the inventory file's folder, then in each `--tailoring` folder. An inventory comes from an
//! agency, and the machine that reads it (a CI runner, the national center) holds other files: a
//! name may lead into a subfolder but never out of the folder it is looked up in — an absolute
//! name or a `..` is refused before anything is opened, and a match whose real path (symbolic
//! links resolved) lies outside the folder is refused without being read, so no error can quote
//! a file the user did not name. `--allow-outside-inventory` lifts the rule for a user who means
//! it.

use super::read::{Cx, Fields};
use crate::diag::{Problem, Problems};
use crate::text;
use std::path::{Path, PathBuf};

pub const SCHEMA: &str = "tuanthu/tailoring/v1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub control: String,
    pub reason: String,
}

/// A loaded tailoring file.
#[derive(Debug, Clone)]
pub struct Tailoring {
    pub name: String,
    pub file: String,
    pub add: Vec<(String, crate::inventory::Origin)>,
    pub drop: Vec<(Dropped, crate::inventory::Origin)>,
}

const TOP: &[&str] = &["schema", "add", "drop"];
const DROP: &[&str] = &["control", "reason"];

/// Where tailoring files are looked up, and whether a name may lead out of those folders.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// Folders searched (each inventory file's own folder comes first; these follow).
    pub dirs: Vec<PathBuf>,
    /// `--allow-outside-inventory`: names may be absolute or climb with `..`, links may leave.
    pub allow_outside: bool,
}

/// The flag that lifts the confinement, as messages name it.
pub const ALLOW_OUTSIDE_FLAG: &str = "--allow-outside-inventory";

/// Why a tailoring name was refused unread (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindError {
    /// An absolute path or a name with `..`.
    #[error(
        "tailoring `{0}` is not a name inside the inventory's folder (absolute paths and `..` are \
         refused); pass {ALLOW_OUTSIDE_FLAG} to allow it"
    )]
    Climbs(String),
    /// A match that a symbolic link leads out of the folder `dir`.
    #[error(
        "tailoring `{name}` resolves (through a symbolic link) to a file outside {}; pass \
         {ALLOW_OUTSIDE_FLAG} to allow it",
        dir.display()
    )]
    Outside { name: String, dir: PathBuf },
}

impl FindError {
    /// The message in both languages.
    pub fn text(&self) -> crate::i18n::Text {
        let vi = match self {
            FindError::Climbs(n) => format!(
                "tinh chỉnh `{n}` không phải tên nằm trong thư mục của danh mục (không chấp nhận đường dẫn \
                 tuyệt đối và `..`); dùng {ALLOW_OUTSIDE_FLAG} để cho phép"
            ),
            FindError::Outside { name, dir } => format!(
                "tinh chỉnh `{name}` trỏ (qua liên kết tượng trưng) tới tệp nằm ngoài {}; dùng \
                 {ALLOW_OUTSIDE_FLAG} để cho phép",
                dir.display()
            ),
        };
        crate::i18n::Text::new(self.to_string(), vi)
    }
}

/// Finds `<name>.yaml` (or `.yml`) in `dirs`, first match wins; `Ok(None)` when there is none.
/// Unless `allow_outside`, a name that could leave the folder is refused, and so is a match that
/// resolves outside it (see the module documentation).
pub fn find(name: &str, dirs: &[PathBuf], allow_outside: bool) -> Result<Option<PathBuf>, FindError> {
    use std::path::Component;
    let climbs = Path::new(name).components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if climbs && !allow_outside {
        return Err(FindError::Climbs(name.to_string()));
    }
    for dir in dirs {
        for path in [dir.join(format!("{name}.yaml")), dir.join(format!("{name}.yml"))] {
            if !path.is_file() {
                continue;
            }
            if !allow_outside && !inside(&path, dir) {
                return Err(FindError::Outside { name: name.to_string(), dir: dir.clone() });
            }
            return Ok(Some(path));
        }
    }
    Ok(None)
}

/// Whether `path`, with links and `..` resolved, lies inside `dir`.
fn inside(path: &Path, dir: &Path) -> bool {
    match (path.canonicalize(), dir.canonicalize()) {
        (Ok(p), Ok(d)) => p.starts_with(d),
        _ => false,
    }
}

/// The `--tailoring` folders that are not folders: each a problem naming what it is instead.
pub fn check_dirs(dirs: &[PathBuf]) -> Vec<Problem> {
    use std::os::unix::fs::FileTypeExt;
    let mut out = Vec::new();
    for d in dirs {
        let (what, vi) = match std::fs::metadata(d) {
            Ok(m) if m.is_dir() => continue,
            Ok(m) if m.file_type().is_char_device() || m.file_type().is_block_device() => {
                ("is a device".to_string(), "là một thiết bị".to_string())
            }
            Ok(_) => ("is a file".to_string(), "là một tệp".to_string()),
            Err(e) => (format!("cannot be read ({e})"), format!("không đọc được ({e})")),
        };
        out.push(Problem::file_text(
            d.display().to_string(),
            text!(
                "--tailoring {what}, not a directory (it names a folder searched for <name>.yaml)",
                "--tailoring {vi}, không phải thư mục (nó chỉ thư mục để tìm <tên>.yaml)"
            ),
        ));
    }
    out
}

pub fn load(name: &str, path: &Path) -> Result<Tailoring, Problems> {
    let origin = path.display().to_string();
    let text = crate::yaml::read_text(path)?;
    parse(name, &origin, &text)
}

/// Parses a tailoring file, every problem of it in file order.
pub fn parse(name: &str, origin: &str, text: &str) -> Result<Tailoring, Problems> {
    let root = crate::yaml::parse_tree(origin, text)?;
    let mut cx = Cx::new(origin, text);
    let mut add = Vec::new();
    let mut drop = Vec::new();
    if let Some(f) = Fields::of(&mut cx, &root, "the document", TOP) {
        if let Some(schema) = f.require(&mut cx, "schema").and_then(|n| cx.spanned(n, "schema"))
            && schema.value != SCHEMA
        {
            let found = &schema.value;
            cx.err(
                schema.referenced,
                text!("expected `schema: {SCHEMA}`, found `{found}`", "cần `schema: {SCHEMA}`, gặp `{found}`"),
            );
        }
        for a in f.get("add").map(|n| cx.list(n, "add")).unwrap_or_default() {
            if let Some(id) = cx.string(a, "add") {
                add.push((id, cx.origin_of(a.referenced)));
            }
        }
        for d in f.get("drop").map(|n| cx.list(n, "drop")).unwrap_or_default() {
            let Some(entry) = Fields::of(&mut cx, d, "drop", DROP) else { continue };
            let Some(control) = entry.require(&mut cx, "control").and_then(|n| cx.string(n, "control")) else {
                continue;
            };
            let reason = entry.get("reason").and_then(|n| cx.string(n, "reason"));
            match reason.as_deref().map(str::trim) {
                Some(r) if !r.is_empty() => {
                    drop.push((Dropped { control, reason: r.to_string() }, cx.origin_of(d.referenced)))
                }
                _ => cx.err(
                    d.referenced,
                    text!(
                        "dropping {control} needs a `reason:` (it is shown in every report)",
                        "bỏ {control} cần có `reason:` (lý do được hiển thị trong mọi báo cáo)"
                    ),
                ),
            }
        }
    }
    let mut problems = cx.p.into_problems().map(Problems::into_vec).unwrap_or_default();
    problems.sort_by_key(|p| (p.line, p.column));
    match Problems::from_vec(problems) {
        Some(e) => Err(e),
        None => Ok(Tailoring { name: name.to_string(), file: origin.to_string(), add, drop }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_needs_reason() {
        let e = parse("x", "x.yaml", "schema: tuanthu/tailoring/v1\ndrop:\n  - {control: DES.17}\n").unwrap_err();
        assert_eq!(e.first().line, 3);
        assert!(e.to_string().contains("needs a `reason:`"), "{e}");
    }

    #[test]
    fn parses_add_and_drop() {
        let t = parse(
            "x",
            "x.yaml",
            "schema: tuanthu/tailoring/v1\nadd: [DES.15]\ndrop:\n  - {control: DES.17, reason: \"Không có mạng không dây\"}\n",
        )
        .unwrap();
        assert_eq!(t.add[0].0, "DES.15");
        assert_eq!(t.drop[0].0.reason, "Không có mạng không dây");
    }
}
