//! Hostile text from etcd (keys, values, member names, user and role names, error
//! messages) drawn through the real crossterm backend into a byte buffer: the bytes
//! that would reach the terminal may hold only the escape sequences crossterm itself
//! emits for drawing, never a control byte, OSC sequence or bidi control from the data.

mod common;
mod tmux;

use std::time::{Duration, SystemTime};

use etcdtui::app::{App, Level, ViewId};
use etcdtui::etcd::auth::{Access, AuthInfo, Perm, Role, Span, User};
use etcdtui::etcd::cluster::{ClusterSnapshot, Health};
use etcdtui::etcd::leases::LeaseInfo;
use etcdtui::etcd::watch::{EventKind, WatchEvent, WatchSpec, WatchUpdate};
use etcdtui::etcd::{EtcdError, Problem};
use etcdtui::headless::Headless;
use etcdtui::keymap::{Key, KeyCode};

/// Each names one way text can take over a terminal: set the window title, clear the
/// screen, change colours, the 8-bit C1 forms, reorder text, and plain C0 controls.
const HOSTILE: [&str; 7] = [
    "\x1b]0;title\x07",
    "\x1b[2J",
    "\x1b[31m",
    "\u{9b}2J\u{9d}0;t\u{9c}\u{85}",
    "\u{202e}\u{202a}\u{2066}\u{2069}\u{200f}\u{61c}",
    "\0\x08\r\x7f\t\n",
    "\x1bP+q\x1b\\\x1b_apc\x1b\\",
];

/// All of `HOSTILE` in one string, so one name exercises every attack.
fn all_hostile() -> String {
    HOSTILE.concat()
}

#[test]
fn the_checker_rejects_what_it_must() {
    assert!(
        common::terminal::check_terminal_bytes(
            b"\x1b[1;1Hok\x1b[38;5;1m\x1b[38;2;1;2;3m\x1b[0m\x1b[?25l"
        )
        .is_ok()
    );
    for bad in HOSTILE {
        assert!(
            common::terminal::check_terminal_bytes(bad.as_bytes()).is_err(),
            "{bad:?}"
        );
    }
    // Each attack on its own, so none of them passes only because of a neighbour.
    for bad in [
        "\x1b]0;t\x07",
        "\u{9b}",
        "\u{85}",
        "\u{202e}",
        "\u{2066}",
        "\u{61c}",
        "\0",
        "\x08",
        "\r",
        "\x7f",
        "\x1b[6n",
        "\x1bc",
        "\x1b[2J",
        "\x1b[31m",
        "\x1b[38;5m",
    ] {
        assert!(
            common::terminal::check_terminal_bytes(bad.as_bytes()).is_err(),
            "{bad:?}"
        );
    }
    // A clean drawing really does go through the checker.
    let a = common::connected_app(ViewId::Keys, false);
    let bytes = common::terminal::terminal_bytes(&a, 80, 20);
    assert!(bytes.windows(2).any(|w| w == b"\x1b["), "nothing drawn");
    assert!(common::terminal::check_terminal_bytes(&bytes).is_ok());
}

fn hostile_cluster(a: &mut App) {
    let bad = all_hostile();
    let mut up = common::member_status(1, &format!("etcd-{bad}"), Health::Up, 5_000);
    up.errors = vec![format!("alarm {bad}")];
    up.peer_urls = vec![format!("https://{bad}:2380")];
    let down = Health::Unreachable(EtcdError::new(
        Problem::Unreachable,
        Some(&format!("https://{bad}:2379")),
        format!("refused {bad}"),
    ));
    a.cluster.snapshot = Some(ClusterSnapshot {
        members: vec![
            up,
            common::member_status(2, "etcd-b", Health::Up, 5_000),
            common::member_status(3, &bad, down, 0),
        ],
        leader: Some(2),
        alarms: vec![(1, format!("NOSPACE{bad}"))],
        alarms_error: Some(EtcdError::new(
            Problem::Unreachable,
            None,
            format!("alarms {bad}"),
        )),
        cluster_id: 0xabc,
        revision: 98_765,
        member_list_from: format!("https://{bad}:2379"),
    });
}

