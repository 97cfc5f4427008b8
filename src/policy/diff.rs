//! Comparison of two catalogues, level by level: what a level now requires that it did not
//! (added), no longer requires (dropped), requires differently (changed: title, required or
//! optional, levels, evidence validity), which profile parameters changed, and where every id of
//! the old catalogue went. `tuanthu controls diff` renders it; the data comes only from the
//! catalogues and profiles, so the comparison is as good as they are.

use super::catalogue::{Catalogue, Control, Renewal};
use super::{Policy, Profile};
use crate::i18n::Text;
use serde::Serialize;
use std::collections::BTreeSet;

/// How a level's profile lists a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Required,
    Optional,
    Obligation,
}

impl Need {
    pub fn as_str(self) -> &'static str {
        match self {
            Need::Required => "required",
            Need::Optional => "optional",
            Need::Obligation => "obligation",
        }
    }

    pub fn text(self) -> Text {
        match self {
            Need::Required => Text::new("required", "bắt buộc"),
            Need::Optional => Text::new("optional", "không bắt buộc"),
            Need::Obligation => Text::new("obligation", "nghĩa vụ"),
        }
    }
}

/// How many entries a level lists of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub required: usize,
    pub optional: usize,
    pub obligations: usize,
}

/// Why a control is new at a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddedKind {
    /// No counterpart in the old catalogue.
    New,
    /// A new id for requirements the old catalogue had under other ids.
    Replaces,
    /// The same id, which the old catalogue listed at other levels only.
    LevelChange,
}

#[derive(Debug, Clone, Serialize)]
pub struct Added {
    pub id: String,
    pub title: Text,
    pub need: Need,
    pub kind: AddedKind,
    /// Old ids of the same requirement (for `replaces`) or the old levels (for `level_change`).
    pub counterparts: Vec<String>,
    pub verification: String,
}

/// Why a control is no longer listed at a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DroppedKind {
    /// The new catalogue does not have the id; `routed_to` says where its substance went.
    Removed,
    /// The new catalogue has the id at other levels only.
    LevelChange,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dropped {
    pub id: String,
    pub title: Text,
    pub need: Need,
    pub kind: DroppedKind,
    /// New ids carrying its substance (for `removed`) or the new levels (for `level_change`).
    pub routed_to: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One field that differs; `field` is `title`, `need`, `levels` or `validity`.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub from: Text,
    pub to: Text,
}

#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub id: String,
    pub title: Text,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParamChange {
    pub name: String,
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelDiff {
    pub level: u8,
    pub from_counts: Membership,
    pub to_counts: Membership,
    pub added: Vec<Added>,
    pub dropped: Vec<Dropped>,
    pub changed: Vec<Changed>,
    pub params: Vec<ParamChange>,
}

/// How an old id continues in the new catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// The same id (possibly with more new ids beside it).
    Same,
    /// Other ids only.
    Mapped,
    /// Nothing carries it.
    None,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mapping {
    pub from: String,
    pub to: Vec<String>,
    pub how: How,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogueDiff {
    pub from: String,
    pub to: String,
    pub levels: Vec<LevelDiff>,
    pub mapping: Vec<Mapping>,
}

/// One side of the comparison at one level.
struct Side<'a> {
    cat: &'a Catalogue,
    profile: &'a Profile,
}

impl Side<'_> {
    fn need(&self, id: &str) -> Option<Need> {
        self.profile.need(id)
    }

    /// Every id the level lists, in catalogue order.
    fn listed(&self) -> Vec<&Control> {
        self.cat.controls.iter().filter(|c| self.need(&c.id).is_some()).collect()
    }

    fn counts(&self) -> Membership {
        let p = self.profile;
        Membership { required: p.controls.len(), optional: p.optional.len(), obligations: p.obligations.len() }
    }

    /// What evidence age the catalogue accepts for `c` at this level, in words.
    fn validity(&self, c: &Control) -> Text {
        validity_text(self.cat, self.profile, c)
    }
}

impl Profile {
    /// How this level lists `id`: required, optional, an obligation, or not at all.
    pub fn need(&self, id: &str) -> Option<Need> {
        let has = |v: &[String]| v.iter().any(|x| x == id);
        if has(&self.controls) {
            Some(Need::Required)
        } else if has(&self.optional) {
            Some(Need::Optional)
        } else if has(&self.obligations) {
            Some(Need::Obligation)
        } else {
            None
        }
    }
}

