//! Snapshots of the Cluster, Watch, Leases and Auth views drawn from hand-built states,
//! so the layout is pinned without timing or ports in the picture.

mod common;

use std::time::{Duration, SystemTime};

use etcdtui::app::{App, ViewId};
use etcdtui::etcd::auth::{Access, AuthInfo, Perm, Role, Span, User};
use etcdtui::etcd::cluster::{ClusterSnapshot, Health, MemberStatus};
use etcdtui::etcd::leases::LeaseInfo;
use etcdtui::etcd::watch::{EventKind, WatchEvent, WatchSpec, WatchUpdate};
use etcdtui::etcd::{EtcdError, Problem};
use etcdtui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn app(view: ViewId) -> App {
    common::connected_app(view, false)
}

fn render(a: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("backend");
    t.draw(|f| etcdtui::ui::draw(f, a, &Theme::builtin_default()))
        .expect("draw");
    t.backend().to_string()
}

fn member(id: u64, name: &str, health: Health, index: u64) -> MemberStatus {
    common::member_status(id, name, health, index)
}

#[test]
fn cluster_with_a_dead_member_and_one_near_quota() {
    let mut a = app(ViewId::Cluster);
    let down = Health::Unreachable(EtcdError::new(
        Problem::Unreachable,
        Some("https://10.0.0.13:2379"),
        "refused",
    ));
    a.cluster.snapshot = Some(ClusterSnapshot {
        members: vec![
            member(1, "etcd-a", Health::Up, 5_000),
            member(2, "etcd-b", Health::Up, 5_120),
            member(3, "etcd-c", down, 0),
        ],
        leader: Some(2),
        alarms: Vec::new(),
        alarms_error: None,
        cluster_id: 0xabc,
        revision: 98_765,
        member_list_from: "https://10.0.0.11:2379".into(),
    });
    insta::assert_snapshot!(render(&a, 120, 30));
    let narrow = render(&a, 80, 24);
    assert!(
        narrow.contains("DOWN") && narrow.contains("tolerates 0"),
        "{narrow}"
    );
}

#[test]
fn watch_tab_with_events_and_a_diff() {
    let mut a = app(ViewId::Watch);
    let spec = WatchSpec {
        key: b"/app/".to_vec(),
        prefix: true,
        start_revision: None,
        prev_kv: true,
    };
    etcdtui::app::watch::start(&mut a.watch, spec);
    let ev = |rev: i64, key: &str, value: &str, prev: Option<&str>, kind: EventKind| WatchEvent {
        kind,
        key: key.as_bytes().to_vec(),
        value: value.as_bytes().to_vec(),
        prev_value: prev.map(|p| p.as_bytes().to_vec()),
        mod_revision: rev,
        create_revision: 10,
        version: rev - 9,
        lease: 0,
    };
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600 + 3723);
    let updates = vec![
        WatchUpdate::Live {
            endpoint: "https://10.0.0.11:2379".into(),
            from_revision: 10,
        },
        WatchUpdate::Events(vec![
            ev(10, "/app/config", "a: 1\nb: 2\n", None, EventKind::Put),
            ev(
                11,
                "/app/config",
                "a: 1\nb: 3\n",
                Some("a: 1\nb: 2\n"),
                EventKind::Put,
            ),
            ev(12, "/app/old", "", Some("gone"), EventKind::Delete),
            ev(
                13,
                "/app/config",
                "a: 2\nb: 3\n",
                Some("a: 1\nb: 3\n"),
                EventKind::Put,
            ),
        ]),
    ];
    etcdtui::app::watch::on_updates(&mut a.watch, 1, updates, a.now, wall);
    etcdtui::app::watch::step(&mut a.watch, -1);
    etcdtui::app::watch::step(&mut a.watch, -1);
    etcdtui::app::watch::step(&mut a.watch, -1);
    etcdtui::app::watch::step(&mut a.watch, 1);
    insta::assert_snapshot!(render(&a, 120, 24));
}

#[test]
fn leases_and_their_keys() {
    let mut a = app(ViewId::Leases);
    let ls = &mut a.leases;
    ls.loaded = true;
    ls.height = 10;
    ls.ids = vec![0x694d7a1b2c3d4e01, 0x694d7a1b2c3d4e02];
    ls.details.insert(
        0x694d7a1b2c3d4e01,
        (
            LeaseInfo {
                id: 0x694d7a1b2c3d4e01,
                granted_ttl: 60,
                ttl: 42,
                keys: vec![b"/svc/a".to_vec(), b"/svc/b".to_vec()],
            },
            a.now,
        ),
    );
    ls.details.insert(
        0x694d7a1b2c3d4e02,
        (
            LeaseInfo {
                id: 0x694d7a1b2c3d4e02,
                granted_ttl: 3600,
                ttl: -1,
                keys: Vec::new(),
            },
            a.now,
        ),
    );
    insta::assert_snapshot!(render(&a, 100, 16));
    // A click on the second lease's row selects it.
    let screen = render(&a, 100, 16);
    let y = screen
        .lines()
        .position(|l| l.contains("694d7a1b2c3d4e02"))
        .expect("second lease drawn") as u16;
    use etcdtui::app::{Mouse, MouseKind, Msg, update};
    update(
        &mut a,
        Msg::Mouse(Mouse {
            kind: MouseKind::Click,
            x: 5,
            y,
        }),
    );
    assert_eq!(a.leases.cursor, 1);
}

#[test]
fn auth_users_and_roles() {
    let mut a = app(ViewId::Auth);
    a.auth.info = Some(AuthInfo {
        users: vec![
            User {
                name: "root".into(),
                roles: vec!["root".into()],
            },
            User {
                name: "alice".into(),
                roles: vec!["reader".into(), "ops".into()],
            },
        ],
        roles: vec![
            Role {
                name: "reader".into(),
                perms: vec![Perm {
                    access: Access::Read,
                    span: Span::Prefix(b"/app/".to_vec()),
                }],
            },
            Role {
                name: "ops".into(),
                perms: vec![Perm {
                    access: Access::ReadWrite,
                    span: Span::Range(b"/a".to_vec(), b"/m".to_vec()),
                }],
            },
            Role {
                name: "root".into(),
                perms: Vec::new(),
            },
        ],
    });
    insta::assert_snapshot!(render(&a, 100, 16));
    // A click lands on the user or role drawn under it (roles span their permissions).
    let click = |a: &mut App, x: u16, y: u16| {
        use etcdtui::app::{Mouse, MouseKind, Msg, update};
        update(
            a,
            Msg::Resize {
                width: 100,
                height: 16,
            },
        );
        update(
            a,
            Msg::Mouse(Mouse {
                kind: MouseKind::Click,
                x,
                y,
            }),
        );
    };
    let screen = render(&a, 100, 16);
    let row_of = |text: &str| screen.lines().position(|l| l.contains(text)).expect(text) as u16;
    click(&mut a, 5, row_of("alice"));
    assert_eq!(a.auth.user_cursor, 1);
    click(&mut a, 60, row_of("readwrite"));
    assert_eq!(
        a.auth.role_cursor, 1,
        "the ops role owns its permission line"
    );
    click(&mut a, 60, row_of("││root"));
    assert_eq!(a.auth.role_cursor, 2);
}
