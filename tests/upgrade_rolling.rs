//! A rolling upgrade, watched: a real 3-member cluster on the newest 3.5 is restarted
//! member by member on the newest 3.6 and then the newest 3.7, each on its own data
//! dir and ports, while the app's upgrade panel runs. At every point the plan names
//! the member the guides say comes next (followers first by name, the leader last,
//! after leadership moved away through the guarded move-leader operation); each
//! return on the new version is noticed; the cluster version and (3.6+) the storage
//! version end on the target. Needs three etcd lines at once and takes ~1 min, so
//! scripts/test runs it in its first pass only.

mod common;

use std::time::Duration;

use common::upgrade::{bin_version, line_bin, next, said, select_member, tick_until};
use etcdtui::app::App;
use etcdtui::etcd::cluster::Health;
use etcdtui::headless::Headless;
use etcdtui::localcluster::{ClusterOptions, LocalCluster};
use etcdtui::upgrade::plan::Next;

const WAIT: Duration = Duration::from_secs(40);

fn all_up(a: &App) -> bool {
    a.cluster
        .snapshot
        .as_ref()
        .is_some_and(|s| s.members.len() == 3 && s.members.iter().all(|m| m.health == Health::Up))
}

/// The member the guides' order says is next: a follower not yet on `line`, by name;
/// the leader only when no follower is left.
fn expected_next(a: &App, line: &str) -> (String, bool) {
    let s = a.cluster.snapshot.as_ref().expect("snapshot");
    let mut todo: Vec<_> = s
        .members
        .iter()
        .filter(|m| !m.version.as_deref().unwrap_or("").starts_with(line))
        .collect();
    todo.sort_by_key(|m| (s.leader == Some(m.id), m.name.clone()));
    let m = todo.first().expect("a member left to upgrade");
    (m.name.clone(), s.leader == Some(m.id))
}

async fn move_leader_through_the_app(h: &mut Headless, to: &str) {
    select_member(h, to);
    h.keys("L");
    assert!(
        matches!(h.app.overlay, etcdtui::app::Overlay::Confirm(_)),
        "L asks before moving leadership: {:?}",
        h.app.status
    );
    h.keys("y");
    h.settle_until("move-leader finished", |a| a.ops.finished.is_some())
        .await;
    let f = h.app.ops.finished.clone().unwrap();
    assert!(f.ok, "move-leader failed: {:?}", f.lines);
    h.keys(" ");
}

async fn roll(
    h: &mut Headless,
    c: &mut LocalCluster,
    bin: &std::path::Path,
    line: &str,
) -> Vec<String> {
    let version = bin_version(bin);
    let mut heard = Vec::new();
    assert!(
        version.starts_with(line),
        "{} is {version}, not {line}",
        bin.display()
    );
    for _ in 0..3 {
        tick_until(h, "a next step", WAIT, |a| {
            all_up(a)
                && matches!(
                    next(a),
                    Some(Next::Restart { .. } | Next::MoveLeader { .. })
                )
        })
        .await;
        let (want, leader) = expected_next(&h.app, line);
        if let Some(Next::MoveLeader { from, to }) = next(&h.app) {
            assert!(leader, "leadership moves only when the leader is last");
            assert_eq!(from, want);
            move_leader_through_the_app(h, &to).await;
            tick_until(h, "restart named after the move", WAIT, |a| {
                matches!(next(a), Some(Next::Restart { member, leader: false }) if member == want)
            })
            .await;
        }
        let Some(Next::Restart {
            member,
            leader: false,
        }) = next(&h.app)
        else {
            panic!("expected a follower restart, got {:?}", next(&h.app));
        };
        assert_eq!(member, want, "followers first by name, the leader last");
        let i = (0..c.size()).find(|&i| c.member(i).name == member).unwrap();
        // Only what is said from now on counts.
        h.app.upgrade.log.clear();
        c.kill(i);
        tick_until(h, &format!("{member} noticed down"), WAIT, |a| {
            said(a, &format!("{member} went down"))
        })
        .await;
        assert!(
            matches!(next(&h.app), Some(Next::WaitFor { member: m, .. }) if m == member),
            "waits for {member}: {:?}",
            h.app.upgrade.plan
        );
        c.restart_with(i, bin)
            .await
            .expect("restart on the new binary");
        tick_until(h, &format!("{member} back on {version}"), WAIT, |a| {
            said(a, &format!("{member} is back on {version}"))
        })
        .await;
        heard.extend(h.app.upgrade.log.drain(..));
    }
    let complete = format!("upgrade to {line} complete");
    let early = heard.iter().any(|l| l.contains(&complete));
    tick_until(h, &format!("upgrade to {line} done"), WAIT, |a| {
        early || said(a, &complete)
    })
    .await;
    tick_until(h, &format!("storage version {line}"), WAIT, |a| {
        a.upgrade
            .plan
            .as_ref()
            .and_then(|p| p.storage_version.clone())
            == Some(format!("{line}.0"))
    })
    .await;
    let p = h.app.upgrade.plan.clone().unwrap();
    assert_eq!(p.cluster_version.as_deref(), Some(line));
    heard.extend(h.app.upgrade.log.drain(..));
    heard
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_upgrade_3_5_to_3_6_to_3_7_watched() {
    let (Some(b35), Some(b36), Some(b37)) = (
        line_bin("ETCDTUI_ETCD35_BIN"),
        line_bin("ETCDTUI_ETCD36_BIN"),
        line_bin("ETCDTUI_ETCD37_BIN"),
    ) else {
        return;
    };
    let mut opts = ClusterOptions::new(3, &b35);
    opts.quiet = true;
    let mut c = common::start(opts).await;
    let mut spec = etcdtui::etcd::ConnectSpec {
        endpoints: c.client_urls(),
        ..Default::default()
    };
    spec.command_timeout = Duration::from_secs(2);
    spec.dial_timeout = Duration::from_secs(1);
    let mut h = Headless::connect_spec(spec, 80, 24, false);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys("3U");
    tick_until(&mut h, "the plan", WAIT, |a| {
        all_up(a) && a.upgrade.plan.is_some()
    })
    .await;
    let p = h.app.upgrade.plan.clone().unwrap();
    assert_eq!(p.target.as_deref(), Some("3.6"));
    assert_eq!(p.storage_version, None, "3.5 reports no storage version");
    let heard = roll(&mut h, &mut c, &b36, "3.6").await;
    let has = |heard: &[String], s: &str| heard.iter().any(|l| l.contains(s));
    assert!(has(&heard, "cluster version 3.5 → 3.6"), "{heard:?}");
    // 3.6 members report the storage version, 3.5's format until the cluster is 3.6.
    assert!(has(&heard, "storage version 3.5.0 → 3.6.0"), "{heard:?}");
    let heard = roll(&mut h, &mut c, &b37, "3.7").await;
    assert!(has(&heard, "cluster version 3.6 → 3.7"), "{heard:?}");
    assert!(has(&heard, "storage version 3.6.0 → 3.7.0"), "{heard:?}");
}
