//! `tuanthu controls`: list a catalogue, or what a level's profile requires.

use super::{Common, ExitCode, fail, invalid, load_policy, write_output};
use crate::i18n::tr;
use crate::sanitize::one_line;
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ControlsArgs {
    /// Show only the controls and obligations required at this level (1-5)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub level: Option<u8>,
    /// Catalogue to list
    #[arg(long, default_value = "tt12-2022", value_name = "ID")]
    pub catalogue: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(a: ControlsArgs) -> ExitCode {
    let policy = match load_policy(&a.common) {
        Ok(p) => p,
        Err(e) => return invalid(&e),
    };
    let Some(cat) = policy.catalogue(&a.catalogue) else {
        let known: Vec<&str> = policy.catalogues.iter().map(|c| c.id.as_str()).collect();
        eprintln!("error: unknown catalogue `{}` (known: {})", a.catalogue, known.join(", "));
        return ExitCode::Invalid;
    };
    let ids: Vec<&str> = match a.level.and_then(|l| policy.profile(&cat.id, l)) {
        Some(p) => p.controls.iter().chain(p.obligations.iter()).map(String::as_str).collect(),
        None => cat.controls.iter().map(|c| c.id.as_str()).collect(),
    };
    let l = a.common.lang;
    let text = match a.format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = ids
                .iter()
                .filter_map(|id| cat.get(id))
                .map(|c| {
                    serde_json::json!({
                        "id": c.id, "section": format!("{:?}", c.section).to_lowercase(), "group": c.group,
                        "title": c.title, "levels": c.levels,
                        "clause": a.level.and_then(|lv| c.clause(lv)),
                        "tcvn": a.level.and_then(|lv| c.tcvn_clause(lv)),
                        "rules": policy.rules.for_control(&c.id).map(|r| r.id.clone()).collect::<Vec<_>>(),
                        "verification": c.verification,
                    })
                })
                .collect();
            let doc =
                serde_json::json!({"catalogue": cat.id, "version": cat.version, "level": a.level, "controls": rows});
            match serde_json::to_string_pretty(&doc) {
                Ok(s) => s + "\n",
                Err(e) => return fail(e),
            }
        }
        Format::Table => {
            let mut t = crate::report::table::new_table(None);
            t.set_header(vec![
                tr(l, "Control", "Biện pháp"),
                tr(l, "Title", "Tên"),
                tr(l, "Levels", "Cấp độ"),
                tr(l, "Clause", "Điều khoản"),
                tr(l, "Rules", "Quy tắc"),
            ]);
            for c in ids.iter().filter_map(|id| cat.get(id)) {
                let clause = match a.level {
                    Some(lv) => {
                        let tcvn = c.tcvn_clause(lv).map(|x| format!("\nTCVN 11930 {x}")).unwrap_or_default();
                        format!("{}{tcvn}", c.clause(lv).unwrap_or("—"))
                    }
                    None => c.clause(*c.levels.first().unwrap_or(&1)).unwrap_or("—").to_string(),
                };
                let rules: Vec<String> = policy.rules.for_control(&c.id).map(|r| r.id.clone()).collect();
                let levels: Vec<String> = c.levels.iter().map(ToString::to_string).collect();
                t.add_row(vec![c.id.clone(), one_line(c.title.get(l)), levels.join(","), clause, rules.join("\n")]);
            }
            let head = match a.level {
                Some(lv) => {
                    format!("{} — {} {lv}: {} ", one_line(cat.title.get(l)), tr(l, "level", "cấp độ"), ids.len())
                }
                None => format!("{}: {} ", one_line(cat.title.get(l)), ids.len()),
            };
            format!("{head}{}\n{t}\n", tr(l, "controls and obligations", "biện pháp và nghĩa vụ"))
        }
    };
    match write_output(a.common.output.as_deref(), &text) {
        Ok(()) => ExitCode::Ok,
        Err(e) => fail(e),
    }
}
