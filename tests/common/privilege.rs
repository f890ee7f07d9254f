//! A cluster with authentication on and a user per kind of least privilege, for the
//! least-privilege tests.

use std::time::Duration;

use etcdtui::etcd::ConnectSpec;
use etcdtui::etcd::spec::{Credentials, Password};
use etcdtui::localcluster::LocalCluster;

pub struct Seeded {
    pub cluster: LocalCluster,
    /// The server's version, from `Status` as root.
    pub version: String,
}

/// Users (password = name + "pw"): `ro` reads /app/, `rw` reads and writes /app/, `one`
/// reads the key /cfg, `ranger` reads [/r/1, /r/3), `nokv` has a role with no
/// permission. `root` is root.
pub const USERS: [&str; 5] = ["ro", "rw", "one", "ranger", "nokv"];

pub fn grant_script() -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut add = |a: &[&str]| out.push(a.iter().map(|s| s.to_string()).collect());
    add(&["user", "add", "root:rootpw"]);
    add(&["user", "grant-role", "root", "root"]);
    for (role, args) in [
        ("app-ro", &["read", "/app/", "--prefix=true"][..]),
        ("app-rw", &["readwrite", "/app/", "--prefix=true"]),
        ("one-key", &["read", "/cfg"]),
        ("range", &["read", "/r/1", "/r/3"]),
    ] {
        add(&["role", "add", role]);
        let mut g = vec!["role", "grant-permission", role];
        g.extend_from_slice(args);
        add(&g);
    }
    add(&["role", "add", "nothing"]);
    for (user, role) in [
        ("ro", "app-ro"),
        ("rw", "app-rw"),
        ("one", "one-key"),
        ("ranger", "range"),
        ("nokv", "nothing"),
    ] {
        add(&["user", "add", &format!("{user}:{user}pw")]);
        add(&["user", "grant-role", user, role]);
    }
    out
}

pub const KEYS: [(&str, &str); 7] = [
    ("/app/a", "value-a"),
    ("/app/b/c", "value-c"),
    ("/other/x", "secret-x"),
    ("/cfg", "value-cfg"),
    ("/r/1", "value-r1"),
    ("/r/2", "value-r2"),
    ("/r/3", "value-r3"),
];

/// One member with the keys, users and roles above, then auth enabled.
pub async fn seed() -> Option<Seeded> {
    let cluster = super::start_cluster(1).await?;
    super::etcdctl_bin()?;
    for (k, v) in KEYS {
        super::etcdctl_ok(&cluster, &["put", k, v]);
    }
    for args in grant_script() {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        super::etcdctl_ok(&cluster, &a);
    }
    super::etcdctl_ok(&cluster, &["auth", "enable"]);
    let version = server_version(&cluster).await;
    eprintln!("etcd {version}");
    Some(Seeded { cluster, version })
}

async fn server_version(c: &LocalCluster) -> String {
    let opts = etcd_client::ConnectOptions::new()
        .with_user("root", "rootpw")
        .with_timeout(Duration::from_secs(5));
    let mut root = etcd_client::Client::connect(c.client_urls(), Some(opts))
        .await
        .expect("root connects");
    root.status()
        .await
        .expect("root may ask for status")
        .version()
        .to_string()
}

/// Whether etcd refuses `Status` to `user`, asked with etcd-client, not etcdtui.
pub async fn status_refused(c: &LocalCluster, user: &str) -> bool {
    let opts = etcd_client::ConnectOptions::new()
        .with_user(user, format!("{user}pw"))
        .with_timeout(Duration::from_secs(5));
    let mut client = etcd_client::Client::connect(c.client_urls(), Some(opts))
        .await
        .expect("the user connects");
    match client.status().await {
        Ok(_) => false,
        Err(e) if e.to_string().contains("permission denied") => true,
        Err(e) => panic!("status failed otherwise: {e}"),
    }
}

pub fn spec(c: &LocalCluster, user: &str) -> ConnectSpec {
    ConnectSpec {
        endpoints: c.client_urls(),
        credentials: Some(Credentials {
            user: user.into(),
            password: Some(Password::new(format!("{user}pw"))),
        }),
        ..ConnectSpec::default()
    }
}

/// Connected with `spec` (as `who`), with the user's access learnt; never shown as
/// "disconnected" on the way.
pub async fn connect_learnt(spec: ConnectSpec, who: &str) -> etcdtui::headless::Headless {
    use etcdtui::app::ConnState;
    let mut h = etcdtui::headless::Headless::connect_spec(spec, 120, 30, false);
    h.settle_until("access learnt", |a| {
        assert!(
            !matches!(a.conn, ConnState::Disconnected { .. }),
            "{who} was shown as disconnected: {:?}",
            a.conn
        );
        a.access.is_some() && a.keys.loaded && matches!(a.conn, ConnState::Connected { .. })
    })
    .await;
    h.settle().await;
    h
}
