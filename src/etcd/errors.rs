//! Errors from etcd and the transport, turned into words a person can act on.
//!
//! tonic and rustls bury the real cause several `source()` levels deep (a wrong CA is a
//! "transport error" whose third cause says `UnknownIssuer`), so we classify on the
//! whole cause chain rather than on the top-level variant.

use std::fmt;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Nothing listens, or the network says no.
    Unreachable,
    /// No answer within the timeout: a frozen member or a black-holed network.
    Timeout,
    TlsUnknownCa,
    TlsWrongHost,
    TlsExpired,
    TlsClientCertRequired,
    TlsClientCertRejected,
    /// We spoke TLS to a plain-text endpoint.
    TlsNotOffered,
    /// We spoke plain text to a TLS endpoint.
    TlsRequired,
    AuthFailed,
    AuthRequired,
    /// We sent a user to a cluster that has authentication switched off.
    AuthDisabled,
    PermissionDenied,
    /// Our own settings are unusable: unreadable certificate, bad endpoint URL.
    Settings,
    /// A local file could not be written, renamed or created: the detail names the
    /// path and the operating system's reason.
    File,
    Compacted,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcdError {
    pub problem: Problem,
    pub endpoint: Option<String>,
    /// The underlying message, kept for the log and the detail pane.
    pub detail: String,
}

impl EtcdError {
    pub fn new(problem: Problem, endpoint: Option<&str>, detail: impl Into<String>) -> Self {
        EtcdError {
            problem,
            endpoint: endpoint.map(str::to_string),
            detail: detail.into(),
        }
    }

    pub fn settings(detail: impl Into<String>) -> Self {
        EtcdError::new(Problem::Settings, None, detail)
    }

    /// A local file failed: `detail` names the path and the OS reason.
    pub fn file(detail: impl Into<String>) -> Self {
        EtcdError::new(Problem::File, None, detail)
    }

    pub fn timeout(endpoint: &str, after: Duration) -> Self {
        EtcdError::new(
            Problem::Timeout,
            Some(endpoint),
            format!("no answer within {}", crate::etcd::fmt_duration(after)),
        )
    }

    pub fn from_client(endpoint: &str, err: &etcd_client::Error) -> Self {
        let chain = cause_chain(err);
        EtcdError::new(classify_at(endpoint, &chain), Some(endpoint), chain)
    }

    /// Whether retrying the same thing can help; a wrong password will not fix itself,
    /// but we still retry slowly because the operator may fix the server side.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.problem,
            Problem::Unreachable | Problem::Timeout | Problem::Other
        )
    }

    /// One sentence: what is wrong and what to do about it.
    pub fn advice(&self) -> &'static str {
        match self.problem {
            Problem::Unreachable => "is etcd running there? check --endpoints",
            Problem::Timeout => "the member may be frozen or the network dropping packets",
            Problem::TlsUnknownCa => {
                "the server certificate is not signed by the CA given with --cacert (wrong CA?)"
            }
            Problem::TlsWrongHost => {
                "the server certificate does not name this host: connect by a name or IP in its SANs"
            }
            Problem::TlsExpired => {
                "a certificate has expired or is not yet valid: renew it, or check the clock"
            }
            Problem::TlsClientCertRequired => {
                "the server requires a client certificate: pass --cert and --key"
            }
            // etcd (Go's TLS server) sends the same `bad_certificate` alert whether the
            // certificate is missing or signed by a CA it does not trust.
            Problem::TlsClientCertRejected => {
                "the server refused the client certificate (none given, or not signed by a CA it trusts): check --cert and --key"
            }
            Problem::TlsNotOffered => {
                "the endpoint does not speak TLS: use http:// or drop --cacert/--cert/--key"
            }
            Problem::TlsRequired => "the endpoint speaks TLS: use https:// and pass --cacert",
            Problem::AuthFailed => "wrong user name or password",
            Problem::AuthRequired => "authentication is enabled on this cluster: pass --user",
            Problem::AuthDisabled => {
                "authentication is not enabled on this cluster: connect without --user"
            }
            Problem::PermissionDenied => "this user lacks the permission for that",
            Problem::Settings => "check the connection settings",
            Problem::File => {
                "check the path: the directory must exist and be writable, with room for the file"
            }
            Problem::Compacted => "that revision has been compacted away",
            Problem::Other => "see the log for details",
        }
    }

    pub fn headline(&self) -> &'static str {
        match self.problem {
            Problem::Unreachable => "connection refused",
            Problem::Timeout => "timed out",
            Problem::TlsUnknownCa
            | Problem::TlsWrongHost
            | Problem::TlsExpired
            | Problem::TlsNotOffered
            | Problem::TlsRequired => "TLS handshake failed",
            Problem::TlsClientCertRequired | Problem::TlsClientCertRejected => {
                "client certificate refused"
            }
            Problem::AuthFailed | Problem::AuthRequired | Problem::AuthDisabled => {
                "authentication failed"
            }
            Problem::PermissionDenied => "permission denied",
            Problem::Settings => "unusable settings",
            Problem::File => "file error",
            Problem::Compacted => "revision compacted",
            Problem::Other => "request failed",
        }
    }
}

