//! One `etcd_client::Client` per endpoint: a client built with several endpoints does
//! not fail over by itself, and we want to know which member said what.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use etcd_client::{Certificate, Client, ConnectOptions, Identity, TlsOptions};

use super::errors::{EtcdError, Problem};
use super::insecure;
use super::spec::{ConnectSpec, TlsFiles};

/// A connected (or lazily connecting) client for exactly one endpoint.
#[derive(Clone)]
pub struct EndpointClient {
    pub endpoint: String,
    pub client: Client,
    pub command_timeout: Duration,
    /// Whether we present a client certificate: a server that drops us for lack of
    /// one looks the same on the wire as one that rejects ours.
    pub has_identity: bool,
}

impl EndpointClient {
    /// Runs one call with the command timeout: a frozen member must never hang us.
    pub async fn call<T, F, Fut>(&self, f: F) -> Result<T, EtcdError>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        with_timeout(&self.endpoint, self.command_timeout, f(self.client.clone()))
            .await
            .map_err(|e| refine(e, self.has_identity))
    }
}

fn refine(mut e: EtcdError, has_identity: bool) -> EtcdError {
    if e.problem == Problem::TlsClientCertRejected && !has_identity {
        e.problem = Problem::TlsClientCertRequired;
    }
    e
}

pub async fn with_timeout<T, Fut>(endpoint: &str, after: Duration, fut: Fut) -> Result<T, EtcdError>
where
    Fut: Future<Output = Result<T, etcd_client::Error>>,
{
    match tokio::time::timeout(after, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(EtcdError::from_client(endpoint, &e)),
        Err(_) => Err(EtcdError::timeout(endpoint, after)),
    }
}

/// Certificates read from disk once per connection attempt.
#[derive(Clone)]
pub struct LoadedTls {
    pub ca_pem: Option<Vec<u8>>,
    pub identity_pem: Option<(Vec<u8>, Vec<u8>)>,
    pub insecure_skip_verify: bool,
}

pub fn load_tls(files: &TlsFiles) -> Result<LoadedTls, EtcdError> {
    let ca_pem = files
        .cacert
        .as_deref()
        .map(|p| read_pem(p, "CA certificate (--cacert)"))
        .transpose()?;
    let identity_pem = match (&files.cert, &files.key) {
        (Some(cert), Some(key)) => Some((
            read_pem(cert, "client certificate (--cert)")?,
            read_key(key)?,
        )),
        (None, None) => None,
        (Some(_), None) => return Err(EtcdError::settings("--cert needs --key")),
        (None, Some(_)) => return Err(EtcdError::settings("--key needs --cert")),
    };
    Ok(LoadedTls {
        ca_pem,
        identity_pem,
        insecure_skip_verify: files.insecure_skip_verify,
    })
}

fn read_pem(path: &Path, what: &str) -> Result<Vec<u8>, EtcdError> {
    let bytes = std::fs::read(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::PermissionDenied {
            " (try sudo: kubeadm keeps etcd keys readable by root only)"
        } else {
            ""
        };
        EtcdError::settings(format!("cannot read {what} {}: {e}{hint}", path.display()))
    })?;
    if !bytes.windows(10).any(|w| w == b"-----BEGIN") {
        return Err(EtcdError::settings(format!(
            "{what} {} is not a PEM file",
            path.display()
        )));
    }
    Ok(bytes)
}

/// A certificate where the key should be (the two swapped) would otherwise surface as
/// an opaque transport error.
fn read_key(path: &Path) -> Result<Vec<u8>, EtcdError> {
    let bytes = read_pem(path, "client key (--key)")?;
    if !bytes.windows(11).any(|w| w == b"PRIVATE KEY") {
        return Err(EtcdError::settings(format!(
            "client key (--key) {} holds no private key (are --cert and --key swapped?)",
            path.display()
        )));
    }
    Ok(bytes)
}

/// etcdctl accepts `host:port`; the scheme follows from whether TLS is configured.
pub fn normalize_endpoint(endpoint: &str, tls: bool) -> String {
    let e = endpoint.trim().trim_end_matches('/');
    if e.starts_with("http://") || e.starts_with("https://") {
        e.to_string()
    } else if tls {
        format!("https://{e}")
    } else {
        format!("http://{e}")
    }
}

