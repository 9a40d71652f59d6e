//! Lenient date-time parsing for "start-datetime" and "end-datetime".
//!
//! RFC 8460 §4.4 asks for RFC 3339 date-times. Producers also send them without an
//! offset (read as UTC), with fractional seconds, with a space instead of `T`, with a
//! `+0000` offset, as a bare date, or as Unix seconds.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

const NAIVE_FORMATS: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"];
const OFFSET_FORMATS: [&str; 2] = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"];

/// Parses a report date-time; `None` when it is not a date-time at all.
pub fn parse_datetime(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        return Some(dt.with_timezone(&Utc));
    }
    let upper = value.to_ascii_uppercase();
    let value = upper.strip_suffix('Z').unwrap_or(&upper).trim_end();
    for format in OFFSET_FORMATS {
        if let Ok(dt) = DateTime::parse_from_str(value, format) {
            return Some(dt.with_timezone(&Utc));
        }
    }
    for format in NAIVE_FORMATS {
        if let Ok(dt) = NaiveDateTime::parse_from_str(value, format) {
            return Some(dt.and_utc());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|dt| dt.and_utc());
    }
    value
        .parse::<i64>()
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn accepts_every_shape_seen() {
        let midnight = utc("2023-01-01T00:00:00Z");
        for shape in [
            "2023-01-01T00:00:00Z",
            "2023-01-01T00:00:00",
            "2023-01-01T00:00:00.000Z",
            "2023-01-01 00:00:00",
            "2023-01-01T01:00:00+01:00",
            "2023-01-01T01:00:00+0100",
            "2023-01-01t00:00:00z",
            "2023-01-01",
            " 2023-01-01T00:00:00Z ",
            "1672531200",
        ] {
            assert_eq!(parse_datetime(shape), Some(midnight), "{shape}");
        }
    }

    #[test]
    fn keeps_fractional_seconds() {
        let dt = parse_datetime("2023-01-01T23:59:59.999").unwrap();
        assert_eq!(dt.timestamp_subsec_millis(), 999);
    }

    #[test]
    fn rejects_non_dates() {
        for junk in ["", "yesterday", "2023-13-01T00:00:00Z", "01/02/2023"] {
            assert_eq!(parse_datetime(junk), None, "{junk}");
        }
    }
}
