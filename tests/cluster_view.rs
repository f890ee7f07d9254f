//! The Cluster view against a real 3-member cluster: one leader, a killed member marked
//! down within seconds while the others keep refreshing, a frozen one too, recovery, and
//! leader changes in the event log.

mod common;

use std::time::{Duration, Instant};

use etcdtui::app::Msg;
use etcdtui::etcd::cluster::Health;
use etcdtui::headless::Headless;

/// Drives the clock: the view refreshes on ticks, as in the real program.
async fn tick_until(
    h: &mut Headless,
    what: &str,
    limit: Duration,
    pred: impl Fn(&etcdtui::app::App) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        h.msg(Msg::Tick(Instant::now()));
        h.settle_within(what, Duration::from_secs(10), |_| true)
            .await;
        if pred(&h.app) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "{what}: not within {limit:?}; log: {:?}",
            h.app.cluster.log
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn down(a: &etcdtui::app::App, name: &str) -> bool {
    a.cluster
        .snapshot
        .as_ref()
        .and_then(|s| s.members.iter().find(|m| m.name == name))
        .is_some_and(|m| matches!(m.health, Health::Unreachable(_)))
}

fn all_up(a: &etcdtui::app::App) -> bool {
    a.cluster
        .snapshot
        .as_ref()
        .is_some_and(|s| s.members.len() == 3 && s.members.iter().all(|m| m.health == Health::Up))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_leader_failures_and_recovery() {
    let Some(mut c) = common::start_cluster(3).await else {
        return;
    };
    let mut spec = etcdtui::etcd::ConnectSpec {
        endpoints: c.client_urls(),
        ..Default::default()
    };
    spec.command_timeout = Duration::from_secs(1);
    spec.dial_timeout = Duration::from_secs(1);
    let mut h = Headless::connect_spec(spec, 140, 40, false);
    h.settle_until("connected", |a| a.keys.loaded).await;
    h.keys("3");
    tick_until(&mut h, "three members up", Duration::from_secs(10), all_up).await;
    let s = h.app.cluster.snapshot.as_ref().expect("snapshot");
    let leaders: Vec<_> = s
        .members
        .iter()
        .filter(|m| s.leader == Some(m.id))
        .collect();
    assert_eq!(leaders.len(), 1, "exactly one leader");
    assert_eq!(s.quorum().tolerates, 1);
    let screen = h.render_body(140, 30);
    assert!(
        screen.contains("★") && screen.contains("tolerates 1 more failure"),
        "{screen}"
    );

    // A follower killed: marked down within 3 s, the others still refresh.
    let leader_name = leaders[0].name.clone();
    let victim = (0..3)
        .find(|&i| c.member(i).name != leader_name)
        .expect("a follower");
    let victim_name = c.member(victim).name.clone();
    c.kill(victim);
    let took = tick_until(&mut h, "killed member down", Duration::from_secs(6), |a| {
        down(a, &victim_name)
    })
    .await;
    assert!(
        took <= Duration::from_secs(3) + Duration::from_millis(1500),
        "took {took:?}"
    );
    let s = h.app.cluster.snapshot.as_ref().expect("snapshot");
    assert_eq!(s.quorum().tolerates, 0);
    assert!(h.render_body(140, 30).contains("tolerates 0 more failures"));
    assert!(
        h.app
            .cluster
            .log
            .iter()
            .any(|(_, l)| l.contains(&format!("{victim_name} is down")))
    );
    c.restart(victim).await.expect("restart");
    tick_until(&mut h, "back", Duration::from_secs(10), all_up).await;
    assert!(
        h.app
            .cluster
            .log
            .iter()
            .any(|(_, l)| l.contains(&format!("{victim_name} is back")))
    );

    // Frozen, not refusing: the same within the command timeout.
    c.stop_signal(victim);
    tick_until(
        &mut h,
        "frozen member marked",
        Duration::from_secs(6),
        |a| down(a, &victim_name),
    )
    .await;
    c.cont_signal(victim);
    tick_until(&mut h, "thawed", Duration::from_secs(10), all_up).await;

    // The leader killed: a new one is elected and the log says so.
    let leader_idx = (0..3)
        .find(|&i| c.member(i).name == leader_name)
        .expect("leader index");
    c.kill(leader_idx);
    tick_until(&mut h, "new leader", Duration::from_secs(15), |a| {
        a.cluster
            .log
            .iter()
            .any(|(_, l)| l.starts_with("leader is now") && !l.ends_with(&leader_name))
    })
    .await;
}
