//! Unix-second timestamps: the clock and an RFC 3339 reader. Tokens and import files carry
//! RFC 3339 strings; the crate has no date library, and a dozen lines of civil-date
//! arithmetic are cheaper than one.

/// Current unix time in seconds (0 if the clock is before 1970).
pub fn now_unix() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX)
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` into unix seconds (fraction dropped).
/// A space instead of `T` and a lowercase `t`/`z` are accepted (RFC 3339 §5.6 note).
pub fn parse_rfc3339(raw: &str) -> Option<i64> {
    let s = raw.trim().as_bytes();
    if s.len() < 20 || !matches!(s[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let separators_ok = s[4] == b'-' && s[7] == b'-' && s[13] == b':' && s[16] == b':';
    if !separators_ok {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // A leap second (:60) is folded into the next second rather than rejected.
    if second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if rest.first() == Some(&b'.') {
        let digits = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &rest[1 + digits..];
    }
    let offset = parse_offset(rest)?;
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// The zone suffix as seconds east of UTC.
fn parse_offset(rest: &[u8]) -> Option<i64> {
    match rest {
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |b: &u8| b.is_ascii_digit().then(|| i64::from(b - b'0'));
            let hours = digit(h1)? * 10 + digit(h2)?;
            let minutes = digit(m1)? * 10 + digit(m2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let secs = hours * 3600 + minutes * 60;
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => None,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A unix timestamp from JSON-ish input: seconds, or milliseconds when the number is too
/// large to be seconds (import files from other gateways use both).
pub fn unix_seconds_from_number(n: i64) -> i64 {
    // 10^11 s is the year 5138; anything above is a millisecond value.
    if n.abs() >= 100_000_000_000 {
        n / 1000
    } else {
        n
    }
}

/// Formats unix milliseconds as RFC 3339 UTC with millisecond precision, for the admin API.
pub fn format_rfc3339_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Inverse of `days_from_civil` (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utc_offsets_and_fractions() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-01-15T10:30:00Z"), Some(1_768_473_000));
        assert_eq!(
            parse_rfc3339("2026-01-15T12:30:00+02:00"),
            Some(1_768_473_000)
        );
        assert_eq!(
            parse_rfc3339("2026-01-15T10:30:00.123456789Z"),
            Some(1_768_473_000)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29 00:00:00-00:30"),
            Some(1_709_166_600)
        );
    }

    #[test]
    fn formats_and_reads_back() {
        for ms in [0_i64, 1_700_000_000_123, 951_782_400_000, 4_102_444_799_999] {
            let text = format_rfc3339_ms(ms);
            assert_eq!(parse_rfc3339(&text), Some(ms.div_euclid(1000)), "{text}");
        }
        assert_eq!(
            format_rfc3339_ms(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            format_rfc3339_ms(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2026-01-15",
            "2026-13-01T00:00:00Z",
            "2026-01-15T10:30:00",
            "x026-01-15T10:30:00Z",
            "2026-01-15T10:30:00.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn milliseconds_are_recognised() {
        assert_eq!(unix_seconds_from_number(1_768_473_000), 1_768_473_000);
        assert_eq!(unix_seconds_from_number(1_768_473_000_123), 1_768_473_000);
    }
}
