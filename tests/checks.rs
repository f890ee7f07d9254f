//! `etcdtui check` against real etcd, each check in both states where a test can make
//! it so: plain vs TLS vs TLS with client certificates, auth off vs on, encrypted vs
//! plain Secrets, a NOSPACE alarm, fragmentation before and after a defrag, a server
//! certificate that expires in 5 days, a backup directory with an old file; and the
//! exit codes.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use etcdtui::localcluster::{ClusterOptions, LocalCluster, ServerTls};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use serde_json::Value;

/// Runs `etcdtui check -o json` with the state directory (where backups are looked
/// for) in `state`; returns the exit code and the checks by name.
fn check(args: &[&str], state: &Path) -> (i32, Vec<Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_etcdtui"))
        .args(args)
        .args(["--kubeadm-manifest", "/nonexistent", "check", "-o", "json"])
        .env("XDG_STATE_HOME", state)
        .env("HOME", state)
        .env_remove("ETCDCTL_ENDPOINTS")
        .output()
        .expect("run etcdtui check");
    let code = out.status.code().unwrap_or(-1);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(json["exit_code"].as_i64(), Some(i64::from(code)), "{json}");
    (code, json["checks"].as_array().cloned().unwrap_or_default())
}

fn find<'a>(checks: &'a [Value], name: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {checks:?}"))
}

