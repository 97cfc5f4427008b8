//! The figures a report states, derived from control statuses and approvals.
//!
//! One implementation for the writer and every reader: `check` computes a report's figures here,
//! and each verifier (`verify`, `aggregate`, the national service) re-derives them here from the
//! report's own statuses before believing what the report states (`report::verify`). A second
//! implementation could drift from this one and turn a genuine report into a rejection, or let an
//! inflated one through.
//!
//! `controls_measured` and `measured_share` (spec: "Basis") count the required controls whose
//! status a measurement decided (basis `measured` or `both`) among all required controls; a
//! control without a basis (a report written before bases existed) counts as unmeasured.

use crate::engine::{Basis, Status};
use crate::inventory::ApprovalStatus;
use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::engine::model::compliant;

/// A rate: `None` when its denominator is 0.
///
/// Invariant: a `Some` value lies in [0, 1] (enforced by [`rate`]).
pub type Rate = Option<f64>;

pub fn rate(numerator: usize, denominator: usize) -> Rate {
    (denominator > 0).then(|| numerator.min(denominator) as f64 / denominator as f64)
}

/// A control missing on some systems, and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingControl {
    pub control: String,
    pub systems: usize,
}

/// An agency's figures for the systems evaluated under one catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFigures {
    pub systems_total: usize,
    pub systems_approved: usize,
    pub systems_compliant: usize,
    pub systems_fully_implemented: usize,
}

/// Mẫu 08's plan status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Deployment {
    /// Compliant: "Đã triển khai đầy đủ".
    Full,
    /// Not compliant, at least one required control pass: "Đã triển khai một số hạng mục".
    Partial,
    /// "Chưa triển khai".
    None,
}

/// How many controls have each status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusCounts {
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub waived: usize,
    pub not_applicable: usize,
}

/// One system's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemFigures {
    pub compliant: bool,
    /// Compliant and approved: the ministry's "approved plan fully implemented".
    pub fully_implemented: bool,
    pub deployment: Deployment,
    pub counts: StatusCounts,
    /// Required controls whose basis is `measured` or `both` (0 until [`SystemFigures::with_bases`]).
    pub controls_measured: usize,
}

impl StatusCounts {
    /// Every counted control: the system's required controls.
    pub fn total(&self) -> usize {
        self.pass + self.fail + self.unknown + self.waived + self.not_applicable
    }
}

impl SystemFigures {
    /// The figures of a system whose required controls have `statuses`.
    pub fn of(statuses: impl Iterator<Item = Status> + Clone, approval: ApprovalStatus) -> SystemFigures {
        let compliant = compliant(statuses.clone());
        let mut counts = StatusCounts { pass: 0, fail: 0, unknown: 0, waived: 0, not_applicable: 0 };
        for s in statuses {
            *match s {
                Status::Pass => &mut counts.pass,
                Status::Fail => &mut counts.fail,
                Status::Unknown => &mut counts.unknown,
                Status::Waived => &mut counts.waived,
                Status::NotApplicable => &mut counts.not_applicable,
            } += 1;
        }
        let deployment = if compliant {
            Deployment::Full
        } else if counts.pass > 0 {
            Deployment::Partial
        } else {
            Deployment::None
        };
        SystemFigures {
            compliant,
            fully_implemented: compliant && approval == ApprovalStatus::Approved,
            deployment,
            counts,
            controls_measured: 0,
        }
    }

    /// Counts the measured controls among the required controls' `bases` (`None`: a control
    /// without a basis, from a report written before bases existed: unmeasured).
    pub fn with_bases(mut self, bases: impl Iterator<Item = Option<Basis>>) -> SystemFigures {
        self.controls_measured = bases.filter(|b| b.is_some_and(Basis::is_measured)).count();
        self
    }

    /// `controls_measured` / required controls; `None` without required controls.
    pub fn measured_share(&self) -> Rate {
        rate(self.controls_measured, self.counts.total())
    }
}

/// An agency's figures, as its report states them.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyFigures {
    pub systems_total: usize,
    pub systems_approved: usize,
    pub approval_rate: Rate,
    pub systems_compliant: usize,
    pub compliance_rate: Rate,
    pub systems_fully_implemented: usize,
    pub fully_implemented_rate: Rate,
    /// Fully implemented among approved systems.
    pub approved_compliance_rate: Rate,
    pub systems_partly_implemented: usize,
    pub systems_not_implemented: usize,
    pub missing_controls: Vec<MissingControl>,
    pub by_catalogue: BTreeMap<String, CatalogueFigures>,
    /// Measured required controls over the agency's systems.
    pub controls_measured: usize,
    /// `controls_measured` / required controls over the agency's systems (a system with many
    /// controls weighs more than one with few: the share is of controls, not a mean of shares).
    pub measured_share: Rate,
}

