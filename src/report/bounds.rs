//! What a report may say and still be believed.
//!
//! Anyone can send a report to a published `rua` address, and a buggy sender writes
//! Unix milliseconds where seconds belong. A report whose counts or dates no real
//! sender can have is a problem that names the field and its value; it never becomes
//! a total that wraps or a day thousands of years away from the others. The rules
//! are stated in the README ("Counts and dates a report may have").

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::ReportError;
use super::model::DateRange;

/// The largest session count a report may state, and the largest total of one
/// policy or one report: 2^53 (about 9.007 × 10^15).
///
/// The largest mail providers count billions of sessions a day (about 2^33); 2^53
/// leaves a factor of a million above that, and it is the largest integer that
/// every JSON reader (JavaScript numbers, `f64`) and every chart axis holds exactly.
pub const MAX_SESSION_COUNT: u64 = 1 << 53;

/// A sum of session counts over any number of policies and reports.
///
/// Every count is at most [`MAX_SESSION_COUNT`] (2^53), so 2^75 of them fit: no set
/// of reports a machine can hold makes a sum wrap, and sums need no checks.
pub type SessionSum = u128;

/// The first day a report may start on: 2016-01-01. TLS reporting was first drafted
/// in 2016 (the RFC 8460 example report is dated 2016-04-01); an earlier date is an
/// error of the sender's clock or format (a Unix time of a few seconds).
pub const EARLIEST_START: NaiveDate = match NaiveDate::from_ymd_opt(2016, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// How far after the time of loading a report may start, in days: reports are sent
/// after the period they cover, so a later start is a clock or format error; two
/// days leave room for time zones and skewed clocks.
pub const MAX_DAYS_AHEAD: i64 = 2;

/// The longest date range a report may cover, in days. RFC 8460 §4.1 reports cover
/// a day; some senders send a week (a 2020 Google sample covers seven days); two
/// weeks leave room for that.
pub const MAX_RANGE_DAYS: i64 = 14;

/// Checks a report's date range against the rules above, at `now` (the time of
/// loading). The error says what is wrong and, for a time thousands of years ahead,
/// whether it reads as Unix milliseconds given as seconds.
pub fn check_date_range(range: &DateRange, now: DateTime<Utc>) -> Result<(), ReportError> {
    let DateRange { start, end } = *range;
    let implausible = |why: String| Err(ReportError::ImplausibleDates(why));
    let earliest = EARLIEST_START.and_time(chrono::NaiveTime::MIN).and_utc();
    let latest = now + Duration::days(MAX_DAYS_AHEAD);
    if start < earliest {
        return implausible(format!(
            "start-datetime {} is not plausible: TLS reports began in {}",
            shown(start),
            EARLIEST_START.format("%Y")
        ));
    }
    if start > latest {
        return implausible(format!(
            "start-datetime {} is not plausible: more than {} days after the time of loading ({}){}",
            shown(start),
            MAX_DAYS_AHEAD,
            now.format("%Y-%m-%d"),
            millisecond_hint(start, earliest, latest)
        ));
    }
    if end < start {
        return implausible(format!(
            "end-datetime {} is before start-datetime {}",
            shown(end),
            shown(start)
        ));
    }
    if end - start > Duration::days(MAX_RANGE_DAYS) {
        return implausible(format!(
            "date-range from {} to {} covers {} days; a report covers a day (at most {} accepted){}",
            shown(start),
            shown(end),
            (end - start).num_days(),
            MAX_RANGE_DAYS,
            millisecond_hint(end, earliest, latest)
        ));
    }
    Ok(())
}

/// Checks one session count (or a sum of them) against [`MAX_SESSION_COUNT`].
pub(crate) fn check_count(field: impl FnOnce() -> String, count: u64) -> Result<u64, ReportError> {
    if count <= MAX_SESSION_COUNT {
        return Ok(count);
    }
    Err(ReportError::InvalidCount {
        field: field(),
        problem: format!(
            "{count} is more than any sender counts (at most 2^53 = {MAX_SESSION_COUNT})"
        ),
    })
}

fn shown(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// " (Unix milliseconds given as seconds? ...)" when `time` read as milliseconds is
/// a plausible date.
fn millisecond_hint(time: DateTime<Utc>, earliest: DateTime<Utc>, latest: DateTime<Utc>) -> String {
    match DateTime::from_timestamp_millis(time.timestamp()) {
        Some(as_millis) if as_millis >= earliest && as_millis <= latest => format!(
            "; Unix milliseconds given as seconds? As milliseconds it is {}",
            shown(as_millis)
        ),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn range(start: &str, end: &str) -> DateRange {
        DateRange {
            start: utc(start),
            end: utc(end),
        }
    }

    fn error(start: &str, end: &str) -> String {
        let now = utc("2026-12-02T12:00:00Z");
        check_date_range(&range(start, end), now)
            .expect_err(start)
            .to_string()
    }

    #[test]
    fn a_day_a_week_and_the_rfc_example_are_plausible() {
        let now = utc("2026-12-02T12:00:00Z");
        for (start, end) in [
            ("2016-04-01T00:00:00Z", "2016-04-01T23:59:59Z"),
            ("2020-01-01T00:00:00Z", "2020-01-07T23:59:59Z"),
            ("2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z"),
            ("2026-08-01T00:00:00Z", "2026-08-01T00:00:00Z"),
            ("2026-08-01T00:00:00Z", "2026-08-15T00:00:00Z"),
        ] {
            assert_eq!(check_date_range(&range(start, end), now), Ok(()), "{start}");
        }
    }

    #[test]
    fn milliseconds_given_as_seconds_are_named() {
        // 1700000000000 seconds: what a sender writing milliseconds sends for 2023-11-14.
        let start = DateTime::from_timestamp(1_700_000_000_000, 0).unwrap();
        let now = utc("2026-12-02T12:00:00Z");
        let range = DateRange { start, end: start };
        let e = check_date_range(&range, now).unwrap_err().to_string();
        assert!(
            e.contains(": start-datetime +55840-11-08T22:13:20Z is"),
            "{e}"
        );
        assert!(e.contains("not plausible"), "{e}");
        assert!(e.contains("Unix milliseconds given as seconds"), "{e}");
        assert!(e.contains("2023-11-14T22:13:20Z"), "{e}");
    }

    #[test]
    fn implausible_ranges_say_why() {
        for (start, end, why) in [
            (
                "1970-01-01T00:00:00Z",
                "1970-01-02T00:00:00Z",
                "TLS reports began in 2016",
            ),
            (
                "2015-12-31T23:59:59Z",
                "2016-01-01T00:00:00Z",
                "began in 2016",
            ),
            (
                "2026-12-05T00:00:00Z",
                "2026-12-06T00:00:00Z",
                "after the time of loading (2026-12-02)",
            ),
            (
                "2026-08-02T00:00:00Z",
                "2026-08-01T00:00:00Z",
                "is before start-datetime",
            ),
            (
                "2026-01-01T00:00:00Z",
                "2026-12-31T00:00:00Z",
                "covers 364 days",
            ),
        ] {
            let e = error(start, end);
            assert!(e.contains(why), "{start}: {e}");
            assert!(!e.contains("milliseconds"), "{start}: {e}");
        }
    }

    #[test]
    fn counts_up_to_two_to_the_53_are_accepted() {
        assert_eq!(
            check_count(String::new, MAX_SESSION_COUNT),
            Ok(MAX_SESSION_COUNT)
        );
        let e = check_count(|| "policy 1 \"x\"".into(), MAX_SESSION_COUNT + 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unusable TLS report: policy 1 \"x\": 9007199254740993 is more than any sender counts (at most 2^53 = 9007199254740992)"
        );
    }
}
