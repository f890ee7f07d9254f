//! The Auth view against real etcd: users, roles and permissions shown; guarded changes
//! (add a user with a hidden password, grant a role, enable auth); a user who may not
//! read them sees why; none of it in read-only mode.

mod common;

use etcdtui::app::{Overlay, ViewId};
use etcdtui::etcd::ConnectSpec;
use etcdtui::etcd::auth::{Access, Span};
use etcdtui::etcd::spec::{Credentials, Password};
use etcdtui::headless::Headless;

fn status(h: &Headless) -> String {
    h.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn as_user(c: &etcdtui::localcluster::LocalCluster, user: &str, pw: &str) -> ConnectSpec {
    ConnectSpec {
        endpoints: c.client_urls(),
        credentials: Some(Credentials {
            user: user.into(),
            password: Some(Password::new(pw)),
        }),
        ..ConnectSpec::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_a_user_grant_root_and_enable_auth_from_the_view() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut h = Headless::connect(c.client_urls(), 110, 30);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys("5");
    h.settle_until("auth loaded", |a| a.auth.info.is_some())
        .await;
    assert!(h.render_body(110, 10).contains("disabled"));
    // Enabling without root is refused before anything is sent.
    h.keys(":auth enable\n");
    assert!(matches!(h.app.overlay, Overlay::None));
    assert!(status(&h).contains("create a user root"), "{}", status(&h));

    h.keys(":useradd root\n");
    let Overlay::Confirm(d) = &h.app.overlay else {
        panic!("no dialog: {}", status(&h))
    };
    assert!(d.secret);
    h.keys("s3cret\n");
    let screen = h.render(110, 30);
    assert!(!screen.contains("s3cret"), "the password was drawn");
    h.settle().await;
    h.keys(":grant root root\ny");
    h.settle().await;
    let info = h.app.auth.info.as_ref().expect("reloaded");
    let root = info
        .users
        .iter()
        .find(|u| u.name == "root")
        .expect("root added");
    assert_eq!(root.roles, vec!["root".to_string()]);
    assert!(h.app.auth.root_exists());

    h.keys(":auth enable\n");
    assert!(matches!(h.app.overlay, Overlay::Confirm(_)));
    h.keys("enable\n");
    h.settle().await;
    assert!(
        status(&h).contains("authentication enabled"),
        "{}",
        status(&h)
    );
    // The password typed in the dialog works.
    let mut root = etcd_client::Client::connect(
        c.client_urls(),
        Some(etcd_client::ConnectOptions::new().with_user("root", "s3cret")),
    )
    .await
    .expect("root logs in with the password from the dialog");
    root.put("/x", "y", None).await.expect("root may write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_show_their_permissions_and_a_reader_sees_not_permitted() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    for args in [
        &["user", "add", "root:rootpw"][..],
        &["role", "add", "reader"],
        &[
            "role",
            "grant-permission",
            "reader",
            "read",
            "/app/",
            "--prefix=true",
        ],
        &["role", "grant-permission", "reader", "readwrite", "/tmp/x"],
        &["user", "add", "alice:alicepw"],
        &["user", "grant-role", "alice", "reader"],
        &["auth", "enable"],
    ] {
        common::etcdctl_ok(&c, args);
    }
    let mut h = Headless::connect_spec(as_user(&c, "root", "rootpw"), 110, 30, false);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys("5");
    h.settle_until("auth loaded", |a| a.auth.info.is_some())
        .await;
    let info = h.app.auth.info.as_ref().expect("info");
    let reader = info
        .roles
        .iter()
        .find(|r| r.name == "reader")
        .expect("reader role");
    assert!(
        reader
            .perms
            .iter()
            .any(|p| p.access == Access::Read && p.span == Span::Prefix(b"/app/".to_vec()))
    );
    assert!(
        reader
            .perms
            .iter()
            .any(|p| p.access == Access::ReadWrite && p.span == Span::Key(b"/tmp/x".to_vec()))
    );
    let screen = h.render_body(110, 20);
    assert!(
        screen.contains("enabled")
            && screen.contains("/app/* (prefix)")
            && screen.contains("alice"),
        "{screen}"
    );

    let mut h = Headless::connect_spec(as_user(&c, "alice", "alicepw"), 110, 30, false);
    h.settle_until("connected", |a| {
        matches!(a.conn, etcdtui::app::ConnState::Connected { .. })
    })
    .await;
    h.keys("5");
    h.settle_until("auth answer", |a| {
        a.auth.not_permitted.is_some() || a.auth.info.is_some()
    })
    .await;
    assert_eq!(h.app.view, ViewId::Auth);
    assert!(
        h.app.auth.not_permitted.is_some(),
        "alice may not list users"
    );
    assert!(
        h.render_body(110, 10)
            .contains("may not list users and roles")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_auth_changes() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut h = Headless::connect_as(c.client_urls(), 110, 30, true);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys(":useradd mallory\n");
    assert!(matches!(h.app.overlay, Overlay::None));
    assert!(status(&h).contains("read-only"));
    let users = common::etcdctl_ok(&c, &["user", "list"]);
    assert!(!users.contains("mallory"));
}
