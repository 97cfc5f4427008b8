//! Which catalogue (regime) a system is evaluated under, why, and where it stands in the move from
//! Decree 85/2016 (catalogue `tt12-2022`) to Decree 331/2026 (catalogue `nd331-2026`).
//!
//! The transition rules (digest `nd331-2026.md` §4):
//! - a level approved under Decree 85 stays valid (Law 116 Art. 45.1);
//! - a system being invested in or built before 2026-07-01 finishes appraisal and approval under
//!   Decree 85 within 6 months of that day (Decree 331 Art. 39.1);
//! - both must meet the Decree 331 measures within 12 months of 2026-07-01 (Law 116 Art. 45.1,
//!   Decree 331 Art. 39.1);
//! - everything else follows Decree 331 from 2026-08-19 (Art. 38).
//!
//! The texts do not say how the periods are counted (digest §5.8). tuanthu counts them as the
//! Civil Code 2015 counts periods in months (Art. 147–148): they start the day after 2026-07-01 and
//! end at the end of the same day of the last month, so the last day of the 6-month window is
//! 2027-01-01 and the last day of the 12-month transition 2027-07-01.

use crate::i18n::Text;
use crate::inventory::{Agency, System};
use crate::policy::Policy;
use serde::Serialize;
use time::Date;
use time::macros::date;

/// Law 116/2025/QH15 took effect (Art. 44.1); the transition periods count from this day.
pub const LAW_116_EFFECTIVE: Date = date!(2026 - 07 - 01);
/// Decree 331/2026/NĐ-CP took effect (Art. 38); approvals before it were granted under Decree 85.
pub const DECREE_331_EFFECTIVE: Date = date!(2026 - 08 - 19);
/// Last day of the 6 months in which systems under construction finish under Decree 85 (Art. 39.1).
pub const DECREE_85_WINDOW_LAST_DAY: Date = date!(2027 - 01 - 01);
/// Last day of the 12 months in which Decree 85 systems must meet the Decree 331 measures.
pub const TRANSITION_LAST_DAY: Date = date!(2027 - 07 - 01);
pub const TT12: &str = "tt12-2022";
pub const ND331: &str = "nd331-2026";

/// The rule that chose a system's catalogue; a stable id in reports (`catalogue_rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// `--catalogue` on the command line (a preview of another regime).
    Forced,
    /// The system's `catalogue:`.
    System,
    /// The agency's `catalogue:`.
    Agency,
    /// Approved before 2026-08-19, so under Decree 85; within the 12-month transition.
    Decree85Approval,
    /// Under construction before 2026-07-01: Decree 85 procedure (Art. 39.1); within the transition.
    Decree85Construction,
    /// Under construction before 2026-07-01 but not approved when Art. 39.1's window closed.
    Decree85WindowClosed,
    /// On the Decree 85 route, but the 12-month transition has ended.
    TransitionEnded,
    /// Everything else follows Decree 331 (Art. 38).
    Decree331,
    /// Decree 331's catalogue is not installed (a custom `--profiles` without it).
    Nd331NotInstalled,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Forced => "forced",
            Rule::System => "system",
            Rule::Agency => "agency",
            Rule::Decree85Approval => "decree-85-approval",
            Rule::Decree85Construction => "decree-85-construction",
            Rule::Decree85WindowClosed => "decree-85-window-closed",
            Rule::TransitionEnded => "transition-ended",
            Rule::Decree331 => "decree-331",
            Rule::Nd331NotInstalled => "nd331-not-installed",
        }
    }
}

/// Why a system is on the Decree 85 route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Approved under Decree 85 on this day (before 2026-08-19).
    Approved(Date),
    /// Being invested in or built since `started` (before 2026-07-01), approved on `approved` within
    /// the 6-month window, or not approved yet while the window is open.
    Construction { started: Date, approved: Option<Date> },
}

/// A Decree 85 system's place in the 12-month transition to Decree 331.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub basis: Basis,
    /// The evaluation date is after [`TRANSITION_LAST_DAY`]: the Decree 331 measures are due.
    pub ended: bool,
}

