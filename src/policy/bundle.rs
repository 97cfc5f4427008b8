//! Loading the whole policy — catalogues, profiles and rules — from the bundled copy or from
//! directories the user names (`--profiles DIR`, `--rules DIR`), and checking it as a whole.

use super::catalogue::Catalogue;
use super::profile::Profile;
use super::rules::{RuleSet, parse_rule, unknown_controls};
use super::source::{Source, sources};
use crate::diag::{Collector, Problem, Problems};
use std::path::{Path, PathBuf};

/// Everything the engine needs to know about requirements.
#[derive(Debug, Clone)]
pub struct Policy {
    pub catalogues: Vec<Catalogue>,
    pub profiles: Vec<Profile>,
    pub rules: RuleSet,
    /// The headers of the rule packs the rules come from, in load order.
    pub packs: Vec<super::pack::Pack>,
}

impl Policy {
    /// The policy shipped inside the binary.
    pub fn bundled() -> Result<Policy, Problems> {
        Policy::load(None, None)
    }

    /// Loads profiles (with their catalogues) and rules from the given directories, or from the
    /// bundled copy for each that is `None`.
    pub fn load(profiles_dir: Option<&Path>, rules_dir: Option<&Path>) -> Result<Policy, Problems> {
        Policy::load_with(profiles_dir, rules_dir, &[])
    }

    /// [`Policy::load`], with rule packs added to the bundled or given rules (`--add-rules DIR`);
    /// two rules with one id are an error.
    pub fn load_with(
        profiles_dir: Option<&Path>,
        rules_dir: Option<&Path>,
        add: &[PathBuf],
    ) -> Result<Policy, Problems> {
        let mut problems = Collector::default();
        let profile_files = sources(profiles_dir, "profiles/", &mut problems);
        let mut rule_files = Vec::new();
        for dir in std::iter::once(rules_dir).chain(add.iter().map(|d| Some(d.as_path()))) {
            let files = sources(dir, "rules/", &mut problems);
            let name = dir.map_or_else(|| "<bundled>/rules".to_string(), |d| d.display().to_string());
            super::pack::check_dir(&name, &files, &mut problems);
            rule_files.extend(files);
        }
        let policy = Policy::from_sources(&profile_files, &rule_files);
        match policy {
            Ok(p) => problems.finish(p),
            // The directories' problems first, then the files'.
            Err(e) => Err(match problems.into_problems() {
                Some(mut first) => {
                    first.append(e);
                    first
                }
                None => e,
            }),
        }
    }

    /// Builds a policy from file contents. Catalogues are the files whose `schema:` says so;
    /// every other file under profiles is a profile.
    pub fn from_sources(profile_files: &[Source], rule_files: &[Source]) -> Result<Policy, Problems> {
        let mut p = Collector::default();
        let mut catalogues = Vec::new();
        let mut profile_srcs = Vec::new();
        for s in profile_files {
            match crate::yaml::schema_of(&s.origin, &s.text) {
                Ok(k) if k == super::catalogue::SCHEMA => match Catalogue::parse(&s.origin, &s.text) {
                    Ok(c) => catalogues.push(c),
                    Err(e) => p.extend(e),
                },
                Ok(k) if k == super::profile::SCHEMA => profile_srcs.push(s),
                Ok(k) => p.push(Problem::text(
                    &s.origin,
                    1,
                    1,
                    crate::i18n::Text::new(
                        format!("unexpected `schema: {k}` among profiles"),
                        format!("`schema: {k}` không thuộc loại hồ sơ cấp độ"),
                    ),
                )),
                Err(e) => p.push(e),
            }
        }
        let mut profiles = Vec::new();
        for s in profile_srcs {
            match Profile::build(&s.origin, &s.text, &catalogues) {
                Ok(pr) => profiles.push(pr),
                Err(e) => p.extend(e),
            }
        }
        let mut packs: Vec<super::pack::Pack> = Vec::new();
        for s in rule_files.iter().filter(|s| super::pack::is_header(s)) {
            match super::pack::parse(&s.origin, &s.text) {
                Ok(pk) => match packs.iter().find(|x| x.id == pk.id) {
                    Some(first) => p.push(Problem::file_text(
                        &pk.origin,
                        crate::i18n::Text::new(
                            format!("duplicate pack id `{}` (also in {})", pk.id, first.origin),
                            format!("mã bộ quy tắc `{}` bị trùng (cũng có trong {})", pk.id, first.origin),
                        ),
                    )),
                    None => packs.push(pk),
                },
                Err(e) => p.extend(e),
            }
        }
        let mut rules = Vec::new();
        let is_rule = |s: &&Source| !super::cases::is_case_file(s) && !super::pack::is_header(s);
        for s in rule_files.iter().filter(is_rule) {
            let stem = Path::new(&s.origin).file_stem().map(|x| x.to_string_lossy().to_string()).unwrap_or_default();
            match parse_rule(&s.origin, &stem, &s.text) {
                Ok(r) => rules.push(r),
                Err(e) => p.extend(e),
            }
        }
        let policy = Policy { catalogues, profiles, rules: RuleSet::new(rules), packs };
        policy.check_whole(&mut p);
        p.finish(policy)
    }

