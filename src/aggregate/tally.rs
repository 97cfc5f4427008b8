//! The national figures and how they are summed: a [`Tally`] accumulates systems (one report's,
//! an agency's, a level's, the country's) and finishes into [`Figures`]. One implementation for
//! `aggregate` and the national service, which stores each report's [`ReportTally`] at submission.

use crate::report::Deployment;
use crate::report::rate;
use crate::report::verify::SystemSummary;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Counts shared by every level of the view (overall, agency, level, catalogue).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Figures {
    pub systems_total: usize,
    pub systems_approved: usize,
    pub approval_rate: Option<f64>,
    pub systems_fully_implemented: usize,
    pub fully_implemented_rate: Option<f64>,
    pub systems_partly_implemented: usize,
    pub systems_not_implemented: usize,
    /// Required controls whose basis is `measured` or `both`.
    pub controls_measured: usize,
    /// `controls_measured` / required controls (`null` when there are none).
    pub measured_share: Option<f64>,
    pub missing_controls: Vec<Missing>,
}

/// A control missing on some systems: on how many, and (nationally) in how many agencies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Missing {
    pub control: String,
    pub systems: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agencies: Option<usize>,
}

/// Accumulates figures over systems. Serialisable: the national service computes a report's
/// tallies once, at submission, and stores them beside the report's bytes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tally {
    pub(super) figures: Figures,
    /// Required controls: the denominator of `measured_share`.
    pub(super) required: usize,
    pub(super) missing: HashMap<String, usize>,
}

/// One report's tallies: the agency's own, per level and per catalogue.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReportTally {
    pub(super) total: Tally,
    pub(super) by_level: BTreeMap<String, Tally>,
    pub(super) by_catalogue: BTreeMap<String, Tally>,
}

impl ReportTally {
    pub fn of(systems: &[SystemSummary]) -> ReportTally {
        let mut t = ReportTally::default();
        for s in systems {
            t.total.add(s);
            add_to(&mut t.by_level, LEVELS.get(usize::from(s.level)).copied().unwrap_or("?"), s);
            add_to(&mut t.by_catalogue, &s.catalogue, s);
        }
        t
    }
}

/// Level keys as the national view writes them (levels are 1–5; anything else is shown as `?`).
const LEVELS: [&str; 6] = ["?", "1", "2", "3", "4", "5"];

/// Adds `s` to the tally under `key`, created on first use. Looked up by `&str` first: a hundred
/// thousand systems would otherwise allocate a key string each.
fn add_to(map: &mut BTreeMap<String, Tally>, key: &str, s: &SystemSummary) {
    match map.get_mut(key) {
        Some(t) => t.add(s),
        None => {
            let mut t = Tally::default();
            t.add(s);
            map.insert(key.to_string(), t);
        }
    }
}

impl Tally {
    pub(super) fn merge(&mut self, o: &Tally) {
        let (f, g) = (&mut self.figures, &o.figures);
        f.systems_total += g.systems_total;
        f.systems_approved += g.systems_approved;
        f.systems_fully_implemented += g.systems_fully_implemented;
        f.systems_partly_implemented += g.systems_partly_implemented;
        f.systems_not_implemented += g.systems_not_implemented;
        f.controls_measured += g.controls_measured;
        self.required += o.required;
        for (c, n) in &o.missing {
            *self.missing.entry(c.clone()).or_default() += n;
        }
    }

    pub(super) fn add(&mut self, s: &SystemSummary) {
        let f = &mut self.figures;
        f.systems_total += 1;
        f.systems_approved += usize::from(s.approval == crate::inventory::ApprovalStatus::Approved);
        f.systems_fully_implemented += usize::from(s.fully_implemented);
        match s.deployment {
            Deployment::Full => {}
            Deployment::Partial => f.systems_partly_implemented += 1,
            Deployment::None => f.systems_not_implemented += 1,
        }
        f.controls_measured += s.controls_measured();
        self.required += s.controls.len();
        for c in s.missing() {
            match self.missing.get_mut(c) {
                Some(n) => *n += 1,
                None => {
                    self.missing.insert(c.to_string(), 1);
                }
            }
        }
    }

    pub(super) fn finish(mut self, top: usize) -> Figures {
        let f = &mut self.figures;
        f.approval_rate = rate(f.systems_approved, f.systems_total);
        f.fully_implemented_rate = rate(f.systems_fully_implemented, f.systems_total);
        f.measured_share = rate(f.controls_measured, self.required);
        f.missing_controls = ranking(self.missing, None, top);
        self.figures
    }
}

/// Most often missing first, then by control id; at most `top` entries (0 = all).
pub(super) fn ranking(
    counts: HashMap<String, usize>,
    agencies: Option<&HashMap<String, usize>>,
    top: usize,
) -> Vec<Missing> {
    let mut v: Vec<Missing> = counts
        .into_iter()
        .map(|(control, systems)| {
            let agencies = agencies.map(|a| a.get(&control).copied().unwrap_or(0));
            Missing { control, systems, agencies }
        })
        .collect();
    v.sort_by(|a, b| b.systems.cmp(&a.systems).then_with(|| a.control.cmp(&b.control)));
    if top > 0 {
        v.truncate(top);
    }
    v
}