impl Transition {
    pub fn from(&self) -> &'static str {
        TT12
    }

    pub fn to(&self) -> &'static str {
        ND331
    }

    pub fn deadline(&self) -> Date {
        TRANSITION_LAST_DAY
    }

    /// Why the system is on the Decree 85 route and when that route ends.
    pub fn basis_text(&self) -> Text {
        let due = day(TRANSITION_LAST_DAY);
        match self.basis {
            Basis::Approved(d) => Text::new(
                format!(
                    "level approved under Decree 85 on {}: the level stands, and the Decree 331 measures are due by {due} (Law 116 Art. 45.1)",
                    day(d)
                ),
                format!(
                    "cấp độ được phê duyệt theo Nghị định 85 ngày {}: giữ nguyên cấp độ, phải đáp ứng biện pháp của Nghị định 331 chậm nhất ngày {due} (Luật An ninh mạng Điều 45.1)",
                    day(d)
                ),
            ),
            Basis::Construction { started, .. } => Text::new(
                format!(
                    "under construction since {} (before 2026-07-01): Decree 85 procedure, and the Decree 331 measures are due by {due} (Decree 331 Art. 39.1)",
                    day(started)
                ),
                format!(
                    "đầu tư, xây dựng từ ngày {} (trước 01/7/2026): thực hiện thủ tục theo Nghị định 85, phải đáp ứng biện pháp của Nghị định 331 chậm nhất ngày {due} (Nghị định 331 Điều 39.1)",
                    day(started)
                ),
            ),
        }
    }
}

/// The catalogue a system is evaluated under, the rule that chose it, the sentence that explains
/// the choice, and its transition when it is a Decree 85 system.
#[derive(Debug, Clone)]
pub struct Regime {
    pub catalogue: String,
    pub rule: Rule,
    pub reason: Text,
    pub transition: Option<Transition>,
}

/// Where a system stands against the transition rules, from its inventory facts alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Decree85(Basis),
    /// Under construction before 2026-07-01 since `started`, not approved when the window closed.
    WindowClosed {
        started: Date,
    },
    Decree331,
}

/// Chooses the catalogue: `--catalogue`, else the system's, else the agency's, else derived from
/// the approval date and the transition rules at `as_of`. The transition is reported whatever
/// chose the catalogue, because the deadline binds the system either way.
pub fn select(agency: &Agency, system: &System, policy: &Policy, forced: Option<&str>, as_of: Date) -> Regime {
    let route = route(system, as_of);
    let transition = match route {
        Route::Decree85(basis) if policy.catalogue(ND331).is_some() => {
            Some(Transition { basis, ended: as_of > TRANSITION_LAST_DAY })
        }
        _ => None,
    };
    let declared = |c: &str, rule, en: String, vi: String| Regime {
        catalogue: c.to_string(),
        rule,
        reason: Text::new(en, vi),
        transition,
    };
    if let Some(c) = forced {
        return declared(
            c,
            Rule::Forced,
            format!("--catalogue {c} given on the command line"),
            format!("chọn bằng tham số --catalogue {c}"),
        );
    }
    if let Some(c) = &system.catalogue {
        return declared(
            c,
            Rule::System,
            "`catalogue:` of the system".into(),
            "`catalogue:` khai báo cho hệ thống".into(),
        );
    }
    if let Some(c) = &agency.catalogue {
        return declared(
            c,
            Rule::Agency,
            "`catalogue:` of the agency".into(),
            "`catalogue:` khai báo cho cơ quan".into(),
        );
    }
    let (catalogue, rule, reason) = derive(system, route, policy.catalogue(ND331).is_some(), as_of);
    Regime { catalogue: catalogue.to_string(), rule, reason, transition }
}

fn route(system: &System, as_of: Date) -> Route {
    let approved = system.is_approved().then_some(system.approval.date).flatten();
    if let Some(d) = approved
        && d < DECREE_331_EFFECTIVE
    {
        return Route::Decree85(Basis::Approved(d));
    }
    let Some(started) = under_construction(system) else { return Route::Decree331 };
    match approved {
        Some(d) if d <= DECREE_85_WINDOW_LAST_DAY => {
            Route::Decree85(Basis::Construction { started, approved: Some(d) })
        }
        // Approved after the window: the approval was granted under Decree 331.
        Some(_) => Route::Decree331,
        None if as_of <= DECREE_85_WINDOW_LAST_DAY => Route::Decree85(Basis::Construction { started, approved: None }),
        None => Route::WindowClosed { started },
    }
}