/// What evidence age `cat` accepts for `c` at `profile`'s level, in words (`controls diff`,
/// `explain`).
pub fn validity_text(cat: &Catalogue, profile: &Profile, c: &Control) -> Text {
    use super::catalogue::Validity;
    let level = profile.level;
    let param = match &c.evidence.validity_months {
        Some(Validity::Param { param }) => format!(" ({param})"),
        _ => String::new(),
    };
    match c.renewal(level, &profile.params, cat.defaults.validity_months) {
        Renewal::Months(m) => Text::new(format!("{m} months{param}"), format!("{m} tháng{param}")),
        Renewal::Untimed => Text::new("no age limit (renewed on events)", "không giới hạn (làm lại khi có sự kiện)"),
        Renewal::DueYearly(month, day) => {
            let md = format!("{:02}-{day:02}", month as u8);
            Text::new(format!("yearly, by {md}"), format!("hằng năm, trước hạn {md}"))
        }
    }
}

/// Why two catalogues cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// A catalogue id the policy does not have, and the ids it has.
    #[error("unknown catalogue `{id}` (known: {})", known.join(", "))]
    UnknownCatalogue { id: String, known: Vec<String> },
    #[error("catalogue {catalogue} has no profile for level {level}")]
    NoProfile { catalogue: String, level: u8 },
}

impl DiffError {
    /// The message in both languages (`Display` is the English one).
    pub fn text(&self) -> crate::i18n::Text {
        match self {
            DiffError::UnknownCatalogue { id, known } => {
                let known = known.join(", ");
                crate::text!(
                    "unknown catalogue `{id}` (known: {known})",
                    "không có danh mục `{id}` (các danh mục có: {known})"
                )
            }
            DiffError::NoProfile { catalogue, level } => crate::text!(
                "catalogue {catalogue} has no profile for level {level}",
                "danh mục {catalogue} không có hồ sơ cho cấp độ {level}"
            ),
        }
    }
}

/// Compares catalogue `from` with `to` at `levels`. Both need a profile at each level.
pub fn diff(policy: &Policy, from: &str, to: &str, levels: &[u8]) -> Result<CatalogueDiff, DiffError> {
    let (fc, tc) = match (policy.catalogue(from), policy.catalogue(to)) {
        (Some(f), Some(t)) => (f, t),
        (f, _) => {
            let missing = if f.is_none() { from } else { to };
            let known = policy.catalogues.iter().map(|c| c.id.clone()).collect();
            return Err(DiffError::UnknownCatalogue { id: missing.to_string(), known });
        }
    };
    let mut out = Vec::new();
    for &level in levels {
        out.push(level_diff(&side(policy, fc, level)?, &side(policy, tc, level)?));
    }
    Ok(CatalogueDiff { from: fc.id.clone(), to: tc.id.clone(), levels: out, mapping: mapping(fc, tc) })
}

fn side<'a>(policy: &'a Policy, cat: &'a Catalogue, level: u8) -> Result<Side<'a>, DiffError> {
    let profile =
        policy.profile(&cat.id, level).ok_or_else(|| DiffError::NoProfile { catalogue: cat.id.clone(), level })?;
    Ok(Side { cat, profile })
}

fn level_diff(old: &Side, new: &Side) -> LevelDiff {
    let added = new.listed().into_iter().filter(|c| old.need(&c.id).is_none()).map(|c| added(old, new, c)).collect();
    let dropped =
        old.listed().into_iter().filter(|c| new.need(&c.id).is_none()).map(|c| dropped(old, new, c)).collect();
    let changed = new
        .listed()
        .into_iter()
        .filter_map(|c| {
            let before = old.cat.get(&c.id).filter(|_| old.need(&c.id).is_some())?;
            let changes = field_changes(old, new, before, c);
            (!changes.is_empty()).then(|| Changed { id: c.id.to_string(), title: c.title.clone(), changes })
        })
        .collect();
    LevelDiff {
        level: new.profile.level,
        from_counts: old.counts(),
        to_counts: new.counts(),
        added,
        dropped,
        changed,
        params: params(old.profile, new.profile),
    }
}

fn levels_text(levels: &[u8]) -> Vec<String> {
    levels.iter().map(|l| format!("L{l}")).collect()
}

fn added(old: &Side, new: &Side, c: &Control) -> Added {
    let (kind, counterparts) = match old.cat.get(&c.id) {
        Some(before) => (AddedKind::LevelChange, levels_text(&before.levels)),
        None => {
            let from = counterparts_in(old.cat, new.cat, &c.id);
            (if from.is_empty() { AddedKind::New } else { AddedKind::Replaces }, from)
        }
    };
    Added {
        id: c.id.to_string(),
        title: c.title.clone(),
        need: new.need(&c.id).unwrap_or(Need::Required),
        kind,
        counterparts,
        verification: c.verification.to_string(),
    }
}

