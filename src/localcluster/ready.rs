//! Readiness probes: a member counts as ready once it serves requests and
//! knows a leader, so callers can use the cluster right away.

use std::time::Duration;

use etcd_client::{Certificate, Client, ConnectOptions, Identity, TlsOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::ServerTls;

const PROBE_TIMEOUT: Duration = Duration::from_millis(1000);

/// One readiness check of the member serving `client_url`.
pub(super) async fn member_ready(client_url: &str, tls: Option<&ServerTls>) -> bool {
    let Some(addr) = client_url.split("://").nth(1) else {
        return false;
    };
    // A TCP connect is cheap and fails fast while etcd is still booting, so
    // the costlier checks below only run once something is listening.
    let Ok(Ok(stream)) = timeout(PROBE_TIMEOUT, TcpStream::connect(addr)).await else {
        return false;
    };
    match tls {
        None => http_health(stream, addr).await,
        Some(tls) => {
            drop(stream);
            tls_status(client_url, tls).await
        }
    }
}

/// `GET /health` by hand: etcd answers `"health":"true"` only when the member
/// has a leader and can serve a read, which is what "ready" has to mean.
async fn http_health(mut stream: TcpStream, addr: &str) -> bool {
    let attempt = async {
        let request = format!("GET /health HTTP/1.0\r\nHost: {addr}\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&response).contains("\"health\":\"true\""))
    };
    matches!(timeout(PROBE_TIMEOUT, attempt).await, Ok(Ok(true)))
}

/// Over TLS, ask the member for its status with a real gRPC client; the server
/// certificate doubles as client identity, as etcd itself does for its gateway.
async fn tls_status(client_url: &str, tls: &ServerTls) -> bool {
    let Some(options) = client_tls(tls).await else {
        return false;
    };
    let connect = ConnectOptions::new()
        .with_tls(options)
        .with_connect_timeout(PROBE_TIMEOUT)
        .with_timeout(PROBE_TIMEOUT);
    let attempt = async {
        let mut client = Client::connect([client_url], Some(connect)).await?;
        let status = client.status().await?;
        Ok::<_, etcd_client::Error>(status.leader() != 0)
    };
    matches!(timeout(PROBE_TIMEOUT * 2, attempt).await, Ok(Ok(true)))
}

async fn client_tls(tls: &ServerTls) -> Option<TlsOptions> {
    let ca = tokio::fs::read(&tls.ca).await.ok()?;
    let mut options = TlsOptions::new().ca_certificate(Certificate::from_pem(ca));
    if tls.client_cert_auth {
        let cert = tokio::fs::read(&tls.cert).await.ok()?;
        let key = tokio::fs::read(&tls.key).await.ok()?;
        options = options.identity(Identity::from_pem(cert, key));
    }
    Some(options)
}