/// The day investment or construction started, when it was before 2026-07-01 and the system was
/// not yet in operation on that day (Art. 39.1: "đang đầu tư, xây dựng").
fn under_construction(system: &System) -> Option<Date> {
    let started = system.construction_started.filter(|d| *d < LAW_116_EFFECTIVE)?;
    system.operating_since.is_none_or(|op| op >= LAW_116_EFFECTIVE).then_some(started)
}

/// The derived catalogue when nothing declares one: the transition rules in order.
fn derive(system: &System, route: Route, nd331: bool, as_of: Date) -> (&'static str, Rule, Text) {
    match route {
        Route::Decree85(basis) if as_of <= TRANSITION_LAST_DAY => decree85(basis),
        Route::Decree85(basis) if nd331 => (ND331, Rule::TransitionEnded, transition_ended(basis)),
        Route::WindowClosed { started } if nd331 => {
            let (s, w) = (day(started), day(DECREE_85_WINDOW_LAST_DAY));
            (
                ND331,
                Rule::Decree85WindowClosed,
                Text::new(
                    format!(
                        "under construction since {s}, but not approved when the 6-month Decree 85 window closed on {w} (Decree 331 Art. 39.1): Decree 331 applies"
                    ),
                    format!(
                        "đầu tư, xây dựng từ ngày {s} nhưng chưa được phê duyệt khi hết thời hạn 6 tháng theo Nghị định 85 ngày {w} (Nghị định 331 Điều 39.1): áp dụng Nghị định 331"
                    ),
                ),
            )
        }
        _ if nd331 => (ND331, Rule::Decree331, decree331_reason(system)),
        _ => (
            TT12,
            Rule::Nd331NotInstalled,
            Text::new(
                "no `catalogue:` given; the Decree 331/2026 catalogue is not installed, so Circular 12/2022 applies",
                "không khai báo `catalogue:`; chưa có danh mục Nghị định 331/2026 nên áp dụng Thông tư 12/2022",
            ),
        ),
    }
}

/// A Decree 85 system after the 12-month transition: the sentence says why it was on that route.
fn transition_ended(basis: Basis) -> Text {
    let due = day(TRANSITION_LAST_DAY);
    let (since, since_vi) = match basis {
        Basis::Approved(d) => (
            format!("approved under Decree 85 on {}", day(d)),
            format!("được phê duyệt theo Nghị định 85 ngày {}", day(d)),
        ),
        Basis::Construction { started, .. } => (
            format!("under construction since {} and handled under Decree 85", day(started)),
            format!("đầu tư, xây dựng từ ngày {} và thực hiện theo Nghị định 85", day(started)),
        ),
    };
    Text::new(
        format!(
            "{since}; the 12-month transition ended on {due} (Law 116 Art. 45.1, Decree 331 Art. 39.1): the approved level stands and the Decree 331 measures apply"
        ),
        format!(
            "{since_vi}; thời hạn chuyển tiếp 12 tháng đã hết ngày {due} (Luật An ninh mạng Điều 45.1, Nghị định 331 Điều 39.1): giữ nguyên cấp độ đã phê duyệt, áp dụng biện pháp của Nghị định 331"
        ),
    )
}

fn decree85(basis: Basis) -> (&'static str, Rule, Text) {
    let due = day(TRANSITION_LAST_DAY);
    match basis {
        Basis::Approved(d) => (
            TT12,
            Rule::Decree85Approval,
            Text::new(
                format!(
                    "approved on {}, before Decree 331/2026 took effect (2026-08-19): Decree 85/2016 and Circular 12/2022 apply until the Decree 331 measures are due on {due}",
                    day(d)
                ),
                format!(
                    "phê duyệt ngày {}, trước khi Nghị định 331/2026 có hiệu lực (19/8/2026): áp dụng Nghị định 85/2016 và Thông tư 12/2022 đến khi phải đáp ứng biện pháp của Nghị định 331 ngày {due}",
                    day(d)
                ),
            ),
        ),
        Basis::Construction { started, approved } => {
            let (en, vi) = match approved {
                Some(a) => (format!(", approved on {}", day(a)), format!(", phê duyệt ngày {}", day(a))),
                None => (String::new(), String::new()),
            };
            (
                TT12,
                Rule::Decree85Construction,
                Text::new(
                    format!(
                        "under construction since {} (before 2026-07-01){en}: Decree 85 procedure (Decree 331 Art. 39.1) until the Decree 331 measures are due on {due}",
                        day(started)
                    ),
                    format!(
                        "đầu tư, xây dựng từ ngày {} (trước 01/7/2026){vi}: thực hiện theo Nghị định 85 (Nghị định 331 Điều 39.1) đến khi phải đáp ứng biện pháp của Nghị định 331 ngày {due}",
                        day(started)
                    ),
                ),
            )
        }
    }
}

