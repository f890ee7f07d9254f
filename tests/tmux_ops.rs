//! Operations in the real binary, in a real terminal, against a real 3-member cluster:
//! a snapshot saved from the Cluster view end to end and checked by etcd's own tool,
//! and a removal refused at 80x24 with the reason on screen.

mod common;
mod tmux;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use tmux::{Tmux, require_tmux};

const T: Duration = Duration::from_secs(20);

fn snapshots_in(dir: &std::path::Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_save_from_the_cluster_view() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(3).await else {
        return;
    };
    let Some(etcdctl) = common::etcdctl_bin() else {
        return;
    };
    common::etcdctl_ok(&c, &["put", "/app/config", "hello"]);
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls()[0]
    );
    let t = Tmux::start(&args, &[], 160, 45);
    t.wait_for("app/", T);
    t.key("3");
    t.wait_for("tolerates 1 more failure", T);
    t.key("s");
    let s = t.wait_for("y to confirm", T);
    assert!(
        s.contains("Snapshot of m1") && s.contains("snapshot save"),
        "{s}"
    );
    t.key("y");
    let s = t.wait_for("any key closes", T);
    assert!(s.contains("SHA-256 verified"), "{s}");
    assert!(s.contains("snapshot status"), "{s}");
    let dir = t.home().join(".state/etcdtui/snapshots");
    let files = snapshots_in(&dir);
    assert_eq!(files.len(), 1, "{files:?}\n{s}");
    let name = files[0]
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    assert!(
        name.starts_with("flags-m1-") && name.ends_with("Z.db"),
        "{name}"
    );
    let etcdutl = etcdctl.with_file_name("etcdutl");
    let tool = if etcdutl.exists() { etcdutl } else { etcdctl };
    let out = Command::new(&tool)
        .env("ETCDCTL_API", "3")
        .args(["snapshot", "status"])
        .arg(&files[0])
        .output()
        .expect("snapshot status");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.key("Space");
    t.wait_gone("any key closes", T);
    let audit = std::fs::read_to_string(t.home().join(".state/etcdtui/audit.log"))
        .expect("audit log written");
    assert_eq!(audit.lines().count(), 1, "{audit}");
    assert!(audit.contains("\"snapshot save\""), "{audit}");
    t.key("q");
    t.assert_clean_exit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_leader_is_refused_at_80x24() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(3).await else {
        return;
    };
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls().join(",")
    );
    let t = Tmux::start(&args, &[], 80, 24);
    t.key("3");
    t.wait_for("tolerates 1", T);
    // The leader's row carries the star; the pane below is titled with the selection.
    let s = t.screen();
    let leader = s
        .lines()
        .find_map(|l| l.split('★').nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no leader star:\n{s}"));
    let mut on_leader = false;
    for _ in 0..4 {
        if t.screen().contains(&format!("╭ {leader} ")) {
            on_leader = true;
            break;
        }
        t.key("j");
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(on_leader, "could not select {leader}:\n{}", t.screen());
    t.key("D");
    let s = t.wait_for("refused", T);
    assert!(s.contains("is the leader"), "{s}");
    t.key("q");
    t.assert_clean_exit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_view_lists_and_explains_at_80x24() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls()[0]
    );
    let t = Tmux::start(&args, &[], 80, 24);
    t.wait_for("1 Keys", T);
    t.key("6");
    let s = t.wait_for("Checks:", T);
    assert!(s.contains("client TLS") && s.contains("warn"), "{s}");
    // The worst check is first and selected: enter explains it.
    t.key("Enter");
    let s = t.wait_for("by hand:", T);
    assert!(s.contains("threshold") && s.contains("why"), "{s}");
    t.key("Escape");
    t.wait_gone("by hand:", T);
    t.key("r");
    t.wait_for("Checks:", T);
    t.key("q");
    t.assert_clean_exit();
}
