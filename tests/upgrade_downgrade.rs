//! A 3.7 → 3.6 downgrade through the API, followed to the end: a real 3-member cluster
//! on the newest 3.7; `:downgrade validate 3.6` shows etcd's answer, `:downgrade enable
//! 3.6` (the version typed) drops the cluster version and migrates the storage version;
//! then the upgrade panel names each member to restart on the newest 3.6 (followers
//! first, the leader last after moving leadership), notices each return, and ends with
//! every member, the cluster version and the storage version on 3.6. Needs two etcd
//! lines at once: scripts/test runs it in its first pass only. Read-only mode refuses it.

mod common;

use std::time::Duration;

use common::upgrade::{bin_version, line_bin, next, said, select_member, tick_until};
use etcdtui::app::{App, Overlay};
use etcdtui::etcd::cluster::Health;
use etcdtui::headless::Headless;
use etcdtui::localcluster::ClusterOptions;
use etcdtui::upgrade::plan::Next;

const WAIT: Duration = Duration::from_secs(40);

fn all_up(a: &App) -> bool {
    a.cluster
        .snapshot
        .as_ref()
        .is_some_and(|s| s.members.len() == 3 && s.members.iter().all(|m| m.health == Health::Up))
}

fn storage_everywhere(a: &App, v: &str) -> bool {
    a.cluster.snapshot.as_ref().is_some_and(|s| {
        s.members.iter().all(|m| {
            m.since_36
                .as_ref()
                .and_then(|x| x.storage_version.as_deref())
                == Some(v)
        })
    })
}

/// Runs a `:` command through the confirmation; `typed` answers a typed confirmation.
async fn run_op(
    h: &mut Headless,
    command: &str,
    typed: Option<&str>,
) -> etcdtui::app::ops::Finished {
    h.keys(&format!(":{command}\n"));
    assert!(
        matches!(h.app.overlay, Overlay::Confirm(_)),
        ":{command} asks first: {:?}",
        h.app.status
    );
    match typed {
        Some(t) => h.keys(&format!("{t}\n")),
        None => h.keys("y"),
    }
    h.settle_until(command, |a| a.ops.finished.is_some()).await;
    let f = h.app.ops.finished.clone().unwrap();
    h.keys(" ");
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_downgrade_3_7_to_3_6_through_the_api() {
    let (Some(b36), Some(b37)) = (
        line_bin("ETCDTUI_ETCD36_BIN"),
        line_bin("ETCDTUI_ETCD37_BIN"),
    ) else {
        return;
    };
    let v36 = bin_version(&b36);
    let mut opts = ClusterOptions::new(3, &b37);
    opts.quiet = true;
    let mut c = common::start(opts).await;
    let mut spec = etcdtui::etcd::ConnectSpec {
        endpoints: c.client_urls(),
        ..Default::default()
    };
    spec.command_timeout = Duration::from_secs(2);
    spec.dial_timeout = Duration::from_secs(1);

    // Read-only: refused before anything is asked.
    let mut ro = Headless::connect_spec(spec.clone(), 80, 24, true);
    ro.settle_until("connected", |a| a.keys.loaded).await;
    ro.keys("3");
    tick_until(&mut ro, "members", WAIT, all_up).await;
    ro.keys(":downgrade validate 3.6\n");
    assert!(!matches!(ro.app.overlay, Overlay::Confirm(_)));
    assert!(
        ro.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("read-only")),
        "{:?}",
        ro.app.status
    );
    drop(ro);

    let mut h = Headless::connect_spec(spec, 80, 24, false);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys("3U");
    tick_until(&mut h, "members and the cluster version", WAIT, |a| {
        all_up(a)
            && a.upgrade
                .plan
                .as_ref()
                .is_some_and(|p| p.cluster_version.as_deref() == Some("3.7"))
    })
    .await;
    // Two minors down is refused by the guard, with the rule.
    h.keys(":downgrade enable 3.5\n");
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("one minor version at a time")),
        "{:?}",
        h.app.status
    );
    let f = run_op(&mut h, "downgrade validate 3.6", None).await;
    assert!(f.ok, "{:?}", f.lines);
    assert!(
        f.lines[0].contains("downgrade validate success, cluster version 3.7"),
        "{:?}",
        f.lines
    );
    let f = run_op(&mut h, "downgrade enable 3.6", Some("3.6")).await;
    assert!(f.ok, "{:?}", f.lines);
    tick_until(&mut h, "downgrade enabled, storage migrated", WAIT, |a| {
        said(a, "downgrade to 3.6 enabled") && storage_everywhere(a, "3.6.0")
    })
    .await;
    tick_until(&mut h, "cluster version 3.6", WAIT, |a| {
        a.upgrade
            .plan
            .as_ref()
            .is_some_and(|p| p.cluster_version.as_deref() == Some("3.6"))
    })
    .await;
    let mut heard: Vec<String> = Vec::new();
    for _ in 0..3 {
        tick_until(&mut h, "a next step", WAIT, |a| {
            all_up(a)
                && matches!(
                    next(a),
                    Some(Next::Restart { .. } | Next::MoveLeader { .. })
                )
        })
        .await;
        if let Some(Next::MoveLeader { to, .. }) = next(&h.app) {
            select_member(&mut h, &to);
            h.keys("L");
            h.keys("y");
            h.settle_until("move-leader", |a| a.ops.finished.is_some())
                .await;
            assert!(h.app.ops.finished.as_ref().unwrap().ok);
            h.keys(" ");
            tick_until(&mut h, "restart named", WAIT, |a| {
                matches!(next(a), Some(Next::Restart { .. }))
            })
            .await;
        }
        let Some(Next::Restart {
            member,
            leader: false,
        }) = next(&h.app)
        else {
            panic!("a follower restart: {:?}", next(&h.app));
        };
        let s = h.app.cluster.snapshot.as_ref().unwrap();
        let mut todo: Vec<_> = s
            .members
            .iter()
            .filter(|m| m.version.as_deref().is_some_and(|v| v.starts_with("3.7")))
            .collect();
        todo.sort_by_key(|m| (s.leader == Some(m.id), m.name.clone()));
        assert_eq!(todo[0].name, member, "followers first by name");
        heard.extend(h.app.upgrade.log.drain(..));
        let i = (0..c.size()).find(|&i| c.member(i).name == member).unwrap();
        c.kill(i);
        tick_until(&mut h, "down", WAIT, |a| {
            said(a, &format!("{member} went down"))
        })
        .await;
        c.restart_with(i, &b36).await.expect("restart on 3.6");
        tick_until(&mut h, "back on 3.6", WAIT, |a| {
            said(a, &format!("{member} is back on {v36}"))
        })
        .await;
    }
    tick_until(&mut h, "downgrade finished", WAIT, |a| {
        heard
            .iter()
            .chain(&a.upgrade.log)
            .any(|l| l.contains("downgrade no longer enabled"))
            && all_up(a)
    })
    .await;
    let s = h.app.cluster.snapshot.as_ref().unwrap();
    assert!(
        s.members
            .iter()
            .all(|m| m.version.as_deref() == Some(&v36[..]))
    );
    assert!(storage_everywhere(&h.app, "3.6.0"));
    let p = h.app.upgrade.plan.as_ref().unwrap();
    assert_eq!(p.cluster_version.as_deref(), Some("3.6"));
}