    /// Checks that need every file: unique rule ids, rules naming known controls, a profile for
    /// every level, each level including the level below, cross-catalogue ids that exist, and
    /// validity parameters that every profile defines.
    fn check_whole(&self, p: &mut Collector) {
        let mut ids = std::collections::BTreeMap::new();
        for r in &self.rules.rules {
            if let Some(first) = ids.insert(&*r.id, r.origin.as_str()) {
                p.push(Problem::file_text(
                    &r.origin,
                    crate::i18n::Text::new(
                        format!("duplicate rule id `{}` (also in {first})", r.id),
                        format!("mã quy tắc `{}` bị trùng (cũng có trong {first})", r.id),
                    ),
                ));
            }
        }
        let known = |c: &str| self.catalogues.iter().any(|cat| cat.get(c).is_some());
        for (origin, controls) in unknown_controls(&self.rules, &known) {
            p.push(Problem::file_text(
                origin,
                crate::i18n::Text::new(
                    format!("unknown control id(s): {}", controls.join(", ")),
                    format!("mã biện pháp không tồn tại: {}", controls.join(", ")),
                ),
            ));
        }
        for cat in &self.catalogues {
            self.check_maps(cat, p);
            self.check_validity_params(cat, p);
            self.check_params(cat, p);
        }
        self.check_rule_params(p);
        for cat in &self.catalogues {
            for level in 1..=5u8 {
                let Some(this) = self.profile(&cat.id, level) else {
                    p.push(Problem::file_text(
                        &cat.origin,
                        crate::i18n::Text::new(
                            format!("catalogue {} has no profile for level {level}", cat.id),
                            format!("danh mục {} không có hồ sơ cho cấp độ {level}", cat.id),
                        ),
                    ));
                    continue;
                };
                if let Some(below) = level.checked_sub(1).and_then(|l| self.profile(&cat.id, l)) {
                    // What a level requires or leaves optional stays at least as demanded above it.
                    let above = |c: &String| {
                        this.controls.contains(c) || this.optional.contains(c) || this.obligations.contains(c)
                    };
                    let missing: Vec<&str> = below
                        .controls
                        .iter()
                        .filter(|c| !this.controls.contains(c))
                        .chain(below.optional.iter().filter(|c| !above(c)))
                        .map(String::as_str)
                        .collect();
                    if !missing.is_empty() {
                        p.push(Problem::file_text(
                            &this.origin,
                            crate::i18n::Text::new(
                                format!(
                                    "level {level} must include every control of level {}; missing {}",
                                    level - 1,
                                    missing.join(", ")
                                ),
                                format!(
                                    "cấp độ {level} phải gồm mọi biện pháp của cấp độ {}; còn thiếu {}",
                                    level - 1,
                                    missing.join(", ")
                                ),
                            ),
                        ));
                    }
                }
            }
        }
    }

