//! The national view (`tuanthu/national/v1`, `shared/spec/cli-and-report.md`): one counted report
//! per agency and period, figures per agency, per level and per catalogue, the controls most often
//! missing, and the change since the previous period.
//!
//! `controls_measured` and `measured_share` are re-derived from each counted report's control
//! bases (spec: "Basis"): a report written before bases existed counts as unmeasured — its
//! required controls in the denominator, none in the numerator — so old reports can only lower
//! the national share, never inflate it.

use super::input::{Loaded, Rejected};
pub use super::tally::{Figures, Missing, ReportTally};
use super::tally::{Tally, ranking};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

pub const SCHEMA: &str = "tuanthu/national/v1";

#[derive(Debug, Clone, Default, Serialize)]
pub struct Change {
    pub approval_rate: Option<f64>,
    pub fully_implemented_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overall {
    pub agencies: usize,
    #[serde(flatten)]
    pub figures: Figures,
    pub agencies_below_50pct_approval: usize,
    pub by_level: BTreeMap<String, Figures>,
    pub by_catalogue: BTreeMap<String, Figures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgencyView {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
    pub report: String,
    pub generated_at: String,
    /// The key that signed the counted report; `null` when it was accepted unsigned.
    pub signed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Superseded {
    pub file: String,
    pub by: String,
    /// A byte-identical resubmission of the counted report.
    pub identical: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct National {
    pub schema: &'static str,
    pub generated_at: String,
    pub period: String,
    /// Some counted reports were accepted without a signature (`--allow-unsigned`).
    pub includes_unsigned: bool,
    pub overall: Overall,
    pub agencies: Vec<AgencyView>,
    pub missing_controls: Vec<Missing>,
    pub rejected: Vec<Rejected>,
    pub superseded: Vec<Superseded>,
}

/// Splits the valid reports into those of `period` and the others, rejected: a report of another
/// period — last year's replayed, or one filed for the wrong year — must neither count beside the
/// agency's current report nor stand in for a missing one.
pub fn of_period(loaded: Vec<Loaded>, period: Option<&str>) -> (Vec<Loaded>, Vec<Rejected>) {
    let (keep, other): (Vec<Loaded>, Vec<Loaded>) = loaded.into_iter().partition(|l| Some(l.period.as_str()) == period);
    let rejected = other
        .into_iter()
        .map(|l| Rejected {
            reason: format!(
                "report of period {}, not of the aggregated period {} (an older report replayed, or filed for another period)",
                crate::sanitize::one_line(&l.period),
                period.unwrap_or("")
            ),
            file: l.file,
        })
        .collect();
    (keep, rejected)
}

/// Keeps the newest report per agency and period (ties broken by file name, so the result does
/// not depend on input order); the others are listed as superseded. An unsigned report
/// (`--allow-unsigned`) never supersedes a signed one, whatever its `generated_at`: anyone can
/// write an unsigned report with a later date.
pub fn select(loaded: Vec<Loaded>) -> (Vec<Loaded>, Vec<Superseded>) {
    let mut groups: BTreeMap<(String, String), Vec<Loaded>> = BTreeMap::new();
    for l in loaded {
        let key = (l.agency.clone(), l.period.clone());
        groups.entry(key).or_default().push(l);
    }
    let (mut kept, mut superseded) = (Vec::new(), Vec::new());
    for (_, mut reports) in groups {
        reports.sort_by(|a, b| {
            (b.signed_by.is_some(), b.written, &a.file).cmp(&(a.signed_by.is_some(), a.written, &b.file))
        });
        let winner = reports.remove(0);
        for r in reports {
            superseded.push(Superseded { file: r.file, by: winner.file.clone(), identical: r.digest == winner.digest });
        }
        kept.push(winner);
    }
    (kept, superseded)
}

/// Builds the national view from the counted reports. `previous` is an earlier national view
/// (`--previous`), for the change per agency and overall.
pub fn build(
    counted: &[Loaded],
    rejected: Vec<Rejected>,
    superseded: Vec<Superseded>,
    previous: Option<&Value>,
    period: &str,
    generated_at: String,
    top: usize,
) -> National {
    let mut overall = Tally::default();
    let mut by_level: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_catalogue: BTreeMap<String, Tally> = BTreeMap::new();
    let mut agencies_missing: HashMap<String, usize> = HashMap::new();
    let mut agencies = Vec::new();
    for l in counted {
        let t = &l.tally;
        overall.merge(&t.total);
        for (level, tally) in &t.by_level {
            by_level.entry(level.clone()).or_default().merge(tally);
        }
        for (catalogue, tally) in &t.by_catalogue {
            by_catalogue.entry(catalogue.clone()).or_default().merge(tally);
        }
        for c in t.total.missing.keys() {
            *agencies_missing.entry(c.clone()).or_default() += 1;
        }
        agencies.push(AgencyView {
            id: l.agency.clone(),
            name: l.agency_name.clone(),
            figures: t.total.clone().finish(top),
            report: l.file.clone(),
            generated_at: l.generated_at.clone(),
            signed_by: l.signed_by.clone(),
            change: None,
        });
    }
    let missing_controls = ranking(overall.missing.clone(), Some(&agencies_missing), top);
    let below = agencies.iter().filter(|a| a.figures.approval_rate.is_some_and(|r| r < 0.5)).count();
    let mut national = National {
        schema: SCHEMA,
        generated_at,
        period: period.to_string(),
        includes_unsigned: counted.iter().any(|l| l.signed_by.is_none()),
        overall: Overall {
            agencies: agencies.len(),
            figures: overall.finish(top),
            agencies_below_50pct_approval: below,
            by_level: by_level.into_iter().map(|(k, t)| (k, t.finish(top))).collect(),
            by_catalogue: by_catalogue.into_iter().map(|(k, t)| (k, t.finish(top))).collect(),
            change: None,
        },
        agencies,
        missing_controls,
        rejected,
        superseded,
    };
    if let Some(prev) = previous {
        apply_change(&mut national, prev);
    }
    national
}

fn delta(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    Some(now? - before?)
}

fn rates(v: &Value) -> (Option<f64>, Option<f64>) {
    (v.get("approval_rate").and_then(Value::as_f64), v.get("fully_implemented_rate").and_then(Value::as_f64))
}

fn apply_change(n: &mut National, prev: &Value) {
    let (a, f) = rates(&prev["overall"]);
    let o = &n.overall.figures;
    n.overall.change = Some(Change {
        approval_rate: delta(o.approval_rate, a),
        fully_implemented_rate: delta(o.fully_implemented_rate, f),
    });
    let before: HashMap<&str, &Value> = prev["agencies"]
        .as_array()
        .map(|v| v.iter().filter_map(|a| Some((a.get("id")?.as_str()?, a))).collect())
        .unwrap_or_default();
    for agency in &mut n.agencies {
        if let Some(p) = before.get(agency.id.as_str()) {
            let (a, f) = rates(p);
            agency.change = Some(Change {
                approval_rate: delta(agency.figures.approval_rate, a),
                fully_implemented_rate: delta(agency.figures.fully_implemented_rate, f),
            });
        }
    }
}