fn dropped(old: &Side, new: &Side, c: &Control) -> Dropped {
    let need = old.need(&c.id).unwrap_or(Need::Required);
    if let Some(after) = new.cat.get(&c.id) {
        let kind = DroppedKind::LevelChange;
        return Dropped {
            id: c.id.to_string(),
            title: c.title.clone(),
            need,
            kind,
            routed_to: levels_text(&after.levels),
            note: None,
        };
    }
    let routed = successors(old.cat, new.cat, &c.id);
    let note =
        new.cat.supersedes.as_ref().filter(|s| s.catalogue == old.cat.id).and_then(|s| s.notes.get(&*c.id).cloned());
    Dropped { id: c.id.to_string(), title: c.title.clone(), need, kind: DroppedKind::Removed, routed_to: routed, note }
}

/// Old ids of the same requirement as `id` of the new catalogue: its `maps_to`, and the old ids
/// the supersession routes to it.
fn counterparts_in(old: &Catalogue, new: &Catalogue, id: &str) -> Vec<String> {
    let mut out: Vec<String> = new.get(id).and_then(|c| c.maps_to.get(&old.id)).cloned().unwrap_or_default();
    if let Some(s) = new.supersedes.as_ref().filter(|s| s.catalogue == old.id) {
        for (from, to) in &s.routing {
            if to.iter().any(|t| t == id) && !out.contains(from) {
                out.push(from.clone());
            }
        }
    }
    out
}

/// New ids that carry the substance of old `id`: the supersession's routing, controls that map to
/// it, and (comparing the other way round) the old control's own `maps_to`.
fn successors(old: &Catalogue, new: &Catalogue, id: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |x: &String| {
        if !out.contains(x) {
            out.push(x.clone());
        }
    };
    if new.get(id).is_some() {
        push(&id.to_string());
    }
    if let Some(to) = new.supersedes.as_ref().filter(|s| s.catalogue == old.id).and_then(|s| s.routing.get(id)) {
        to.iter().for_each(&mut push);
    }
    for c in new.controls.iter().filter(|c| c.maps_to.get(&old.id).is_some_and(|m| m.iter().any(|x| x == id))) {
        push(&c.id.to_string());
    }
    if let Some(m) = old.get(id).and_then(|c| c.maps_to.get(&new.id)) {
        m.iter().for_each(&mut push);
    }
    out
}

/// The fields of a control listed at the level in both catalogues that differ. Each is compared
/// by what it means: titles by their English form (the Vietnamese ones also change "an toàn thông
/// tin" to "an ninh mạng", which Decree 331 Art. 39.2 reads as the same term), validity by the
/// period itself (the same months under another parameter name is no change).
fn field_changes(old: &Side, new: &Side, before: &Control, after: &Control) -> Vec<FieldChange> {
    let need = |s: &Side, id: &str| s.need(id).map_or_else(|| Text::new("—", "—"), Need::text);
    let levels = |c: &Control| {
        let l = levels_text(&c.levels).join(",");
        Text::new(l.clone(), l)
    };
    let renewal = |s: &Side, c: &Control| c.renewal(s.profile.level, &s.profile.params, s.cat.defaults.validity_months);
    let candidates = [
        ("title", before.title.en != after.title.en, before.title.clone(), after.title.clone()),
        ("need", old.need(&before.id) != new.need(&after.id), need(old, &before.id), need(new, &after.id)),
        ("levels", before.levels != after.levels, levels(before), levels(after)),
        ("validity", renewal(old, before) != renewal(new, after), old.validity(before), new.validity(after)),
    ];
    candidates
        .into_iter()
        .filter(|(_, differs, _, _)| *differs)
        .map(|(field, _, from, to)| FieldChange { field, from, to })
        .collect()
}

fn params(old: &Profile, new: &Profile) -> Vec<ParamChange> {
    let names: BTreeSet<&String> = old.params.keys().chain(new.params.keys()).collect();
    // `null` says the regulation sets no value at this level: the same as not having the parameter.
    let get = |p: &Profile, n: &str| p.params.get(n).filter(|v| !v.is_null()).cloned();
    names
        .into_iter()
        .filter_map(|n| {
            let (a, b) = (get(old, n), get(new, n));
            (a != b).then(|| ParamChange { name: n.clone(), from: a, to: b })
        })
        .collect()
}

