//! Fetches a member's Prometheus `/metrics`. etcd serves it on every client URL and,
//! with `--listen-metrics-urls` (kubeadm: `http://127.0.0.1:2381`), on a separate
//! plain listener. One GET every few seconds needs no HTTP library: a small HTTP/1.1
//! exchange over tokio, with the etcd client's own TLS material for `https://`.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::connect::{LoadedTls, normalize_endpoint};
use super::errors::{EtcdError, Problem, cause_chain, classify_at};

/// etcd's `/metrics` is a few hundred KiB; anything far bigger is not etcd.
const MAX_BODY: usize = 32 << 20;
const MAX_HEADER_LINE: usize = 16 << 10;

/// GETs `<url>/metrics` (or `url` itself when it already ends in `/metrics`) and
/// returns the body. The whole exchange, connect included, is bounded by `timeout`:
/// a dead member fails at once with "connection refused", a frozen one (which still
/// accepts TCP connections in the kernel) after `timeout`.
pub async fn scrape(
    url: &str,
    tls: Option<&LoadedTls>,
    timeout: Duration,
) -> Result<String, EtcdError> {
    let (status, body, target) = get(url, "/metrics", tls, timeout).await?;
    if status == 200 {
        return Ok(body);
    }
    // Go's TLS server answers plain HTTP with a 400 that says so.
    let problem = if body.contains("HTTP request to an HTTPS server") {
        Problem::TlsRequired
    } else {
        Problem::Other
    };
    let excerpt: String = body.chars().take(200).collect();
    Err(EtcdError::new(
        problem,
        Some(&target),
        format!("GET /metrics answered HTTP {status}: {}", excerpt.trim()),
    ))
}

/// GETs `path` (`/health`, `/readyz?verbose`, ...) on the member serving `url` and
/// returns the HTTP status, the body and the URL asked, for messages; any status is
/// an answer. Bounded by `timeout` like [`scrape`].
pub async fn get(
    url: &str,
    path: &str,
    tls: Option<&LoadedTls>,
    timeout: Duration,
) -> Result<(u16, String, String), EtcdError> {
    let mut target = Target::parse(url, tls.is_some())?;
    target.path = path.to_string();
    let asked = format!("{}{}", target.base(), path);
    match tokio::time::timeout(timeout, fetch(&target, tls)).await {
        Ok(Ok((status, body))) => Ok((status, body, asked)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(EtcdError::timeout(&target.url, timeout)),
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Target {
    /// Normalized, for error messages.
    url: String,
    https: bool,
    /// Without brackets, for connecting and for the TLS server name.
    host: String,
    port: u16,
    /// For the `Host` header: as written, brackets and all.
    authority: String,
    path: String,
}

impl Target {
    /// Scheme and authority, without the path.
    fn base(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.authority)
    }

    fn parse(url: &str, tls: bool) -> Result<Target, EtcdError> {
        let url = normalize_endpoint(url, tls);
        let bad = |why: &str| EtcdError::settings(format!("bad metrics URL {url}: {why}"));
        let (https, rest) = match url.split_once("://") {
            Some(("https", rest)) => (true, rest),
            Some(("http", rest)) => (false, rest),
            _ => return Err(bad("only http:// and https:// are supported")),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            Some(p) => p.parse::<u16>().map_err(|_| bad("bad port"))?,
            None if https => 443,
            None => 80,
        };
        let path = if path.trim_end_matches('/').ends_with("/metrics") {
            path.to_string()
        } else {
            format!("{}/metrics", path.trim_end_matches('/'))
        };
        Ok(Target {
            https,
            host: host.to_string(),
            port,
            authority: authority.to_string(),
            path,
            url,
        })
    }
}

async fn fetch(target: &Target, tls: Option<&LoadedTls>) -> Result<(u16, String), EtcdError> {
    let io_err = |e: std::io::Error| {
        let chain = cause_chain(&e);
        EtcdError::new(classify_at(&target.url, &chain), Some(&target.url), chain)
    };
    let tcp = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(io_err)?;
    if !target.https {
        return exchange(tcp, target).await;
    }
    let config = client_config(tls)?;
    let name = ServerName::try_from(target.host.clone())
        .map_err(|e| EtcdError::settings(format!("bad host in {}: {e}", target.url)))?;
    let stream = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(io_err)?;
    exchange(stream, target).await
}

/// One request, one response, then the connection is dropped.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    target: &Target,
) -> Result<(u16, String), EtcdError> {
    let io_err = |e: std::io::Error| {
        let chain = cause_chain(&e);
        EtcdError::new(classify_at(&target.url, &chain), Some(&target.url), chain)
    };
    // `identity` because Go's promhttp gzips when asked and we would have to undo it.
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: etcdtui\r\nAccept: text/plain\r\n\
         Accept-Encoding: identity\r\nConnection: close\r\n\r\n",
        target.path, target.authority
    );
    stream.write_all(request.as_bytes()).await.map_err(io_err)?;
    stream.flush().await.map_err(io_err)?;
    let mut reader = BufReader::new(stream);
    let (status, headers) = read_head(&mut reader).await.map_err(io_err)?;
    let body = read_body(&mut reader, &headers).await.map_err(io_err)?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn invalid(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.into())
}

