//! Helpers shared by the integration tests: finding etcd, starting local
//! clusters, a throwaway PKI, and running etcdctl for seeding.
//!
//! Every test binary compiles this module but uses only part of it.
#![allow(dead_code)]

pub mod backup;
pub mod du;
pub mod encryption;
pub mod privilege;
pub mod terminal;
pub mod upgrade;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use etcd_client::{Certificate, Client, ConnectOptions, Identity, TlsOptions};
use etcdtui::localcluster::{self, ClusterOptions, LocalCluster, ServerTls};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tempfile::TempDir;

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// A missing binary fails the test in CI (a silent skip there would hide a
/// broken setup) and skips it on a developer machine.
fn required_or_skip(what: &str, found: Option<PathBuf>, hint: &str) -> Option<PathBuf> {
    if found.is_none() {
        assert!(!in_ci(), "{what} not found and CI is set: {hint}");
        eprintln!("skipping: {what} not found ({hint})");
    }
    found
}

/// The etcd binary for tests, or `None` (test should return early) when it
/// is missing outside CI.
pub fn etcd_bin_or_skip() -> Option<PathBuf> {
    required_or_skip(
        "etcd",
        localcluster::find_etcd_binary(),
        "install etcd-server or set ETCDTUI_ETCD_BIN",
    )
}

/// `$ETCDTUI_ETCDCTL_BIN`, else `etcdctl` on PATH; same CI rule as etcd.
pub fn etcdctl_bin() -> Option<PathBuf> {
    required_or_skip(
        "etcdctl",
        localcluster::find_binary("ETCDTUI_ETCDCTL_BIN", "etcdctl"),
        "install etcd-client or set ETCDTUI_ETCDCTL_BIN",
    )
}

/// `$ETCDTUI_ETCDUTL_BIN`, else `etcdutl` beside the etcdctl under test (the same
/// release), else on PATH; `None` is normal with etcd 3.4, which has no etcdutl.
pub fn etcdutl_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ETCDTUI_ETCDUTL_BIN").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let beside = localcluster::find_binary("ETCDTUI_ETCDCTL_BIN", "etcdctl")
        .map(|c| c.with_file_name("etcdutl"))
        .filter(|p| p.is_file());
    beside.or_else(|| localcluster::find_binary("ETCDTUI_ETCDUTL_BIN", "etcdutl"))
}

/// A plain-HTTP cluster of `size` members, or `None` if etcd is missing.
pub async fn start_cluster(size: usize) -> Option<LocalCluster> {
    let bin = etcd_bin_or_skip()?;
    Some(start(ClusterOptions::new(size, bin)).await)
}

/// A plain-HTTP cluster whose members run in network namespaces of their own, so a
/// test can partition them; `None` (skip) when etcd is missing, or outside CI when not
/// root (namespaces need it).
pub async fn start_partitionable(size: usize) -> Option<LocalCluster> {
    let bin = etcd_bin_or_skip()?;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        assert!(
            !in_ci(),
            "partition tests need root (network namespaces) in CI"
        );
        eprintln!("skipping: network namespaces need root");
        return None;
    }
    let mut opts = ClusterOptions::new(size, bin);
    opts.netns = true;
    Some(start(opts).await)
}

/// Starts a cluster from explicit options, failing the test with etcd's
/// own explanation if it does not come up.
pub async fn start(opts: ClusterOptions) -> LocalCluster {
    match LocalCluster::start(opts).await {
        Ok(cluster) => cluster,
        Err(e) => panic!("local etcd cluster did not start: {e}"),
    }
}

/// A cluster serving clients over TLS, together with the PKI it uses.
/// Field order matters: the cluster is dropped before the certificates.
pub struct TlsCluster {
    pub cluster: LocalCluster,
    pub pki: TestPki,
}

/// A TLS cluster of `size` members whose server certificate comes from a
/// fresh [`TestPki`]; `client_cert_auth` makes etcd demand client certs.
pub async fn start_tls_cluster(size: usize, client_cert_auth: bool) -> Option<TlsCluster> {
    let bin = etcd_bin_or_skip()?;
    let pki = TestPki::generate();
    let mut opts = ClusterOptions::new(size, bin);
    opts.tls = Some(pki.server_tls(client_cert_auth));
    let cluster = start(opts).await;
    Some(TlsCluster { cluster, pki })
}

