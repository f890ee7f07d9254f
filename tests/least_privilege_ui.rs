//! Snapshots of what a least-privilege user sees, drawn from hand-built states: the
//! header when `Status` is refused and the user comes from a client certificate, the
//! Keys tree rooted at the permitted prefix, and "not permitted" in the Keys, Watch,
//! Leases and Auth views.

use std::time::Instant;

use etcdtui::app::{App, ContextInfo, Msg, update};
use etcdtui::etcd::auth::{Access, Perm, Span};
use etcdtui::etcd::permissions::{AuthState, Permissions, SessionAccess};
use etcdtui::etcd::{ClusterInfo, EtcdError, Event, Problem};
use etcdtui::keymap::{Key, Keymap};
use etcdtui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn refused_status() -> ClusterInfo {
    ClusterInfo {
        endpoint: "https://10.0.0.11:2379".into(),
        cluster_id: 0xcafe,
        member_id: 0x11,
        member_name: "etcd-a".into(),
        leader_id: 0,
        leader_name: None,
        version: String::new(),
        revision: 4242,
        raft_term: 0,
        members: 3,
        endpoints_up: 1,
        endpoints_total: 1,
        endpoint_errors: Vec::new(),
        status_denied: true,
    }
}

/// Connected with the client certificate of `client` (no --user), whose role reads
/// `perms`; auth as `auth` says.
fn app(perms: Vec<Perm>, auth: AuthState) -> App {
    let ctx = ContextInfo {
        name: "team".into(),
        endpoints: vec!["https://10.0.0.11:2379".into()],
        source: "flags".into(),
        read_only: false,
        user: None,
        tls: true,
        details: Vec::new(),
    };
    let mut a = App::new(ctx, Keymap::defaults(), Vec::new(), Instant::now());
    update(
        &mut a,
        Msg::Resize {
            width: 100,
            height: 16,
        },
    );
    update(
        &mut a,
        Msg::Etcd(Event::Connected {
            generation: 1,
            info: refused_status(),
        }),
    );
    let access = SessionAccess {
        auth,
        user: Some("client".into()),
        cert_cn: Some("client".into()),
        keys: Some(Permissions {
            all: false,
            roles: vec!["app-ro".into()],
            perms,
        }),
        status_denied: true,
    };
    update(
        &mut a,
        Msg::Etcd(Event::Access {
            generation: 1,
            access: Box::new(access),
        }),
    );
    a
}

fn app_reader() -> Vec<Perm> {
    vec![Perm {
        access: Access::Read,
        span: Span::Prefix(b"/app/".to_vec()),
    }]
}

fn denied(id: u64) -> EtcdError {
    let _ = id;
    EtcdError::new(
        Problem::PermissionDenied,
        Some("https://10.0.0.11:2379"),
        "etcdserver: permission denied",
    )
}

fn screen(a: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 16)).expect("backend");
    t.draw(|f| etcdtui::ui::draw(f, a, &Theme::builtin_default()))
        .expect("draw");
    t.backend().to_string()
}

fn press(a: &mut App, text: &str) {
    for c in text.chars() {
        let key = if c == '\n' {
            Key::plain(etcdtui::keymap::KeyCode::Enter)
        } else {
            Key::char(c)
        };
        update(a, Msg::Key(key));
    }
}

#[test]
fn header_and_tree_of_a_certificate_user_who_may_not_ask_status() {
    let a = app(app_reader(), AuthState::Enabled);
    let s = screen(&a);
    assert!(s.contains("status not permitted"), "{s}");
    assert!(s.contains("client (client certificate CN)"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn a_user_with_no_key_permission() {
    let a = app(Vec::new(), AuthState::Enabled);
    let s = screen(&a);
    assert!(s.contains("not permitted: may read no keys"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn auth_view_refused_shows_own_roles_and_inferred_auth_on_3_4() {
    let mut a = app(app_reader(), AuthState::InferredEnabled);
    press(&mut a, "5");
    update(
        &mut a,
        Msg::Etcd(Event::Auth {
            generation: 1,
            id: 1,
            result: Err(denied(1)),
        }),
    );
    let s = screen(&a);
    assert!(s.contains("inferred"), "{s}");
    assert!(s.contains("/app/* (prefix)"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn leases_refused_in_place() {
    let mut a = app(app_reader(), AuthState::Enabled);
    press(&mut a, "4");
    for id in 1..=2 {
        update(
            &mut a,
            Msg::Etcd(Event::Leases {
                generation: 1,
                id,
                result: Err(denied(id)),
            }),
        );
    }
    let s = screen(&a);
    assert!(s.contains("not permitted to list leases"), "{s}");
    assert!(!s.contains("disconnected"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn a_watch_outside_the_role_is_refused_in_place() {
    let mut a = app(app_reader(), AuthState::Enabled);
    press(&mut a, ":watch /other/\n");
    let s = screen(&a);
    assert!(
        s.contains("not permitted: this user may not watch /other/"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn a_watch_on_everything_becomes_one_on_the_permitted_prefix() {
    let mut a = app(app_reader(), AuthState::Enabled);
    press(&mut a, ":watch /\n");
    let tab = a.watch.tab().expect("a watch tab");
    assert_eq!(tab.spec.key, b"/app/".to_vec());
    assert!(tab.spec.prefix);
    assert!(!matches!(
        tab.state,
        etcdtui::app::watch::TabState::Cancelled { .. }
    ));
}
