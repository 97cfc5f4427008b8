//! Cross-checks between the inventory and the policy: every control id an inventory names must
//! exist in an installed catalogue, so a typo cannot silently drop a control.
//!
//! An id of another installed catalogue is accepted: during the transition an agency keeps its
//! Circular 12 attestations beside its Decree 331 ones, and `--catalogue` previews a system under a
//! regime its inventory was not written for. Entries the evaluated catalogue does not know are
//! simply not used for that system.

use super::regime;
use crate::diag::Problem;
use crate::i18n::Text;
use crate::inventory::{Inventory, Origin};
use crate::policy::Policy;

fn at(o: &Origin, msg: Text) -> Problem {
    Problem::text(&o.file, o.line, o.column, msg)
}

/// Problems with control ids and catalogue names in `inv`, with catalogues chosen as of `as_of`.
pub fn check(inv: &Inventory, policy: &Policy, forced: Option<&str>, as_of: time::Date) -> Vec<Problem> {
    let mut out = Vec::new();
    let known: Vec<&str> = policy.catalogues.iter().map(|c| c.id.as_str()).collect();
    let unknown = |id: &str| policy.catalogues.iter().all(|c| c.get(id).is_none());
    let ids = || policy.catalogues.iter().flat_map(|c| c.controls.iter().map(|x| &*x.id));
    // "`X` (did you mean `Y`?) in no installed catalogue: …", in both languages.
    let unknown_msg = |what: (&str, &str), id: &str| {
        let hint = crate::yaml::did_you_mean(id, ids());
        let cats = known.join(", ");
        Text::new(
            format!("{} unknown control `{id}`{} (in no installed catalogue: {cats})", what.0, hint.en),
            format!("{} biện pháp không có `{id}`{} (không có trong danh mục nào: {cats})", what.1, hint.vi),
        )
    };
    for (agency, system) in inv.systems() {
        let cat_id = regime::select(agency, system, policy, forced, as_of).catalogue;
        let Some(cat) = policy.catalogue(&cat_id) else {
            let (sys, cats) = (&system.id, known.join(", "));
            let hint = crate::yaml::did_you_mean(&cat_id, known.iter().copied());
            out.push(at(
                &system.origin,
                Text::new(
                    format!("system {sys}: unknown catalogue `{cat_id}`{} (known: {cats})", hint.en),
                    format!("hệ thống {sys}: không có danh mục `{cat_id}`{} (các danh mục có: {cats})", hint.vi),
                ),
            ));
            continue;
        };
        for a in system.attestations.iter().filter(|a| unknown(&a.control)) {
            out.push(at(&a.origin, unknown_msg(("attestation for", "tự đánh giá cho"), &a.control)));
        }
        for w in system.waivers.iter().filter(|w| unknown(&w.control)) {
            out.push(at(&w.origin, unknown_msg(("waiver for", "miễn trừ cho"), &w.control)));
        }
        // Obligations are reported beside the controls and never count toward `compliant`, so
        // tailoring (which changes the required controls) cannot add or drop them.
        let obligation = |id: &str| cat.get(id).is_some_and(|c| c.is_obligation() || c.is_criterion());
        for t in &system.tailoring {
            let entries =
                t.add.iter().map(|(id, o)| ("adds", id, o)).chain(t.drop.iter().map(|(d, o)| ("drops", &d.control, o)));
            for (verb, id, o) in entries {
                if unknown(id) {
                    let vi = if verb == "adds" { "tinh chỉnh thêm" } else { "tinh chỉnh bỏ" };
                    out.push(at(o, unknown_msg((&format!("tailoring {verb}"), vi), id)));
                } else if obligation(id) {
                    out.push(at(
                        o,
                        crate::text!(
                            "`{id}` is a decree obligation, not a control: tailoring cannot change it",
                            "`{id}` là nghĩa vụ theo nghị định, không phải biện pháp: tinh chỉnh không thay đổi được"
                        ),
                    ));
                }
            }
        }
    }
    out
}
