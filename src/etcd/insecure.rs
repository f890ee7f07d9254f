//! `--insecure-skip-tls-verify`: TLS without checking the server certificate, as etcdctl
//! allows. tonic has no switch for this, so we hand etcd-client a channel whose
//! connector does the TLS itself with a verifier that accepts any server certificate.

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tonic::transport::{Channel, Endpoint, Uri};

use super::connect::LoadedTls;
use super::errors::EtcdError;

#[derive(Debug)]
pub(super) struct AcceptAnyServerCert(pub(super) Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    // Signatures are still checked: skipping verification of *who* the server is must
    // not also accept a handshake that was tampered with.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn client_config(tls: &LoadedTls) -> Result<ClientConfig, EtcdError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| EtcdError::settings(format!("TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider)));
    let mut config = match &tls.identity_pem {
        Some((cert, key)) => {
            let (chain, key) = identity(cert, key)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| EtcdError::settings(format!("client certificate: {e}")))?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// The client certificate chain and key from their PEM files, for rustls.
pub(super) fn identity(
    cert: &[u8],
    key: &[u8],
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), EtcdError> {
    let chain = CertificateDer::pem_slice_iter(cert)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EtcdError::settings(format!("client certificate: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(key)
        .map_err(|e| EtcdError::settings(format!("client key: {e}")))?;
    Ok((chain, key))
}

pub fn channel(url: &str, tls: &LoadedTls, dial_timeout: Duration) -> Result<Channel, EtcdError> {
    let config = Arc::new(client_config(tls)?);
    let authority = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .to_string();
    // tonic must not add TLS of its own, so the channel itself is addressed as http.
    let endpoint = Endpoint::from_shared(format!("http://{authority}"))
        .map_err(|e| EtcdError::settings(format!("bad endpoint {url}: {e}")))?
        .connect_timeout(dial_timeout);
    let connector = tower::service_fn(move |uri: Uri| {
        let config = config.clone();
        async move {
            let host = uri
                .host()
                .unwrap_or("localhost")
                .trim_matches(['[', ']'])
                .to_string();
            let port = uri.port_u16().unwrap_or(2379);
            let tcp = TcpStream::connect((host.as_str(), port)).await?;
            let name = ServerName::try_from(host)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
            let tls = TlsConnector::from(config).connect(name, tcp).await?;
            Ok::<_, std::io::Error>(TokioIo::new(tls))
        }
    });
    Ok(endpoint.connect_with_connector_lazy(connector))
}

/// The certificate the server at `url` presents, read from a TLS handshake that trusts
/// anything (only its dates are read): for the expiry check.
pub async fn server_certificate(
    url: &str,
    tls: &LoadedTls,
    timeout: Duration,
) -> Result<Vec<u8>, EtcdError> {
    let config = Arc::new(client_config(tls)?);
    let authority = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']), p.parse().unwrap_or(2379)),
        None => (authority, 2379),
    };
    let handshake = async {
        let tcp = TcpStream::connect((host, port)).await?;
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        TlsConnector::from(config).connect(name, tcp).await
    };
    let stream = tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| EtcdError::timeout(url, timeout))?
        .map_err(|e| {
            EtcdError::new(
                super::errors::Problem::Unreachable,
                Some(url),
                e.to_string(),
            )
        })?;
    stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.as_ref().to_vec())
        .ok_or_else(|| {
            EtcdError::new(
                super::errors::Problem::Other,
                Some(url),
                "no certificate presented",
            )
        })
}