impl fmt::Display for EtcdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ep) = &self.endpoint {
            write!(f, "{ep}: ")?;
        }
        match self.problem {
            Problem::Settings | Problem::File => f.write_str(&self.detail),
            // Nothing better to say than what etcd said: show it rather than hide it.
            Problem::Other => {
                let short: String = self.detail.chars().take(300).collect();
                write!(f, "{}: {short}", self.headline())
            }
            Problem::TlsWrongHost | Problem::TlsExpired => {
                match super::cert_reason::certificate_reason(&self.detail) {
                    Some(why) => write!(f, "{}: {why}; {}", self.headline(), self.advice()),
                    None => write!(f, "{}: {}", self.headline(), self.advice()),
                }
            }
            _ => write!(f, "{}: {}", self.headline(), self.advice()),
        }
    }
}

impl std::error::Error for EtcdError {}

/// The messages of an error and all its causes, joined, without repeats: tonic often
/// repeats the inner message in the outer one.
pub fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let msg = e.to_string();
        if !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        cur = e.source();
    }
    parts.join(": ")
}

pub fn classify(chain: &str) -> Problem {
    let c = chain.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| c.contains(n));
    if has(&["unknownissuer", "unknown issuer", "badsignature"]) {
        Problem::TlsUnknownCa
    } else if has(&["notvalidforname", "not valid for name"]) {
        Problem::TlsWrongHost
    } else if has(&["expired", "notvalidyet"]) {
        Problem::TlsExpired
    } else if has(&["certificaterequired", "certificate required"]) {
        Problem::TlsClientCertRequired
    } else if has(&[
        "badcertificate",
        "bad certificate",
        "unknownca",
        "unknown ca",
    ]) {
        Problem::TlsClientCertRejected
    } else if has(&[
        "invalidcontenttype",
        "corrupt message",
        "wrong version number",
        // etcd's plain-text listener drops a connection whose first bytes are neither
        // HTTP/1 nor HTTP/2, which is what a TLS ClientHello looks like to it.
        "tls handshake eof",
    ]) {
        Problem::TlsNotOffered
    } else if has(&["authentication is not enabled"]) {
        Problem::AuthDisabled
    } else if has(&["authentication failed", "invalid user id or password"]) {
        Problem::AuthFailed
    } else if has(&[
        "user name is empty",
        "invalid auth token",
        "token is not provided",
    ]) {
        Problem::AuthRequired
    } else if has(&["permission denied"]) {
        Problem::PermissionDenied
    } else if has(&[
        "required revision has been compacted",
        "mvcc: required revision",
    ]) {
        Problem::Compacted
    } else if has(&["deadline", "timed out", "timeout"]) {
        Problem::Timeout
    } else if has(DROPPED) || has(&["frame with invalid size", "http2 error", "h2 protocol"]) {
        // A TLS server answering our plain-text HTTP/2 preface closes the connection
        // (etcd 3.4 and 3.5 alike: "broken pipe" or "connection closed", whichever
        // hyper notices first), or garbles it; there is no clearer signal than this.
        Problem::TlsRequired
    } else if has(&[
        "connection refused",
        "tcp connect error",
        "dns error",
        "unavailable",
    ]) {
        Problem::Unreachable
    } else {
        Problem::Other
    }
}

/// The connection was closed under a request: a stream's or the connection's EOF in
/// h2 ("stream/connection closed because of a broken pipe"), a request hyper could not
/// send ("connection closed"), or a reset, also in `io::ErrorKind` debug form
/// (`Kind(ConnectionReset)`).
const DROPPED: &[&str] = &[
    "broken pipe",
    "brokenpipe",
    "connection closed",
    "connection reset",
    "connectionreset",
    "connectionaborted",
];