/// Builds the client for one endpoint. With credentials this authenticates, so it is
/// bounded by the dial and command timeouts together.
pub async fn connect_endpoint(
    endpoint: &str,
    spec: &ConnectSpec,
    tls: Option<&LoadedTls>,
) -> Result<EndpointClient, EtcdError> {
    let url = normalize_endpoint(endpoint, tls.is_some());
    let mut options = ConnectOptions::new()
        .with_connect_timeout(spec.dial_timeout)
        .with_keep_alive(Duration::from_secs(10), Duration::from_secs(5))
        .with_keep_alive_while_idle(true);
    if let Some(c) = &spec.credentials {
        let password = c.password.as_ref().map(|p| p.expose()).unwrap_or_default();
        options = options.with_user(c.user.clone(), password);
    }
    let bound = spec.dial_timeout + spec.command_timeout;
    let connecting = async {
        match tls {
            Some(t) if t.insecure_skip_verify => {
                let channel = insecure::channel(&url, t, spec.dial_timeout)?;
                Client::from_channel(etcd_client::Channel::Tonic(channel), Some(options))
                    .await
                    .map_err(|e| EtcdError::from_client(&url, &e))
            }
            Some(t) if url.starts_with("https://") => {
                let options = options.with_tls(tls_options(t));
                Client::connect([url.as_str()], Some(options))
                    .await
                    .map_err(|e| EtcdError::from_client(&url, &e))
            }
            _ => Client::connect([url.as_str()], Some(options))
                .await
                .map_err(|e| EtcdError::from_client(&url, &e)),
        }
    };
    let has_identity = tls.is_some_and(|t| t.identity_pem.is_some());
    let client = match tokio::time::timeout(bound, connecting).await {
        Ok(r) => r.map_err(|e| refine(e, has_identity))?,
        Err(_) => return Err(EtcdError::timeout(&url, bound)),
    };
    Ok(EndpointClient {
        endpoint: url,
        client,
        command_timeout: spec.command_timeout,
        has_identity,
    })
}

/// A bare gRPC channel to one endpoint, for the calls etcd-client does not have
/// (`AuthStatus`). Unauthenticated: those calls need no token. Connects on first use,
/// so the caller's timeout bounds the dial too.
pub fn raw_channel(
    endpoint: &str,
    spec: &ConnectSpec,
) -> Result<tonic::transport::Channel, EtcdError> {
    let tls = spec.tls.as_ref().map(load_tls).transpose()?;
    let url = normalize_endpoint(endpoint, tls.is_some());
    let bad = |e: tonic::transport::Error| EtcdError::settings(format!("bad endpoint {url}: {e}"));
    let ep = match &tls {
        Some(t) if t.insecure_skip_verify => {
            return insecure::channel(&url, t, spec.dial_timeout);
        }
        Some(t) if url.starts_with("https://") => {
            tonic::transport::Endpoint::from_shared(url.clone())
                .map_err(bad)?
                .tls_config(tls_options(t))
                .map_err(bad)?
        }
        _ => tonic::transport::Endpoint::from_shared(url.clone()).map_err(bad)?,
    };
    Ok(ep.connect_timeout(spec.dial_timeout).connect_lazy())
}

fn tls_options(t: &LoadedTls) -> TlsOptions {
    let mut o = TlsOptions::new();
    if let Some(ca) = &t.ca_pem {
        o = o.ca_certificate(Certificate::from_pem(ca));
    } else {
        // Without --cacert etcdctl trusts the system roots; so do we.
        o = o.with_enabled_roots();
    }
    if let Some((cert, key)) = &t.identity_pem {
        o = o.identity(Identity::from_pem(cert, key));
    }
    o
}

/// Connects every endpoint of the spec. Failing endpoints come back as errors in place,
/// so one dead member never hides the others.
pub async fn connect_all(
    spec: &ConnectSpec,
) -> Result<Vec<Result<EndpointClient, EtcdError>>, EtcdError> {
    if spec.endpoints.is_empty() {
        return Err(EtcdError::settings("no endpoints given"));
    }
    let tls = spec.tls.as_ref().map(load_tls).transpose()?;
    let futures = spec
        .endpoints
        .iter()
        .map(|ep| connect_endpoint(ep, spec, tls.as_ref()));
    Ok(futures::future::join_all(futures).await)
}

impl From<std::io::Error> for EtcdError {
    fn from(e: std::io::Error) -> Self {
        EtcdError::new(Problem::Other, None, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_get_the_scheme_etcdctl_would_use() {
        assert_eq!(
            normalize_endpoint("127.0.0.1:2379", false),
            "http://127.0.0.1:2379"
        );
        assert_eq!(
            normalize_endpoint("10.0.0.1:2379", true),
            "https://10.0.0.1:2379"
        );
        assert_eq!(normalize_endpoint("http://a:1/", true), "http://a:1");
    }

    #[test]
    fn unreadable_certificates_are_named() {
        let files = TlsFiles {
            cacert: Some("/nonexistent/ca.crt".into()),
            ..TlsFiles::default()
        };
        let err = load_tls(&files)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("/nonexistent/ca.crt"), "{err}");
        assert!(err.contains("CA certificate"), "{err}");
    }

    #[test]
    fn cert_without_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("c.pem");
        std::fs::write(&cert, "-----BEGIN CERTIFICATE-----\n").unwrap();
        let files = TlsFiles {
            cert: Some(cert),
            ..TlsFiles::default()
        };
        let err = load_tls(&files)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(err, "--cert needs --key");
    }
}
