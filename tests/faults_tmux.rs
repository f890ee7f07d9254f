//! The fault suite in the real binary, in a real 80x24 terminal: the leader of a
//! 3-member cluster is SIGKILLed, or SIGSTOPped, while the Cluster view is open. The
//! screen must show the dead or frozen member, the new leader and the lost margin, keep
//! answering keys, and show the member back once it restarts or thaws.

mod common;
mod tmux;

use std::time::Duration;

use tmux::{Tmux, leader_on, require_tmux, row};

const T: Duration = Duration::from_secs(30);

/// The member named after "leader " in the Cluster view's summary.
async fn leader_lost_under_the_cluster_view(freeze: bool) {
    let Some(()) = require_tmux() else { return };
    let Some(mut c) = common::start_cluster(3).await else {
        return;
    };
    let t = Tmux::start(
        &format!(
            "--endpoints {} --kubeadm-manifest /nonexistent --dial-timeout 1s --command-timeout 2s",
            c.client_urls().join(",")
        ),
        &[],
        80,
        24,
    );
    t.wait_for("● connected", T);
    t.key("3");
    let s = t.wait_for("tolerates 1 more failure", T);
    let old = leader_on(&s).unwrap_or_else(|| panic!("no leader shown:\n{s}"));
    let i = (0..3)
        .find(|&i| c.member(i).name == old)
        .unwrap_or_else(|| panic!("leader {old} is not a member:\n{s}"));

    let word = if freeze {
        c.stop_signal(i);
        "NO ANSWER"
    } else {
        c.kill(i);
        "DOWN"
    };
    let s = t.wait_until("the lost leader and a new one", T, |s| {
        leader_on(s).is_some_and(|l| l != old && l != "none")
            && row(s, &old).is_some_and(|r| r.contains(word))
            && s.contains("no failure tolerated")
    });
    eprintln!("leader {old} lost:\n{s}");
    assert!(s.contains("2/3 voters up"), "{s}");
    let new = leader_on(&s).expect("new leader");
    assert!(
        row(&s, &new).is_some_and(|r| r.contains("up")),
        "the new leader {new} is up:\n{s}"
    );

    // Keys are taken while the member is lost: help opens and closes.
    t.key("?");
    t.wait_for("any other key closes", T);
    t.key("Escape");
    t.wait_gone("any other key closes", T);
    t.wait_for("no failure tolerated", T);

    if freeze {
        c.cont_signal(i);
    } else {
        c.restart(i).await.expect("restart the old leader");
    }
    let s = t.wait_until("the old leader back", T, |s| {
        s.contains("tolerates 1 more failure")
            && row(s, &old).is_some_and(|r| r.contains("up") && !r.contains(word))
    });
    eprintln!("{old} back:\n{s}");
    t.key("q");
    t.assert_clean_exit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_killed_under_the_cluster_view_at_80x24() {
    leader_lost_under_the_cluster_view(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_frozen_under_the_cluster_view_at_80x24() {
    leader_lost_under_the_cluster_view(true).await;
}