/// [`classify`], knowing which endpoint said it. A connection dropped under a
/// plain-text request means the endpoint wants TLS. On an `https://` endpoint it
/// depends on when: during the handshake (tonic's `ConnectError`) the server did not
/// understand our ClientHello, so it does not speak TLS (etcd 3.5 resets, 3.4 closes);
/// after the handshake the server refused our client certificate: with TLS 1.3
/// (etcd 3.4) the server checks it only after the client considers the handshake
/// done, and its `bad_certificate` alert is often lost to the reset that follows, so
/// all we see is the connection going away. (A member dying under a request looks
/// the same; the next attempt then says "connection refused".)
pub fn classify_at(endpoint: &str, chain: &str) -> Problem {
    let problem = classify(chain);
    let https = endpoint
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    if problem != Problem::TlsRequired || !https {
        return problem;
    }
    let c = chain.to_ascii_lowercase();
    if !DROPPED.iter().any(|n| c.contains(n)) {
        Problem::Other
    } else if c.contains("connecterror") {
        Problem::TlsNotOffered
    } else {
        Problem::TlsClientCertRejected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_messages_tonic_and_rustls_give() {
        let cases = [
            (
                "transport error: invalid peer certificate: UnknownIssuer",
                Problem::TlsUnknownCa,
            ),
            (
                "invalid peer certificate: NotValidForName",
                Problem::TlsWrongHost,
            ),
            (
                "received fatal alert: CertificateRequired",
                Problem::TlsClientCertRequired,
            ),
            (
                "received fatal alert: BadCertificate",
                Problem::TlsClientCertRejected,
            ),
            (
                "received corrupt message of type InvalidContentType",
                Problem::TlsNotOffered,
            ),
            (
                "etcdserver: authentication failed, invalid user ID or password",
                Problem::AuthFailed,
            ),
            ("etcdserver: user name is empty", Problem::AuthRequired),
            ("etcdserver: permission denied", Problem::PermissionDenied),
            (
                "tcp connect error: Connection refused (os error 111)",
                Problem::Unreachable,
            ),
            (
                "etcdserver: mvcc: required revision has been compacted",
                Problem::Compacted,
            ),
            ("something new", Problem::Other),
        ];
        for (msg, want) in cases {
            assert_eq!(classify(msg), want, "{msg}");
        }
    }

    /// Verbatim `EtcdError::detail` texts from etcd 3.4.23 and 3.5.1 (tests/connect.rs).
    #[test]
    fn classifies_what_real_etcd_said() {
        let cases = [
            (
                "https://127.0.0.1:1",
                "grpc request error: code: 'The service is currently unavailable', message: \"invalid peer certificate: UnknownIssuer\", source: tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))",
                Problem::TlsUnknownCa,
            ),
            // Missing or untrusted client certificate, etcd 3.5 (TLS 1.2: during the handshake).
            (
                "https://127.0.0.1:1",
                "grpc request error: code: 'The service is currently unavailable', message: \"received fatal alert: BadCertificate\", source: tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: AlertReceived(BadCertificate) }))",
                Problem::TlsClientCertRejected,
            ),
            // The same on etcd 3.4 (TLS 1.3: after the handshake), in its three forms.
            (
                "https://127.0.0.1:1",
                "grpc request error: code: 'Unknown error', message: \"transport error\", source: tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: InvalidData, error: \"received fatal alert: BadCertificate\" }))",
                Problem::TlsClientCertRejected,
            ),
            (
                "https://127.0.0.1:1",
                "grpc request error: code: 'Unknown error', message: \"transport error\", source: tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: BrokenPipe, error: \"stream closed because of a broken pipe\" }))",
                Problem::TlsClientCertRejected,
            ),
            (
                "https://127.0.0.1:1",
                "grpc request error: code: 'The operation was cancelled', message: \"operation was canceled\", source: tonic::transport::Error(Transport, hyper::Error(Canceled, \"connection closed\"))",
                Problem::TlsClientCertRejected,
            ),
            // Plain text to a TLS endpoint.
            (
                "http://127.0.0.1:1",
                "grpc request error: code: 'Unknown error', message: \"transport error\", source: tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: BrokenPipe, error: \"stream closed because of a broken pipe\" }))",
                Problem::TlsRequired,
            ),
            (
                "http://127.0.0.1:1",
                "grpc request error: code: 'The operation was cancelled', message: \"operation was canceled\", source: tonic::transport::Error(Transport, hyper::Error(Canceled, \"connection closed\"))",
                Problem::TlsRequired,
            ),
            (
                "http://127.0.0.1:1",
                "grpc request error: code: 'Unknown error', message: \"transport error\", source: tonic::transport::Error(Transport, hyper::Error(Io, Kind(ConnectionReset)))",
                Problem::TlsRequired,
            ),
            (
                "http://127.0.0.1:1",
                "grpc request error: code: 'Unknown error', message: \"transport error\", source: tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: BrokenPipe, error: \"connection closed because of a broken pipe\" }))",
                Problem::TlsRequired,
            ),
            // TLS to a plain-text endpoint.
            (
                "https://127.0.0.1:1",
                "grpc request error: code: 'The service is currently unavailable', message: \"tls handshake eof\", source: tonic::transport::Error(Transport, ConnectError(Custom { kind: UnexpectedEof, error: \"tls handshake eof\" }))",
                Problem::TlsNotOffered,
            ),
            (
                "https://127.0.0.1:1",
                "grpc request error: code: 'The service is currently unavailable', message: \"Connection reset by peer (os error 104)\", source: tonic::transport::Error(Transport, ConnectError(Os { code: 104, kind: ConnectionReset, message: \"Connection reset by peer\" }))",
                Problem::TlsNotOffered,
            ),
            // Garbled HTTP/2 after our own TLS handshake is not about plain text.
            (
                "https://127.0.0.1:1",
                "h2 protocol error: frame with invalid size",
                Problem::Other,
            ),
        ];
        for (endpoint, msg, want) in cases {
            assert_eq!(classify_at(endpoint, msg), want, "{endpoint}: {msg}");
        }
    }

    #[test]
    fn display_names_the_endpoint_and_says_what_to_do() {
        let e = EtcdError::new(Problem::AuthFailed, Some("https://10.0.0.1:2379"), "x");
        assert_eq!(
            e.to_string(),
            "https://10.0.0.1:2379: authentication failed: wrong user name or password"
        );
    }
}
