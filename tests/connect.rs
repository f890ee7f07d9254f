//! The connection layer against real etcd: plain and TLS connects, every way a
//! certificate can be wrong, user/password auth, and the session actor's behaviour
//! when members are unreachable, killed or frozen.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use etcd_client::StatusResponse;
use etcdtui::etcd::connect::{EndpointClient, connect_all, normalize_endpoint};
use etcdtui::etcd::spec::{ConnectSpec, Credentials, Password, TlsFiles};
use etcdtui::etcd::{EtcdError, Event, Problem, Request, session};
use etcdtui::localcluster::free_port;
use tokio::sync::mpsc;

const DIAL: Duration = Duration::from_secs(2);
const COMMAND: Duration = Duration::from_secs(3);
/// Scheduling slack on a loaded 2-core machine.
const MARGIN: Duration = Duration::from_millis(1500);

fn spec(endpoints: &[String]) -> ConnectSpec {
    ConnectSpec {
        endpoints: endpoints.to_vec(),
        tls: None,
        credentials: None,
        dial_timeout: DIAL,
        command_timeout: COMMAND,
    }
}

fn tls_spec(
    endpoint: &str,
    cacert: Option<&Path>,
    identity: Option<(&Path, &Path)>,
    insecure: bool,
) -> ConnectSpec {
    ConnectSpec {
        tls: Some(TlsFiles {
            cacert: cacert.map(Path::to_path_buf),
            cert: identity.map(|(c, _)| c.to_path_buf()),
            key: identity.map(|(_, k)| k.to_path_buf()),
            insecure_skip_verify: insecure,
        }),
        ..spec(&[endpoint.to_string()])
    }
}

fn with_user(mut spec: ConnectSpec, user: &str, password: &str) -> ConnectSpec {
    spec.credentials = Some(Credentials {
        user: user.to_string(),
        password: Some(Password::new(password)),
    });
    spec
}

/// Connects the spec's only endpoint.
async fn connect_one(spec: &ConnectSpec) -> Result<EndpointClient, EtcdError> {
    let mut all = connect_all(spec)
        .await
        .expect("the spec's settings are usable");
    assert_eq!(all.len(), 1, "one endpoint, one result");
    all.remove(0)
}

/// Connects and asks for the status; also checks the whole thing is bounded by
/// the dial and command timeouts together, so nothing can hang.
async fn status_of(spec: &ConnectSpec) -> Result<StatusResponse, EtcdError> {
    let started = Instant::now();
    let result = match connect_one(spec).await {
        Ok(c) => c.call(|mut cl| async move { cl.status().await }).await,
        Err(e) => Err(e),
    };
    let bound = spec.dial_timeout + spec.command_timeout + MARGIN;
    assert!(
        started.elapsed() <= bound,
        "took {:?}, more than dial + command timeout ({bound:?}): {result:?}",
        started.elapsed()
    );
    result
}

/// The error a spec must give, printed so the real message shows in the test log.
async fn failure_of(what: &str, spec: &ConnectSpec) -> EtcdError {
    match status_of(spec).await {
        Ok(s) => panic!("{what}: expected an error, got status {s:?}"),
        Err(e) => {
            eprintln!("{what}: {:?} | {e} | {}", e.problem, e.detail);
            e
        }
    }
}

// ---------------------------------------------------------------- plain and TLS

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_cluster_answers_and_refuses_tls() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let url = cluster.member(0).client_url.clone();
    let bare = url.trim_start_matches("http://").to_string();
    assert_eq!(normalize_endpoint(&bare, false), url);

    for ep in [&url, &bare] {
        let clients = connect_all(&spec(std::slice::from_ref(ep)))
            .await
            .expect("usable settings");
        let client = clients.into_iter().next().expect("one result");
        let client = client.unwrap_or_else(|e| panic!("connect {ep}: {e} ({})", e.detail));
        assert_eq!(client.endpoint, url, "{ep} is normalized to http://");
        let status = client
            .call(|mut cl| async move { cl.status().await })
            .await
            .unwrap_or_else(|e| panic!("status via {ep}: {e} ({})", e.detail));
        assert!(status.version().starts_with("3."), "{status:?}");
        assert_ne!(status.leader(), 0, "a 1-member cluster leads itself");
    }

    // https:// to an endpoint that speaks plain text.
    let https = url.replace("http://", "https://");
    let e = failure_of(
        "https to plain",
        &tls_spec(&https, Some(&ca_for_plain_test()), None, false),
    )
    .await;
    assert_eq!(e.problem, Problem::TlsNotOffered, "{}", e.detail);
    assert!(e.to_string().contains("http://"), "{e}");
}

