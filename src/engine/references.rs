//! Cross-checks between the inventory and the policy: every control id an inventory names must
//! exist in an installed catalogue, so a typo cannot silently drop a control.
//!
//! An id of another installed catalogue is accepted: during the transition an agency keeps its
//! Circular 12 attestations beside its Decree 331 ones, and `--catalogue` previews a system under a
//! regime its inventory was not written for. Entries the evaluated catalogue does not know are
//! simply not used for that system.

use super::regime;
use crate::diag::Problem;
use crate::inventory::{Inventory, Origin};
use crate::policy::Policy;

fn at(o: &Origin, msg: String) -> Problem {
    Problem::new(&o.file, o.line, o.column, msg)
}

/// Problems with control ids and catalogue names in `inv`, with catalogues chosen as of `as_of`.
pub fn check(inv: &Inventory, policy: &Policy, forced: Option<&str>, as_of: time::Date) -> Vec<Problem> {
    let mut out = Vec::new();
    let known: Vec<&str> = policy.catalogues.iter().map(|c| c.id.as_str()).collect();
    let unknown = |id: &str| policy.catalogues.iter().all(|c| c.get(id).is_none());
    let nowhere = format!("in no installed catalogue: {}", known.join(", "));
    for (agency, system) in inv.systems() {
        let cat_id = regime::select(agency, system, policy, forced, as_of).catalogue;
        let Some(cat) = policy.catalogue(&cat_id) else {
            out.push(at(
                &system.origin,
                format!("system {}: unknown catalogue `{cat_id}` (known: {})", system.id, known.join(", ")),
            ));
            continue;
        };
        for a in system.attestations.iter().filter(|a| unknown(&a.control)) {
            out.push(at(&a.origin, format!("attestation for unknown control `{}` ({nowhere})", a.control)));
        }
        for w in system.waivers.iter().filter(|w| unknown(&w.control)) {
            out.push(at(&w.origin, format!("waiver for unknown control `{}` ({nowhere})", w.control)));
        }
        // Obligations are reported beside the controls and never count toward `compliant`, so
        // tailoring (which changes the required controls) cannot add or drop them.
        let obligation = |id: &str| cat.get(id).is_some_and(|c| c.is_obligation() || c.is_criterion());
        for t in &system.tailoring {
            let entries =
                t.add.iter().map(|(id, o)| ("adds", id, o)).chain(t.drop.iter().map(|(d, o)| ("drops", &d.control, o)));
            for (verb, id, o) in entries {
                if unknown(id) {
                    out.push(at(o, format!("tailoring {verb} unknown control `{id}` ({nowhere})")));
                } else if obligation(id) {
                    out.push(at(
                        o,
                        format!("`{id}` is a decree obligation, not a control: tailoring cannot change it"),
                    ));
                }
            }
        }
    }
    out
}
