//! Least-privilege users against real etcd: read-only and read-write on one prefix, a
//! single key, a range, and no key permission at all. Each stays connected, browses
//! and reads what its role permits, and sees "not permitted" in place elsewhere.
//!
//! Versions differ in what a non-root user may call besides keys: etcd 3.4.23 answers
//! `Status` to anyone, later releases (3.5.8+, 3.6, 3.7) refuse it to non-root users.
//! The tests ask etcd itself (as that user, with etcd-client) and expect the header to
//! match, so they hold on every version.

mod common;

use common::privilege::{Seeded, connect_learnt, seed, spec};
use etcdtui::app::{ConnState, Msg};
use etcdtui::headless::Headless;

fn status(h: &Headless) -> String {
    h.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// Connected as `user`, with the access learnt; never "disconnected" on the way.
async fn connect(s: &Seeded, user: &str) -> Headless {
    connect_learnt(spec(&s.cluster, user), user).await
}

/// The header agrees with what etcd says when this user asks for its status.
async fn header_matches_status_access(s: &Seeded, h: &Headless, user: &str) {
    let denied = common::privilege::status_refused(&s.cluster, user).await;
    eprintln!("etcd {}: Status refused to {user}: {denied}", s.version);
    let Some(info) = h.app.cluster() else {
        panic!("no cluster info for {user}");
    };
    assert_eq!(info.status_denied, denied, "version {}", s.version);
    let header = h.render(120, 30);
    let first_lines: String = header.lines().take(2).collect::<Vec<_>>().join("\n");
    if denied {
        assert!(
            first_lines.contains("status not permitted"),
            "{first_lines}"
        );
        assert!(
            info.cluster_id != 0,
            "the cluster id comes from another answer"
        );
    } else {
        assert!(first_lines.contains("leader"), "{first_lines}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_on_one_prefix() {
    let Some(s) = seed().await else {
        return;
    };
    let mut h = connect(&s, "ro").await;
    header_matches_status_access(&s, &h, "ro").await;
    // The tree starts at /app/, opened.
    let keys = h.render_keys(120, 30);
    assert!(keys.contains("/app/") && keys.contains("a"), "{keys}");
    h.keys(":goto /app/a\n");
    h.settle().await;
    assert_eq!(h.selected_key().as_deref(), Some(&b"/app/a"[..]));
    let screen = h.render_body(120, 28);
    assert!(screen.contains("value-a"), "{screen}");
    // Writing is not offered: a role that grants no write has no write keys.
    assert!(!h.render(120, 30).contains("e edit"));
    h.keys("e");
    assert!(h.app.keys.ask.is_none() && h.editor.is_none());
    // Outside /app/: reached with :goto, refused in place.
    h.keys(":goto /other/x\n");
    h.settle().await;
    let screen = h.render_body(120, 28);
    assert!(
        screen.contains("not permitted: this user may not read /other/x"),
        "{screen}"
    );
    assert!(!screen.contains("secret-x"));
    // Watch: /app/ works, /other/ says not permitted.
    h.keys(":watch /other/\n");
    h.settle().await;
    assert!(h.render_body(120, 28).contains("not permitted"));
    // A watch on everything is refused to this user: it watches /app/ instead.
    h.keys(":watch /\n");
    h.pump_until("watch live", std::time::Duration::from_secs(10), |a| {
        a.watch
            .tab()
            .is_some_and(|t| matches!(t.state, etcdtui::app::watch::TabState::Live { .. }))
    })
    .await;
    assert_eq!(
        h.app.watch.tab().map(|t| t.spec.key.clone()),
        Some(b"/app/".to_vec())
    );
    common::etcdctl_ok(
        &s.cluster,
        &["--user", "root:rootpw", "put", "/app/new", "1"],
    );
    h.pump_until("event seen", std::time::Duration::from_secs(10), |a| {
        a.watch.tab().is_some_and(|t| t.total >= 1)
    })
    .await;
    // Auth: whether auth is on comes from etcd, and listing users is not permitted.
    h.keys("5");
    h.settle_until("auth answer", |a| {
        a.auth.not_permitted.is_some() || a.auth.info.is_some()
    })
    .await;
    let screen = h.render_body(120, 28);
    assert!(screen.contains("authentication enabled"), "{screen}");
    assert!(screen.contains("not permitted"), "{screen}");
    assert_eq!(
        screen.contains("inferred"),
        s.version.starts_with("3.4"),
        "only 3.4 lacks AuthStatus: {screen}"
    );
    assert!(
        screen.contains("/app/* (prefix)"),
        "own role shown: {screen}"
    );
    assert!(matches!(h.app.conn, ConnState::Connected { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_write_on_one_prefix() {
    let Some(s) = seed().await else {
        return;
    };
    let mut h = connect(&s, "rw").await;
    h.editor = Some(Box::new(|_| b"changed".to_vec()));
    h.keys(":goto /app/a\n");
    h.settle_until("value read", |a| {
        a.keys.value.as_ref().is_some_and(|v| v.kv.is_some())
    })
    .await;
    h.keys("e");
    h.settle().await;
    h.keys("y");
    h.settle().await;
    assert!(status(&h).contains("done at revision"), "{}", status(&h));
    let got = common::etcdctl_ok(&s.cluster, &["--user", "root:rootpw", "get", "/app/a"]);
    assert!(got.contains("changed"), "{got}");
    // Outside /app/ the write is refused before anything is sent.
    h.keys(":goto /other/x\n");
    h.settle().await;
    h.keys("e");
    assert!(
        status(&h).contains("not permitted: this user may not write /other/x"),
        "{}",
        status(&h)
    );
    // A write etcd itself refuses (the app did not know better) says so.
    let draft = h.drafts.path().join("draft-other");
    std::fs::write(&draft, "nope").expect("draft");
    h.msg(Msg::Edited {
        key: b"/other/x".to_vec(),
        expected: 0,
        original: Vec::new(),
        result: Ok((b"nope".to_vec(), draft)),
    });
    h.keys("y");
    h.settle().await;
    assert!(
        status(&h).contains("not permitted: this user may not write /other/x"),
        "{}",
        status(&h)
    );
    assert!(matches!(h.app.conn, ConnState::Connected { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_key() {
    let Some(s) = seed().await else {
        return;
    };
    let mut h = connect(&s, "one").await;
    let keys = h.render_keys(120, 30);
    assert!(keys.contains("/cfg"), "{keys}");
    assert!(!keys.contains("/app/"), "{keys}");
    h.keys(":goto /cfg\n");
    h.settle().await;
    assert!(h.render_body(120, 28).contains("value-cfg"));
    h.keys(":goto /app/a\n");
    h.settle().await;
    assert!(h.render_body(120, 28).contains("not permitted"));
    // No prefix to watch: the whole keyspace is refused in place, not sent.
    h.keys(":watch /app/\n");
    h.settle().await;
    assert!(h.render_body(120, 28).contains("not permitted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range() {
    let Some(s) = seed().await else {
        return;
    };
    let mut h = connect(&s, "ranger").await;
    let keys = h.render_keys(120, 30);
    assert!(keys.contains("/r/1"), "{keys}");
    h.keys(":goto /r/2\n");
    h.settle().await;
    assert!(h.render_body(120, 28).contains("value-r2"));
    // The range ends before /r/3.
    h.keys(":goto /r/3\n");
    h.settle().await;
    let screen = h.render_body(120, 28);
    assert!(screen.contains("not permitted"), "{screen}");
    assert!(!screen.contains("value-r3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_permission_at_all() {
    let Some(s) = seed().await else {
        return;
    };
    let mut h = connect(&s, "nokv").await;
    header_matches_status_access(&s, &h, "nokv").await;
    let screen = h.render_body(120, 28);
    assert!(
        screen.contains("not permitted: may read no keys"),
        "{screen}"
    );
    h.keys("4");
    h.settle_until("leases answer", |a| a.leases.loaded).await;
    let screen = h.render_body(120, 28);
    assert!(!screen.contains("disconnected"), "{screen}");
    h.keys("2");
    assert!(h.render_body(120, 28).contains("nothing to watch"));
    assert!(matches!(h.app.conn, ConnState::Connected { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_is_not_invented_when_refused() {
    let Some(s) = seed().await else {
        return;
    };
    let h = connect(&s, "ro").await;
    let Some(info) = h.app.cluster() else {
        panic!("no cluster info")
    };
    if info.status_denied {
        assert_eq!(info.leader_id, 0);
        assert!(info.version.is_empty());
        assert_eq!(info.raft_term, 0);
    } else {
        assert!(info.leader_id != 0 && !info.version.is_empty());
    }
}
