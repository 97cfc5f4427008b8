//! `tuanthu controls`: list a catalogue, or what a level's profile requires; `tuanthu controls diff`
//! compares two catalogues level by level.

use super::{Common, Error, ExitCode, load_policy, write_output};
use clap::{Args, Subcommand, ValueEnum};
use tuanthu::i18n::{Lang, tr};
use tuanthu::policy::diff::{AddedKind, CatalogueDiff, DroppedKind, How, LevelDiff, Need};
use tuanthu::policy::{Catalogue, Control, Policy};
use tuanthu::sanitize::one_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ControlsArgs {
    #[command(subcommand)]
    pub command: Option<ControlsCommand>,
    /// Show only the controls and obligations required (or optional) at this level (1-5)
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

#[derive(Debug, Subcommand)]
pub enum ControlsCommand {
    /// Compare two catalogues level by level: controls added, dropped and changed, parameters, id mapping
    #[command(after_help = "Example: tuanthu controls diff tt12-2022 nd331-2026 --level 3")]
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older catalogue (e.g. tt12-2022)
    pub from: String,
    /// The newer catalogue (e.g. nd331-2026)
    pub to: String,
    /// Compare only this level (1-5)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub level: Option<u8>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub common: Common,
}

impl ControlsArgs {
    /// `--lang` of the command or of its subcommand.
    pub(super) fn lang(&self) -> Lang {
        match &self.command {
            Some(ControlsCommand::Diff(d)) => d.common.lang,
            None => self.common.lang,
        }
    }
}

pub fn run(a: ControlsArgs) -> Result<ExitCode, Error> {
    if let Some(ControlsCommand::Diff(d)) = a.command {
        return run_diff(d);
    }
    let policy = load_policy(&a.common)?;
    let Some(cat) = policy.catalogue(&a.catalogue) else {
        let known = policy.catalogues.iter().map(|c| c.id.clone()).collect();
        return Err(tuanthu::policy::diff::DiffError::UnknownCatalogue { id: a.catalogue, known }.into());
    };
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&list_json(&policy, cat, a.level)).map_err(Error::run)? + "\n",
        Format::Table => list_table(&policy, cat, a.level, a.common.lang),
    };
    write_output(a.common.output.as_deref(), &text)?;
    Ok(ExitCode::Ok)
}

/// The ids to list with how the level needs each (`None` without a level: the whole catalogue).
fn listed<'a>(policy: &'a Policy, cat: &'a Catalogue, level: Option<u8>) -> Vec<(&'a Control, Option<Need>)> {
    let Some(p) = level.and_then(|l| policy.profile(&cat.id, l)) else {
        return cat.controls.iter().map(|c| (c, None)).collect();
    };
    let with = |ids: &'a [String], need| ids.iter().filter_map(move |id| cat.get(id).map(|c| (c, Some(need))));
    with(&p.controls, Need::Required)
        .chain(with(&p.optional, Need::Optional))
        .chain(with(&p.obligations, Need::Obligation))
        .collect()
}

fn list_json(policy: &Policy, cat: &Catalogue, level: Option<u8>) -> serde_json::Value {
    let rows: Vec<serde_json::Value> =
        listed(policy, cat, level).into_iter().map(|(c, need)| control_json(policy, cat, c, level, need)).collect();
    let params = level.and_then(|l| policy.profile(&cat.id, l)).map(|p| &p.params);
    serde_json::json!({
        "catalogue": cat.id, "version": cat.version, "standard": cat.standard, "level": level,
        "params": params, "controls": rows,
    })
}

/// One control as `controls --format json` lists it (`explain --format json` builds on it).
pub(super) fn control_json(
    policy: &Policy,
    cat: &Catalogue,
    c: &Control,
    level: Option<u8>,
    need: Option<Need>,
) -> serde_json::Value {
    serde_json::json!({
        "id": c.id, "section": format!("{:?}", c.section).to_lowercase(), "group": c.group,
        "title": c.title, "levels": c.levels, "optional_levels": c.optional_levels,
        "need": need.map(Need::as_str),
        "clause": level.and_then(|lv| c.clause(lv)),
        "tcvn": level.and_then(|lv| c.tcvn_clause(lv)),
        "rules": policy.rules.for_control(&c.id).map(|r| r.id.clone()).collect::<Vec<_>>(),
        "verification": c.verification,
        "caveat": cat.caveat(c),
        "maps_to": c.maps_to,
    })
}

