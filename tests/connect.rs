//! The connection layer against real etcd: plain and TLS connects, every way a
//! certificate can be wrong, user/password auth, and the session actor's behaviour
//! when members are unreachable, killed or frozen.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use etcd_client::StatusResponse;
use etcdtui::etcd::connect::{EndpointClient, connect_all, normalize_endpoint};
use etcdtui::etcd::spec::{ConnectSpec, Credentials, Password, TlsFiles};
use etcdtui::etcd::{ClusterInfo, EtcdError, EtcdHandle, Event, Problem, Request, session};
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

    // A user sent to a cluster without authentication: say so rather than "failed".
    let e = failure_of(
        "user without auth",
        &with_user(spec(std::slice::from_ref(&url)), "root", "pw"),
    )
    .await;
    assert_eq!(e.problem, Problem::AuthDisabled, "{}", e.detail);
    assert!(e.to_string().contains("connect without --user"), "{e}");

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
    // Any CA will do: the handshake never gets as far as checking it. etcd drops the
    // ClientHello with an EOF or, now and then, a reset; several tries cover both.
    let pki = common::TestPki::generate();
    for insecure in [false, true, false, true] {
        let e = failure_of(
            "https to plain",
            &tls_spec(&https, Some(&pki.ca), None, insecure),
        )
        .await;
        assert_eq!(e.problem, Problem::TlsNotOffered, "{}", e.detail);
        assert!(e.to_string().contains("does not speak TLS"), "{e}");
    }
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

    // No client certificate at all: etcd 3.4 and 3.5 (Go's TLS server) answer with
    // the same `bad_certificate` alert as for an untrusted one, never with
    // `certificate_required`; on 3.4 (TLS 1.3) the alert may even be lost to the reset
    // and only the closed connection remains. Several tries cover those races.
    let other_id = Some((
        pki.other_client_cert.as_path(),
        pki.other_client_key.as_path(),
    ));
    for _ in 0..3 {
        let e = failure_of(
            "no client cert",
            &tls_spec(&url, Some(&pki.ca), None, false),
        )
        .await;
        // Without a certificate of ours, the refusal means one is required.
        assert_eq!(e.problem, Problem::TlsClientCertRequired, "{}", e.detail);
        assert!(e.to_string().contains("--cert"), "{e}");

        // A client certificate from a CA the server does not trust.
        let e = failure_of(
            "client cert from other CA",
            &tls_spec(&url, Some(&pki.ca), other_id, false),
        )
        .await;
        assert_eq!(e.problem, Problem::TlsClientCertRejected, "{}", e.detail);
    }

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

    // http:// to an endpoint that speaks TLS; several tries, as the server's hang-up
    // reaches hyper in two different ways.
    let http = url.replace("https://", "http://");
    for _ in 0..3 {
        let e = failure_of("http to TLS", &spec(std::slice::from_ref(&http))).await;
        assert_eq!(e.problem, Problem::TlsRequired, "{}", e.detail);
        assert!(e.to_string().contains("https://"), "{e}");
    }
}