/// PEM files of a throwaway PKI. `ca` signed the server and both client
/// certificates; `other_ca` and its client cert are unrelated to it, for
/// "wrong CA" tests.
pub struct TestPki {
    pub dir: TempDir,
    pub ca: PathBuf,
    /// For 127.0.0.1 and localhost; usable for client auth too, as etcd's
    /// own gateway connects with it.
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// CN "root": with etcd auth enabled this acts as the root user.
    pub root_cert: PathBuf,
    pub root_key: PathBuf,
    /// CN "client".
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    pub other_ca: PathBuf,
    /// CN "client", signed by `other_ca`.
    pub other_client_cert: PathBuf,
    pub other_client_key: PathBuf,
    /// Signed by `ca` for 127.0.0.1, but expired in 2020.
    pub expired_server_cert: PathBuf,
    pub expired_server_key: PathBuf,
    /// Signed by `ca`, valid, but only for `etcd.example.invalid`.
    pub other_host_server_cert: PathBuf,
    pub other_host_server_key: PathBuf,
}

impl TestPki {
    pub fn generate() -> TestPki {
        let dir = tempfile::Builder::new()
            .prefix("etcdtui-pki-")
            .tempdir()
            .expect("create a temp dir for the test PKI");
        let write = |name: &str, pem: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem).expect("write a test PKI file");
            path
        };

        let ca = new_ca("etcdtui test CA");
        let other_ca = new_ca("etcdtui unrelated CA");
        let server = new_leaf(
            &ca,
            "etcd-server",
            &["127.0.0.1", "localhost"],
            &[
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
        );
        let client_usage = [ExtendedKeyUsagePurpose::ClientAuth];
        let root = new_leaf(&ca, "root", &[], &client_usage);
        let client = new_leaf(&ca, "client", &[], &client_usage);
        let other_client = new_leaf(&other_ca, "client", &[], &client_usage);
        let server_usage = [ExtendedKeyUsagePurpose::ServerAuth];
        let expired = new_leaf_with(
            &ca,
            "etcd-server",
            &["127.0.0.1", "localhost"],
            &server_usage,
            |p| {
                p.not_before = rcgen::date_time_ymd(2019, 1, 1);
                p.not_after = rcgen::date_time_ymd(2020, 1, 1);
            },
        );
        let other_host = new_leaf(&ca, "etcd-server", &["etcd.example.invalid"], &server_usage);

        TestPki {
            ca: write("ca.pem", ca.pem()),
            server_cert: write("server.pem", server.0),
            server_key: write("server-key.pem", server.1),
            root_cert: write("root.pem", root.0),
            root_key: write("root-key.pem", root.1),
            client_cert: write("client.pem", client.0),
            client_key: write("client-key.pem", client.1),
            other_ca: write("other-ca.pem", other_ca.pem()),
            other_client_cert: write("other-client.pem", other_client.0),
            other_client_key: write("other-client-key.pem", other_client.1),
            expired_server_cert: write("expired-server.pem", expired.0),
            expired_server_key: write("expired-server-key.pem", expired.1),
            other_host_server_cert: write("other-host-server.pem", other_host.0),
            other_host_server_key: write("other-host-server-key.pem", other_host.1),
            dir,
        }
    }

    pub fn server_tls(&self, client_cert_auth: bool) -> ServerTls {
        ServerTls {
            ca: self.ca.clone(),
            cert: self.server_cert.clone(),
            key: self.server_key.clone(),
            client_cert_auth,
        }
    }
}

fn new_ca(common_name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("empty SAN list");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().expect("generate CA key");
    CertifiedIssuer::self_signed(params, key).expect("self-sign CA")
}

/// Returns (certificate PEM, key PEM).
fn new_leaf(
    ca: &CertifiedIssuer<'static, KeyPair>,
    common_name: &str,
    sans: &[&str],
    usages: &[ExtendedKeyUsagePurpose],
) -> (String, String) {
    new_leaf_with(ca, common_name, sans, usages, |_| {})
}

/// [`new_leaf`], with `adjust` changing the parameters (validity dates) before signing.
fn new_leaf_with(
    ca: &CertifiedIssuer<'static, KeyPair>,
    common_name: &str,
    sans: &[&str],
    usages: &[ExtendedKeyUsagePurpose],
    adjust: impl FnOnce(&mut CertificateParams),
) -> (String, String) {
    let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(sans).expect("valid SANs");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = usages.to_vec();
    params.use_authority_key_identifier_extension = true;
    adjust(&mut params);
    let key = KeyPair::generate().expect("generate leaf key");
    let cert = params.signed_by(&key, ca).expect("sign leaf certificate");
    (cert.pem(), key.serialize_pem())
}