/// Any CA will do: the handshake never gets as far as checking it.
fn ca_for_plain_test() -> PathBuf {
    let pki = common::TestPki::generate();
    let path = std::env::temp_dir().join(format!("etcdtui-connect-ca-{}.pem", std::process::id()));
    std::fs::copy(&pki.ca, &path).expect("copy the CA");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_client_certificates() {
    let Some(tls) = common::start_tls_cluster(1, true).await else {
        return;
    };
    let pki = &tls.pki;
    let url = tls.cluster.member(0).client_url.clone();
    let client_id = Some((pki.client_cert.as_path(), pki.client_key.as_path()));

    // The right CA and a client certificate it signed.
    let status = status_of(&tls_spec(&url, Some(&pki.ca), client_id, false))
        .await
        .unwrap_or_else(|e| panic!("CA + client cert: {e} ({})", e.detail));
    assert!(status.version().starts_with("3."));
    // A bare host:port becomes https:// when TLS is configured.
    let bare = url.trim_start_matches("https://");
    let c = connect_one(&tls_spec(bare, Some(&pki.ca), client_id, false))
        .await
        .expect("bare endpoint with TLS");
    assert_eq!(c.endpoint, url);

    // A CA that did not sign the server certificate.
    let e = failure_of(
        "wrong CA",
        &tls_spec(&url, Some(&pki.other_ca), client_id, false),
    )
    .await;
    assert_eq!(e.problem, Problem::TlsUnknownCa, "{}", e.detail);
    assert!(e.to_string().contains("CA"), "{e}");

    // No client certificate at all.
    let e = failure_of(
        "no client cert",
        &tls_spec(&url, Some(&pki.ca), None, false),
    )
    .await;
    assert_eq!(e.problem, Problem::TlsClientCertRequired, "{}", e.detail);
    assert!(e.to_string().contains("--cert"), "{e}");

    // A client certificate from a CA the server does not trust.
    let other_id = Some((
        pki.other_client_cert.as_path(),
        pki.other_client_key.as_path(),
    ));
    let e = failure_of(
        "client cert from other CA",
        &tls_spec(&url, Some(&pki.ca), other_id, false),
    )
    .await;
    assert_eq!(e.problem, Problem::TlsClientCertRejected, "{}", e.detail);

    // --insecure-skip-tls-verify without a CA, presenting the client certificate.
    let status = status_of(&tls_spec(&url, None, client_id, true))
        .await
        .unwrap_or_else(|e| panic!("insecure + client cert: {e} ({})", e.detail));
    assert!(status.version().starts_with("3."));
    // Even a CA that would fail verification is ignored.
    status_of(&tls_spec(&url, Some(&pki.other_ca), client_id, true))
        .await
        .unwrap_or_else(|e| panic!("insecure + wrong CA: {e} ({})", e.detail));
    // Without the client certificate the insecure channel is refused, which shows
    // the certificate was what got it in.
    let e = failure_of(
        "insecure without client cert",
        &tls_spec(&url, None, None, true),
    )
    .await;
    assert_eq!(e.problem, Problem::TlsClientCertRequired, "{}", e.detail);

    // http:// to an endpoint that speaks TLS.
    let http = url.replace("https://", "http://");
    let e = failure_of("http to TLS", &spec(&[http])).await;
    assert_eq!(e.problem, Problem::TlsRequired, "{}", e.detail);
    assert!(e.to_string().contains("https://"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explore() {
    let Some(tls) = common::start_tls_cluster(1, true).await else {
        return;
    };
    let plain = common::start_cluster(1).await.unwrap();
    let pki = &tls.pki;
    let url = tls.cluster.member(0).client_url.clone();
    let purl = plain.member(0).client_url.clone();
    let client_id = Some((pki.client_cert.as_path(), pki.client_key.as_path()));
    let other_id = Some((
        pki.other_client_cert.as_path(),
        pki.other_client_key.as_path(),
    ));
    for i in 0..6 {
        eprintln!("--- round {i}");
        for (what, s) in [
            (
                "wrong CA",
                tls_spec(&url, Some(&pki.other_ca), client_id, false),
            ),
            ("no client cert", tls_spec(&url, Some(&pki.ca), None, false)),
            (
                "other client cert",
                tls_spec(&url, Some(&pki.ca), other_id, false),
            ),
            ("insecure no cert", tls_spec(&url, None, None, true)),
            ("insecure other cert", tls_spec(&url, None, other_id, true)),
            ("http to tls", spec(&[url.replace("https", "http")])),
            (
                "https to plain",
                tls_spec(&purl.replace("http", "https"), Some(&pki.ca), None, false),
            ),
            (
                "https to plain insecure",
                tls_spec(&purl.replace("http", "https"), None, None, true),
            ),
        ] {
            let t = Instant::now();
            match status_of(&s).await {
                Ok(_) => eprintln!("{what}: OK"),
                Err(e) => eprintln!("{what}: {:?} {:?} | {}", e.problem, t.elapsed(), e.detail),
            }
        }
    }
}