// ---------------------------------------------------------------- user/password

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_and_password_auth() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    for args in [
        &["put", "/ro/a", "seen"][..],
        &["role", "add", "reader"],
        &[
            "role",
            "grant-permission",
            "reader",
            "--prefix=true",
            "read",
            "/ro/",
        ],
        &["user", "add", "reader:rpw"],
        &["user", "grant-role", "reader", "reader"],
        &["user", "add", "root:pw"],
        &["user", "grant-role", "root", "root"],
        &["auth", "enable"],
    ] {
        common::etcdctl_ok(&cluster, args);
    }
    let url = cluster.member(0).client_url.clone();
    let plain = spec(std::slice::from_ref(&url));

    // The right password: status and a read.
    let root = connect_one(&with_user(plain.clone(), "root", "pw"))
        .await
        .unwrap_or_else(|e| panic!("root:pw: {e} ({})", e.detail));
    root.call(|mut cl| async move { cl.status().await })
        .await
        .expect("status as root");
    let got = root
        .call(|mut cl| async move { cl.get("/ro/a", None).await })
        .await
        .unwrap_or_else(|e| panic!("get as root: {e} ({})", e.detail));
    assert_eq!(got.kvs()[0].value(), b"seen");

    // A wrong password.
    let e = failure_of("wrong password", &with_user(plain.clone(), "root", "nope")).await;
    assert_eq!(e.problem, Problem::AuthFailed, "{}", e.detail);
    assert!(e.to_string().contains("password"), "{e}");
    // An unknown user says the same.
    let e = failure_of("unknown user", &with_user(plain.clone(), "ghost", "pw")).await;
    assert_eq!(e.problem, Problem::AuthFailed, "{}", e.detail);

    // A read-only user: reads on its prefix work, writes are refused.
    let reader = connect_one(&with_user(plain.clone(), "reader", "rpw"))
        .await
        .unwrap_or_else(|e| panic!("reader:rpw: {e} ({})", e.detail));
    let got = reader
        .call(|mut cl| async move { cl.get("/ro/a", None).await })
        .await
        .unwrap_or_else(|e| panic!("get as reader: {e} ({})", e.detail));
    assert_eq!(got.kvs()[0].value(), b"seen");
    let e = reader
        .call(|mut cl| async move { cl.put("/ro/b", "x", None).await })
        .await
        .expect_err("a read-only user must not write");
    eprintln!("reader put: {:?} | {e} | {}", e.problem, e.detail);
    assert_eq!(e.problem, Problem::PermissionDenied, "{}", e.detail);
    let e = reader
        .call(|mut cl| async move { cl.get("/elsewhere", None).await })
        .await
        .expect_err("outside its prefix the reader may not read");
    assert_eq!(e.problem, Problem::PermissionDenied, "{}", e.detail);

    // No user at all: status alone would answer, so the session's first probe reads.
    let mut s = Session::start(plain.clone());
    let error = s
        .wait_for(
            Duration::from_secs(5),
            "Disconnected without a user",
            |ev| match ev {
                Event::Disconnected { error, .. } => Some(error.clone()),
                Event::Connected { info, .. } => {
                    panic!("connected without a user to an auth-enabled cluster: {info:?}")
                }
                _ => None,
            },
        )
        .await;
    eprintln!("no user: {:?} | {error} | {}", error.problem, error.detail);
    assert_eq!(error.problem, Problem::AuthRequired, "{}", error.detail);
    assert!(error.to_string().contains("--user"), "{error}");

    // The read-only user may not read at the root, yet the session connects.
    let mut s = Session::start(with_user(plain, "reader", "rpw"));
    s.connected(Duration::from_secs(5)).await;
}

// ---------------------------------------------------------------- the session actor

/// A running connection actor and the events it sends.
struct Session {
    handle: EtcdHandle,
    events: mpsc::Receiver<Event>,
}

impl Session {
    fn start(spec: ConnectSpec) -> Session {
        let (tx, events) = mpsc::channel(64);
        let handle = session::spawn(tx);
        handle.send(Request::Connect {
            generation: 7,
            spec,
        });
        Session { handle, events }
    }

    async fn next(&mut self, within: Duration, what: &str) -> Event {
        let ev = tokio::time::timeout(within, self.events.recv())
            .await
            .unwrap_or_else(|_| panic!("no event within {within:?} while waiting for {what}"))
            .expect("the session actor stopped");
        assert_eq!(ev.generation(), 7, "{ev:?}");
        ev
    }

    /// Skips events until `pick` takes one; all within `within`.
    async fn wait_for<T>(
        &mut self,
        within: Duration,
        what: &str,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let ev = self.next(left, what).await;
            if let Some(t) = pick(&ev) {
                return t;
            }
        }
    }

    async fn connected(&mut self, within: Duration) -> ClusterInfo {
        self.wait_for(within, "Connected", |ev| match ev {
            Event::Connected { info, .. } => Some(info.clone()),
            _ => None,
        })
        .await
    }

    async fn disconnected(&mut self, within: Duration) -> EtcdError {
        self.wait_for(within, "Disconnected", |ev| match ev {
            Event::Disconnected { error, .. } => Some(error.clone()),
            _ => None,
        })
        .await
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.handle.send(Request::Shutdown);
    }
}

