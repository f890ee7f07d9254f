//! `etcdtui --snapshot FILE` in the real binary, in a real 80x24 terminal: no server
//! behind it at all (the cluster is stopped before the TUI starts).

mod common;
mod tmux;

use std::time::Duration;

use tmux::{Tmux, require_tmux, sh_quote};

const T: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_a_snapshot_file_to_a_pod_at_80x24() {
    let Some(()) = require_tmux() else { return };
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    common::etcdctl_bin().expect("etcdctl");
    let mut client = common::connect(&c).await;
    etcdtui::demo::seed::seed(&mut client).await.expect("seed");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("snap.db").to_string_lossy().into_owned();
    common::etcdctl_ok(&c, &["snapshot", "save", &file]);
    drop(client);
    drop(c);
    let args = format!(
        "--snapshot {} --kubeadm-manifest /nonexistent",
        sh_quote(&file)
    );
    let t = Tmux::start(&args, &[], 80, 24);
    let s = t.wait_for("registry/", T);
    assert!(s.contains("(read-only)") && s.contains("rev "), "{s}");
    assert!(!s.contains("connecting"), "{s}");
    t.type_text(":goto /registry/pods/default/redis-0");
    t.key("Enter");
    let s = t.wait_for("kind: Pod", T);
    assert!(s.contains("name: redis-0"), "{s}");
    // A write key does nothing; the Cluster view says why it is empty.
    t.key("d");
    t.key("3");
    t.wait_for("needs a live cluster", T);
    t.key("1");
    t.wait_for("kind: Pod", T);
    t.key("q");
    t.assert_clean_exit();
}
