//! Cross-checks between the inventory and the policy: every control id an inventory names must
//! exist in the system's catalogue, so a typo cannot silently drop a control.

use super::regime;
use crate::diag::Problem;
use crate::inventory::{Inventory, Origin};
use crate::policy::Policy;

fn at(o: &Origin, msg: String) -> Problem {
    Problem::new(&o.file, o.line, o.column, msg)
}

/// Problems with control ids and catalogue names in `inv`.
pub fn check(inv: &Inventory, policy: &Policy, forced: Option<&str>) -> Vec<Problem> {
    let mut out = Vec::new();
    for (agency, system) in inv.systems() {
        let (cat_id, _) = regime::select(agency, system, policy, forced);
        let Some(cat) = policy.catalogue(&cat_id) else {
            let known: Vec<&str> = policy.catalogues.iter().map(|c| c.id.as_str()).collect();
            out.push(at(
                &system.origin,
                format!("system {}: unknown catalogue `{cat_id}` (known: {})", system.id, known.join(", ")),
            ));
            continue;
        };
        let unknown = |id: &str| cat.get(id).is_none();
        for a in &system.attestations {
            if unknown(&a.control) {
                out.push(at(
                    &a.origin,
                    format!("attestation for unknown control `{}` (not in catalogue {cat_id})", a.control),
                ));
            }
        }
        for w in &system.waivers {
            if unknown(&w.control) {
                out.push(at(
                    &w.origin,
                    format!("waiver for unknown control `{}` (not in catalogue {cat_id})", w.control),
                ));
            }
        }
        // Obligations are reported beside the controls and never count toward `compliant`, so
        // tailoring (which changes the required controls) cannot add or drop them.
        let obligation = |id: &str| cat.get(id).is_some_and(|c| c.is_obligation());
        for t in &system.tailoring {
            let entries =
                t.add.iter().map(|(id, o)| ("adds", id, o)).chain(t.drop.iter().map(|(d, o)| ("drops", &d.control, o)));
            for (verb, id, o) in entries {
                if unknown(id) {
                    out.push(at(o, format!("tailoring {verb} unknown control `{id}` (not in catalogue {cat_id})")));
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
