//! The real binary in a real terminal that goes away: killing the tmux server hangs up
//! the pane (SIGHUP), as a dropped SSH session does. A snapshot being saved from the
//! Cluster view leaves no partial file and an audit line; `etcdtui demo` takes its
//! cluster directory with it.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::backup::names_in;

const T: Duration = Duration::from_secs(20);

/// A pane of our own, so the test can hang it up (tests/tmux keeps its socket private).
struct Pane {
    socket: String,
}

impl Pane {
    fn start(args: &[String], home: &Path, tmpdir: &Path) -> Pane {
        let socket = format!(
            "etcdtui-backup-{}-{}",
            std::process::id(),
            home.file_name().and_then(|n| n.to_str()).unwrap_or("x")
        );
        let hp = home.display();
        let quoted: Vec<String> = args
            .iter()
            .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
            .collect();
        let script = format!(
            "env -u KUBECONFIG -u ETCDCTL_ENDPOINTS HOME={hp} XDG_CONFIG_HOME={hp}/.config XDG_STATE_HOME={hp}/.state TMPDIR={} TERM=xterm-256color '{}' {}",
            tmpdir.display(),
            env!("CARGO_BIN_EXE_etcdtui"),
            quoted.join(" ")
        );
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
            ])
            .args(["-x", "160", "-y", "45", "sh", "-c", &script])
            .status()
            .expect("run tmux")
            .success();
        assert!(ok, "tmux new-session failed");
        Pane { socket }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.tmux(&["capture-pane", "-p", "-t", "t"]);
            if s.contains(needle) {
                return s;
            }
            assert!(start.elapsed() < T, "no {needle:?} on screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn key(&self, k: &str) {
        self.tmux(&["send-keys", "-t", "t", k]);
    }

    /// The terminal goes away: every process in the pane gets SIGHUP.
    fn hang_up(&self) {
        self.tmux(&["kill-server"]);
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        self.hang_up();
    }
}

fn wait_until(what: &str, pred: impl Fn() -> bool) {
    let start = Instant::now();
    while !pred() {
        assert!(start.elapsed() < T, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn require_tmux() -> bool {
    let there = Command::new("tmux").arg("-V").output().is_ok();
    if !there {
        assert!(std::env::var_os("CI").is_none(), "tmux missing in CI");
        eprintln!("skipping: no tmux");
    }
    there
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_session_mid_save_leaves_no_partial_file_and_an_audit_line() {
    if !require_tmux() {
        return;
    }
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    common::backup::put_24_mib(&c).await;
    let home = tempfile::tempdir().expect("home");
    let tmp = tempfile::tempdir().expect("tmp");
    let args: Vec<String> = [
        "--endpoints",
        &c.client_urls()[0],
        "--command-timeout",
        "60s",
        "--kubeadm-manifest",
        "/nonexistent",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let pane = Pane::start(&args, home.path(), tmp.path());
    pane.wait_for("big/");
    pane.key("3");
    pane.wait_for("more failure");
    pane.key("s");
    pane.wait_for("y to confirm");
    pane.key("y");
    let dir = home.path().join(".state/etcdtui/snapshots");
    wait_until("a partial file with data", || {
        names_in(&dir).iter().any(|n| {
            n.ends_with(".part") && std::fs::metadata(dir.join(n)).is_ok_and(|m| m.len() > 0)
        })
    });
    // Frozen half-way, then the session drops.
    c.stop_signal(0);
    pane.hang_up();
    let audit = home.path().join(".state/etcdtui/audit.log");
    let said = || std::fs::read_to_string(&audit).unwrap_or_default();
    let start = Instant::now();
    while !said().contains("interrupted by SIGHUP") {
        assert!(
            start.elapsed() < T,
            "no audit line: the log has {:?}, the dir {:?}, etcdtui.log:\n{}",
            said(),
            names_in(&dir),
            std::fs::read_to_string(home.path().join(".state/etcdtui/etcdtui.log"))
                .unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    c.cont_signal(0);
    let text = std::fs::read_to_string(&audit).expect("audit");
    let last: serde_json::Value =
        serde_json::from_str(text.lines().last().expect("line")).expect("JSON");
    assert_eq!(last["operation"], "snapshot save", "{last}");
    assert!(
        last["result"]
            .as_str()
            .unwrap_or("")
            .contains("nothing was saved, no partial file is left"),
        "{last}"
    );
    assert_eq!(names_in(&dir), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_session_takes_the_demo_cluster_directory_with_it() {
    if !require_tmux() || common::etcd_bin_or_skip().is_none() {
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let tmp = tempfile::tempdir().expect("tmp");
    let pane = Pane::start(&["demo".to_string()], home.path(), tmp.path());
    pane.wait_for("registry/");
    let clusters = || {
        names_in(tmp.path())
            .into_iter()
            .filter(|n| n.starts_with("etcdtui-cluster-"))
            .count()
    };
    assert_eq!(clusters(), 1, "{:?}", names_in(tmp.path()));
    pane.hang_up();
    wait_until("the demo directory to go", || clusters() == 0);
}
