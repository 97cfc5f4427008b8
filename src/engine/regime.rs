//! Which catalogue (regime) a system is evaluated under, and why.

use crate::i18n::Text;
use crate::inventory::{Agency, System};
use crate::policy::Policy;
use time::macros::date;

/// Decree 331/2026/NĐ-CP took effect on this day; approvals granted before it were granted under
/// Decree 85/2016 and Circular 12/2022.
pub const DECREE_331_EFFECTIVE: time::Date = date!(2026 - 08 - 19);
pub const TT12: &str = "tt12-2022";
pub const ND331: &str = "nd331-2026";

/// The catalogue id for a system and the sentence that explains the choice.
pub fn select(agency: &Agency, system: &System, policy: &Policy, forced: Option<&str>) -> (String, Text) {
    if let Some(c) = forced {
        return (
            c.to_string(),
            Text::new(
                format!("--catalogue {c} given on the command line"),
                format!("chọn bằng tham số --catalogue {c}"),
            ),
        );
    }
    if let Some(c) = &system.catalogue {
        return (c.clone(), Text::new("`catalogue:` of the system", "`catalogue:` khai báo cho hệ thống"));
    }
    if let Some(c) = &agency.catalogue {
        return (c.clone(), Text::new("`catalogue:` of the agency", "`catalogue:` khai báo cho cơ quan"));
    }
    if let (true, Some(d)) = (system.is_approved(), system.approval.date)
        && d < DECREE_331_EFFECTIVE
    {
        let day = crate::dates::format(d);
        return (
            TT12.into(),
            Text::new(
                format!(
                    "approved on {day}, before Decree 331/2026 took effect (2026-08-19): Decree 85/2016 and Circular 12/2022 apply"
                ),
                format!(
                    "phê duyệt ngày {day}, trước khi Nghị định 331/2026 có hiệu lực (19/8/2026): áp dụng Nghị định 85/2016 và Thông tư 12/2022"
                ),
            ),
        );
    }
    if policy.catalogue(ND331).is_some() {
        return (
            ND331.into(),
            Text::new(
                "no `catalogue:` and no approval before 2026-08-19: Decree 331/2026 applies",
                "không khai báo `catalogue:` và chưa được phê duyệt trước 19/8/2026: áp dụng Nghị định 331/2026",
            ),
        );
    }
    (
        TT12.into(),
        Text::new(
            "no `catalogue:` given; the Decree 331/2026 catalogue is not installed, so Circular 12/2022 applies",
            "không khai báo `catalogue:`; chưa có danh mục Nghị định 331/2026 nên áp dụng Thông tư 12/2022",
        ),
    )
}
