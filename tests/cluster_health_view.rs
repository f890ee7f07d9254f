//! The Cluster view drawn from hand-built states of member health: a member cut off
//! from its peers (named at the top, out of the quorum), its own /health, /livez and
//! /readyz next to each other, and a least-privilege user who may not read status,
//! alarms or the member list ("not permitted" in place, never "down").

mod common;

use etcdtui::app::{App, ViewId};
use etcdtui::etcd::cluster::{ClusterSnapshot, Health, MemberStatus};
use etcdtui::etcd::member_health::{Probe, Probes};
use etcdtui::etcd::{EtcdError, Problem};

fn healthy() -> Probes {
    Probes {
        health: Some(Probe::Healthy),
        livez: Some(Probe::Healthy),
        readyz: Some(Probe::Healthy),
    }
}

fn snapshot(members: Vec<MemberStatus>) -> ClusterSnapshot {
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

fn app_with(s: ClusterSnapshot, cursor: usize) -> App {
    let mut a = common::connected_app(ViewId::Cluster, false);
    a.cluster.snapshot = Some(s);
    a.cluster.cursor = cursor;
    a
}

#[test]
fn a_member_cut_off_from_its_peers_is_named_and_out_of_the_quorum() {
    let mut a = common::member_status(1, "etcd-a", Health::Up, 5_120);
    let mut b = common::member_status(2, "etcd-b", Health::Up, 5_120);
    let mut c = common::member_status(3, "etcd-c", Health::Up, 4_998);
    c.health = Health::CutOff("sees no leader".into());
    (a.probes, b.probes) = (healthy(), healthy());
    (c.leader, c.raft_term) = (None, Some(3));
    c.probes = Probes {
        health: Some(Probe::Unhealthy("RAFT NO LEADER".into())),
        livez: Some(Probe::Healthy),
        readyz: Some(Probe::Unhealthy(
            "linearizable_read failed: etcdserver: no leader".into(),
        )),
    };
    let s = snapshot(vec![a, b, c]);
    let q = s.quorum();
    assert_eq!((q.healthy_voters, q.tolerates), (2, 0), "{q:?}");
    let view = common::render_body(&app_with(s.clone(), 2), 140, 30);
    insta::assert_snapshot!(view);
    assert!(
        view.contains("etcd-c cut off from its peers (partitioned)"),
        "{view}"
    );
    assert!(view.contains("no failure tolerated"), "{view}");
    // Narrow: the table keeps the health column, the summary still names it.
    let narrow = common::render_body(&app_with(s, 0), 80, 24);
    assert!(
        narrow.contains("CUT OFF") && narrow.contains("etcd-c cut off"),
        "{narrow}"
    );
}

#[test]
fn a_user_who_may_not_read_status_sees_not_permitted_in_place() {
    let denied = || EtcdError::new(Problem::PermissionDenied, None, "permission denied");
    let members = (1..=3)
        .map(|id| {
            let mut m = common::member_status(id, &format!("etcd-{id}"), Health::NotPermitted, 0);
            m.probes = Probes {
                health: Some(Probe::Healthy),
                livez: Some(Probe::NotServed),
                readyz: Some(Probe::NotServed),
            };
            m
        })
        .collect();
    let mut s = snapshot(members);
    s.leader = None;
    s.alarms_error = Some(denied());
    // Their own /health says they are fine: the quorum is counted from that.
    assert_eq!(s.quorum().healthy_voters, 3);
    let view = common::render_body(&app_with(s, 0), 140, 24);
    insta::assert_snapshot!(view);
    assert!(view.contains("not permitted"), "{view}");
    assert!(
        !view.contains("DOWN") && !view.contains("disconnected"),
        "{view}"
    );

    let mut a = common::connected_app(ViewId::Cluster, false);
    a.cluster.error = Some(denied());
    let view = common::render_body(&a, 100, 24);
    assert!(view.contains("member list: not permitted"), "{view}");
}