    /// Ids another catalogue is said to hold (`maps_to`, `supersedes`) must exist there, and every
    /// id of the superseded catalogue must be either reused or routed somewhere (or nowhere, said
    /// explicitly), so that a comparison of the two regimes cannot lose a requirement.
    fn check_maps(&self, cat: &Catalogue, p: &mut Collector) {
        for c in &cat.controls {
            for (other_id, ids) in &c.maps_to {
                let Some(other) = self.catalogue(other_id) else { continue };
                let unknown: Vec<&str> = ids.iter().filter(|i| other.get(i).is_none()).map(String::as_str).collect();
                if !unknown.is_empty() {
                    p.push(Problem::file_text(
                        &cat.origin,
                        crate::i18n::Text::new(
                            format!("{}: maps_to {other_id} names unknown id(s) {}", c.id, unknown.join(", ")),
                            format!("{}: maps_to {other_id} nêu mã không tồn tại {}", c.id, unknown.join(", ")),
                        ),
                    ));
                }
            }
        }
        let Some(sup) = &cat.supersedes else { return };
        let Some(old) = self.catalogue(&sup.catalogue) else { return };
        for (old_id, to) in &sup.routing {
            if old.get(old_id).is_none() {
                p.push(Problem::file_text(
                    &cat.origin,
                    crate::i18n::Text::new(
                        format!("supersedes: {old_id} is not in {}", old.id),
                        format!("supersedes: {old_id} không có trong {}", old.id),
                    ),
                ));
            }
            if cat.get(old_id).is_some() {
                p.push(Problem::file_text(
                    &cat.origin,
                    crate::i18n::Text::new(
                        format!("supersedes: {old_id} is reused here, so it needs no routing"),
                        format!("supersedes: {old_id} được dùng lại ở đây nên không cần chuyển hướng"),
                    ),
                ));
            }
            for t in to.iter().filter(|t| cat.get(t).is_none()) {
                p.push(Problem::file_text(
                    &cat.origin,
                    crate::i18n::Text::new(
                        format!("supersedes: {old_id} is routed to unknown {t}"),
                        format!("supersedes: {old_id} được chuyển tới mã không tồn tại {t}"),
                    ),
                ));
            }
            if to.is_empty() && !sup.notes.contains_key(old_id) {
                p.push(Problem::file_text(
                    &cat.origin,
                    crate::i18n::Text::new(
                        format!("supersedes: {old_id} goes nowhere; say why in `notes`"),
                        format!("supersedes: {old_id} không được chuyển đi đâu; hãy ghi lý do trong `notes`"),
                    ),
                ));
            }
        }
        for c in old.controls.iter().filter(|c| cat.get(&c.id).is_none() && !sup.routing.contains_key(&*c.id)) {
            p.push(Problem::file_text(
                &cat.origin,
                crate::i18n::Text::new(
                    format!("supersedes: {} of {} is neither reused nor routed", c.id, old.id),
                    format!("supersedes: {} của {} không được dùng lại cũng không được chuyển hướng", c.id, old.id),
                ),
            ));
        }
    }

    /// A validity period read from a profile parameter needs that parameter, as whole months or
    /// `null`, in every profile that evaluates the control.
    fn check_validity_params(&self, cat: &Catalogue, p: &mut Collector) {
        use super::catalogue::Validity;
        for c in &cat.controls {
            let Some(Validity::Param { param }) = &c.evidence.validity_months else { continue };
            for prof in self.profiles.iter().filter(|pr| pr.catalogue == cat.id) {
                let listed = prof.controls.iter().chain(&prof.obligations).chain(&prof.optional).any(|i| **i == *c.id);
                let ok = match prof.params.get(param) {
                    Some(serde_json::Value::Null) => true,
                    Some(v) => v.as_u64().is_some_and(|m| m > 0),
                    None => false,
                };
                if listed && !ok {
                    p.push(Problem::file_text(
                        &prof.origin,
                        crate::i18n::Text::new(format!("{}: its validity reads `params.{param}`, which must be whole months or null", c.id), format!("{}: thời hạn hiệu lực đọc `params.{param}`, tham số này phải là số tháng nguyên hoặc null", c.id)),
                    ));
                }
            }
        }
    }

