//! The Cluster view's release details (quota and its source, storage version, downgrade,
//! feature gates) drawn from hand-built states of a 3.6 and a 3.5 cluster, at the
//! smallest supported terminal and a large one.

mod common;

use etcdtui::app::{App, ViewId};
use etcdtui::etcd::cluster::{ClusterSnapshot, Downgrade, Health, MemberStatus, Since36};
use etcdtui::metrics::{parse, summarize};

const GIB: i64 = 1 << 30;

/// What a 3.6.17 member started with `--feature-gates=CompactHashCheck=true` serves
/// (abridged), and an 8 GiB quota.
const SCRAPE_36: &str = "\
etcd_server_feature_enabled{name=\"AllAlpha\",stage=\"ALPHA\"} 0
etcd_server_feature_enabled{name=\"CompactHashCheck\",stage=\"ALPHA\"} 1
etcd_server_feature_enabled{name=\"InitialCorruptCheck\",stage=\"ALPHA\"} 0
etcd_server_feature_enabled{name=\"StopGRPCServiceOnDefrag\",stage=\"ALPHA\"} 1
etcd_server_feature_enabled{name=\"TxnModeWriteWithSharedBuffer\",stage=\"BETA\"} 1
etcd_server_quota_backend_bytes 8.589934592e+09
";

/// A 3.5 member has neither gates nor the 3.6 status fields; its quota is in /metrics.
const SCRAPE_35: &str = "etcd_server_quota_backend_bytes 4.294967296e+09\n";

fn member_36(id: u64, name: &str) -> MemberStatus {
    let mut m = common::member_status(id, name, Health::Up, 5_000);
    m.version = Some("3.6.17".into());
    m.quota = Some(8 * GIB);
    m.since_36 = Some(Since36 {
        storage_version: Some("3.6.0".into()),
        downgrade: Some(Downgrade::default()),
    });
    m
}

fn app(members: Vec<MemberStatus>, scrape: &str) -> App {
    let mut a = common::connected_app(ViewId::Cluster, false);
    let scraped = parse(scrape);
    for m in &members {
        let summary = summarize(None, &scraped);
        a.cluster.metrics.insert(m.id, (scraped.clone(), summary));
    }
    a.cluster.snapshot = Some(ClusterSnapshot {
        members,
        leader: Some(2),
        alarms: Vec::new(),
        alarms_error: None,
        cluster_id: 0xabc,
        revision: 98_765,
        member_list_from: "https://10.0.0.11:2379".into(),
    });
    a
}

#[test]
fn a_3_6_member_shows_storage_version_quota_from_status_and_its_gates() {
    let a = app(
        vec![
            member_36(1, "etcd-a"),
            member_36(2, "etcd-b"),
            member_36(3, "etcd-c"),
        ],
        SCRAPE_36,
    );
    let small = common::render_body(&a, 80, 24);
    for want in [
        "8.0 GiB from etcd status",
        "storage 3.6.0",
        "downgrade none",
        "CompactHashCheck",
    ] {
        assert!(small.contains(want), "{want:?} missing at 80x24:\n{small}");
    }
    insta::assert_snapshot!("cluster_details_36_80x24", small);
    let large = common::render_body(&a, 160, 45);
    assert!(
        large.contains("TxnModeWriteWithSharedBuffer"),
        "every enabled gate fits at 160x45:\n{large}"
    );
    assert!(
        !large.contains("InitialCorruptCheck"),
        "a gate that is off is not listed"
    );
    insta::assert_snapshot!("cluster_details_36_160x45", large);
}

#[test]
fn a_downgrade_in_progress_is_named_with_its_target() {
    let mut m = member_36(2, "etcd-b");
    m.since_36 = Some(Since36 {
        storage_version: Some("3.6.0".into()),
        downgrade: Some(Downgrade {
            enabled: true,
            target: "3.5.0".into(),
        }),
    });
    let mut a = app(vec![m], SCRAPE_36);
    a.cluster.cursor = 0;
    let shown = common::render_body(&a, 160, 45);
    assert!(shown.contains("downgrade ENABLED → 3.5.0"), "{shown}");
}

#[test]
fn a_3_5_member_says_not_reported_and_takes_the_quota_from_metrics() {
    let mut members: Vec<MemberStatus> = (1..=3)
        .map(|id| common::member_status(id, &format!("etcd-{id}"), Health::Up, 5_000))
        .collect();
    for m in &mut members {
        m.version = Some("3.5.36".into());
    }
    let a = app(members, SCRAPE_35);
    let small = common::render_body(&a, 80, 24);
    for want in [
        "4.0 GiB from /metrics",
        "storage —  downgrade —  gates —",
        "not reported by etcd 3.5.36",
    ] {
        assert!(small.contains(want), "{want:?} missing at 80x24:\n{small}");
    }
    insta::assert_snapshot!("cluster_details_35_80x24", small);
    insta::assert_snapshot!(
        "cluster_details_35_160x45",
        common::render_body(&a, 160, 45)
    );
}
