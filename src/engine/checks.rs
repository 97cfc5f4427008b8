//! Checks of a loaded inventory that need the policy and the evaluation date: mistakes the YAML
//! alone cannot show, which would otherwise be accepted without a word.
//!
//! * A date after the evaluation date (an approval, a decision, an assessment, the start of
//!   construction or of operation) is an error: it is counted as if it had happened, and the
//!   approval and construction dates choose the catalogue that applies (Decree 331 Art. 39).
//! * An attestation, waiver or tailoring entry naming a control of another catalogue than the one
//!   that applies to the system is a warning: it is not used, so a Decree 331 system that attests
//!   Circular 12 ids (copied from the demo, or left from before the transition) would get "no
//!   attestation" for everything. The warning names the catalogue that applies and, where the
//!   catalogues' `maps_to` relate the ids, the ids to use. A system in transition (Decree 85,
//!   moving to Decree 331) uses both catalogues and is not warned; nor is a `--catalogue` preview.
//!
//! Ids in no installed catalogue are reported by `engine::references`.

use crate::diag::Problem;
use crate::i18n::Text;
use crate::inventory::{Inventory, Origin, System};
use crate::policy::{Catalogue, Policy};
use crate::text;

/// What the checks found: errors (the inventory must be fixed) and warnings.
#[derive(Debug, Default)]
pub struct Checked {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// Checks `inv` against `policy` as of the evaluation date `as_of`; `forced` is `--catalogue`.
pub fn check(inv: &Inventory, policy: &Policy, forced: Option<&str>, as_of: time::Date) -> Checked {
    let mut out = Checked::default();
    for (agency, system) in inv.systems() {
        future_dates(system, as_of, &mut out.errors);
        if forced.is_some() {
            continue;
        }
        let regime = super::regime::select(agency, system, policy, None, as_of);
        if regime.transition.is_some() {
            continue;
        }
        if let Some(cat) = policy.catalogue(&regime.catalogue) {
            other_catalogue(system, policy, cat, &regime.reason, &mut out.warnings);
        }
    }
    out
}

fn at(o: &Origin, msg: Text) -> Problem {
    Problem::text(&o.file, o.line, o.column, msg)
}

fn future_dates(system: &System, as_of: time::Date, out: &mut Vec<Problem>) {
    let day = crate::dates::format(as_of);
    for d in system.declared_dates.iter().filter(|d| d.date > as_of) {
        let (field, date) = (d.field, crate::dates::format(d.date));
        out.push(at(
            &d.origin,
            text!(
                "`{field}` {date} is after the evaluation date {day}: a date that has not come yet is counted as if it had (and an approval or construction date chooses the catalogue); correct it, or evaluate with --as-of",
                "`{field}` {date} sau ngày đánh giá {day}: ngày chưa đến lại được tính như đã xảy ra (ngày phê duyệt hay ngày khởi công còn quyết định danh mục áp dụng); hãy sửa lại, hoặc đánh giá với --as-of"
            ),
        ));
    }
}

/// Entries naming controls that `cat` (the catalogue that applies) does not have but another
/// installed catalogue does.
fn other_catalogue(system: &System, policy: &Policy, cat: &Catalogue, why: &Text, out: &mut Vec<Problem>) {
    let entries = system
        .attestations
        .iter()
        .map(|a| (text!("attestation", "tự đánh giá"), &a.control, &a.origin))
        .chain(system.waivers.iter().map(|w| (text!("waiver", "miễn trừ"), &w.control, &w.origin)))
        .chain(system.tailoring.iter().flat_map(|t| {
            t.add
                .iter()
                .map(|(id, o)| (text!("tailoring", "tinh chỉnh"), id, o))
                .chain(t.drop.iter().map(|(d, o)| (text!("tailoring", "tinh chỉnh"), &d.control, o)))
        }));
    for (what, id, origin) in entries {
        if cat.get(id).is_some() {
            continue;
        }
        let Some(other) = policy.catalogues.iter().find(|c| c.id != cat.id && c.get(id).is_some()) else {
            continue; // in no catalogue: engine::references reports it
        };
        let (sys, applies, theirs) = (&system.id, &cat.id, &other.id);
        let ids = successors(other, cat, id);
        let use_en = if ids.is_empty() {
            format!("; see `tuanthu controls diff {theirs} {applies}`")
        } else {
            format!("; use {}", ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", "))
        };
        let use_vi = if ids.is_empty() {
            format!("; xem `tuanthu controls diff {theirs} {applies}`")
        } else {
            format!("; hãy dùng {}", ids.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", "))
        };
        out.push(at(
            origin,
            Text::new(
                format!(
                    "{} for `{id}` is not used: `{id}` is a control of {theirs}, but system `{sys}` is judged under {applies} ({}){use_en}",
                    what.en, why.en
                ),
                format!(
                    "{} cho `{id}` không được dùng: `{id}` là biện pháp của {theirs}, nhưng hệ thống `{sys}` được đánh giá theo {applies} ({}){use_vi}",
                    what.vi, why.vi
                ),
            ),
        ));
    }
}

/// Ids of `new` that carry the requirement of `id` in `old`: the old control's `maps_to`, and the
/// new controls whose `maps_to` name it.
fn successors(old: &Catalogue, new: &Catalogue, id: &str) -> Vec<String> {
    let mut out: Vec<String> = old.get(id).and_then(|c| c.maps_to.get(&new.id)).cloned().unwrap_or_default();
    for c in new.controls.iter().filter(|c| c.maps_to.get(&old.id).is_some_and(|m| m.iter().any(|x| x == id))) {
        if !out.iter().any(|o| **o == *c.id) {
            out.push(c.id.to_string());
        }
    }
    out
}