/// Accumulates an agency's figures one system at a time; keys borrow from the caller (the
/// engine's results, or the bytes of a report being verified), so adding allocates nothing per
/// control.
#[derive(Debug, Default)]
pub struct AgencyTally<'a> {
    total: usize,
    approved: usize,
    compliant: usize,
    fully: usize,
    partly: usize,
    none: usize,
    measured: usize,
    required: usize,
    missing: BTreeMap<&'a str, usize>,
    by_catalogue: BTreeMap<&'a str, CatalogueFigures>,
}

impl<'a> AgencyTally<'a> {
    /// Adds one system: its catalogue, approval, figures and the ids of its missing controls.
    pub fn add(
        &mut self,
        catalogue: &'a str,
        approval: ApprovalStatus,
        f: &SystemFigures,
        missing: impl Iterator<Item = &'a str>,
    ) {
        let approved = approval == ApprovalStatus::Approved;
        self.total += 1;
        self.approved += usize::from(approved);
        self.compliant += usize::from(f.compliant);
        self.fully += usize::from(f.fully_implemented);
        self.partly += usize::from(f.deployment == Deployment::Partial);
        self.none += usize::from(f.deployment == Deployment::None);
        self.measured += f.controls_measured;
        self.required += f.counts.total();
        for id in missing {
            *self.missing.entry(id).or_default() += 1;
        }
        let c = self.by_catalogue.entry(catalogue).or_default();
        c.systems_total += 1;
        c.systems_approved += usize::from(approved);
        c.systems_compliant += usize::from(f.compliant);
        c.systems_fully_implemented += usize::from(f.fully_implemented);
    }

    pub fn finish(self) -> AgencyFigures {
        AgencyFigures {
            systems_total: self.total,
            systems_approved: self.approved,
            approval_rate: rate(self.approved, self.total),
            systems_compliant: self.compliant,
            compliance_rate: rate(self.compliant, self.total),
            systems_fully_implemented: self.fully,
            fully_implemented_rate: rate(self.fully, self.total),
            approved_compliance_rate: rate(self.fully, self.approved),
            systems_partly_implemented: self.partly,
            systems_not_implemented: self.none,
            missing_controls: ranking(self.missing),
            by_catalogue: self.by_catalogue.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            controls_measured: self.measured,
            measured_share: rate(self.measured, self.required),
        }
    }
}

/// Most missed first, then by id, so the order is deterministic.
fn ranking(counts: BTreeMap<&str, usize>) -> Vec<MissingControl> {
    let mut out: Vec<MissingControl> =
        counts.into_iter().map(|(control, systems)| MissingControl { control: control.to_string(), systems }).collect();
    out.sort_by(|a, b| b.systems.cmp(&a.systems).then_with(|| a.control.cmp(&b.control)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn system_figures_follow_the_spec() {
        let f = SystemFigures::of([Pass, Waived, NotApplicable].into_iter(), ApprovalStatus::Approved);
        assert!(f.compliant && f.fully_implemented && f.deployment == Deployment::Full);
        let f = SystemFigures::of([Pass, Unknown].into_iter(), ApprovalStatus::Approved);
        assert!(!f.compliant && !f.fully_implemented && f.deployment == Deployment::Partial);
        let f = SystemFigures::of([Fail, Waived].into_iter(), ApprovalStatus::Submitted);
        assert_eq!((f.deployment, f.counts.fail, f.counts.waived), (Deployment::None, 1, 1));
        let f = SystemFigures::of([].into_iter(), ApprovalStatus::Approved);
        assert!(!f.compliant, "nothing shown is not compliant");
        let f = SystemFigures::of([Pass].into_iter(), ApprovalStatus::Draft);
        assert!(f.compliant && !f.fully_implemented);
    }

    #[test]
    fn measured_share_counts_measured_and_both_among_required_controls() {
        use Basis::*;
        let statuses = [Pass, Fail, Pass, Unknown, Waived];
        let f = SystemFigures::of(statuses.into_iter(), ApprovalStatus::Approved)
            .with_bases([Some(Both), Some(Measured), Some(Attested), Some(None), Option::None].into_iter());
        assert_eq!((f.controls_measured, f.measured_share()), (2, Some(0.4)));
        let old = SystemFigures::of(statuses.into_iter(), ApprovalStatus::Approved);
        assert_eq!((old.controls_measured, old.measured_share()), (0, Some(0.0)), "no bases: unmeasured");
        let empty = SystemFigures::of([].into_iter(), ApprovalStatus::Approved).with_bases([].into_iter());
        assert_eq!(empty.measured_share(), Option::None, "no required control: null");
        let mut tally = AgencyTally::default();
        tally.add("tt12-2022", ApprovalStatus::Approved, &f, [].into_iter());
        let three = SystemFigures::of([Pass, Pass, Pass].into_iter(), ApprovalStatus::Draft)
            .with_bases([Some(Measured); 3].into_iter());
        tally.add("tt12-2022", ApprovalStatus::Draft, &three, [].into_iter());
        let a = tally.finish();
        assert_eq!((a.controls_measured, a.measured_share), (5, Some(5.0 / 8.0)), "weighted by controls");
    }
}