fn quick_spec(endpoints: &[String]) -> ConnectSpec {
    ConnectSpec {
        dial_timeout: Duration::from_secs(1),
        command_timeout: Duration::from_secs(1),
        ..spec(endpoints)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_endpoints_are_reported_and_retried() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let dead = format!("http://127.0.0.1:{}", free_port().expect("a free port"));

    let started = Instant::now();
    let mut s = Session::start(quick_spec(std::slice::from_ref(&dead)));
    for attempt in 0..2 {
        match s.next(Duration::from_secs(3), "Connecting").await {
            Event::Connecting { attempt: a, .. } => assert_eq!(a, attempt),
            ev => panic!("expected Connecting, got {ev:?}"),
        }
        match s.next(Duration::from_secs(3), "Disconnected").await {
            Event::Disconnected {
                error,
                attempt: a,
                retry_in,
                ..
            } => {
                eprintln!(
                    "dead endpoint: {:?} | {error} | {}",
                    error.problem, error.detail
                );
                assert_eq!(error.problem, Problem::Unreachable, "{}", error.detail);
                assert_eq!(error.endpoint.as_deref(), Some(dead.as_str()));
                assert_eq!(a, attempt + 1);
                assert_eq!(retry_in, session::backoff(a));
            }
            ev => panic!("expected Disconnected, got {ev:?}"),
        }
    }
    // Attempt 1 at once, attempt 2 after a 1 s back-off.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    drop(s);

    // One live and one dead endpoint: connected, saying which one is missing.
    let live = cluster.member(0).client_url.clone();
    let mut s = Session::start(quick_spec(&[live.clone(), dead.clone()]));
    let info = s.connected(Duration::from_secs(5)).await;
    assert_eq!(info.endpoint, live);
    assert_eq!(
        (info.endpoints_up, info.endpoints_total),
        (1, 2),
        "{info:?}"
    );
    assert_eq!(info.endpoint_errors.len(), 1, "{info:?}");
    let e = &info.endpoint_errors[0];
    assert_eq!(e.endpoint.as_deref(), Some(dead.as_str()), "{e:?}");
    assert_eq!(e.problem, Problem::Unreachable, "{}", e.detail);
    assert!(e.to_string().contains(&dead), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_member_disconnects_and_comes_back() {
    let Some(mut cluster) = common::start_cluster(1).await else {
        return;
    };
    let url = cluster.member(0).client_url.clone();
    let mut s = Session::start(quick_spec(std::slice::from_ref(&url)));
    let info = s.connected(Duration::from_secs(5)).await;
    assert_eq!((info.endpoints_up, info.endpoints_total), (1, 1));
    assert_eq!(info.member_name, "m1");
    assert_eq!(info.leader_name.as_deref(), Some("m1"));

    cluster.kill(0);
    let killed = Instant::now();
    let e = s
        .disconnected(session::POLL_INTERVAL + Duration::from_secs(3))
        .await;
    eprintln!(
        "killed: {:?} after {:?} | {}",
        e.problem,
        killed.elapsed(),
        e.detail
    );
    assert_eq!(e.problem, Problem::Unreachable, "{}", e.detail);

    cluster.restart(0).await.expect("member restarts");
    s.handle.send(Request::ReconnectNow);
    let info = s.connected(Duration::from_secs(5)).await;
    assert_eq!(info.member_name, "m1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_member_of_three_leaves_two_up() {
    let Some(mut cluster) = common::start_cluster(3).await else {
        return;
    };
    let urls = cluster.client_urls();
    let mut s = Session::start(quick_spec(&urls));
    let info = s.connected(Duration::from_secs(5)).await;
    assert_eq!(
        (info.endpoints_up, info.endpoints_total),
        (3, 3),
        "{info:?}"
    );
    assert_eq!(info.members, 3);
    let leader = info.leader_name.clone().expect("a leader is known");

    // Kill a follower, so the leader stays known without an election.
    let victim = (0..3)
        .find(|&i| cluster.member(i).name != leader)
        .expect("two followers");
    let victim_url = cluster.member(victim).client_url.clone();
    cluster.kill(victim);

    match s
        .next(session::POLL_INTERVAL + Duration::from_secs(3), "Status")
        .await
    {
        Event::Status { info, .. } => {
            assert_eq!(
                (info.endpoints_up, info.endpoints_total),
                (2, 3),
                "{info:?}"
            );
            assert_ne!(info.leader_id, 0, "{info:?}");
            assert_eq!(info.leader_name.as_deref(), Some(leader.as_str()));
            assert_eq!(info.endpoint_errors.len(), 1, "{info:?}");
            let e = &info.endpoint_errors[0];
            assert_eq!(e.endpoint.as_deref(), Some(victim_url.as_str()), "{e:?}");
            assert_eq!(e.problem, Problem::Unreachable, "{}", e.detail);
        }
        ev => panic!("expected a Status with two members up, got {ev:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_member_times_out_and_recovers() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    let spec = quick_spec(&cluster.client_urls());
    let command_timeout = spec.command_timeout;
    let mut s = Session::start(spec);
    s.connected(Duration::from_secs(5)).await;

    cluster.stop_signal(0);
    let frozen = Instant::now();
    // The next poll comes within POLL_INTERVAL and gives up after the command timeout.
    let e = s
        .disconnected(session::POLL_INTERVAL + command_timeout + MARGIN)
        .await;
    eprintln!(
        "frozen: {:?} after {:?} | {}",
        e.problem,
        frozen.elapsed(),
        e.detail
    );
    assert_eq!(e.problem, Problem::Timeout, "{}", e.detail);

    cluster.cont_signal(0);
    s.handle.send(Request::ReconnectNow);
    s.connected(Duration::from_secs(6)).await;
}