/// A CRLF- (or LF-) terminated line, bounded so a garbage stream cannot grow it.
async fn read_line<R: AsyncBufRead + Unpin>(r: &mut R) -> std::io::Result<String> {
    let mut line = Vec::new();
    let n = r
        .take(MAX_HEADER_LINE as u64)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "connection closed before the response was complete",
        ));
    }
    if !line.ends_with(b"\n") {
        return Err(invalid("response line too long"));
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

/// The status code and the headers, names lower-cased.
async fn read_head<R: AsyncBufRead + Unpin>(
    r: &mut R,
) -> std::io::Result<(u16, Vec<(String, String)>)> {
    let status_line = read_line(r).await?;
    let mut parts = status_line.split_whitespace();
    let status = match (parts.next(), parts.next()) {
        (Some(v), Some(code)) if v.starts_with("HTTP/") => code.parse::<u16>().ok(),
        _ => None,
    }
    .ok_or_else(|| invalid(format!("not an HTTP response: {status_line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(r).await?;
        if line.is_empty() {
            return Ok((status, headers));
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
}

async fn read_body<R: AsyncBufRead + Unpin>(
    r: &mut R,
    headers: &[(String, String)],
) -> std::io::Result<Vec<u8>> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        return read_chunked(r).await;
    }
    if let Some(len) = header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| invalid(format!("bad Content-Length {len:?}")))?;
        if len > MAX_BODY {
            return Err(invalid(format!("response of {len} bytes is too large")));
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).await?;
        return Ok(body);
    }
    // Neither: the body runs to the end of the connection (we asked for close).
    let mut body = Vec::new();
    r.take(MAX_BODY as u64 + 1).read_to_end(&mut body).await?;
    if body.len() > MAX_BODY {
        return Err(invalid("response too large"));
    }
    Ok(body)
}

async fn read_chunked<R: AsyncBufRead + Unpin>(r: &mut R) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(r).await?;
        // Chunk extensions (`;name=value`) carry nothing we need.
        let size_hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| invalid(format!("bad chunk size {line:?}")))?;
        if size == 0 {
            // Trailers, if any, up to the blank line that ends the message.
            while !read_line(r).await?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(invalid("response too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..]).await?;
        if !read_line(r).await?.is_empty() {
            return Err(invalid("chunk not followed by CRLF"));
        }
    }
}

/// The etcd client's trust settings, for HTTP/1.1: its CA (none means no roots, as
/// for the gRPC client), its client certificate, and `--insecure-skip-tls-verify`.
fn client_config(tls: Option<&LoadedTls>) -> Result<ClientConfig, EtcdError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| EtcdError::settings(format!("TLS setup: {e}")))?;
    let builder =
        match tls {
            Some(t) if t.insecure_skip_verify => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(super::insecure::AcceptAnyServerCert(
                    provider,
                ))),
            _ => {
                let mut roots = RootCertStore::empty();
                if let Some(ca) = tls.and_then(|t| t.ca_pem.as_deref()) {
                    for cert in CertificateDer::pem_slice_iter(ca) {
                        let cert =
                            cert.map_err(|e| EtcdError::settings(format!("CA certificate: {e}")))?;
                        roots
                            .add(cert)
                            .map_err(|e| EtcdError::settings(format!("CA certificate: {e}")))?;
                    }
                }
                builder.with_root_certificates(roots)
            }
        };
    let mut config = match tls.and_then(|t| t.identity_pem.as_ref()) {
        Some((cert, key)) => {
            let (chain, key) = super::insecure::identity(cert, key)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| EtcdError::settings(format!("client certificate: {e}")))?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_get_metrics_appended_once() {
        let t = Target::parse("http://127.0.0.1:2381", false).expect("valid");
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("127.0.0.1", 2381, "/metrics")
        );
        let t = Target::parse("https://etcd:2379/metrics", false).expect("valid");
        assert_eq!((t.https, t.path.as_str()), (true, "/metrics"));
        let t = Target::parse("10.0.0.1:2379/", true).expect("valid");
        assert_eq!((t.https, t.port, t.path.as_str()), (true, 2379, "/metrics"));
        let t = Target::parse("http://[::1]:2381", false).expect("valid");
        assert_eq!(
            (t.host.as_str(), t.authority.as_str()),
            ("::1", "[::1]:2381")
        );
        let t = Target::parse("http://etcd", false).expect("valid");
        assert_eq!(t.port, 80);
    }

    #[test]
    fn bad_urls_are_settings_errors() {
        for url in [
            "ftp://x:1",
            "http://:1",
            "http://x:notaport",
            "http://[::1:2",
        ] {
            let e = Target::parse(url, false).expect_err(url);
            assert_eq!(e.problem, Problem::Settings, "{url}");
        }
    }
}