/// Decree 331 applies; the sentence names the fact that put the system there.
fn decree331_reason(system: &System) -> Text {
    let approved = system.is_approved().then_some(system.approval.date).flatten();
    if let Some(d) = approved {
        return Text::new(
            format!("approved on {}, under Decree 331/2026 (in force since 2026-08-19)", day(d)),
            format!("phê duyệt ngày {} theo Nghị định 331/2026 (có hiệu lực từ 19/8/2026)", day(d)),
        );
    }
    if let Some(op) = system.operating_since.filter(|d| *d < LAW_116_EFFECTIVE) {
        // Digest §5.8: neither Art. 39.1 nor Law 116 Art. 45.1 covers a system that already runs
        // but was never classified.
        return Text::new(
            format!(
                "in operation since {} but never approved: no transition rule covers it, so Decree 331/2026 applies (Art. 38)",
                day(op)
            ),
            format!(
                "vận hành từ ngày {} nhưng chưa được phê duyệt cấp độ: không thuộc quy định chuyển tiếp nào nên áp dụng Nghị định 331/2026 (Điều 38)",
                day(op)
            ),
        );
    }
    Text::new(
        "no `catalogue:`, no approval before 2026-08-19 and no construction before 2026-07-01: Decree 331/2026 applies",
        "không khai báo `catalogue:`, không được phê duyệt trước 19/8/2026 và không đầu tư, xây dựng trước 01/7/2026: áp dụng Nghị định 331/2026",
    )
}

