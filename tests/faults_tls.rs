//! The fault suite, credentials part: the app started against a real etcd whose
//! server certificate has expired or names another host, or with a wrong password.
//! The TUI must open, say on screen what is wrong in words that point at the fix,
//! keep retrying, and answer keys meanwhile; nothing panics.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use etcdtui::app::{App, ConnState, Overlay};
use etcdtui::etcd::spec::{Credentials, Password, TlsFiles};
use etcdtui::etcd::{ConnectSpec, Problem};
use etcdtui::headless::Headless;

const W: u16 = 120;
const H: u16 = 30;

fn spec(endpoint: &str) -> ConnectSpec {
    ConnectSpec {
        endpoints: vec![endpoint.to_string()],
        dial_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(3),
        ..ConnectSpec::default()
    }
}

fn with_ca(endpoint: &str, ca: &Path) -> ConnectSpec {
    ConnectSpec {
        tls: Some(TlsFiles {
            cacert: Some(ca.to_path_buf()),
            cert: None,
            key: None,
            insecure_skip_verify: false,
        }),
        ..spec(endpoint)
    }
}

fn problem(a: &App) -> Option<Problem> {
    match &a.conn {
        ConnState::Disconnected { error, .. } => Some(error.problem),
        _ => None,
    }
}

/// Waits until the app gives up on an attempt with `want`, then returns the screen,
/// after checking that a key still opens help on top of it.
async fn refused(h: &mut Headless, want: Problem) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while problem(&h.app) != Some(want) {
        assert!(
            Instant::now() < deadline,
            "no {want:?} within 30 s: {:?}\n{}",
            h.app.conn,
            h.render(W, H)
        );
        h.pump_for(Duration::from_millis(200)).await;
    }
    let screen = h.render(W, H);
    eprintln!("{want:?}:\n{screen}");
    assert!(screen.contains("✗ disconnected"), "{screen}");
    assert!(screen.contains("retry in"), "{screen}");
    h.keys("?");
    assert!(matches!(h.app.overlay, Overlay::Help { .. }));
    h.keys("?");
    screen
}

/// The screen as one line per row with the padding squeezed out, so a sentence the
/// detail row wraps can still be searched for word by word.
fn words(screen: &str) -> String {
    screen
        .split_whitespace()
        .filter(|w| !w.chars().all(|c| "│─╭╮╰╯".contains(c)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lone etcd, SIGKILLed when dropped.
struct Lone(std::process::Child);

impl Drop for Lone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A lone etcd serving clients over TLS with `(cert, key)`, for certificates that
/// `LocalCluster`'s own readiness probe would reject (expired, another host's).
/// Returns once the client port accepts TCP connections, with the client URL.
async fn start_tls_member(bin: &Path, dir: &Path, (cert, key): (&Path, &Path)) -> (Lone, String) {
    let port = || etcdtui::localcluster::free_port().expect("a free port");
    let (client, peer) = (port(), port());
    let client_url = format!("https://127.0.0.1:{client}");
    let peer_url = format!("http://127.0.0.1:{peer}");
    let log = std::fs::File::create(dir.join("lone.log")).expect("log file");
    let child = std::process::Command::new(bin)
        .args(["--name", "lone", "--data-dir"])
        .arg(dir.join("lone"))
        .args(["--listen-peer-urls", &peer_url])
        .args(["--initial-advertise-peer-urls", &peer_url])
        .args(["--listen-client-urls", &client_url])
        .args(["--advertise-client-urls", &client_url])
        .args(["--initial-cluster", &format!("lone={peer_url}")])
        .arg("--cert-file")
        .arg(cert)
        .arg("--key-file")
        .arg(key)
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start the TLS etcd");
    let lone = Lone(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", client))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "etcd with TLS did not listen on {client_url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (lone, client_url)
}

/// The words of the `error` row (wrapped or not), up to the `detail` row.
fn error_row(words: &str) -> &str {
    let start = words.find(" error ").expect("an error row");
    let rest = &words[start..];
    &rest[..rest.find(" detail ").unwrap_or(rest.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_server_certificate_is_named_as_such() {
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    let pki = common::TestPki::generate();
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = (
        pki.expired_server_cert.as_path(),
        pki.expired_server_key.as_path(),
    );
    let (_etcd, url) = start_tls_member(&bin, dir.path(), cert).await;
    let mut h = Headless::connect_spec(with_ca(&url, &pki.ca), W, H, false);
    let screen = words(&refused(&mut h, Problem::TlsExpired).await);
    assert!(screen.contains("TLS handshake failed"), "{screen}");
    // When, in the error itself, not only in the detail row below it.
    let error = error_row(&screen);
    assert!(
        error.contains("expired at 2020-01-01T00:00:00Z"),
        "{screen}"
    );
    assert!(error.contains("renew it"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_host_names_the_hosts_it_is_for() {
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    let pki = common::TestPki::generate();
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = (
        pki.other_host_server_cert.as_path(),
        pki.other_host_server_key.as_path(),
    );
    let (_etcd, url) = start_tls_member(&bin, dir.path(), cert).await;
    let mut h = Headless::connect_spec(with_ca(&url, &pki.ca), W, H, false);
    let screen = words(&refused(&mut h, Problem::TlsWrongHost).await);
    let error = error_row(&screen);
    assert!(error.contains("does not name this host"), "{screen}");
    assert!(
        error.contains(r#"not valid for name "127.0.0.1""#),
        "{screen}"
    );
    assert!(
        error.contains(r#"only valid for "etcd.example.invalid""#),
        "{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_says_so_and_the_right_one_connects() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    for args in [
        &["user", "add", "root:rootpw"][..],
        &["user", "grant-role", "root", "root"],
        &["auth", "enable"],
    ] {
        common::etcdctl_ok(&c, args);
    }
    let url = c.member(0).client_url.clone();
    let as_root = |password: &str| ConnectSpec {
        credentials: Some(Credentials {
            user: "root".into(),
            password: Some(Password::new(password)),
        }),
        ..spec(&url)
    };
    let mut h = Headless::connect_spec(as_root("wrong"), W, H, false);
    let screen = words(&refused(&mut h, Problem::AuthFailed).await);
    assert!(screen.contains("wrong user name or password"), "{screen}");
    assert!(!screen.contains("rootpw"), "a password on screen: {screen}");
    drop(h);

    let mut h = Headless::connect_spec(as_root("rootpw"), W, H, false);
    h.settle_until("connected", |a| a.keys.loaded).await;
}