/// An etcd client for a plain-HTTP cluster, talking to all members.
pub async fn connect(cluster: &LocalCluster) -> Client {
    let opts = ConnectOptions::new()
        .with_connect_timeout(Duration::from_secs(2))
        .with_timeout(Duration::from_secs(5));
    Client::connect(cluster.client_urls(), Some(opts))
        .await
        .expect("connect to local cluster")
}

/// An etcd client over TLS trusting `ca` and presenting `identity`
/// (cert, key) if given. Errors are returned so tests can assert rejections.
pub async fn connect_tls(
    endpoints: &[String],
    ca: &Path,
    identity: Option<(&Path, &Path)>,
) -> Result<Client, etcd_client::Error> {
    let read = |p: &Path| std::fs::read(p).expect("read test PKI file");
    let mut tls = TlsOptions::new().ca_certificate(Certificate::from_pem(read(ca)));
    if let Some((cert, key)) = identity {
        tls = tls.identity(Identity::from_pem(read(cert), read(key)));
    }
    let opts = ConnectOptions::new()
        .with_tls(tls)
        .with_connect_timeout(Duration::from_secs(2))
        .with_timeout(Duration::from_secs(5));
    Client::connect(endpoints, Some(opts)).await
}

/// Runs the etcdctl matching the etcd under test (API v3) against all
/// members. On a TLS cluster it trusts the cluster CA and, with client-cert
/// auth, presents the server certificate. Panics if etcdctl is missing, so
/// call [`etcdctl_bin`] first where skipping is wanted.
pub fn etcdctl(cluster: &LocalCluster, args: &[&str]) -> Output {
    let identity = cluster
        .tls()
        .filter(|tls| tls.client_cert_auth)
        .map(|tls| (tls.cert.as_path(), tls.key.as_path()));
    etcdctl_with_identity(cluster, identity, args)
}

/// Like [`etcdctl`] but presenting the given (cert, key), e.g. the PKI's
/// root certificate once auth is enabled.
pub fn etcdctl_with_identity(
    cluster: &LocalCluster,
    identity: Option<(&Path, &Path)>,
    args: &[&str],
) -> Output {
    let bin = etcdctl_bin().expect("etcdctl is required by this test");
    let mut cmd = Command::new(bin);
    clear_etcdctl_env(&mut cmd);
    cmd.env("ETCDCTL_API", "3")
        .arg(format!("--endpoints={}", cluster.client_urls().join(",")))
        .arg("--dial-timeout=3s")
        .arg("--command-timeout=5s");
    if let Some(tls) = cluster.tls() {
        cmd.arg(format!("--cacert={}", tls.ca.display()));
    }
    if let Some((cert, key)) = identity {
        cmd.arg(format!("--cert={}", cert.display()))
            .arg(format!("--key={}", key.display()));
    }
    cmd.args(args).output().expect("run etcdctl")
}

