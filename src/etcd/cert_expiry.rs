//! When a certificate stops being valid: the not-after time of a DER certificate, or
//! the soonest of every certificate in a PEM bundle (a CA file often holds several).
//! Parsing is x509-parser's; anything it refuses is an error that says why, never a
//! panic.

use x509_parser::pem::Pem;

/// Seconds since the epoch at which the certificate expires.
pub fn not_after_der(der: &[u8]) -> Result<i64, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("not a readable X.509 certificate: {e}"))?;
    Ok(cert.validity().not_after.timestamp())
}

/// The soonest expiry of the certificates in a PEM file; other PEM blocks (a key) are
/// skipped.
pub fn soonest_not_after_pem(pem: &str) -> Result<i64, String> {
    let mut soonest: Option<i64> = None;
    for block in Pem::iter_from_buffer(pem.as_bytes()) {
        let block = block.map_err(|e| format!("bad PEM block: {e}"))?;
        if block.label != "CERTIFICATE" {
            continue;
        }
        let t = not_after_der(&block.contents)?;
        soonest = Some(soonest.map_or(t, |s| s.min(t)));
    }
    soonest.ok_or_else(|| "no certificate in the file".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_until(year: i32) -> String {
        let mut params = rcgen::CertificateParams::new(vec!["etcd".into()]).expect("params");
        params.not_after = rcgen::date_time_ymd(year, 12, 1);
        let key = rcgen::KeyPair::generate().expect("key");
        params.self_signed(&key).expect("self-signed").pem()
    }

    #[test]
    fn soonest_of_a_bundle_and_the_der_form_agree() {
        let (early, late) = (cert_until(2026), cert_until(2031));
        let bundle = format!("{late}{early}");
        // 2026-12-01T00:00:00Z
        assert_eq!(soonest_not_after_pem(&bundle), Ok(1_796_083_200));
        let der = Pem::iter_from_buffer(late.as_bytes())
            .next()
            .expect("one block")
            .expect("valid PEM")
            .contents;
        assert_eq!(not_after_der(&der), Ok(1_953_849_600));
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
