//! Just enough DER to read a certificate's not-after time: Certificate → tbsCertificate
//! → validity → notAfter. Every length is checked; anything unexpected is an error
//! that says where, never a panic.

use base64::Engine;

/// One TLV: tag, contents, and what follows it.
fn tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&tag, rest) = input.split_first().ok_or("truncated: no tag")?;
    let (&first, mut rest) = rest.split_first().ok_or("truncated: no length")?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err("unsupported or truncated length".into());
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | usize::from(b);
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return Err(format!("element of {len} bytes runs past the end"));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn expect<'a>(input: &'a [u8], tag: u8, what: &str) -> Result<(&'a [u8], &'a [u8]), String> {
    let (t, body, rest) = tlv(input)?;
    if t != tag {
        return Err(format!(
            "expected {what} (tag {tag:#04x}), found tag {t:#04x}"
        ));
    }
    Ok((body, rest))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`, to Unix seconds.
fn time(tag: u8, body: &[u8]) -> Result<i64, String> {
    let text = std::str::from_utf8(body).map_err(|_| "time is not text")?;
    let digits = text.strip_suffix('Z').ok_or("time is not in UTC")?;
    let (year, rest) = match (tag, digits.len()) {
        (0x17, 12) => {
            let yy: i64 = digits[..2].parse().map_err(|_| "bad year")?;
            // RFC 5280: 50..99 are 1950..1999.
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (0x18, 14) => (digits[..4].parse().map_err(|_| "bad year")?, &digits[4..]),
        _ => return Err(format!("unsupported time {text:?}")),
    };
    let n = |i: usize| -> Result<i64, String> {
        rest.get(i..i + 2)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad time {text:?}"))
    };
    let (mo, d, h, mi, s) = (n(0)?, n(2)?, n(4)?, n(6)?, n(8)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return Err(format!("bad time {text:?}"));
    }
    Ok(days_from_civil(year, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// The not-after time of one DER certificate, in Unix seconds.
pub fn not_after_der(der: &[u8]) -> Result<i64, String> {
    let (cert, _) = expect(der, 0x30, "Certificate")?;
    let (mut tbs, _) = expect(cert, 0x30, "tbsCertificate")?;
    // [0] version is optional.
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs)?.2;
    }
    let (_, rest) = expect(tbs, 0x02, "serialNumber")?;
    let (_, rest) = expect(rest, 0x30, "signature algorithm")?;
    let (_, rest) = expect(rest, 0x30, "issuer")?;
    let (validity, _) = expect(rest, 0x30, "validity")?;
    let (_, _, after) = tlv(validity)?;
    let (tag, body, _) = tlv(after)?;
    time(tag, body)
}

/// The soonest not-after among the certificates of a PEM file (a CA bundle may hold
/// several).
pub fn soonest_not_after_pem(pem: &str) -> Result<i64, String> {
    let mut soonest: Option<i64> = None;
    let mut body: Option<String> = None;
    for line in pem.lines().map(str::trim) {
        if line == "-----BEGIN CERTIFICATE-----" {
            body = Some(String::new());
        } else if line == "-----END CERTIFICATE-----" {
            let b64 = body.take().ok_or("END without BEGIN")?;
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| format!("bad base64 in the certificate: {e}"))?;
            let t = not_after_der(&der)?;
            soonest = Some(soonest.map_or(t, |s| s.min(t)));
        } else if let Some(b) = body.as_mut() {
            b.push_str(line);
        }
    }
    soonest.ok_or_else(|| "no certificate in the file".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_both_encodings() {
        assert_eq!(time(0x17, b"700101000000Z"), Ok(0));
        assert_eq!(time(0x17, b"491231235959Z"), Ok(2_524_607_999));
        assert_eq!(time(0x18, b"20261201000000Z"), Ok(1_796_083_200));
        assert!(time(0x17, b"7001010000Z").is_err());
        assert!(time(0x18, b"20261301000000Z").is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"\x30",
            b"\x30\x85\xff\xff\xff\xff\xff",
            b"\x30\x02\x30\x05",
        ] {
            assert!(not_after_der(bad).is_err(), "{bad:?}");
        }
        assert!(soonest_not_after_pem("hello").is_err());
        assert!(
            soonest_not_after_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----")
                .is_err()
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = not_after_der(&bytes);
        }
    }
}
