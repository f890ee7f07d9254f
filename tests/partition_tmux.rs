//! The real binary in a real terminal while the leader is cut off from its peers by a
//! network partition (clients still reach it): the Cluster view must name it as cut
//! off within a few seconds, count it out of the quorum, and show all healthy again
//! once the partition heals.

mod common;
mod tmux;

use std::time::Duration;

use tmux::{Tmux, leader_on, require_tmux, row};

const T: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_view_names_a_partitioned_leader_at_100x30() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_partitionable(3).await else {
        return;
    };
    let t = Tmux::start(
        &format!(
            "--endpoints {} --kubeadm-manifest /nonexistent --dial-timeout 1s --command-timeout 1s",
            c.client_urls().join(",")
        ),
        &[],
        100,
        30,
    );
    t.wait_for("● connected", T);
    t.key("3");
    let s = t.wait_until("all three up", T, |s| {
        s.contains("3/3 voters up") && leader_on(s).is_some_and(|l| l != "none")
    });
    let old = leader_on(&s).unwrap_or_else(|| panic!("no leader:\n{s}"));
    let i = (0..3)
        .find(|&i| c.member(i).name == old)
        .unwrap_or_else(|| panic!("{old} is not a member:\n{s}"));

    c.partition(i).expect("partition");
    let s = t.wait_until(
        "the leader named as cut off",
        Duration::from_secs(10),
        |s| {
            row(s, &old).is_some_and(|r| r.contains("CUT OFF"))
                && s.contains(&format!("{old} cut off from its peers (partitioned)"))
                && s.contains("no failure tolerated")
                && s.contains("2/3 voters up")
        },
    );
    eprintln!("{old} cut off:\n{s}");
    assert!(
        leader_on(&s).is_some_and(|l| l != old),
        "the majority's leader is shown:\n{s}"
    );

    c.heal(i).expect("heal");
    let s = t.wait_until("all healthy again", T, |s| {
        s.contains("tolerates 1 more failure")
            && !s.contains("CUT OFF")
            && row(s, &old).is_some_and(|r| r.contains("up"))
    });
    eprintln!("healed:\n{s}");
    t.key("q");
    t.assert_clean_exit();
}
