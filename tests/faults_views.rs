//! The fault suite, views part: with each view open in turn, a follower or the leader
//! of a real 3-member cluster is SIGKILLed or SIGSTOPped. The app, driven by the real
//! connection actor, must keep answering keys and drawing frames, and the screen must
//! say what happened (members up, the new leader, the dead row) while still showing
//! the view's data. Then the member is brought back and the next view is tried.

mod common;

use std::time::{Duration, Instant};

use etcdtui::app::{App, ConnState, Overlay, ViewId};
use etcdtui::etcd::ConnectSpec;
use etcdtui::etcd::cluster::Health;
use etcdtui::headless::Headless;
use etcdtui::keymap::{Key, KeyCode};
use etcdtui::localcluster::LocalCluster;

const W: u16 = 100;
const H: u16 = 30;
/// Long enough for an election, a poll and a command timeout on a loaded 2-core VM.
const EXPLAINED_WITHIN: Duration = Duration::from_secs(30);
/// A key press and a frame are pure computation: anything near this is a hang.
const FRAME_LIMIT: Duration = Duration::from_millis(1500);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Follower,
    Leader,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    Kill,
    Stop,
}

fn connect(c: &LocalCluster) -> Headless {
    let spec = ConnectSpec {
        endpoints: c.client_urls(),
        dial_timeout: Duration::from_secs(1),
        command_timeout: Duration::from_secs(2),
        ..ConnectSpec::default()
    };
    Headless::connect_spec(spec, W, H, false)
}

/// Something for every view to show: keys, a lease, a user.
fn seed(c: &LocalCluster) {
    for i in 1..=3 {
        common::etcdctl_ok(c, &["put", &format!("/fault/k{i}"), &format!("v{i}")]);
    }
    common::etcdctl_ok(c, &["lease", "grant", "600"]);
    common::etcdctl_ok(c, &["user", "add", "alice:alicepw"]);
}

fn digit(view: ViewId) -> &'static str {
    match view {
        ViewId::Keys => "1",
        ViewId::Watch => "2",
        ViewId::Cluster => "3",
        ViewId::Leases => "4",
        ViewId::Auth => "5",
        ViewId::Checks => "6",
        ViewId::Churn => "7",
    }
}

/// Text the view shows once its data is in, and must go on showing during the fault.
fn data_marker(view: ViewId) -> &'static str {
    match view {
        ViewId::Keys => "k3",
        ViewId::Watch => "/fault/",
        ViewId::Cluster => "m3",
        ViewId::Leases => "600",
        ViewId::Auth => "alice",
        ViewId::Checks => "storage / alarms",
        // The churn watch's status line, there from the start whatever is written.
        ViewId::Churn => "everything, depth",
    }
}

fn info(a: &App) -> Option<&etcdtui::etcd::ClusterInfo> {
    match &a.conn {
        ConnState::Connected { info } => Some(info),
        _ => None,
    }
}

/// Ticks and feeds events until `pred` holds for the app and its screen.
async fn until(
    h: &mut Headless,
    what: &str,
    within: Duration,
    pred: impl Fn(&App, &str) -> bool,
) -> String {
    let deadline = Instant::now() + within;
    loop {
        let screen = h.render(W, H);
        // A read that failed is not a key that was deleted.
        assert!(
            !screen.contains("no longer exists"),
            "{what}: a failed read shown as a deleted key:\n{screen}"
        );
        if pred(&h.app, &screen) {
            return screen;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {within:?}; status {:?}; screen:\n{screen}",
            h.app.status
        );
        h.pump_for(Duration::from_millis(250)).await;
    }
}

fn all_up(a: &App) -> bool {
    info(a).is_some_and(|i| i.endpoints_up == 3 && i.leader_id != 0)
        && (a.view != ViewId::Cluster
            || a.cluster.snapshot.as_ref().is_some_and(|s| {
                s.leader.is_some() && s.members.iter().all(|m| m.health == Health::Up)
            }))
}

async fn open_view(h: &mut Headless, view: ViewId) {
    if view == ViewId::Watch && h.app.watch.tab().is_none() {
        h.keys(":watch /fault/\n");
    }
    h.keys(digit(view));
    assert_eq!(h.app.view, view);
    if view == ViewId::Keys {
        until(h, "the key tree", EXPLAINED_WITHIN, |_, s| {
            s.contains("fault/")
        })
        .await;
        h.keys(":goto /fault/k3\n");
    }
    let marker = data_marker(view);
    until(
        h,
        &format!("{view:?} shows its data"),
        EXPLAINED_WITHIN,
        |a, s| all_up(a) && s.contains(marker),
    )
    .await;
}