fn day(d: Date) -> String {
    crate::dates::format(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;

    fn policy() -> Policy {
        Policy::bundled().expect("bundled policy")
    }

    /// One agency with one system whose system mapping gets `extra` (indented 4 spaces).
    fn inventory(agency_extra: &str, extra: &str) -> Inventory {
        let text = format!(
            "schema: tuanthu/inventory/v1\nagency:\n  id: a\n  name: A\n{agency_extra}systems:\n  - id: s\n    name: S\n    level: 3\n{extra}"
        );
        let agency = crate::inventory::parse_file("t.yaml", &text, &[]).unwrap_or_else(|e| panic!("{e}"));
        Inventory { agencies: vec![agency] }
    }

    fn approved(d: &str) -> String {
        format!("    approval: {{status: approved, decision: \"1/QĐ\", date: {d}}}\n")
    }

    const DRAFT: &str = "    approval: {status: draft}\n";

    fn pick(inv: &Inventory, forced: Option<&str>, as_of: Date) -> Regime {
        let (a, s) = inv.systems().next().unwrap();
        select(a, s, &policy(), forced, as_of)
    }

    fn derived(extra: &str, as_of: Date) -> (String, Rule) {
        let r = pick(&inventory("", extra), None, as_of);
        (r.catalogue, r.rule)
    }

    #[test]
    fn declared_catalogues_win_in_order() {
        let both = inventory("  catalogue: tt12-2022\n", &format!("{DRAFT}    catalogue: nd331-2026\n"));
        let d = date!(2026 - 11 - 25);
        assert_eq!(pick(&both, Some("tt12-2022"), d).rule, Rule::Forced);
        assert_eq!((pick(&both, None, d).catalogue.as_str(), pick(&both, None, d).rule), (ND331, Rule::System));
        let agency = inventory("  catalogue: tt12-2022\n", DRAFT);
        assert_eq!((pick(&agency, None, d).catalogue.as_str(), pick(&agency, None, d).rule), (TT12, Rule::Agency));
    }

    #[test]
    fn approval_before_decree_331_keeps_circular_12() {
        let d = date!(2026 - 11 - 25);
        assert_eq!(derived(&approved("2026-08-18"), d), (TT12.into(), Rule::Decree85Approval));
        assert_eq!(
            derived(&approved("2026-08-19"), d),
            (ND331.into(), Rule::Decree331),
            "the effective day is Decree 331"
        );
        // Not approved (submitted or draft) and no construction date: Decree 331.
        assert_eq!(derived(DRAFT, d), (ND331.into(), Rule::Decree331));
    }

    #[test]
    fn the_transition_ends_after_2027_07_01() {
        let extra = approved("2025-04-18");
        assert_eq!(derived(&extra, date!(2027 - 07 - 01)), (TT12.into(), Rule::Decree85Approval), "last day");
        assert_eq!(derived(&extra, date!(2027 - 07 - 02)), (ND331.into(), Rule::TransitionEnded));
        let t = pick(&inventory("", &extra), None, date!(2027 - 07 - 02)).transition.expect("a Decree 85 system");
        assert!(t.ended);
        assert_eq!(t.deadline(), date!(2027 - 07 - 01));
        assert!(!pick(&inventory("", &extra), None, date!(2027 - 07 - 01)).transition.unwrap().ended);
    }

    #[test]
    fn construction_before_law_116_finishes_under_decree_85() {
        let d = date!(2026 - 11 - 25);
        let started = |s: &str| format!("{DRAFT}    construction_started: {s}\n");
        assert_eq!(derived(&started("2026-06-30"), d), (TT12.into(), Rule::Decree85Construction));
        assert_eq!(
            derived(&started("2026-07-01"), d),
            (ND331.into(), Rule::Decree331),
            "started on the day: not before"
        );
        // Already running before 2026-07-01: not "under construction", and never classified.
        let running = format!("{}    operating_since: 2026-06-30\n", started("2025-01-10"));
        let r = pick(&inventory("", &running), None, d);
        assert_eq!((r.catalogue.as_str(), r.rule, r.transition), (ND331, Rule::Decree331, None));
        assert!(r.reason.en.contains("no transition rule covers it"), "{}", r.reason.en);
        // Went live on 2026-07-01: it was still being built when the law took effect.
        let live = format!("{}    operating_since: 2026-07-01\n", started("2025-01-10"));
        assert_eq!(derived(&live, d), (TT12.into(), Rule::Decree85Construction));
    }

    #[test]
    fn the_decree_85_window_closes_after_2027_01_01() {
        let draft = format!("{DRAFT}    construction_started: 2026-03-01\n");
        assert_eq!(derived(&draft, date!(2027 - 01 - 01)), (TT12.into(), Rule::Decree85Construction));
        assert_eq!(derived(&draft, date!(2027 - 01 - 02)), (ND331.into(), Rule::Decree85WindowClosed));
        assert_eq!(pick(&inventory("", &draft), None, date!(2027 - 01 - 02)).transition, None);
        // Approved within the window: a Decree 85 approval, whatever the evaluation date.
        let in_window = format!("{}    construction_started: 2026-03-01\n", approved("2027-01-01"));
        assert_eq!(derived(&in_window, date!(2027 - 03 - 01)), (TT12.into(), Rule::Decree85Construction));
        let late = format!("{}    construction_started: 2026-03-01\n", approved("2027-01-02"));
        assert_eq!(derived(&late, date!(2027 - 03 - 01)), (ND331.into(), Rule::Decree331));
    }

    #[test]
    fn a_forced_preview_keeps_the_transition() {
        let inv = inventory("  catalogue: tt12-2022\n", &approved("2025-04-18"));
        let r = pick(&inv, Some(ND331), date!(2026 - 11 - 25));
        assert_eq!((r.catalogue.as_str(), r.rule), (ND331, Rule::Forced));
        let t = r.transition.expect("the deadline binds a Decree 85 system whatever chose the catalogue");
        assert_eq!(t.basis, Basis::Approved(date!(2025 - 04 - 18)));
        assert!(!t.ended);
    }
}