fn press(a: &mut App, keys: &str) {
    for c in keys.chars() {
        etcdtui::app::update(a, etcdtui::app::Msg::Key(Key::char(c)));
    }
}

fn escape(a: &mut App) {
    etcdtui::app::update(a, etcdtui::app::Msg::Key(Key::plain(KeyCode::Esc)));
}

#[test]
fn member_names_errors_and_dialogs() {
    let mut a = common::connected_app(ViewId::Cluster, false);
    hostile_cluster(&mut a);
    a.set_status(Level::Error, format!("status {}", all_hostile()));
    common::terminal::assert_clean("cluster view", &a, 140, 30);
    let drawn = String::from_utf8(common::terminal::terminal_bytes(&a, 140, 30)).expect("UTF-8");
    assert!(
        drawn.contains("etcd-\\x1b]0;title\\x07"),
        "the member name is shown, escaped: {drawn:?}"
    );
    common::terminal::assert_clean("cluster view, narrow", &a, 60, 20);
    // Removing a member on an unhealthy cluster is refused, naming the dead member.
    press(&mut a, "gD");
    common::terminal::assert_clean("removal refused or asked", &a, 120, 30);
    escape(&mut a);
    // Dialogs quote member names and alarms: defragment all, disarm alarms.
    for keys in ["F", "A"] {
        press(&mut a, keys);
        assert!(
            !matches!(a.overlay, etcdtui::app::Overlay::None),
            "{keys} opened a dialog"
        );
        common::terminal::assert_clean(keys, &a, 120, 30);
        escape(&mut a);
    }
    press(&mut a, "?");
    common::terminal::assert_clean("help", &a, 120, 40);
}

#[test]
fn lease_keys_users_and_roles() {
    let bad = all_hostile();
    let mut a = common::connected_app(ViewId::Leases, false);
    a.leases.loaded = true;
    a.leases.height = 10;
    a.leases.ids = vec![7];
    let info = LeaseInfo {
        id: 7,
        granted_ttl: 60,
        ttl: 42,
        keys: HOSTILE
            .iter()
            .map(|h| format!("/l/{h}").into_bytes())
            .collect(),
    };
    a.leases.details.insert(7, (info, a.now));
    common::terminal::assert_clean("leases view", &a, 100, 20);

    a.view = ViewId::Auth;
    a.auth.info = Some(AuthInfo {
        users: vec![User {
            name: format!("user{bad}"),
            roles: vec![format!("role{bad}")],
        }],
        roles: vec![Role {
            name: format!("role{bad}"),
            perms: vec![
                Perm {
                    access: Access::Read,
                    span: Span::Prefix(bad.clone().into_bytes()),
                },
                Perm {
                    access: Access::ReadWrite,
                    span: Span::Range(b"/a\xff\x1b]0;t\x07".to_vec(), bad.clone().into_bytes()),
                },
            ],
        }],
    });
    common::terminal::assert_clean("auth view", &a, 120, 20);
}

#[test]
fn watch_events() {
    let mut a = common::connected_app(ViewId::Watch, false);
    let spec = WatchSpec {
        key: format!("/w/{}", all_hostile()).into_bytes(),
        prefix: true,
        start_revision: None,
        prev_kv: true,
    };
    etcdtui::app::watch::start(&mut a.watch, spec);
    let events = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, h)| WatchEvent {
            kind: if i % 3 == 2 {
                EventKind::Delete
            } else {
                EventKind::Put
            },
            key: format!("/w/{h}").into_bytes(),
            value: format!("new {h}\nline two {h}").into_bytes(),
            prev_value: Some(format!("old {h}\n").into_bytes()),
            mod_revision: 10 + i as i64,
            create_revision: 10,
            version: 1 + i as i64,
            lease: 0,
        })
        .collect();
    let updates = vec![
        WatchUpdate::Live {
            endpoint: format!("https://{}:2379", all_hostile()),
            from_revision: 10,
        },
        WatchUpdate::Events(events),
    ];
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    etcdtui::app::watch::on_updates(&mut a.watch, 1, updates, a.now, wall);
    for _ in 0..HOSTILE.len() {
        common::terminal::assert_clean("watch view", &a, 120, 30);
        etcdtui::app::watch::step(&mut a.watch, -1);
    }
}

