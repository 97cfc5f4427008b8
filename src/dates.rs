//! Calendar dates. Every date comparison in an evaluation uses one evaluation date (`--as-of`),
//! never the clock, so a report of a past period can be reproduced exactly.

use time::{Date, Month, OffsetDateTime};

const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A date or date-time that does not read as one; it holds the text found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("expected a date as YYYY-MM-DD, found `{0}`")]
    Date(String),
    /// Written as `YYYY-MM-DD` but no such day (`2025-02-30`): the month's length is told.
    #[error("`{found}` is not a real date ({month} {year} has {days} days)")]
    NoSuchDay { found: String, year: i32, month: Month, days: u8 },
    #[error("expected a date-time with its offset, e.g. 2026-10-03T08:30:00+07:00, found `{0}`")]
    DateTime(String),
}

impl DateError {
    /// The message in both languages.
    pub fn text(&self) -> crate::i18n::Text {
        let vi = match self {
            DateError::Date(s) => format!("cần ngày dạng YYYY-MM-DD, gặp `{s}`"),
            DateError::NoSuchDay { found, year, month, days } => {
                format!("`{found}` không phải ngày có thật (tháng {}/{year} có {days} ngày)", *month as u8)
            }
            DateError::DateTime(s) => {
                format!("cần ngày giờ kèm múi giờ, ví dụ 2026-10-03T08:30:00+07:00, gặp `{s}`")
            }
        };
        crate::i18n::Text::new(self.to_string(), vi)
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse(s: &str) -> Result<Date, DateError> {
    let t = s.trim();
    Date::parse(t, FORMAT).map_err(|_| no_such_day(t).unwrap_or_else(|| DateError::Date(s.to_string())))
}

/// A text in the form `YYYY-MM-DD` whose day does not exist in its month.
fn no_such_day(t: &str) -> Option<DateError> {
    let b = t.as_bytes();
    let form = b.len() == 10 && b[4] == b'-' && b[7] == b'-';
    if !form || !t.bytes().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit()) {
        return None;
    }
    let year: i32 = t[..4].parse().ok()?;
    let month = Month::try_from(t[5..7].parse::<u8>().ok()?).ok()?;
    let day: u8 = t[8..].parse().ok()?;
    let days = time::util::days_in_month(month, year);
    (day > days).then(|| DateError::NoSuchDay { found: t.to_string(), year, month, days })
}

const DATETIME_NO_SECONDS: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute][offset_hour sign:mandatory]:[offset_minute]"
);

/// Parses an RFC 3339 date-time with its UTC offset (`2026-10-03T08:30:00+07:00`); the seconds
/// may be left out. The offset is required: a deadline in hours is meaningless without it.
pub fn parse_datetime(s: &str) -> Result<OffsetDateTime, DateError> {
    let s = s.trim();
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .or_else(|_| OffsetDateTime::parse(s, DATETIME_NO_SECONDS))
        .map_err(|_| DateError::DateTime(s.to_string()))
}

pub fn format(d: Date) -> String {
    // Hand-formatted: this runs for every attestation of every system.
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// Today in UTC.
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// `d` plus `months` calendar months, clamped to the month's last day (2024-01-31 + 1 = 2024-02-29).
pub fn add_months(d: Date, months: u32) -> Date {
    let total = d.year() as i64 * 12 + (d.month() as i64 - 1) + months as i64;
    let (year, month0) = (total.div_euclid(12) as i32, total.rem_euclid(12) as u8);
    let month = Month::try_from(month0 + 1).unwrap_or(Month::December);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}

/// The latest yearly deadline (`month`-`day`) on or before `d`.
pub fn latest_deadline(d: Date, month: Month, day: u8) -> Date {
    let this_year = Date::from_calendar_date(d.year(), month, day).unwrap_or(d);
    if this_year <= d { this_year } else { Date::from_calendar_date(d.year() - 1, month, day).unwrap_or(d) }
}

/// The same deadline one year earlier.
pub fn year_before(d: Date) -> Date {
    Date::from_calendar_date(d.year() - 1, d.month(), d.day()).unwrap_or(d)
}

/// The reporting year a date falls in. Circular 12 Art. 13: the data period runs from 15 December
/// of the previous year to 14 December, so 2026-12-15 already belongs to period 2027.
pub fn reporting_period(d: Date) -> i32 {
    if d.month() == Month::December && d.day() >= 15 { d.year() + 1 } else { d.year() }
}

/// RFC 3339 UTC timestamp, second precision.
/// The current time, as RFC 3339 UTC (`2026-11-25T08:00:00Z`).
pub fn now() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The UTC date of a unix timestamp.
pub fn date_of_unix(secs: i64) -> Option<Date> {
    OffsetDateTime::from_unix_timestamp(secs).ok().map(|t| t.date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_clamp_to_month_end() {
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2025 - 06 - 01), 12), date!(2026 - 06 - 01));
        assert_eq!(add_months(date!(2025 - 11 - 30), 6), date!(2026 - 05 - 30));
    }

    #[test]
    fn period_turns_on_15_december() {
        assert_eq!(reporting_period(date!(2026 - 12 - 14)), 2026);
        assert_eq!(reporting_period(date!(2026 - 12 - 15)), 2027);
        assert_eq!(reporting_period(date!(2026 - 01 - 01)), 2026);
    }

    #[test]
    fn deadlines_fall_on_or_before_the_date() {
        assert_eq!(latest_deadline(date!(2026 - 12 - 24), Month::December, 24), date!(2026 - 12 - 24));
        assert_eq!(latest_deadline(date!(2026 - 12 - 23), Month::December, 24), date!(2025 - 12 - 24));
        assert_eq!(year_before(date!(2026 - 09 - 30)), date!(2025 - 09 - 30));
    }

    #[test]
    fn datetimes_need_an_offset() {
        let t = parse_datetime("2026-10-03T08:30+07:00").unwrap();
        assert_eq!(t, parse_datetime("2026-10-03T01:30:00Z").unwrap());
        assert_eq!(
            parse_datetime("2026-10-03T08:30:00").unwrap_err().to_string(),
            "expected a date-time with its offset, e.g. 2026-10-03T08:30:00+07:00, found `2026-10-03T08:30:00`"
        );
    }

    #[test]
    fn parses_strictly() {
        // In the form, but no such day: said so, with the month's length, in both languages.
        let e = parse("2026-02-30").unwrap_err();
        assert_eq!(e.to_string(), "`2026-02-30` is not a real date (February 2026 has 28 days)");
        assert_eq!(e.text().vi, "`2026-02-30` không phải ngày có thật (tháng 2/2026 có 28 ngày)");
        assert_eq!(
            parse("2026-04-31").unwrap_err().to_string(),
            "`2026-04-31` is not a real date (April 2026 has 30 days)"
        );
        assert_eq!(parse("2026-13-01"), Err(DateError::Date("2026-13-01".into())));
        assert_eq!(parse("26-1-1").unwrap_err().to_string(), "expected a date as YYYY-MM-DD, found `26-1-1`");
        assert_eq!(parse("2026-11-25").unwrap(), date!(2026 - 11 - 25));
    }
}
