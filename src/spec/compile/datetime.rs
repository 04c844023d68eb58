//! `datetime` of a scene: RFC 3339, as STAC wants it — a date (`2025-01-06`), a date-time
//! with a zone (`2025-01-06T10:56:31Z`, `…+01:00`), or an interval of them (`a/b`, either end
//! `..` for open).

/// A `datetime` that is not an RFC 3339 instant or interval.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{text}` is not an RFC 3339 date or date-time; write e.g. \"2025-01-06\", \
     \"2025-01-06T10:56:31Z\" or an interval \"2025-01-01/2025-01-06\""
)]
pub(super) struct NotRfc3339 {
    text: String,
}

/// Why `text` is not an RFC 3339 instant or interval, if it is not.
pub(super) fn check(text: &str) -> Result<(), NotRfc3339> {
    let parts: Vec<&str> = text.split('/').collect();
    let ok = match parts.as_slice() {
        [one] => instant(one),
        [a, b] => {
            (*a == ".." || instant(a)) && (*b == ".." || instant(b)) && (*a, *b) != ("..", "..")
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(NotRfc3339 { text: text.into() })
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn date(s: &str) -> bool {
    let mut p = s.split('-');
    let (Some(y), Some(m), Some(d), None) = (p.next(), p.next(), p.next(), p.next()) else {
        return false;
    };
    let (Some(y), Some(m), Some(d)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

fn time(s: &str) -> bool {
    // HH:MM:SS[.fraction] then Z or ±HH:MM.
    let (clock, zone) = if let Some(c) = s.strip_suffix(['Z', 'z']) {
        (c, None)
    } else if s.len() > 6 && matches!(s.as_bytes()[s.len() - 6], b'+' | b'-') {
        (&s[..s.len() - 6], Some(&s[s.len() - 5..]))
    } else {
        return false; // RFC 3339 date-times carry a zone
    };
    if let Some(zone) = zone {
        let Some((h, m)) = zone.split_once(':') else {
            return false;
        };
        if !matches!((digits(h, 2), digits(m, 2)), (Some(0..=23), Some(0..=59))) {
            return false;
        }
    }
    let (whole, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut p = whole.split(':');
    let (Some(h), Some(m), Some(sec), None) = (p.next(), p.next(), p.next(), p.next()) else {
        return false;
    };
    matches!(
        (digits(h, 2), digits(m, 2), digits(sec, 2)),
        (Some(0..=23), Some(0..=59), Some(0..=60))
    )
}

fn instant(s: &str) -> bool {
    match s.split_once(['T', 't', ' ']) {
        Some((d, t)) => date(d) && time(t),
        None => date(s),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn rfc3339_instants_and_intervals_pass_and_prose_does_not() {
        for ok in [
            "2025-01-06",
            "2024-02-29",
            "2025-01-06T10:56:31Z",
            "2025-01-06T10:56:31.123+01:00",
            "2025-01-01/2025-01-06",
            "../2025-01-06T00:00:00Z",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "yesterday",
            "2025-13-01",
            "2023-02-29",
            "2025-01-06T10:56:31",
            "2025-01-06T25:00:00Z",
            "../..",
            "2025-1-6",
            "",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
