//! Scene and file `datetime`s as UTC instants: what STAC and the ordering of acquisitions
//! need from the RFC 3339 text the analyst writes.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// The instants a scene's `datetime` names: itself, or an interval's closed ends. A plain
/// date is its day's first second (as an interval's end, its last second), in UTC.
pub fn instants(text: &str) -> Vec<DateTime<Utc>> {
    let parts: Vec<&str> = text.split('/').collect();
    let interval = parts.len() > 1;
    parts
        .iter()
        .enumerate()
        .filter(|(_, part)| **part != "..")
        .filter_map(|(i, part)| {
            if let Ok(t) = DateTime::parse_from_rfc3339(part) {
                return Some(t.to_utc());
            }
            let day = NaiveDate::parse_from_str(part, "%Y-%m-%d").ok()?;
            let time = if interval && i == 1 {
                NaiveTime::from_hms_opt(23, 59, 59)?
            } else {
                NaiveTime::MIN
            };
            Some(day.and_time(time).and_utc())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("rfc 3339")
            .to_utc()
    }

    #[test]
    fn scene_datetimes_become_utc_instants_as_stac_wants_them() {
        assert_eq!(
            instants("2025-01-06T10:56:31+01:00"),
            vec![utc("2025-01-06T09:56:31Z")]
        );
        // A plain date (valid RFC 3339, but not a STAC date-time) is its whole day.
        assert_eq!(instants("2025-01-06"), vec![utc("2025-01-06T00:00:00Z")]);
        assert_eq!(
            instants("2025-01-01/2025-01-06"),
            vec![utc("2025-01-01T00:00:00Z"), utc("2025-01-06T23:59:59Z")]
        );
        assert_eq!(
            instants("../2025-01-06T12:00:00Z"),
            vec![utc("2025-01-06T12:00:00Z")]
        );
        assert!(instants("..").is_empty());
    }
}
