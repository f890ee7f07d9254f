//! The operations' dialogs and windows, drawn from hand-built cluster states so the
//! text is pinned without ports or timing: what the on-call person reads before
//! pressing y or typing a name. Also: read-only mode has none of the bindings.

mod common;

use std::time::{Duration, SystemTime};

use etcdtui::app::ops::{Finished, Running};
use etcdtui::app::{App, Msg, Overlay, ViewId, update};
use etcdtui::etcd::cluster::{ClusterSnapshot, Health, MemberStatus};
use etcdtui::etcd::operations::{MemberRef, Operation};
use etcdtui::etcd::{EtcdError, Problem};
use etcdtui::keymap::{Action, Key};

fn member(id: u64, name: &str, health: Health) -> MemberStatus {
    common::member_status(id, name, health, 5_000)
}

fn app(read_only: bool, members: Vec<MemberStatus>) -> App {
    let mut a = common::connected_app(ViewId::Cluster, read_only);
    a.ops.snapshot_dir = "/var/backups/etcd".into();
    a.wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_112_000);
    a.cluster.snapshot = Some(ClusterSnapshot {
        members,
        leader: Some(2),
        alarms: vec![(1, "NOSPACE".into())],
        alarms_error: None,
        cluster_id: 0xabc,
        revision: 98_765,
        member_list_from: "https://10.0.0.11:2379".into(),
    });
    a
}

fn healthy() -> App {
    app(
        false,
        vec![
            member(1, "etcd-a", Health::Up),
            member(2, "etcd-b", Health::Up),
            member(3, "etcd-c", Health::Up),
        ],
    )
}

fn press(a: &mut App, keys: &str) {
    for c in keys.chars() {
        update(a, Msg::Key(Key::char(c)));
    }
}

fn render(a: &App, w: u16, h: u16) -> String {
    common::render_body(a, w, h)
}

#[test]
fn remove_dialog_names_the_impact_and_wants_the_name_typed() {
    let mut a = healthy();
    press(&mut a, "gD");
    insta::assert_snapshot!(render(&a, 100, 24));
    press(&mut a, "etcd-a");
    let Overlay::Confirm(c) = &a.overlay else {
        panic!("no dialog")
    };
    assert_eq!(c.input, "etcd-a");
}

#[test]
fn defrag_all_dialog_puts_the_leader_last() {
    let mut a = healthy();
    press(&mut a, "F");
    insta::assert_snapshot!(render(&a, 100, 24));
}

#[test]
fn snapshot_dialog_and_its_progress_window() {
    let mut a = healthy();
    press(&mut a, "gjs");
    insta::assert_snapshot!("snapshot_dialog", render(&a, 100, 24));
    a.overlay = Overlay::None;
    a.ops.running = Some(Running {
        id: 1,
        title: "Snapshot of etcd-b".into(),
        op: Operation::Snapshot {
            member: MemberRef {
                id: 2,
                name: "etcd-b".into(),
                client_urls: Vec::new(),
            },
            path: "/var/backups/etcd/x.db".into(),
        },
        started: a.now - Duration::from_secs(4),
        progress: Some((400 << 20, 1000 << 20)),
        step: Some("streaming from etcd-b".into()),
        cancelling: false,
    });
    insta::assert_snapshot!("snapshot_progress", render(&a, 100, 24));
    a.ops.running = None;
    a.ops.finished = Some(Finished {
        title: "Snapshot of etcd-b".into(),
        ok: true,
        // What the member's version (3.5.16 here) makes of a saved snapshot.
        lines: etcdtui::app::ops::plan::saved_lines(&etcdtui::etcd::snapshot_save::Saved {
            path: "/var/backups/etcd/prod-etcd-b-20261201T000000Z.db".into(),
            size: 1_048_576_032,
            revision: 98_765,
            sha256_verified: true,
            server_version: Some("3.5.16".into()),
        }),
    });
    insta::assert_snapshot!("snapshot_done", render(&a, 100, 24));
}

#[test]
fn compaction_and_alarm_dialogs() {
    let mut a = healthy();
    press(&mut a, "C");
    insta::assert_snapshot!("compact_dialog", render(&a, 100, 24));
    a.overlay = Overlay::None;
    press(&mut a, "A");
    insta::assert_snapshot!("disarm_dialog", render(&a, 100, 24));
}

#[test]
fn a_voter_is_refused_on_an_unhealthy_cluster_with_the_reason() {
    let down = Health::Unreachable(EtcdError::new(Problem::Unreachable, None, "refused"));
    let mut a = app(
        false,
        vec![
            member(1, "etcd-a", Health::Up),
            member(2, "etcd-b", Health::Up),
            member(3, "etcd-c", down),
        ],
    );
    for c in ":member add etcd-d https://10.0.0.14:2380 --voter\n".chars() {
        let key = if c == '\n' {
            Key::plain(etcdtui::keymap::KeyCode::Enter)
        } else {
            Key::char(c)
        };
        update(&mut a, Msg::Key(key));
    }
    assert!(matches!(a.overlay, Overlay::None));
    let said = a
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.starts_with("refused: etcd-c down"), "{said}");
}

#[test]
fn read_only_has_no_operation_bindings_but_still_saves_snapshots() {
    let mut a = app(true, vec![member(1, "etcd-a", Health::Up)]);
    for c in "aupDLfFAC".chars() {
        assert_eq!(a.keymap.lookup(ViewId::Cluster, Key::char(c)), None, "{c}");
    }
    assert_eq!(
        a.keymap.lookup(ViewId::Cluster, Key::char('s')),
        Some(Action::Snapshot)
    );
    // The commands are refused too, whatever the keymap says.
    for cmd in [
        ":member remove etcd-a\n",
        ":defrag all\n",
        ":compact 5\n",
        ":alarm disarm\n",
    ] {
        for c in cmd.chars() {
            let key = if c == '\n' {
                Key::plain(etcdtui::keymap::KeyCode::Enter)
            } else {
                Key::char(c)
            };
            update(&mut a, Msg::Key(key));
        }
        assert!(matches!(a.overlay, Overlay::None), "{cmd}");
        let said = a
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default();
        assert!(said.starts_with("read-only"), "{cmd}: {said}");
    }
    let rw = healthy();
    for c in "aupDLfFAC".chars() {
        assert!(
            rw.keymap.lookup(ViewId::Cluster, Key::char(c)).is_some(),
            "{c}"
        );
    }
    // The help says why they are missing.
    a.overlay = Overlay::Help { scroll: 0 };
    let help = render(&a, 120, 60);
    assert!(help.contains("READ-ONLY"), "{help}");
}
