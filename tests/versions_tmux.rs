//! The real binary in a real terminal against the etcd under test: the Cluster view
//! shows the quota etcd reports in `status`, the storage version and the feature gates
//! on 3.6+ ("not reported" before), and the hint after a snapshot names the tool that
//! reads the file for that version.

mod common;
mod tmux;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use etcdtui::localcluster::ClusterOptions;
use etcdtui::snapfile::tool::minor_version;
use tmux::{Tmux, require_tmux};

const T: Duration = Duration::from_secs(20);

fn binary_version(bin: &Path) -> String {
    let out = Command::new(bin)
        .arg("--version")
        .output()
        .expect("run etcd --version");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("etcd Version: "))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no version in `etcd --version`: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_view_shows_storage_version_quota_and_gates_of_the_running_etcd() {
    let Some(()) = require_tmux() else { return };
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    let version = binary_version(&bin);
    let v = minor_version(&version).expect("a version");
    let mut opts = ClusterOptions::new(3, &bin);
    opts.extra_args = vec!["--quota-backend-bytes=6442450944".into()];
    if v >= (3, 6) {
        opts.extra_args
            .push("--feature-gates=StopGRPCServiceOnDefrag=true".into());
    }
    let c = common::start(opts).await;
    let args = format!(
        "--endpoints {} --kubeadm-manifest /nonexistent",
        c.client_urls()[0]
    );
    let t = Tmux::start(&args, &[], 160, 45);
    t.key("3");
    t.wait_for("tolerates 1 more failure", T);
    if v >= (3, 6) {
        // 3.6+: status carries dbSizeQuota and storageVersion; /metrics the gates.
        t.wait_for("6.0 GiB from etcd status", T);
        // A new cluster raises its storage version within seconds of starting.
        t.wait_for(&format!("storage {}.{}.0", v.0, v.1), T);
        let s = t.wait_for("alpha: StopGRPCServiceOnDefrag", T);
        assert!(s.contains("downgrade none"), "{version}:\n{s}");
    } else {
        // 3.4/3.5: the quota only from /metrics, the rest not reported.
        t.wait_for("6.0 GiB from /metrics", T);
        let s = t.wait_for(&format!("not reported by etcd {version}"), T);
        assert!(s.contains("storage —  downgrade —  gates —"), "{s}");
    }
    t.key("s");
    t.wait_for("y to confirm", T);
    t.key("y");
    let s = t.wait_for("any key closes", T);
    let tool = if v >= (3, 5) { "etcdutl" } else { "etcdctl" };
    assert!(
        s.contains(&format!("check it: {tool} snapshot status")),
        "{version} wants {tool}:\n{s}"
    );
    t.key("Space");
    t.wait_gone("any key closes", T);
    t.key("q");
    t.assert_clean_exit();
}