/// Like [`etcdctl`] but fails the test, showing etcdctl's stderr, unless it
/// succeeds; returns stdout.
pub fn etcdctl_ok(cluster: &LocalCluster, args: &[&str]) -> String {
    let out = etcdctl(cluster, args);
    assert!(
        out.status.success(),
        "etcdctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An etcd started by hand to join a running cluster, as an operator would after
/// `member add`; SIGKILLed when dropped.
pub struct Joiner(std::process::Child);

impl Drop for Joiner {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `bin` as member `name` on loopback `(peer, client)` ports, joining the
/// cluster described by `initial_cluster` (`name=peer-url,...`). Output goes to
/// `<dir>/<name>.log`.
pub fn start_joiner(
    bin: &Path,
    name: &str,
    dir: &Path,
    (peer, client): (u16, u16),
    initial_cluster: &str,
) -> Joiner {
    let url = |p: u16| format!("http://127.0.0.1:{p}");
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).expect("log file");
    let child = Command::new(bin)
        .args(["--name", name, "--data-dir"])
        .arg(dir.join(name))
        .args(["--listen-peer-urls", &url(peer)])
        .args(["--initial-advertise-peer-urls", &url(peer)])
        .args(["--listen-client-urls", &url(client)])
        .args(["--advertise-client-urls", &url(client)])
        .args(["--initial-cluster", initial_cluster])
        .args(["--initial-cluster-state", "existing"])
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start the joining etcd");
    Joiner(child)
}

/// An app connected to a made-up 3-member production cluster (`prod`, https, user
/// root, leader etcd-b, revision 98765), showing `view`: for drawing views from
/// hand-built states, without ports or timing in the picture.
pub fn connected_app(view: etcdtui::app::ViewId, read_only: bool) -> etcdtui::app::App {
    use etcdtui::app::{App, ConnState, ContextInfo};
    let ctx = ContextInfo {
        name: "prod".into(),
        endpoints: vec!["https://10.0.0.11:2379".into()],
        source: "test".into(),
        read_only,
        user: Some("root".into()),
        tls: true,
        details: Vec::new(),
    };
    let mut a = App::new(
        ctx,
        etcdtui::keymap::Keymap::defaults(),
        Vec::new(),
        std::time::Instant::now(),
    );
    a.conn = ConnState::Connected {
        info: etcdtui::etcd::ClusterInfo {
            endpoint: "https://10.0.0.11:2379".into(),
            cluster_id: 0xabc,
            member_id: 1,
            member_name: "etcd-a".into(),
            leader_id: 2,
            leader_name: Some("etcd-b".into()),
            version: "3.5.16".into(),
            revision: 98_765,
            raft_term: 4,
            members: 3,
            endpoints_up: 1,
            endpoints_total: 1,
            endpoint_errors: Vec::new(),
            status_denied: false,
        },
    };
    a.view = view;
    a
}

/// A member of the made-up production cluster: reachable ones report 3.5.16, 1.8 GB
/// of DB, etcd-b (id 2) as leader and raft index `index`.
pub fn member_status(
    id: u64,
    name: &str,
    health: etcdtui::etcd::cluster::Health,
    index: u64,
) -> etcdtui::etcd::cluster::MemberStatus {
    let up = health == etcdtui::etcd::cluster::Health::Up;
    etcdtui::etcd::cluster::MemberStatus {
        id,
        name: name.into(),
        peer_urls: vec![format!("https://10.0.0.1{id}:2380")],
        client_urls: vec![format!("https://10.0.0.1{id}:2379")],
        is_learner: false,
        health,
        version: up.then(|| "3.5.16".into()),
        db_size: up.then_some(1_800_000_000),
        db_size_in_use: up.then_some(900_000_000),
        leader: up.then_some(2),
        raft_term: up.then_some(4),
        raft_index: up.then_some(index),
        raft_applied_index: up.then_some(index),
        errors: Vec::new(),
        quota: None,
        rtt: up.then_some(Duration::from_millis(3)),
        since_36: None,
        probes: Default::default(),
    }
}

/// The screen below the two header lines, which hold nothing the views change.
pub fn render_body(a: &etcdtui::app::App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("backend");
    t.draw(|f| etcdtui::ui::draw(f, a, &etcdtui::theme::Theme::builtin_default()))
        .expect("draw");
    t.backend()
        .to_string()
        .lines()
        .skip(2)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Stray ETCDCTL_* variables from the developer's shell would change endpoints or
/// credentials behind the test's back.
pub fn clear_etcdctl_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ETCDCTL_") {
            cmd.env_remove(key);
        }
    }
}

/// The etcdtui binary with a home of its own: no config, kubeconfig or ETCDCTL_*
/// variables of the developer's reach it.
pub fn etcdtui_at_home(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_etcdtui"));
    clear_etcdctl_env(&mut cmd);
    cmd.env_remove("KUBECONFIG")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".state"));
    cmd
}

/// etcdutl 3.6 changed what `snapshot status` counts as `totalKey`: live etcd keys,
/// where 3.5's etcdutl and 3.4's etcdctl counted every entry of every bucket. 3.6's
/// JSON is the one with a `version` field (the storage version, empty for files older
/// etcd wrote).
pub fn counts_live_keys(theirs: &serde_json::Value) -> bool {
    theirs.get("version").is_some()
}

/// Our count that the tool which printed `theirs` calls `totalKey`.
pub fn total_key_as_etcd_counts(
    theirs: &serde_json::Value,
    ours: &etcdtui::snapfile::Status,
) -> u64 {
    if counts_live_keys(theirs) {
        ours.live_keys
    } else {
        ours.bucket_entries
    }
}
