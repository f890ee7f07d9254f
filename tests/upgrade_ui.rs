//! The Cluster view's upgrade panel at 80x24, from hand-built cluster states fed through
//! the same `observe` the app runs after every refresh: a rolling upgrade half-way (one
//! member back on 3.6, the next named, the log of what was noticed), and a 3.4 cluster,
//! which reports no storage version.

mod common;

use std::time::{Duration, SystemTime};

use etcdtui::app::{App, ViewId, upgrade};
use etcdtui::checks::BackupFacts;
use etcdtui::etcd::cluster::{ClusterSnapshot, Health, MemberStatus};

fn member(id: u64, name: &str, version: Option<&str>) -> MemberStatus {
    let health = if version.is_some() {
        Health::Up
    } else {
        Health::NotStarted
    };
    let mut m = common::member_status(id, name, health, 100);
    m.version = version.map(String::from);
    m.db_size = m.db_size.map(|_| 120_000_000);
    if version.is_some_and(|v| v.starts_with("3.6")) {
        m.since_36 = Some(etcdtui::etcd::cluster::Since36 {
            storage_version: Some("3.5.0".into()),
            downgrade: None,
        });
    }
    m
}

fn cluster(members: Vec<MemberStatus>) -> ClusterSnapshot {
    ClusterSnapshot {
        members,
        leader: Some(2),
        alarms: Vec::new(),
        alarms_error: None,
        cluster_id: 0xabc,
        revision: 98_765,
        member_list_from: "https://10.0.0.11:2379".into(),
    }
}

fn app_at(cluster_version: &str) -> App {
    let mut a = common::connected_app(ViewId::Cluster, false);
    a.wall = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    a.upgrade.open = true;
    a.upgrade.backups = Some(BackupFacts {
        dir: "/var/backups/etcd".into(),
        newest: Ok(Some(("pre-upgrade.db".into(), 2_000_000_000 - 900))),
    });
    let scrape = etcdtui::metrics::parse(&format!(
        "etcd_cluster_version{{cluster_version=\"{cluster_version}\"}} 1\n"
    ));
    let summary = etcdtui::metrics::summarize(None, &scrape);
    a.cluster.metrics.insert(2, (scrape, summary));
    a
}

fn show(a: &mut App, members: Vec<MemberStatus>) {
    a.cluster.snapshot = Some(cluster(members));
    let _ = upgrade::observe(a);
}

#[test]
fn half_way_through_a_rolling_upgrade_at_80x24() {
    let mut a = app_at("3.5");
    let on = |v: &str| Some(v.to_string());
    let v35 = on("3.5.36");
    show(
        &mut a,
        vec![
            member(1, "etcd-a", v35.as_deref()),
            member(2, "etcd-b", v35.as_deref()),
            member(3, "etcd-c", v35.as_deref()),
        ],
    );
    show(
        &mut a,
        vec![
            member(1, "etcd-a", None),
            member(2, "etcd-b", v35.as_deref()),
            member(3, "etcd-c", v35.as_deref()),
        ],
    );
    show(
        &mut a,
        vec![
            member(1, "etcd-a", Some("3.6.17")),
            member(2, "etcd-b", v35.as_deref()),
            member(3, "etcd-c", v35.as_deref()),
        ],
    );
    let screen = common::render_body(&a, 80, 24);
    assert!(screen.contains("next: restart etcd-c"), "{screen}");
    assert!(screen.contains("etcd-a is back on 3.6.17"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn a_3_4_cluster_has_no_storage_version_and_steps_to_3_5_at_80x24() {
    let mut a = app_at("3.4");
    let v = Some("3.4.23");
    show(
        &mut a,
        vec![
            member(1, "etcd-a", v),
            member(2, "etcd-b", v),
            member(3, "etcd-c", v),
        ],
    );
    let screen = common::render_body(&a, 80, 24);
    assert!(screen.contains("storage — (3.6+)"), "{screen}");
    assert!(screen.contains("Upgrade 3.4.23 → 3.5"), "{screen}");
    insta::assert_snapshot!(screen);
}
