//! rustls's own account of a rejected server certificate (the names it is valid for,
//! when it expired), lifted out of the transport error's cause chain: the generic
//! advice cannot know those facts, and they are what the operator needs to act.

use crate::decode::k8s::gotime::rfc3339;

const OPENINGS: [&str; 3] = [
    "certificate not valid for name",
    "certificate expired",
    "certificate not valid yet",
];

/// The sentence for a certificate problem, if rustls gave one, in plain words.
pub fn certificate_reason(detail: &str) -> Option<String> {
    let start = OPENINGS.iter().filter_map(|o| detail.find(o)).min()?;
    let rest = &detail[start..];
    // The sentence sits inside a Debug-quoted message: it ends at the closing quote.
    let end = rest.find("\", ").unwrap_or(rest.len());
    let text = rest[..end].trim_end_matches('"').replace("\\\"", "\"");
    Some(
        when(
            &text,
            "certificate expired",
            "not valid after ",
            "expired at",
        )
        .or_else(|| {
            when(
                &text,
                "certificate not valid yet",
                "not valid before ",
                "is not valid before",
            )
        })
        .unwrap_or_else(|| unwrap_names(&text)),
    )
}

/// "certificate expired: verification time T (UNIX), but certificate is not valid
/// after N (…)" → "the certificate expired at 2020-01-01T00:00:00Z".
fn when(text: &str, opening: &str, marker: &str, verb: &str) -> Option<String> {
    if !text.starts_with(opening) {
        return None;
    }
    let after = &text[text.find(marker)? + marker.len()..];
    let secs: i64 = after.split_whitespace().next()?.parse().ok()?;
    Some(format!(
        "the certificate {verb} {}",
        rfc3339(secs, 0, false)
    ))
}

/// `DnsName("etcd.example")` → `"etcd.example"`.
fn unwrap_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("DnsName(") {
        out.push_str(&rest[..i]);
        let inner = &rest[i + "DnsName(".len()..];
        match inner.find(')') {
            Some(j) => {
                out.push_str(&inner[..j]);
                rest = &inner[j + 1..];
            }
            None => {
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::certificate_reason;

    /// Verbatim details from etcd 3.4.23 with the test PKI's bad certificates.
    #[test]
    fn says_which_names_and_which_date() {
        let other_host = r#"grpc request error: code: 'The service is currently unavailable', message: "invalid peer certificate: certificate not valid for name \"127.0.0.1\"; certificate is only valid for DnsName(\"etcd.example.invalid\")", source: tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(NotValidForNameContext { expected: IpAddress(V4(Ipv4Addr([127, 0, 0, 1]))), presented: ["DnsName(\"etcd.example.invalid\")"] }) }))"#;
        assert_eq!(
            certificate_reason(other_host).as_deref(),
            Some(
                r#"certificate not valid for name "127.0.0.1"; certificate is only valid for "etcd.example.invalid""#
            )
        );
        let expired = r#"grpc request error: code: 'The service is currently unavailable', message: "invalid peer certificate: certificate expired: verification time 1796143653 (UNIX), but certificate is not valid after 1577836800 (218306853 seconds ago)", source: tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(ExpiredContext { time: UnixTime(1796143653), not_after: UnixTime(1577836800) }) }))"#;
        assert_eq!(
            certificate_reason(expired).as_deref(),
            Some("the certificate expired at 2020-01-01T00:00:00Z")
        );
        assert_eq!(
            certificate_reason("certificate not valid yet: verification time 1 (UNIX), but certificate is not valid before 86400 (86399 seconds in future)").as_deref(),
            Some("the certificate is not valid before 1970-01-02T00:00:00Z")
        );
        assert_eq!(
            certificate_reason("invalid peer certificate: UnknownIssuer"),
            None
        );
    }
}
