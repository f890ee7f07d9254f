//! Parsing of the small value syntaxes etcdctl users already know: Go durations
//! (`2s`, `500ms`, `1m30s`) and Go booleans (`true`, `1`, `F`).

use std::time::Duration;

const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Parses a timeout as etcdctl writes it: a Go duration (`2s`, `500ms`, `1m`, `1m30s`,
/// `1.5s`), or a bare number of seconds (`5`). Zero is rejected because every use is
/// a timeout or an interval, where zero would mean "fail at once" or "spin".
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration".to_string());
    }
    let bad = || format!("invalid duration \"{text}\": expected e.g. 2s, 500ms, 1m or 5");
    let nanos = if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        number_times(s, 1_000_000_000).ok_or_else(bad)?
    } else {
        let mut total: u128 = 0;
        let mut rest = s;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (num, tail) = rest.split_at(num_len);
            let unit_len = tail
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(tail.len());
            let (unit, next) = tail.split_at(unit_len);
            let scale = UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, scale)| *scale)
                .ok_or_else(bad)?;
            let part = number_times(num, scale).ok_or_else(bad)?;
            total = total.checked_add(part).ok_or_else(bad)?;
            rest = next;
        }
        total
    };
    if nanos == 0 {
        return Err(format!(
            "invalid duration \"{text}\": must be greater than zero"
        ));
    }
    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| bad())?;
    // The remainder is below 10^9, so it always fits.
    let sub = (nanos % 1_000_000_000) as u32;
    Ok(Duration::new(secs, sub))
}

/// `digits[.digits]` times `scale` nanoseconds, exactly (no float rounding).
fn number_times(num: &str, scale: u128) -> Option<u128> {
    let (whole, frac) = match num.split_once('.') {
        Some((w, f)) => (w, f),
        None => (num, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole_n: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut result = whole_n.checked_mul(scale)?;
    let mut div: u128 = 1;
    for digit in frac.bytes() {
        div = div.checked_mul(10)?;
        let d = u128::from(digit - b'0');
        result = result.checked_add(d.checked_mul(scale)? / div)?;
    }
    Some(result)
}

/// Go's `strconv.ParseBool`, which is what etcdctl applies to `ETCDCTL_*` booleans.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("10ns"), Ok(Duration::from_nanos(10)));
    }

    #[test]
    fn bare_number_is_seconds() {
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration(" 5 "), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("0.25"), Ok(Duration::from_millis(250)));
    }

    #[test]
    fn garbage_is_rejected_with_the_input_in_the_message() {
        for bad in ["", "s", "2x", "ms500", "-1s", "1..5s", "2 s", "1.2.3"] {
            let err = parse_duration(bad).expect_err(bad);
            if !bad.is_empty() {
                assert!(err.contains(bad), "{bad}: {err}");
            }
        }
    }

    #[test]
    fn zero_is_rejected() {
        assert!(
            parse_duration("0")
                .unwrap_err()
                .contains("greater than zero")
        );
        assert!(parse_duration("0s").is_err());
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert!(parse_duration("99999999999999999999999999999999999999h").is_err());
    }

    #[test]
    fn go_booleans() {
        for t in ["true", "1", "T", "TRUE", "True", "t"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "0", "F", "FALSE"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("yes"), None);
    }
}
