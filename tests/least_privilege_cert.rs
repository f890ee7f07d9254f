//! Client-certificate authentication: auth enabled, `--client-cert-auth`, no `--user`.
//! etcd takes the user from the certificate's common name; etcdtui connects, says whose
//! certificate it is, and learns that user's permissions like a password user's.

mod common;

use std::path::Path;

use etcdtui::app::ConnState;
use etcdtui::etcd::ConnectSpec;
use etcdtui::etcd::spec::TlsFiles;
use etcdtui::headless::Headless;

fn cert_spec(t: &common::TlsCluster, cert: &Path, key: &Path) -> ConnectSpec {
    ConnectSpec {
        endpoints: t.cluster.client_urls(),
        tls: Some(TlsFiles {
            cacert: Some(t.pki.ca.clone()),
            cert: Some(cert.to_path_buf()),
            key: Some(key.to_path_buf()),
            insecure_skip_verify: false,
        }),
        ..ConnectSpec::default()
    }
}

/// A TLS cluster requiring client certificates, with keys under /app/ and /other/,
/// users `root` (root) and `client` (reads /app/), then auth enabled. Seeded with the
/// PKI's root certificate, whose CN is root.
async fn seeded() -> Option<common::TlsCluster> {
    let t = common::start_tls_cluster(1, true).await?;
    common::etcdctl_bin()?;
    let root = Some((t.pki.root_cert.as_path(), t.pki.root_key.as_path()));
    let run = |args: &[&str]| {
        let out = common::etcdctl_with_identity(&t.cluster, root, args);
        assert!(
            out.status.success(),
            "etcdctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["put", "/app/a", "value-a"]);
    run(&["put", "/other/x", "secret-x"]);
    // A password is required by 3.4's `user add`; the certificate users never use it.
    run(&["user", "add", "root:unused-pw"]);
    run(&["user", "grant-role", "root", "root"]);
    run(&["role", "add", "app-ro"]);
    run(&[
        "role",
        "grant-permission",
        "app-ro",
        "read",
        "/app/",
        "--prefix=true",
    ]);
    run(&["user", "add", "client:unused-pw"]);
    run(&["user", "grant-role", "client", "app-ro"]);
    run(&["auth", "enable"]);
    Some(t)
}

async fn connect(spec: ConnectSpec) -> Headless {
    common::privilege::connect_learnt(spec, "the certificate user").await
}

/// `etcdtui check -o json` with the certificate, from the real binary: its exit code
/// and the `security / authentication` row.
fn check_auth_row(
    t: &common::TlsCluster,
    cert: &Path,
    key: &Path,
) -> (Option<i32>, serde_json::Value) {
    let home = tempfile::tempdir().expect("home");
    let out = common::etcdtui_at_home(home.path())
        .args(["check", "-o", "json", "--endpoints"])
        .arg(t.cluster.client_urls().join(","))
        .arg("--cacert")
        .arg(&t.pki.ca)
        .arg("--cert")
        .arg(cert)
        .arg("--key")
        .arg(key)
        .args(["--kubeadm-manifest", "/nonexistent"])
        .output()
        .expect("run etcdtui check");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check -o json printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let row = v["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == "authentication").cloned())
        .unwrap_or_else(|| panic!("no authentication check: {v}"));
    (out.status.code(), row)
}

fn header(h: &Headless) -> String {
    h.render(120, 30)
        .lines()
        .take(2)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_with_cn_root_is_root_and_auth_reads_enabled() {
    let Some(t) = seeded().await else {
        return;
    };
    let spec = cert_spec(&t, &t.pki.root_cert, &t.pki.root_key);
    let mut h = connect(spec).await;
    let head = header(&h);
    assert!(head.contains("user root (client certificate CN)"), "{head}");
    let access = h.app.access.clone().expect("access");
    assert_eq!(access.cert_cn.as_deref(), Some("root"));
    assert_eq!(access.auth.is_enabled(), Some(true), "{access:?}");
    assert!(access.keys.as_ref().is_some_and(|k| k.all));
    // Root browses everything.
    let keys = h.render_keys(120, 30);
    assert!(keys.contains("app/") && keys.contains("other/"), "{keys}");
    h.keys("5");
    h.settle_until("users loaded", |a| a.auth.info.is_some())
        .await;
    let screen = h.render_body(120, 28);
    assert!(
        screen.contains("authentication enabled (connected as root, certificate CN)"),
        "{screen}"
    );
    assert!(!screen.contains("disabled"), "{screen}");

    // `check` asks AuthStatus too (3.5+; inferred on 3.4), instead of concluding "off"
    // because this user may list users.
    let (code, row) = check_auth_row(&t, &t.pki.root_cert, &t.pki.root_key);
    assert_eq!(row["status"], "ok", "{row}");
    assert!(
        row["value"]
            .as_str()
            .is_some_and(|v| v.starts_with("enabled")),
        "{row}"
    );
    assert_ne!(code, Some(2), "a healthy cluster with auth on: {row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_a_prefix_scoped_user_browses_its_prefix() {
    let Some(t) = seeded().await else {
        return;
    };
    let spec = cert_spec(&t, &t.pki.client_cert, &t.pki.client_key);
    let mut h = connect(spec).await;
    let head = header(&h);
    assert!(
        head.contains("user client (client certificate CN)"),
        "{head}"
    );
    let keys = h.render_keys(120, 30);
    assert!(keys.contains("/app/"), "{keys}");
    assert!(!keys.contains("other"), "{keys}");
    h.keys(":goto /app/a\n");
    h.settle().await;
    assert!(h.render_body(120, 28).contains("value-a"));
    h.keys(":goto /other/x\n");
    h.settle().await;
    let screen = h.render_body(120, 28);
    assert!(screen.contains("not permitted"), "{screen}");
    assert!(!screen.contains("secret-x"));
    h.keys("5");
    h.settle_until("auth answer", |a| {
        a.auth.not_permitted.is_some() || a.auth.info.is_some()
    })
    .await;
    let screen = h.render_body(120, 28);
    assert!(screen.contains("authentication enabled"), "{screen}");
    assert!(matches!(h.app.conn, ConnState::Connected { .. }));

    // `check` as this user: connected (not "nothing answered"), auth on.
    let (code, row) = check_auth_row(&t, &t.pki.client_cert, &t.pki.client_key);
    assert!(
        row["value"]
            .as_str()
            .is_some_and(|v| v.starts_with("enabled")),
        "{row}"
    );
    assert_ne!(code, Some(2), "{row}");
}