fn status(checks: &[Value], name: &str) -> String {
    find(checks, name)["status"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn plain(c: &LocalCluster) -> Vec<String> {
    vec!["--endpoints".into(), c.client_urls()[0].clone()]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn backups(state: &Path) -> std::path::PathBuf {
    let dir = state.join("etcdtui/snapshots");
    std::fs::create_dir_all(&dir).expect("backup dir");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_cluster_secrets_backups_fragmentation_and_auth() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let state = tempfile::tempdir().expect("state dir");
    let args = plain(&c);
    let (code, checks) = check(&strs(&args), state.path());
    assert_eq!(code, 1, "{checks:?}");
    assert_eq!(status(&checks, "client TLS"), "warn");
    assert_eq!(status(&checks, "client certificates"), "unknown");
    assert_eq!(status(&checks, "authentication"), "warn");
    assert_eq!(status(&checks, "secrets encrypted at rest"), "unknown");
    assert_eq!(
        status(&checks, "newest snapshot"),
        "warn",
        "no backup directory yet"
    );
    assert_eq!(status(&checks, "alarms"), "ok");
    assert_eq!(status(&checks, "versions"), "ok");
    // Measured (its verdict depends on this machine's disk, so only that).
    assert_ne!(status(&checks, "disk latency"), "unknown");

    // Secrets: one encrypted by the API server, one not.
    let mut etcd = common::connect(&c).await;
    etcd.put(
        "/registry/secrets/default/a",
        "k8s:enc:aescbc:v1:key1:\x01\x02",
        None,
    )
    .await
    .expect("put");
    etcd.put("/registry/secrets/default/b", "k8s\0plain", None)
        .await
        .expect("put");
    // Backups: an old file only, then a fresh one.
    let old = backups(state.path()).join("old.db");
    let file = std::fs::File::create(&old).expect("old backup");
    file.set_modified(SystemTime::now() - Duration::from_secs(2 * 86_400))
        .expect("age it");
    let (_, checks) = check(&strs(&args), state.path());
    let s = find(&checks, "secrets encrypted at rest");
    assert_eq!(s["status"], "warn");
    assert_eq!(s["value"], "1 of 2 encrypted (aescbc 1)");
    assert_eq!(status(&checks, "newest snapshot"), "warn");
    etcd.delete("/registry/secrets/default/b", None)
        .await
        .expect("delete");
    std::fs::write(backups(state.path()).join("fresh.db"), b"x").expect("fresh backup");
    let (_, checks) = check(&strs(&args), state.path());
    assert_eq!(status(&checks, "secrets encrypted at rest"), "ok");
    assert_eq!(status(&checks, "newest snapshot"), "ok");

    // Fragmentation: space freed by deletes and a compaction, given back by a defrag.
    let value = vec![b'v'; 20_000];
    for i in 0..300 {
        etcd.put(format!("/bulk/{i}"), value.clone(), None)
            .await
            .expect("put");
    }
    let deleted = etcd
        .delete(
            "/bulk/",
            Some(etcd_client::DeleteOptions::new().with_prefix()),
        )
        .await
        .expect("delete");
    let rev = deleted.header().expect("header").revision();
    etcd.compact(
        rev,
        Some(etcd_client::CompactionOptions::new().with_physical()),
    )
    .await
    .expect("compact");
    // bbolt hands freed pages back only once no older read is open, which later
    // writes bring about: write until etcd reports the space as free.
    let mut checks = Vec::new();
    for i in 0..20 {
        etcd.put("/tick", i.to_string(), None).await.expect("put");
        tokio::time::sleep(Duration::from_millis(250)).await;
        checks = check(&strs(&args), state.path()).1;
        if status(&checks, "fragmentation") == "warn" {
            break;
        }
    }
    assert_eq!(status(&checks, "fragmentation"), "warn", "{checks:?}");
    assert!(
        find(&checks, "compaction")["value"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("compacted at {rev}"))
    );
    etcd.defragment().await.expect("defrag");
    let (_, checks) = check(&strs(&args), state.path());
    assert_eq!(status(&checks, "fragmentation"), "ok", "{checks:?}");

    // Auth on, checked as root.
    common::etcdctl_ok(&c, &["user", "add", "root:rootpw"]);
    common::etcdctl_ok(&c, &["auth", "enable"]);
    let mut as_root = args.clone();
    as_root.extend(["--user".into(), "root:rootpw".into()]);
    let (_, checks) = check(&strs(&as_root), state.path());
    let a = find(&checks, "authentication");
    assert_eq!(a["status"], "ok", "{a}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nospace_alarm_fails_with_exit_code_2() {
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    let mut opts = ClusterOptions::new(1, bin);
    opts.extra_args = vec!["--quota-backend-bytes=2000000".into()];
    let c = common::start(opts).await;
    let mut etcd = common::connect(&c).await;
    let big = vec![b'x'; 100_000];
    for i in 0..100 {
        if etcd
            .put(format!("/big/{i}"), big.clone(), None)
            .await
            .is_err()
        {
            break;
        }
    }
    let state = tempfile::tempdir().expect("state dir");
    let (code, checks) = check(&strs(&plain(&c)), state.path());
    assert_eq!(code, 2, "{checks:?}");
    assert_eq!(checks[0]["status"], "fail", "worst first: {checks:?}");
    let alarms = find(&checks, "alarms");
    assert_eq!(alarms["status"], "fail");
    assert!(
        alarms["value"].as_str().unwrap_or("").contains("NOSPACE"),
        "{alarms}"
    );
    assert_ne!(status(&checks, "DB size vs quota"), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_client_certificates_and_a_fresh_backup_is_all_ok() {
    let Some(t) = common::start_tls_cluster(1, true).await else {
        return;
    };
    let state = tempfile::tempdir().expect("state dir");
    std::fs::write(backups(state.path()).join("fresh.db"), b"x").expect("fresh backup");
    // The disk check measures this machine's disk; a generous limit from config.yaml
    // keeps a busy CI machine from turning the exit code into a coin toss, and shows
    // that thresholds are read from there.
    let config = state.path().join("config.yaml");
    std::fs::write(
        &config,
        "checks:\n  wal_fsync_p99_ms: 100000\n  backend_commit_p99_ms: 100000\n",
    )
    .expect("config");
    let p = &t.pki;
    let args: Vec<String> = vec![
        "--config".into(),
        config.display().to_string(),
        "--endpoints".into(),
        t.cluster.client_urls()[0].clone(),
        "--cacert".into(),
        p.ca.display().to_string(),
        "--cert".into(),
        p.client_cert.display().to_string(),
        "--key".into(),
        p.client_key.display().to_string(),
    ];
    let (code, checks) = check(&strs(&args), state.path());
    assert_eq!(status(&checks, "client TLS"), "ok");
    assert_eq!(status(&checks, "client certificates"), "ok", "{checks:?}");
    assert_eq!(
        status(&checks, "authentication"),
        "ok",
        "certs count as authentication"
    );
    let certs: Vec<&Value> = checks.iter().filter(|c| c["name"] == "expiry").collect();
    assert_eq!(
        certs.len(),
        3,
        "CA, client and server certificates: {certs:?}"
    );
    assert!(certs.iter().all(|c| c["status"] == "ok"), "{certs:?}");
    assert!(
        find(&checks, "disk latency")["threshold"]
            .as_str()
            .unwrap_or("")
            .contains("100000 ms"),
        "thresholds from config.yaml"
    );
    assert_eq!(code, 0, "{checks:?}");
}

/// Days since the epoch to (year, month, day).
fn civil(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        (yoe + era * 400 + i64::from(m <= 2)) as i32,
        m as u8,
        d as u8,
    )
}

/// A CA and a server certificate for 127.0.0.1 that expires in `days` days.
fn short_lived_pki(dir: &Path, days: i64) -> ServerTls {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "short CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key")).expect("CA");
    let mut leaf =
        CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).expect("params");
    leaf.distinguished_name
        .push(DnType::CommonName, "etcd-server");
    leaf.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let today = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
        / 86_400;
    let (y, m, d) = civil(today + days);
    leaf.not_after = rcgen::date_time_ymd(y, m, d);
    let key = KeyPair::generate().expect("key");
    let cert = leaf.signed_by(&key, &ca).expect("sign");
    let write = |name: &str, pem: String| {
        let p = dir.join(name);
        std::fs::write(&p, pem).expect("write PKI file");
        p
    };
    ServerTls {
        ca: write("ca.pem", ca.pem()),
        cert: write("server.pem", cert.pem()),
        key: write("server-key.pem", key.serialize_pem()),
        client_cert_auth: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_certificate_expiring_in_5_days_fails_and_anonymous_clients_warn() {
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    let pki = tempfile::tempdir().expect("pki dir");
    let tls = short_lived_pki(pki.path(), 5);
    let ca = tls.ca.display().to_string();
    let mut opts = ClusterOptions::new(1, bin);
    opts.tls = Some(tls);
    let c = common::start(opts).await;
    let state = tempfile::tempdir().expect("state dir");
    let args: Vec<String> = vec![
        "--endpoints".into(),
        c.client_urls()[0].clone(),
        "--cacert".into(),
        ca,
    ];
    let (code, checks) = check(&strs(&args), state.path());
    assert_eq!(code, 2, "{checks:?}");
    assert_eq!(status(&checks, "client TLS"), "ok");
    assert_eq!(status(&checks, "client certificates"), "warn");
    let server = checks
        .iter()
        .find(|c| {
            c["value"]
                .as_str()
                .unwrap_or("")
                .starts_with("server certificate")
        })
        .expect("server certificate check");
    assert_eq!(server["status"], "fail", "{server}");
    assert!(
        server["value"]
            .as_str()
            .unwrap_or("")
            .contains("4 days left"),
        "{server}"
    );
}

/// `$var`, or `None` outside CI (skip); under CI a missing binary fails the test.
fn required_bin(var: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os(var).map(std::path::PathBuf::from);
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{var} not set under CI: scripts/test sets it"
        );
        eprintln!("skipping: {var} not set (scripts/test sets it)");
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_35_member_joining_34_members_is_a_mixed_version_warning() {
    let (Some(v34), Some(v35)) = (
        required_bin("ETCDTUI_ETCD34_BIN"),
        required_bin("ETCDTUI_ETCD35_BIN"),
    ) else {
        return;
    };
    let c = common::start(ClusterOptions::new(1, v34)).await;
    let mut etcd = common::connect(&c).await;
    let (peer, client) = (
        etcdtui::localcluster::free_port().expect("port"),
        etcdtui::localcluster::free_port().expect("port"),
    );
    let peer_url = format!("http://127.0.0.1:{peer}");
    etcd.member_add(
        [peer_url.clone()],
        Some(etcd_client::MemberAddOptions::new().with_is_learner()),
    )
    .await
    .expect("add a learner");
    let initial = format!(
        "{}={},m2={peer_url}",
        c.member(0).name,
        c.member(0).peer_url
    );
    let dir = tempfile::tempdir().expect("dir");
    let _m2 = common::start_joiner(&v35, "m2", dir.path(), (peer, client), &initial);
    let state = tempfile::tempdir().expect("state dir");
    let args = plain(&c);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, checks) = check(&strs(&args), state.path());
        let v = find(&checks, "versions");
        let value = v["value"].as_str().unwrap_or("").to_string();
        if value.contains("mixed") {
            assert_eq!(v["status"], "warn", "{v}");
            assert!(value.contains("3.4.") && value.contains("3.5."), "{v}");
            assert!(value.contains("cluster version 3.4"), "{v}");
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the 3.5 member never answered: {v}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `check`, repeated (for at most 10 s) while a member other than the lost one is
/// still unhealthy from the election that followed.
fn settled(args: &[&str], state: &Path) -> (i32, Vec<Value>) {
    let started = std::time::Instant::now();
    loop {
        let (code, checks) = check(args, state);
        let value = find(&checks, "members")["value"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !value.contains("unhealthy") || started.elapsed() > Duration::from_secs(10) {
            return (code, checks);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The members check names a dead member and a frozen one (exit 2), whichever
/// endpoint comes first; reads that any member can answer still come from a live one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_or_frozen_member_fails_the_members_check_by_name() {
    let Some(mut c) = common::start_cluster(3).await else {
        return;
    };
    let state = tempfile::tempdir().expect("state dir");
    let all = vec![
        "--endpoints".to_string(),
        c.client_urls().join(","),
        "--command-timeout".into(),
        "1s".into(),
    ];
    let (_, checks) = check(&strs(&all), state.path());
    let m = find(&checks, "members");
    assert_eq!(m["status"], "ok", "{m}");
    let value = m["value"].as_str().unwrap_or_default();
    assert!(
        value.starts_with("3 of 3 members healthy; each: /health ok"),
        "{m}"
    );

    // The first endpoint dies: nothing may be read from it or blamed on another. If it
    // led, the others' own /health fails until they elect a new leader (3.6: "leader
    // changed"), which the check rightly reports: ask again until that has passed.
    c.kill(0);
    let dead = c.member(0).client_url.clone();
    let (code, checks) = settled(&strs(&all), state.path());
    let m = find(&checks, "members");
    assert_eq!(code, 2, "{checks:#?}");
    assert_eq!(m["status"], "fail", "{m}");
    let value = m["value"].as_str().unwrap_or_default();
    assert!(
        value.starts_with(&format!(
            "{} ({dead}) down: connection refused",
            c.member(0).name
        )),
        "{m}"
    );
    assert_eq!(status(&checks, "alarms"), "ok", "{checks:#?}");
    assert_eq!(status(&checks, "authentication"), "warn", "{checks:#?}");
    let secrets = find(&checks, "secrets encrypted at rest");
    assert!(
        secrets["value"]
            .as_str()
            .unwrap_or_default()
            .contains("no Kubernetes Secrets"),
        "read from a live member: {secrets}"
    );
    c.restart(0).await.expect("restart");

    // Frozen: it accepts connections but never answers.
    c.stop_signal(2);
    let (code, checks) = settled(&strs(&all), state.path());
    c.cont_signal(2);
    let m = find(&checks, "members");
    assert_eq!(code, 2, "{m}");
    let value = m["value"].as_str().unwrap_or_default();
    assert!(
        value.contains(&format!(
            "{} ({}) down: timed out",
            c.member(2).name,
            c.member(2).client_url
        )),
        "{m}"
    );
}
