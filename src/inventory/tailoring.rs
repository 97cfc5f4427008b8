//! Per-system tailoring (`tuanthu/tailoring/v1`): add controls to a system's profile, or drop
//! them with a mandatory reason that every report shows.

use crate::diag::{Collector, Problem, Problems};
use serde::Deserialize;
use serde_saphyr::Spanned;
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TailoringFile {
    schema: Spanned<String>,
    #[serde(default)]
    add: Vec<Spanned<String>>,
    #[serde(default)]
    drop: Vec<Spanned<DropDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DropDoc {
    control: String,
    reason: Option<String>,
}

/// Finds `<name>.yaml` (or `.yml`) in the given directories, first match wins.
pub fn find(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    dirs.iter().flat_map(|d| [d.join(format!("{name}.yaml")), d.join(format!("{name}.yml"))]).find(|p| p.is_file())
}

pub fn load(name: &str, path: &Path) -> Result<Tailoring, Problems> {
    let origin = path.display().to_string();
    let text = crate::yaml::read_text(path)?;
    parse(name, &origin, &text)
}

pub fn parse(name: &str, origin: &str, text: &str) -> Result<Tailoring, Problems> {
    let f: TailoringFile = crate::yaml::parse(origin, text)?;
    let mut p = Collector::default();
    if f.schema.value != SCHEMA {
        p.push(Problem::at(
            origin,
            f.schema.referenced,
            format!("expected `schema: {SCHEMA}`, found `{}`", f.schema.value),
        ));
    }
    let at = |l: serde_saphyr::Location| crate::inventory::Origin {
        file: origin.to_string(),
        line: l.line(),
        column: l.column(),
    };
    let add = f.add.iter().map(|a| (a.value.clone(), at(a.referenced))).collect();
    let mut drop = Vec::new();
    for d in f.drop {
        match d.value.reason.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => {
                drop.push((Dropped { control: d.value.control.clone(), reason: r.to_string() }, at(d.referenced)))
            }
            _ => p.push(Problem::at(
                origin,
                d.referenced,
                format!("dropping {} needs a `reason:` (it is shown in every report)", d.value.control),
            )),
        }
    }
    p.finish(Tailoring { name: name.to_string(), file: origin.to_string(), add, drop })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_needs_reason() {
        let e = parse("x", "x.yaml", "schema: tuanthu/tailoring/v1\ndrop:\n  - {control: DES.17}\n").unwrap_err();
        assert_eq!(e.0[0].line, 3);
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
