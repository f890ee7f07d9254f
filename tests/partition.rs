//! Real network partitions: three members in network namespaces of their own, one cut
//! off from its peers by blackhole routes (both ways) while clients still reach it. The
//! leader first, then a follower. What the Cluster view reads must name the cut-off
//! member within a few seconds and count it out of the quorum; `etcdtui check` must
//! exit 2 naming it; after healing, everything is healthy again. The session's seed is
//! the cut-off member itself, the hardest place to look from.
//!
//! Versions differ in how the cut-off member looks: 3.4 has no pre-vote, so its term
//! climbs past the majority's with every election it starts; 3.5+ keep its term stale.
//! Either way it sees no leader, which is what the tests wait for.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use etcdtui::etcd::ConnectSpec;
use etcdtui::etcd::cluster::{ClusterSnapshot, Health, MemberClients, cluster_status};
use etcdtui::etcd::connect::{EndpointClient, connect_endpoint};
use etcdtui::etcd::member_health::Probe;
use etcdtui::localcluster::LocalCluster;
use serde_json::Value;

/// "Within a few seconds": election timeout 0.5 s here, a refresh every second.
const NOTICED: Duration = Duration::from_secs(8);

fn spec(endpoints: Vec<String>) -> ConnectSpec {
    ConnectSpec {
        endpoints,
        tls: None,
        credentials: None,
        dial_timeout: Duration::from_secs(1),
        command_timeout: Duration::from_secs(1),
    }
}

async fn client(spec: &ConnectSpec, url: &str) -> EndpointClient {
    connect_endpoint(url, spec, None)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"))
}

