//! The transition gap: for a Decree 85 system evaluated under Decree 331, the controls and duties
//! of the new regime it does not meet yet, each with its Circular 12 counterparts, so an agency can
//! see what it will miss when the 12-month transition ends and what it already does under old ids.

use super::SystemCx;
use super::model::{ControlResult, GapEntry, TransitionResult, TransitionState};
use super::regime::Transition;
use crate::inventory::AttestationStatus;
use crate::policy::Catalogue;

/// The report's view of a system's transition, given the catalogue it was evaluated under.
pub(crate) fn result(
    cx: &SystemCx,
    t: &Transition,
    controls: &[ControlResult],
    obligations: &[ControlResult],
) -> TransitionResult {
    let under_new = cx.catalogue.id == t.to();
    let state = match (under_new, t.ended) {
        (false, false) => TransitionState::Pending,
        (true, false) => TransitionState::Preview,
        (true, true) => TransitionState::Ended,
        (false, true) => TransitionState::Overdue,
    };
    let old = cx.policy.catalogue(t.from()).filter(|_| under_new);
    let gap = old.map(|old| {
        let entries = controls.iter().map(|c| (c, false)).chain(obligations.iter().map(|c| (c, true)));
        entries.filter(|(c, _)| !c.status.is_satisfied()).map(|(c, obligation)| entry(cx, old, c, obligation)).collect()
    });
    TransitionResult {
        from: t.from().to_string(),
        to: t.to().to_string(),
        deadline: t.deadline(),
        basis: t.basis_text(),
        state,
        gap,
    }
}

fn entry(cx: &SystemCx, old: &Catalogue, c: &ControlResult, obligation: bool) -> GapEntry {
    let counterparts = counterparts(cx.catalogue, old, &c.id);
    let attested_counterparts = counterparts
        .iter()
        .filter(|id| cx.attestations.get(id.as_str()).is_some_and(|a| a.status == AttestationStatus::Implemented))
        .cloned()
        .collect();
    GapEntry { control: c.id.to_string(), status: c.status, obligation, counterparts, attested_counterparts }
}

/// The old catalogue's ids for the same requirement: the same id when the old catalogue has it,
/// else the new control's `maps_to` for the old catalogue.
pub fn counterparts(new: &Catalogue, old: &Catalogue, id: &str) -> Vec<String> {
    if old.get(id).is_some() {
        return vec![id.to_string()];
    }
    new.get(id).and_then(|c| c.maps_to.get(&old.id)).cloned().unwrap_or_default()
}
