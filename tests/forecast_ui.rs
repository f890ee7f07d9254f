//! The Cluster view's Forecast pane drawn from hand-built states: a snapshot file's
//! history as the compaction figure, the session's growth, and the pane's place above
//! the event log so that an 80x24 terminal still shows every line of the member's
//! details (the forecast once took the last metrics line away there).

mod common;

use std::time::{Duration, Instant, SystemTime};

use etcdtui::app::{App, ViewId};
use etcdtui::etcd::cluster::{ClusterSnapshot, Health};
use etcdtui::etcd::snapkeys::SnapshotSource;

const METRICS: &str = "\
etcd_debugging_mvcc_compact_revision 1200
etcd_server_leader_changes_seen_total 1
etcd_debugging_mvcc_watcher_total 3
";

fn cluster(compact_metric: bool) -> App {
    let mut a = common::connected_app(ViewId::Cluster, false);
    a.wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    a.cluster.snapshot = Some(ClusterSnapshot {
        members: vec![
            common::member_status(1, "etcd-a", Health::Up, 5_000),
            common::member_status(2, "etcd-b", Health::Up, 5_000),
            common::member_status(3, "etcd-c", Health::Up, 5_000),
        ],
        leader: Some(2),
        alarms: Vec::new(),
        alarms_error: None,
        cluster_id: 0xabc,
        revision: 98_765,
        member_list_from: "https://10.0.0.11:2379".into(),
    });
    let text = if compact_metric {
        METRICS.to_string()
    } else {
        METRICS.lines().skip(1).collect::<Vec<_>>().join("\n")
    };
    for id in 1..=3 {
        let s = etcdtui::metrics::parse(&text);
        let m = etcdtui::metrics::summarize(None, &s);
        a.cluster.metrics.insert(id, (s, m));
    }
    a
}

/// Two refreshes ten minutes apart, 60 MiB more in the second: 6 MiB a minute.
fn grown(a: &mut App) {
    let t0 = Instant::now();
    etcdtui::app::forecast::observe(&mut a.forecast, &a.cluster, t0);
    if let Some(s) = a.cluster.snapshot.as_mut() {
        for m in &mut s.members {
            m.db_size = m.db_size.map(|b| b + 60 * (1 << 20));
        }
    }
    etcdtui::app::forecast::observe(&mut a.forecast, &a.cluster, t0 + Duration::from_secs(600));
}

fn opened_file(a: &mut App) {
    let s = SnapshotSource {
        path: "backup/etcd-2026-12-06.db".into(),
        revision: 90_000,
        keys: 1_000,
        warning: None,
        history_bytes: 48 << 20,
        history_revisions: 88_000,
        modified: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_222_000)),
    };
    etcdtui::app::forecast::observe_file(&mut a.forecast, &s);
}

#[test]
fn compaction_figure_from_an_opened_snapshot_160x45() {
    let mut a = cluster(true);
    grown(&mut a);
    opened_file(&mut a);
    let screen = common::render_body(&a, 160, 45);
    assert!(
        screen.contains("compaction to revision 90000 would free ~48.0 MiB"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn the_forecast_leaves_the_member_details_whole_at_80x24() {
    let mut a = cluster(true);
    grown(&mut a);
    opened_file(&mut a);
    let screen = common::render_body(&a, 80, 24);
    // The last line of the member's details and the forecast's first lines share the
    // screen.
    for want in [
        "leader changes 1",
        "defragmentation would free",
        "grows 360.0 MiB/h",
        "compaction to revision 90000",
    ] {
        assert!(screen.contains(want), "want {want:?} in\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn no_basis_says_so_without_a_number_at_80x24() {
    let mut a = cluster(false);
    grown(&mut a);
    let screen = common::render_body(&a, 80, 24);
    assert!(screen.contains("compaction: no estimate"), "{screen}");
    assert!(screen.contains("leader changes 1"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn a_file_older_than_the_last_compaction_is_set_aside() {
    let mut a = cluster(true);
    opened_file(&mut a);
    if let Some(f) = a.forecast.file.as_mut() {
        f.revision = 1_000;
    }
    let f = etcdtui::app::forecast::selected(&a).expect("a member is selected");
    assert!(
        matches!(
            f.compaction,
            etcdtui::checks::compaction_free::Estimate::Unknown(_)
        ),
        "{:?}",
        f.compaction
    );
    assert!(
        f.compaction.basis().starts_with(
            "backup/etcd-2026-12-06.db (revision 1000) predates the last compaction; \
             97565 revisions since the last compaction (at 1200)"
        ),
        "{}",
        f.compaction.basis()
    );
    let screen = common::render_body(&a, 160, 45);
    assert!(screen.contains("compaction: no estimate"), "{screen}");
}

#[test]
fn kubernetes_that_compacts_has_little_to_free() {
    let mut a = cluster(true);
    a.du.sizes
        .insert(b"/registry/pods/".to_vec(), Default::default());
    let f = etcdtui::app::forecast::selected(&a).expect("a member is selected");
    assert_eq!(f.compaction.headline(), "compaction: little to free");
    let screen = common::render_body(&a, 160, 45);
    assert!(
        screen.contains("Kubernetes' API server compacts every 5 minutes: only 97565"),
        "{screen}"
    );
}