fn mapping(old: &Catalogue, new: &Catalogue) -> Vec<Mapping> {
    let notes = new.supersedes.as_ref().filter(|s| s.catalogue == old.id).map(|s| &s.notes);
    old.controls
        .iter()
        .filter(|c| !c.is_criterion())
        .map(|c| {
            let to = successors(old, new, &c.id);
            let how = if new.get(&c.id).is_some() {
                How::Same
            } else if to.is_empty() {
                How::None
            } else {
                How::Mapped
            };
            Mapping { from: c.id.to_string(), to, how, note: notes.and_then(|n| n.get(&*c.id).cloned()) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled_diff(levels: &[u8]) -> CatalogueDiff {
        diff(&Policy::bundled().unwrap(), "tt12-2022", "nd331-2026", levels).unwrap()
    }

    fn level(d: &CatalogueDiff, l: u8) -> &LevelDiff {
        d.levels.iter().find(|x| x.level == l).unwrap()
    }

    #[test]
    fn the_pre_operation_assessment_is_new_at_every_level() {
        let d = bundled_diff(&[1, 2, 3, 4, 5]);
        for l in 1..=5 {
            let a = level(&d, l).added.iter().find(|a| a.id == "ASM.01").expect("ASM.01 added");
            assert_eq!((a.kind, a.need), (AddedKind::New, Need::Obligation), "level {l}");
        }
        let rsk = level(&d, 4).added.iter().find(|a| a.id == "RSK.03").expect("detailed risk report at L4");
        assert_eq!(rsk.kind, AddedKind::Replaces, "maps to OBL.01");
        assert!(level(&d, 3).added.iter().all(|a| a.id != "RSK.03"), "only L4-5");
    }

    #[test]
    fn the_fixed_inspection_cycle_is_gone() {
        let d = bundled_diff(&[3, 5]);
        let cycle = |l: u8| level(&d, l).params.iter().find(|p| p.name == "inspection_interval_months").cloned();
        let l5 = cycle(5).expect("the Decree 85 interval is a parameter that Decree 331 drops");
        assert_eq!((l5.from, l5.to), (Some(serde_json::json!(6)), None));
        let obl03 = level(&d, 5).changed.iter().find(|c| c.id == "OBL.03").expect("OBL.03 changes");
        let v = obl03.changes.iter().find(|f| f.field == "validity").expect("validity changes");
        assert_eq!(v.from.en, "6 months (inspection_interval_months)");
        assert_eq!(v.to.en, "12 months (periodic_assessment_max_age_months)");
        assert!(cycle(3).is_some());
    }

    #[test]
    fn removed_ids_say_where_they_went() {
        let d = bundled_diff(&[1]);
        let gen03 = level(&d, 1).dropped.iter().find(|x| x.id == "GEN.03").expect("GEN.03 dropped");
        // The decree has no counterpart; the TCVN paraphrase's secure-development group (SDL.01,
        // secondary) names it as its nearest successor, and the diff shows both.
        assert_eq!((gen03.kind, gen03.routed_to.as_slice()), (DroppedKind::Removed, ["SDL.01".to_string()].as_slice()));
        assert!(gen03.note.as_deref().is_some_and(|n| n.contains("no counterpart in Decree 331")));
        let pol = level(&d, 1).dropped.iter().find(|x| x.id == "POL.01").unwrap();
        assert_eq!(pol.routed_to, ["MGT.01"]);
        let m = d.mapping.iter().find(|m| m.from == "NET.06").unwrap();
        // The routing's detail rows, then the decree's group heading that maps to it.
        assert_eq!(m.how, How::Mapped);
        assert_eq!(m.to, ["CFG.01", "CFG.02", "TEC.01"]);
        assert!(d.mapping.iter().all(|m| m.how != How::None || m.note.is_some()), "a dead end says why");
    }

    #[test]
    fn level_changes_of_reused_ids() {
        let d = bundled_diff(&[1, 2]);
        // Vulnerability management: level 3+ in Circular 12, every level in TCVN 14423.
        let ops07 = level(&d, 1).added.iter().find(|a| a.id == "OPS.07").expect("OPS.07 now at L1");
        assert_eq!(ops07.kind, AddedKind::LevelChange);
        // E-mail security: a plan from L2 in Circular 12, a solution from L3 in TCVN 14423.
        let des06 = level(&d, 2).dropped.iter().find(|x| x.id == "DES.06").expect("DES.06 not at L2");
        assert_eq!(des06.kind, DroppedKind::LevelChange);
        let l4 = bundled_diff(&[4]);
        let param = |name: &str| level(&l4, 4).params.iter().find(|p| p.name == name).cloned().unwrap();
        let incident = param("incident_report_hours");
        assert_eq!((incident.from, incident.to), (Some(120.into()), Some(72.into())));
        // Hosted level-4 systems: physical isolation under Circular 12, logical under Decree 331.
        let cloud = param("cloud_isolation");
        assert_eq!((cloud.from, cloud.to), (Some("physical".into()), Some("logical".into())));
        assert!(level(&l4, 4).params.iter().all(|p| p.name != "pentest_interval_months" || p.to.is_some()));
    }

    #[test]
    fn optional_controls_show_as_a_changed_need() {
        let d = bundled_diff(&[1]);
        let obl03 = level(&d, 1).changed.iter().find(|c| c.id == "OBL.03").expect("OBL.03 changes at L1");
        let need = obl03.changes.iter().find(|f| f.field == "need").unwrap();
        assert_eq!((need.from.en.as_str(), need.to.en.as_str()), ("obligation", "optional"));
    }
}
