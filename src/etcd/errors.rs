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
    PermissionDenied,
    /// Our own settings are unusable: unreadable certificate, bad endpoint URL.
    Settings,
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

    pub fn timeout(endpoint: &str, after: Duration) -> Self {
        EtcdError::new(
            Problem::Timeout,
            Some(endpoint),
            format!("no answer within {}", crate::etcd::fmt_duration(after)),
        )
    }

    pub fn from_client(endpoint: &str, err: &etcd_client::Error) -> Self {
        let chain = cause_chain(err);
        EtcdError::new(classify(&chain), Some(endpoint), chain)
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
            Problem::TlsExpired => "a certificate has expired or is not yet valid",
            Problem::TlsClientCertRequired => {
                "the server requires a client certificate: pass --cert and --key"
            }
            Problem::TlsClientCertRejected => {
                "the server rejected the client certificate (not signed by its trusted CA?)"
            }
            Problem::TlsNotOffered => {
                "the endpoint does not speak TLS: use http:// or drop --cacert/--cert/--key"
            }
            Problem::TlsRequired => "the endpoint speaks TLS: use https:// and pass --cacert",
            Problem::AuthFailed => "wrong user name or password",
            Problem::AuthRequired => "authentication is enabled on this cluster: pass --user",
            Problem::PermissionDenied => "this user lacks the permission for that",
            Problem::Settings => "check the connection settings",
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
            Problem::AuthFailed | Problem::AuthRequired => "authentication failed",
            Problem::PermissionDenied => "permission denied",
            Problem::Settings => "unusable settings",
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
        if self.problem == Problem::Settings {
            return f.write_str(&self.detail);
        }
        write!(f, "{}: {}", self.headline(), self.advice())
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
    ]) {
        Problem::TlsNotOffered
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
    } else if has(&[
        "frame with invalid size",
        "http2 error",
        "connection reset",
        "h2 protocol",
    ]) {
        // A TLS server answering our plain-text HTTP/2 preface closes or garbles the
        // connection; there is no clearer signal than this.
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

    #[test]
    fn display_names_the_endpoint_and_says_what_to_do() {
        let e = EtcdError::new(Problem::AuthFailed, Some("https://10.0.0.1:2379"), "x");
        assert_eq!(
            e.to_string(),
            "https://10.0.0.1:2379: authentication failed: wrong user name or password"
        );
    }
}