fn list_table(policy: &Policy, cat: &Catalogue, level: Option<u8>, l: Lang) -> String {
    let rows = listed(policy, cat, level);
    let mut t = tuanthu::report::kit::terminal::new_table(None);
    t.set_header(vec![
        tr(l, "Control", "Biện pháp"),
        tr(l, "Title", "Tên"),
        tr(l, "Levels", "Cấp độ"),
        tr(l, "Clause", "Điều khoản"),
        tr(l, "Rules", "Quy tắc"),
    ]);
    for (c, need) in &rows {
        let clause = match level {
            Some(lv) => {
                let tcvn = c.tcvn_clause(lv).map(|x| format!("\n{} {x}", cat.standard)).unwrap_or_default();
                format!("{}{tcvn}", c.clause(lv).unwrap_or("—"))
            }
            None => c.clause(*c.levels.first().unwrap_or(&1)).unwrap_or("—").to_string(),
        };
        let rules: Vec<String> = policy.rules.for_control(&c.id).map(|r| r.id.to_string()).collect();
        let levels: Vec<String> = c.levels.iter().map(ToString::to_string).collect();
        let id = if cat.caveat(c).is_some() { format!("{} †", c.id) } else { c.id.to_string() };
        // At a level, say when the control is not simply required there.
        let need = match need {
            Some(n @ (Need::Optional | Need::Obligation)) => format!("\n({})", need_text(*n, l)),
            _ => String::new(),
        };
        t.add_row(vec![id, one_line(c.title.get(l)), format!("{}{need}", levels.join(",")), clause, rules.join("\n")]);
    }
    let head = match level {
        Some(lv) => format!("{} — {} {lv}: {} ", one_line(cat.title.get(l)), tr(l, "level", "cấp độ"), rows.len()),
        None => format!("{}: {} ", one_line(cat.title.get(l)), rows.len()),
    };
    let mut out = format!("{head}{}\n{t}\n", tr(l, "controls and obligations", "biện pháp và nghĩa vụ"));
    for (v, text) in &cat.verification_caveats {
        out.push_str(&format!("† {v}: {}\n", one_line(text.get(l))));
    }
    if let Some(p) = level.and_then(|lv| policy.profile(&cat.id, lv)) {
        let params: Vec<String> = p.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        out.push_str(&format!("{}: {}\n", tr(l, "Parameters", "Tham số"), params.join(", ")));
    }
    out
}

pub(super) fn need_text(n: Need, l: Lang) -> String {
    n.text().get(l).to_string()
}

fn run_diff(a: DiffArgs) -> Result<ExitCode, Error> {
    let policy = load_policy(&a.common)?;
    let levels: Vec<u8> = a.level.map_or_else(|| (1..=5).collect(), |l| vec![l]);
    let d = tuanthu::policy::diff::diff(&policy, &a.from, &a.to, &levels)?;
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&d).map_err(Error::run)? + "\n",
        Format::Table => diff_table(&d, a.common.lang),
    };
    write_output(a.common.output.as_deref(), &text)?;
    Ok(ExitCode::Ok)
}

fn diff_table(d: &CatalogueDiff, l: Lang) -> String {
    let mut out = String::new();
    for lv in &d.levels {
        out.push_str(&level_table(d, lv, l));
    }
    out.push_str(&format!("\n{} {} → {}\n", tr(l, "Id mapping", "Ánh xạ mã"), d.from, d.to));
    let mut t = tuanthu::report::kit::terminal::new_table(None);
    t.set_header(vec![d.from.as_str(), d.to.as_str(), tr(l, "How", "Cách")]);
    for m in &d.mapping {
        let how = match m.how {
            How::Same => tr(l, "same id", "giữ mã"),
            How::Mapped => tr(l, "other ids", "mã khác"),
            How::None => tr(l, "no successor", "không có"),
        };
        let note = m.note.as_deref().map(|n| format!("\n{}", one_line(n))).unwrap_or_default();
        t.add_row(vec![m.from.clone(), m.to.join(", "), format!("{how}{note}")]);
    }
    out.push_str(&format!("{t}\n"));
    out
}

fn counts(c: &tuanthu::policy::diff::Membership, l: Lang) -> String {
    format!(
        "{} {}, {} {}, {} {}",
        c.required,
        tr(l, "required", "bắt buộc"),
        c.optional,
        tr(l, "optional", "không bắt buộc"),
        c.obligations,
        tr(l, "obligations", "nghĩa vụ")
    )
}