/// Drawn after each step through the tree: the row, the value in every format the
/// value pane cycles through, and the key's history.
async fn walk_hostile_keys(h: &mut Headless) {
    h.keys(":goto /h/\n");
    h.settle_until("/h/ selected", |a| {
        a.keys
            .current_node()
            .is_some_and(|id| a.keys.tree.node(id).key == b"/h/")
    })
    .await;
    h.key(Key::plain(KeyCode::Right));
    h.settle().await;
    let mut seen = 0;
    for _ in 0..HOSTILE.len() * 2 {
        h.keys("j");
        h.settle_until("value", |a| {
            a.keys.value.as_ref().is_none_or(|v| !v.loading)
        })
        .await;
        if h.selected_key().is_some_and(|k| k.starts_with(b"/h/k")) {
            seen += 1;
        }
        for _ in 0..4 {
            common::terminal::assert_clean("keys view", &h.app, 120, 30);
            h.keys("f");
        }
    }
    assert!(seen >= HOSTILE.len(), "walked over {seen} hostile keys");
    h.keys("H");
    h.settle().await;
    assert!(h.app.keys.history.is_some(), "history opened");
    common::terminal::assert_clean("history", &h.app, 120, 30);
    h.keys("c");
    common::terminal::assert_clean("history diff", &h.app, 120, 30);
    h.keys("h");
    // The delete dialog and the status line after copying quote the key.
    h.keys("d");
    assert!(
        matches!(h.app.overlay, etcdtui::app::Overlay::Confirm(_)),
        "the delete dialog opened"
    );
    common::terminal::assert_clean("delete dialog", &h.app, 120, 30);
    h.key(Key::plain(KeyCode::Esc));
    h.keys("y");
    assert!(h.app.status.is_some(), "copying says so");
    common::terminal::assert_clean("copied", &h.app, 120, 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_values_and_history_from_real_etcd() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    for (i, bad) in HOSTILE.iter().enumerate() {
        let key = format!("/h/k{i}{bad}");
        client
            .put(key.clone(), format!("{{\"v\": \"{bad}\"}}"), None)
            .await
            .expect("put");
        client
            .put(key, format!("first {bad}\nsecond {bad}\n"), None)
            .await
            .expect("put");
    }
    // A value that is not UTF-8 at all, and one that is YAML.
    client
        .put(
            &b"/h/k\xff\x1b[2J"[..],
            &b"\xff\x9b2J\x1b]0;t\x07"[..],
            None,
        )
        .await
        .expect("put");
    client
        .put("/h/kyaml", format!("a: \"{}\"\n", all_hostile()), None)
        .await
        .expect("put");
    let mut h = Headless::connect(c.client_urls(), 120, 30);
    h.settle_until("tree loaded", |a| a.keys.loaded).await;
    walk_hostile_keys(&mut h).await;
}

/// The real binary in tmux on the demo's hostile keys: the window title stays, and the
/// screen is not cleared under the app.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_cannot_retitle_or_clear_a_real_terminal() {
    let Some(()) = tmux::require_tmux() else {
        return;
    };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let mut client = common::connect(&c).await;
    etcdtui::demo::seed::seed(&mut client).await.expect("seed");
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls()[0]
    );
    let t = tmux::Tmux::start(&args, &[], 100, 30);
    let wait = Duration::from_secs(20);
    t.wait_for("● connected", wait);
    let title = t.pane_title();
    t.type_text(":goto /app/hostile/escape");
    t.key("Enter");
    t.wait_for("1b 5d 30 3b", wait);
    // As text the value is drawn escaped; raw it would retitle the pane and clear it.
    t.key("f");
    let s = t.wait_for("\\x1b]0;pwned\\x07", wait);
    assert!(s.contains("● connected"), "the screen was cleared:\n{s}");
    assert!(s.contains("value with escape sequences"), "{s}");
    assert_eq!(t.pane_title(), title, "a value changed the window title");
    assert!(!t.pane_title().contains("pwned"));
    t.type_text(":goto /app/hostile/");
    t.key("Enter");
    t.wait_for("not-utf8", wait);
    assert_eq!(t.pane_title(), title);
    t.key("q");
    t.assert_clean_exit();
}