/// Refreshes once a second (as the Cluster view does every two) until `done` holds.
async fn until(
    seed: &EndpointClient,
    members: &mut MemberClients,
    within: Duration,
    what: &str,
    done: impl Fn(&ClusterSnapshot) -> bool,
) -> ClusterSnapshot {
    let started = Instant::now();
    loop {
        let snap = cluster_status(seed, members)
            .await
            .unwrap_or_else(|e| panic!("cluster_status: {e}"));
        if done(&snap) {
            eprintln!("{what} after {:?}", started.elapsed());
            return snap;
        }
        assert!(
            started.elapsed() < within,
            "{what} not within {within:?}: {snap:#?}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn cut_off(snap: &ClusterSnapshot, name: &str) -> bool {
    snap.members
        .iter()
        .any(|m| m.name == name && matches!(m.health, Health::CutOff(_)))
}

fn minor(snap: &ClusterSnapshot) -> u32 {
    let version = snap
        .members
        .iter()
        .find_map(|m| m.version.clone())
        .expect("a version");
    version
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .expect("x.y.z")
}

/// `/livez` and `/readyz` came with 3.6 and were backported to late 3.5 patches
/// (3.5.36 serves them); 3.4 answers 404.
fn serves_readyz(snap: &ClusterSnapshot) -> bool {
    minor(snap) >= 6
}

/// Every member's own endpoints say healthy: /health on all, /livez and /readyz where
/// the version serves them.
fn assert_probes_healthy(snap: &ClusterSnapshot) {
    for m in &snap.members {
        assert_eq!(m.probes.health, Some(Probe::Healthy), "{m:#?}");
        let want = match minor(snap) {
            4 => vec![Probe::NotServed],
            5 => vec![Probe::NotServed, Probe::Healthy],
            _ => vec![Probe::Healthy],
        };
        for p in [&m.probes.livez, &m.probes.readyz] {
            assert!(p.as_ref().is_some_and(|p| want.contains(p)), "{m:#?}");
        }
    }
}

fn probes_healthy(snap: &ClusterSnapshot) -> bool {
    snap.members.iter().all(|m| {
        m.probes.health == Some(Probe::Healthy)
            && [&m.probes.livez, &m.probes.readyz]
                .iter()
                .all(|p| matches!(p, Some(Probe::Healthy | Probe::NotServed)))
    })
}

fn all_up(snap: &ClusterSnapshot) -> bool {
    snap.leader.is_some() && snap.members.iter().all(|m| m.health == Health::Up)
}

/// `etcdtui check -o json` on every endpoint: its exit code and its checks.
pub fn check(c: &LocalCluster, home: &Path) -> (i32, Vec<Value>) {
    let out = common::etcdtui_at_home(home)
        .args(["--endpoints", &c.client_urls().join(",")])
        .args(["--dial-timeout", "1s", "--command-timeout", "2s"])
        .args(["--kubeadm-manifest", "/nonexistent", "check", "-o", "json"])
        .output()
        .expect("run etcdtui check");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let checks = json["checks"].as_array().cloned().unwrap_or_default();
    (out.status.code().unwrap_or(-1), checks)
}

pub fn members_check(checks: &[Value]) -> Value {
    checks
        .iter()
        .find(|c| c["name"] == "members")
        .cloned()
        .unwrap_or_else(|| panic!("no members check in {checks:?}"))
}

/// Partitions member `i`, watches it be named, checks, heals, watches all come back.
async fn partition_and_heal(c: &LocalCluster, members: &mut MemberClients, i: usize, home: &Path) {
    let name = c.member(i).name.clone();
    let seed = client(&spec(c.client_urls()), &c.member(i).client_url).await;
    c.partition(i).expect("partition");
    let snap = until(&seed, members, NOTICED, &format!("{name} cut off"), |s| {
        cut_off(s, &name) && s.quorum().tolerates == 0
    })
    .await;
    let q = snap.quorum();
    assert_eq!(
        (q.voters, q.healthy_voters, q.needed),
        (3, 2, 2),
        "{snap:#?}"
    );
    let leader = snap.leader.and_then(|l| snap.member(l)).expect("a leader");
    assert_ne!(leader.name, name, "the majority leads: {snap:#?}");
    // Its own /health agrees on every version: no leader, no health.
    let cut = snap
        .members
        .iter()
        .find(|m| m.name == name)
        .expect("listed");
    assert!(
        matches!(cut.probes.health, Some(Probe::Unhealthy(_))),
        "{cut:#?}"
    );
    if serves_readyz(&snap) {
        // /readyz checks a linearizable read, which the cut-off member cannot serve;
        // it may also outlast our timeout, which says nothing either way.
        assert!(
            matches!(
                cut.probes.readyz,
                Some(Probe::Unhealthy(_) | Probe::Failed(_))
            ),
            "{cut:#?}"
        );
    }
    assert!(
        snap.alarms_error.is_none(),
        "alarms are read from a connected member, not the cut-off seed: {snap:#?}"
    );

    let (code, checks) = check(c, home);
    let m = members_check(&checks);
    assert_eq!(code, 2, "{m}");
    assert_eq!(m["status"], "fail", "{m}");
    let value = m["value"].as_str().unwrap_or_default();
    assert!(value.contains(&format!("{name} cut off")), "{m}");
    assert!(
        checks.iter().all(|k| k["name"] == "members"
            || !k["value"]
                .as_str()
                .unwrap_or_default()
                .contains(&c.member(i).client_url)),
        "no other check failed on the cut-off member's URL: {checks:#?}"
    );

    c.heal(i).expect("heal");
    let snap = until(
        &seed,
        members,
        Duration::from_secs(20),
        "all healthy",
        // Right after the heal a member's endpoints can disagree for a refresh (3.5's
        // /health still said "RAFT NO LEADER" while its /readyz was already ok): all
        // up is when every member's own endpoints say so too.
        |s| all_up(s) && probes_healthy(s),
    )
    .await;
    assert_eq!(snap.quorum().tolerates, 1, "{snap:#?}");
    assert_probes_healthy(&snap);
    let (_, checks) = check(c, home);
    assert_eq!(members_check(&checks)["status"], "ok", "{checks:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_then_follower_cut_off_and_healed() {
    let Some(c) = common::start_partitionable(3).await else {
        return;
    };
    let home = tempfile::tempdir().expect("home");
    let mut members = MemberClients::new(spec(c.client_urls()));
    let any = client(&spec(c.client_urls()), &c.client_urls()[0]).await;
    let snap = until(
        &any,
        &mut members,
        Duration::from_secs(10),
        "all up",
        all_up,
    )
    .await;
    let leader = snap.leader.and_then(|l| snap.member(l)).expect("leader");
    let li = (0..3)
        .find(|&i| c.member(i).name == leader.name)
        .expect("leader index");
    partition_and_heal(&c, &mut members, li, home.path()).await;

    let snap = until(
        &any,
        &mut members,
        Duration::from_secs(10),
        "all up",
        all_up,
    )
    .await;
    let leader = snap.leader.and_then(|l| snap.member(l)).expect("leader");
    let fi = (0..3)
        .find(|&i| c.member(i).name != leader.name)
        .expect("a follower");
    partition_and_heal(&c, &mut members, fi, home.path()).await;
}

/// What a killed run leaves behind (a bridge whose owner is gone, a namespace) is swept
/// by the next cluster, and a cluster removes its own on drop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leftovers_of_a_killed_run_are_swept_and_a_cluster_cleans_up() {
    // SAFETY: geteuid has no preconditions.
    if common::etcd_bin_or_skip().is_none() || unsafe { libc::geteuid() } != 0 {
        return;
    }
    let ip = |args: &[&str]| {
        let ok = std::process::Command::new("ip")
            .args(args)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "ip {args:?}");
    };
    let exists = |what: &str| {
        let out = |args: &[&str]| {
            std::process::Command::new("ip")
                .args(args)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default()
        };
        out(&["netns", "list"]).contains(what) || out(&["-o", "link", "show"]).contains(what)
    };
    // A pid above the kernel's maximum never runs.
    ip(&["link", "add", "etui-249-251", "type", "bridge"]);
    ip(&[
        "link",
        "set",
        "etui-249-251",
        "alias",
        "etcdtui pid 2147483647",
    ]);
    ip(&["netns", "add", "etui-249-251-m1"]);
    let c = common::start_partitionable(1).await.expect("root");
    assert!(!exists("etui-249-251"), "leftovers swept");
    let ip_of = c.member(0).client_url.clone();
    let octets: Vec<&str> = ip_of
        .trim_start_matches("http://")
        .split(['.', ':'])
        .collect();
    let ours = format!("etui-{}-{}", octets[1], octets[2]);
    assert!(exists(&ours), "{ours} while running");
    drop(c);
    assert!(!exists(&ours), "{ours} removed on drop");
}