fn level_table(d: &CatalogueDiff, lv: &LevelDiff, l: Lang) -> String {
    let kind = |k: AddedKind| lv.added.iter().filter(|a| a.kind == k).count();
    let mut out = format!(
        "\n{} {} — {}: {} → {}: {}\n{} {} ({} {} · {} {} · {} {}), {} {}, {} {}, {} {}\n",
        tr(l, "Level", "Cấp độ"),
        lv.level,
        d.from,
        counts(&lv.from_counts, l),
        d.to,
        counts(&lv.to_counts, l),
        tr(l, "added", "thêm"),
        lv.added.len(),
        tr(l, "new", "mới"),
        kind(AddedKind::New),
        tr(l, "replacing old ids", "thay mã cũ"),
        kind(AddedKind::Replaces),
        tr(l, "level change", "đổi cấp độ"),
        kind(AddedKind::LevelChange),
        tr(l, "dropped", "bỏ"),
        lv.dropped.len(),
        tr(l, "changed", "thay đổi"),
        lv.changed.len(),
        tr(l, "parameters changed", "tham số thay đổi"),
        lv.params.len(),
    );
    if !lv.added.is_empty() {
        let mut t = tuanthu::report::kit::terminal::new_table(None);
        t.set_header(vec![
            tr(l, "Added", "Thêm"),
            tr(l, "Title", "Tên"),
            tr(l, "Need", "Yêu cầu"),
            tr(l, "Why", "Lý do"),
        ]);
        for a in &lv.added {
            let why = match a.kind {
                AddedKind::New => tr(l, "new", "mới").to_string(),
                AddedKind::Replaces => format!("{} {}", tr(l, "replaces", "thay cho"), a.counterparts.join(", ")),
                AddedKind::LevelChange => format!("{} {}", tr(l, "was at", "trước ở"), a.counterparts.join(",")),
            };
            t.add_row(vec![a.id.clone(), one_line(a.title.get(l)), need_text(a.need, l), why]);
        }
        out.push_str(&format!("{t}\n"));
    }
    if !lv.dropped.is_empty() {
        let mut t = tuanthu::report::kit::terminal::new_table(None);
        t.set_header(vec![tr(l, "Dropped", "Bỏ"), tr(l, "Title", "Tên"), tr(l, "Where it went", "Chuyển sang")]);
        for x in &lv.dropped {
            let to = match (x.kind, x.routed_to.is_empty()) {
                (DroppedKind::LevelChange, _) => format!("{} {}", tr(l, "now at", "nay ở"), x.routed_to.join(",")),
                (DroppedKind::Removed, false) => format!("→ {}", x.routed_to.join(", ")),
                (DroppedKind::Removed, true) => tr(l, "nowhere", "không có").to_string(),
            };
            let note = x.note.as_deref().map(|n| format!("\n{}", one_line(n))).unwrap_or_default();
            t.add_row(vec![x.id.clone(), one_line(x.title.get(l)), format!("{to}{note}")]);
        }
        out.push_str(&format!("{t}\n"));
    }
    if !lv.changed.is_empty() {
        let mut t = tuanthu::report::kit::terminal::new_table(None);
        t.set_header(vec![tr(l, "Changed", "Thay đổi"), tr(l, "Field", "Mục"), d.from.as_str(), d.to.as_str()]);
        for c in &lv.changed {
            for f in &c.changes {
                let field = match f.field {
                    "title" => tr(l, "title", "tên"),
                    "need" => tr(l, "need", "yêu cầu"),
                    "levels" => tr(l, "levels", "cấp độ"),
                    "validity" => tr(l, "validity", "hiệu lực bằng chứng"),
                    other => other,
                };
                t.add_row(vec![c.id.clone(), field.to_string(), one_line(f.from.get(l)), one_line(f.to.get(l))]);
            }
        }
        out.push_str(&format!("{t}\n"));
    }
    if !lv.params.is_empty() {
        let mut t = tuanthu::report::kit::terminal::new_table(None);
        t.set_header(vec![tr(l, "Parameter", "Tham số"), d.from.as_str(), d.to.as_str()]);
        let show = |v: &Option<serde_json::Value>| v.as_ref().map_or("—".to_string(), ToString::to_string);
        for p in &lv.params {
            t.add_row(vec![p.name.clone(), show(&p.from), show(&p.to)]);
        }
        out.push_str(&format!("{t}\n"));
    }
    out
}
