//! What the Churn view draws, at 80x24 and 160x45, from batches fed through `update`
//! with a hand-driven clock: ranking, the PUT/DELETE split, sparklines, a storm, and
//! the Cluster view's top-writer line.

mod common;

use std::time::{Duration, Instant};

use etcdtui::app::{App, Msg, ViewId, update};
use etcdtui::churn::{Batch, Counts};
use etcdtui::etcd::Event;
use etcdtui::etcd::churn_watch::ChurnUpdate;

fn batch(groups: &[(&str, u64, u64)]) -> ChurnUpdate {
    let mut b = Batch::default();
    for &(g, puts, deletes) in groups {
        b.groups.insert(
            g.into(),
            Counts {
                puts,
                deletes,
                bytes: puts * 900,
            },
        );
    }
    b.revision = 123_456;
    ChurnUpdate::Batch(b)
}

/// Five minutes of steady Kubernetes-like churn, then a flood of Events in one
/// namespace over the last 15 s.
fn flooded() -> App {
    let mut a = common::connected_app(ViewId::Keys, false);
    let t0 = a.now;
    update(&mut a, Msg::Key(etcdtui::keymap::Key::char('7')));
    assert_eq!(a.view, ViewId::Churn);
    let id = a.churn.id;
    let feed = |a: &mut App, at: Instant, updates: Vec<ChurnUpdate>| {
        update(a, Msg::Tick(at));
        let generation = a.generation;
        update(
            a,
            Msg::Etcd(Event::Churn {
                generation,
                id,
                updates,
            }),
        );
    };
    feed(
        &mut a,
        t0,
        vec![ChurnUpdate::Live {
            endpoint: "https://10.0.0.11:2379".into(),
        }],
    );
    for s in 0..300u64 {
        let mut groups = vec![
            ("/registry/leases/kube-node-lease/", 4, 0),
            ("/registry/pods/default/", 1 + s % 3, (s % 10 == 0) as u64),
            ("/registry/configmaps/kube-system/", (s % 5 == 0) as u64, 0),
            ("/registry/minions/", 1, 0),
        ];
        if s >= 285 {
            groups.push(("/registry/events/flood-ns/", 400 + s % 7 * 20, 30));
        }
        feed(&mut a, t0 + Duration::from_secs(s), vec![batch(&groups)]);
    }
    update(&mut a, Msg::Tick(t0 + Duration::from_secs(300)));
    a
}

#[test]
fn the_flooded_namespace_ranks_first_with_a_storm_warning() {
    let a = flooded();
    let rows = a.churn.rates.ranked();
    assert_eq!(rows[0].group, "/registry/events/flood-ns/");
    assert!(rows[0].storm.is_some());
    let narrow = common::render_body(&a, 80, 24);
    assert!(narrow.contains("STORM"), "{narrow}");
    insta::assert_snapshot!("churn_80x24", narrow);
    insta::assert_snapshot!("churn_160x45", common::render_body(&a, 160, 45));
}

#[test]
fn depth_keys_regroup_and_the_cluster_view_names_the_top_writer() {
    let mut a = flooded();
    let top = a.churn.rates.top_writer().expect("a dominant group");
    assert_eq!(top.group, "/registry/events/flood-ns/");
    a.cluster.snapshot = Some(etcdtui::etcd::cluster::ClusterSnapshot {
        members: vec![common::member_status(
            1,
            "etcd-a",
            etcdtui::etcd::cluster::Health::Up,
            10,
        )],
        leader: Some(1),
        alarms: Vec::new(),
        alarms_error: None,
        cluster_id: 0xabc,
        revision: 123_456,
        member_list_from: "https://10.0.0.11:2379".into(),
    });
    a.view = ViewId::Cluster;
    let screen = common::render_body(&a, 160, 45);
    assert!(
        screen.contains("top writer Event in flood-ns (/registry/events/flood-ns/)"),
        "{screen}"
    );
    a.view = ViewId::Churn;
    update(&mut a, Msg::Key(etcdtui::keymap::Key::char('-')));
    assert_eq!(a.churn.spec.as_ref().map(|s| s.depth), Some(2));
    assert_eq!(a.churn.rates.groups(), 0, "a new grouping starts afresh");
}