    /// Every profile sets exactly the parameters its catalogue declares, each of its type.
    fn check_params(&self, cat: &Catalogue, p: &mut Collector) {
        for prof in self.profiles.iter().filter(|pr| pr.catalogue == cat.id) {
            for (name, value) in &prof.params {
                match cat.params.get(name) {
                    None => {
                        let hint = crate::yaml::did_you_mean(name, cat.params.keys().map(String::as_str));
                        p.push(Problem::file_text(
                            &prof.origin,
                            crate::i18n::Text::new(
                                format!("parameter `{name}` is not declared by catalogue {}{} (declare it under `params:` with its type)", cat.id, hint.en),
                                format!("tham số `{name}` chưa được khai báo trong danh mục {}{} (khai báo trong `params:` kèm kiểu)", cat.id, hint.vi),
                            ),
                        ));
                    }
                    Some(spec) if !spec.kind.admits(value, spec.nullable) => {
                        let (want, null) = (spec.kind.as_str(), if spec.nullable { " or null" } else { "" });
                        let null_vi = if spec.nullable { " hoặc null" } else { "" };
                        p.push(Problem::file_text(
                            &prof.origin,
                            crate::i18n::Text::new(
                                format!(
                                    "parameter `{name}` is {value}, but catalogue {} declares it {want}{null}",
                                    cat.id
                                ),
                                format!(
                                    "tham số `{name}` là {value}, nhưng danh mục {} khai báo kiểu {want}{null_vi}",
                                    cat.id
                                ),
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
            for name in cat.params.keys().filter(|n| !prof.params.contains_key(*n)) {
                p.push(Problem::file_text(
                    &prof.origin,
                    crate::i18n::Text::new(
                        format!("level {} sets no `{name}`, which catalogue {} declares (give a value, or null where it is nullable)", prof.level, cat.id),
                        format!("cấp độ {} chưa đặt `{name}`, tham số danh mục {} đã khai báo (hãy đặt giá trị, hoặc null nếu được phép)", prof.level, cat.id),
                    ),
                ));
            }
        }
    }

    /// A rule may read only parameters some catalogue declares: a misspelt `params.NAME` would
    /// otherwise make every record it judges unknown.
    fn check_rule_params(&self, p: &mut Collector) {
        let declared = |n: &str| self.catalogues.iter().any(|c| c.params.contains_key(n));
        for r in &self.rules.rules {
            let mut names: Vec<&str> = r
                .reads()
                .iter()
                .filter(|path| path.first().is_some_and(|s| s == "params"))
                .filter_map(|path| path.get(1).map(String::as_str))
                .filter(|n| !declared(n))
                .collect();
            names.dedup();
            for name in names {
                let all = self.catalogues.iter().flat_map(|c| c.params.keys().map(String::as_str));
                let hint = crate::yaml::did_you_mean(name, all);
                p.push(Problem::file_text(
                    &r.origin,
                    crate::i18n::Text::new(
                        format!("the rule reads `params.{name}`, which no catalogue declares{}", hint.en),
                        format!("quy tắc đọc `params.{name}`, tham số chưa danh mục nào khai báo{}", hint.vi),
                    ),
                ));
            }
        }
    }

    pub fn catalogue(&self, id: &str) -> Option<&Catalogue> {
        self.catalogues.iter().find(|c| c.id == id)
    }

    pub fn profile(&self, catalogue: &str, level: u8) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.catalogue == catalogue && p.level == level)
    }
}
