//! The inverse of `gotime`: RFC 3339 timestamps and Go duration strings back to numbers.

/// `2008-01-01T01:01:01Z` or `...01.000005+02:00` -> (Unix seconds, nanoseconds).
pub fn parse_rfc3339(s: &str) -> Result<(i64, i32), String> {
    let bad = || format!("{s:?} is not an RFC 3339 time (like 2008-01-01T01:01:01Z)");
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        let part = s.get(r).ok_or_else(bad)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse::<i64>().map_err(|_| bad())
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return Err(bad());
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return Err(bad());
    }
    let mut rest = &s[19..];
    let mut nanos: i64 = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return Err(bad());
        }
        let text = &frac[..digits];
        nanos = text.parse::<i64>().map_err(|_| bad())? * 10i64.pow(9 - digits as u32);
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let ob = rest.as_bytes();
            if ob.len() != 6 || !matches!(ob[0], b'+' | b'-') || ob[3] != b':' {
                return Err(bad());
            }
            let oh: i64 = rest[1..3].parse().map_err(|_| bad())?;
            let om: i64 = rest[4..6].parse().map_err(|_| bad())?;
            let off = oh * 3600 + om * 60;
            if ob[0] == b'-' { -off } else { off }
        }
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    Ok((secs, nanos as i32))
}

/// Howard Hinnant's days_from_civil: the inverse of `gotime::civil_from_days`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Go's `time.ParseDuration`: "1h2m3.5s", "-1.5ms", "0" -> nanoseconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || format!("{s:?} is not a Go duration (like 1h30m or 2.5s)");
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let n = rest
            .bytes()
            .take_while(|c| c.is_ascii_digit() || *c == b'.')
            .count();
        let number = &rest[..n];
        rest = &rest[n..];
        let u = rest
            .bytes()
            .take_while(|c| !c.is_ascii_digit() && *c != b'.')
            .count();
        let unit: i128 = match &rest[..u] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(bad()),
        };
        rest = &rest[u..];
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        let w: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        total += w * unit;
        let mut scale = unit;
        for c in frac.bytes() {
            if !c.is_ascii_digit() {
                return Err(bad());
            }
            scale /= 10;
            total += i128::from(c - b'0') * scale;
        }
        if total > i128::from(i64::MAX) + 1 {
            return Err(bad());
        }
    }
    let total = if neg { -total } else { total };
    i64::try_from(total).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::super::gotime;
    use super::*;

    #[test]
    fn times_round_trip_through_gotime() {
        for (secs, nanos) in [(1_199_149_261, 0), (0, 0), (-1, 0), (-62_135_596_800, 0)] {
            let text = gotime::rfc3339(secs, nanos, false);
            assert_eq!(parse_rfc3339(&text), Ok((secs, 0)), "{text}");
        }
        let text = gotime::rfc3339(1_199_149_261, 5_000, true);
        assert_eq!(parse_rfc3339(&text), Ok((1_199_149_261, 5_000)));
        assert_eq!(
            parse_rfc3339("2008-01-01T03:01:01+02:00"),
            Ok((1_199_149_261, 0))
        );
        assert!(parse_rfc3339("2008-01-01").is_err());
        assert!(parse_rfc3339("2008-13-01T01:01:01Z").is_err());
    }

    #[test]
    fn durations_round_trip_through_gotime() {
        for n in [
            0,
            1,
            1_500,
            1_500_000,
            1_000_000_000,
            61_000_000_000,
            -90_500_000_000,
        ] {
            assert_eq!(parse_duration(&gotime::go_duration(n)), Ok(n));
        }
        assert_eq!(parse_duration(&gotime::go_duration(i64::MIN)), Ok(i64::MIN));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("1x").is_err());
    }
}