/// The member to hurt: the leader, or a follower, preferably the one serving the app.
fn victim(h: &Headless, c: &LocalCluster, role: Role) -> usize {
    let i = info(&h.app).expect("connected");
    let leader = i.leader_name.clone().expect("a leader is known");
    let index = |name: &str| (0..3).find(|&k| c.member(k).name == name);
    match role {
        Role::Leader => index(&leader).expect("leader is a member"),
        Role::Follower => (0..3)
            .filter(|&k| c.member(k).name != leader)
            .max_by_key(|&k| c.member(k).client_url == i.endpoint)
            .expect("two followers"),
    }
}

/// The update loop answers: help opens and closes, the cursor keys are taken, and each
/// frame is drawn well within [`FRAME_LIMIT`].
fn assert_responsive(h: &mut Headless, view: ViewId) {
    let started = Instant::now();
    h.keys("?");
    assert!(matches!(h.app.overlay, Overlay::Help { .. }), "{view:?}");
    let help = h.render(W, H);
    assert!(help.contains("Help"), "{help}");
    h.key(Key::plain(KeyCode::Esc));
    assert!(matches!(h.app.overlay, Overlay::None), "{view:?}");
    h.keys("jk");
    h.render(W, H);
    let took = started.elapsed();
    assert!(
        took < FRAME_LIMIT,
        "{view:?}: keys and frames took {took:?}"
    );
}

/// What the screen must say while `victim` is down.
fn explained(a: &App, screen: &str, c: &LocalCluster, victim: usize) -> bool {
    let name = &c.member(victim).name;
    let Some(i) = info(a) else {
        return false;
    };
    let header_ok = screen.contains("(2/3 up)");
    let leader_ok = match i.leader_name.as_deref() {
        Some(l) => l != name && screen.contains(&format!("leader {l}")),
        None => false,
    };
    let row_ok = a.view != ViewId::Cluster
        || screen.lines().any(|l| {
            l.contains(&format!(" {name} "))
                && (l.contains("DOWN") || l.contains("NO ANSWER"))
                && !l.contains('★')
        });
    header_ok && leader_ok && row_ok && screen.contains(data_marker(a.view))
}

async fn heal(c: &mut LocalCluster, victim: usize, fault: Fault) {
    match fault {
        Fault::Kill => c.restart(victim).await.expect("restart the killed member"),
        Fault::Stop => c.cont_signal(victim),
    }
}

/// Each test takes half the views, so no test runs much over 20 s.
const FIRST: [ViewId; 3] = [ViewId::Keys, ViewId::Watch, ViewId::Cluster];
const SECOND: [ViewId; 4] = [ViewId::Leases, ViewId::Auth, ViewId::Checks, ViewId::Churn];

#[test]
fn the_two_halves_cover_every_view() {
    let mut both: Vec<ViewId> = FIRST.iter().chain(&SECOND).copied().collect();
    both.sort_by_key(|v| ViewId::ALL.iter().position(|a| a == v));
    assert_eq!(both, ViewId::ALL.to_vec());
}

async fn under_views(role: Role, fault: Fault, views: &[ViewId]) {
    let Some(mut c) = common::start_cluster(3).await else {
        return;
    };
    seed(&c);
    let mut h = connect(&c);
    for &view in views {
        open_view(&mut h, view).await;
        let victim = victim(&h, &c, role);
        let started = Instant::now();
        match fault {
            Fault::Kill => c.kill(victim),
            Fault::Stop => c.stop_signal(victim),
        }
        assert_responsive(&mut h, view);
        let what = format!(
            "{view:?}: {fault:?} of the {role:?} {}",
            c.member(victim).name
        );
        let screen = until(&mut h, &what, EXPLAINED_WITHIN, |a, s| {
            explained(a, s, &c, victim)
        })
        .await;
        assert_responsive(&mut h, view);
        eprintln!("{what}: explained after {:?}\n{screen}", started.elapsed());
        heal(&mut c, victim, fault).await;
        until(
            &mut h,
            &format!("{what}: healed"),
            EXPLAINED_WITHIN,
            |a, _| all_up(a),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_killed_under_keys_watch_cluster() {
    under_views(Role::Follower, Fault::Kill, &FIRST).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_killed_under_leases_auth_checks() {
    under_views(Role::Follower, Fault::Kill, &SECOND).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_frozen_under_keys_watch_cluster() {
    under_views(Role::Follower, Fault::Stop, &FIRST).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_frozen_under_leases_auth_checks() {
    under_views(Role::Follower, Fault::Stop, &SECOND).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_killed_under_keys_watch_cluster() {
    under_views(Role::Leader, Fault::Kill, &FIRST).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_killed_under_leases_auth_checks() {
    under_views(Role::Leader, Fault::Kill, &SECOND).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_frozen_under_keys_watch_cluster() {
    under_views(Role::Leader, Fault::Stop, &FIRST).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_frozen_under_leases_auth_checks() {
    under_views(Role::Leader, Fault::Stop, &SECOND).await;
}
