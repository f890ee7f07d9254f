//! The real binary at 80x24 against a 3-member cluster of the etcd under test: `3` then
//! `U` opens the upgrade panel with the versions, the next step by the guides and the
//! pre-flight checks; a member killed and restarted is seen going down and coming back,
//! and both are in the audit log. Versions differ: 3.4 and 3.5 report no storage
//! version; 3.7 is the newest line a guide covers, so no next step is named there.

mod common;
mod tmux;

use std::time::Duration;

use tmux::{Tmux, require_tmux};

const T: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upgrade_panel_at_80x24_watches_a_member_go_down_and_come_back() {
    let Some(()) = require_tmux() else { return };
    let Some(mut c) = common::start_cluster(3).await else {
        return;
    };
    let version = common::upgrade::bin_version(
        &common::etcd_bin_or_skip().expect("etcd for the cluster just started"),
    );
    let v = etcdtui::upgrade::Version::parse(&version).expect("a version");
    // The session stays on the leader, which the panel never names first: killing the
    // named member leaves the view refreshing.
    let status = common::etcdctl_ok(&c, &["endpoint", "status", "-w", "json"]);
    let status: serde_json::Value = serde_json::from_str(&status).expect("json");
    let leader_url = status
        .as_array()
        .expect("a list")
        .iter()
        .find(|e| e["Status"]["leader"] == e["Status"]["header"]["member_id"])
        .and_then(|e| e["Endpoint"].as_str())
        .expect("a leader")
        .to_string();
    let leader = (0..c.size())
        .find(|&i| c.member(i).client_url == leader_url)
        .expect("the leader's member");
    let args = format!("--endpoints {leader_url} --kubeadm-manifest /nonexistent");
    let t = Tmux::start(&args, &[], 80, 24);
    t.key("3");
    t.wait_for("tolerates 1 more failure", T);
    t.key("U");
    t.wait_for("(U closes)", T);
    let s = if v.line() < (3, 7) {
        let s = t.wait_for("next: restart", T);
        assert!(
            s.contains(&format!("Upgrade {version} → 3.{}", v.minor + 1)),
            "{s}"
        );
        assert!(s.contains("members healthy"), "{s}");
        s
    } else {
        t.wait_for("no newer step known", T)
    };
    if v.line() < (3, 6) {
        assert!(
            s.contains("storage — (3.6+)"),
            "{version} reports no storage version:\n{s}"
        );
    } else {
        t.wait_for(&format!("storage {}.{}.0", v.major, v.minor), T);
    }
    // The member the panel names (any member on 3.7), killed and brought back.
    let named = (0..c.size())
        .map(|i| c.member(i).name.clone())
        .find(|n| s.contains(&format!("next: restart {n} ")))
        .unwrap_or_else(|| c.member((leader + 1) % c.size()).name.clone());
    let i = (0..c.size()).find(|&i| c.member(i).name == named).unwrap();
    c.kill(i);
    t.wait_for(&format!("{named} went down"), T);
    c.restart(i).await.expect("restart");
    let s = t.wait_for(&format!("{named} is back, still on {version}"), T);
    for line in s.lines() {
        assert!(line.chars().count() <= 80, "fits 80 columns: {line}");
    }
    let audit =
        std::fs::read_to_string(t.home().join(".state/etcdtui/audit.log")).expect("the audit log");
    assert!(audit.contains(&format!("{named} went down")), "{audit}");
    assert!(audit.contains("\"operation\":\"upgrade watch\""), "{audit}");
    t.key("q");
    t.assert_clean_exit();
}
