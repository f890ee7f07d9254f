//! The real binary in a real terminal that goes away: killing the tmux server hangs up
//! the pane (SIGHUP), as a dropped SSH session does. A snapshot being saved from the
//! Cluster view leaves no partial file and an audit line; `etcdtui demo` takes its
//! cluster directory with it.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
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

/// A TCP proxy in front of a member that passes at most `budget` bytes from etcd to
/// its clients, then holds the rest back. The member advertises the proxy as its client
/// URL, so the snapshot stream goes through it too: a stream longer than the budget can
/// never finish, however late the test's thread gets to look.
///
/// Freezing etcd with SIGSTOP once the partial file had data was a race: the 24 MiB
/// stream takes 100 to 300 ms here, and a test thread descheduled that long on a
/// loaded machine let the save finish first (then there is rightly nothing to
/// interrupt, the audit line says "ok: saved", and the test failed).
struct Choke {
    port: u16,
    upstream: Arc<OnceLock<String>>,
}

impl Choke {
    fn start(budget: u64) -> Choke {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let upstream: Arc<OnceLock<String>> = Arc::default();
        let passed = Arc::new(AtomicU64::new(0));
        let up = upstream.clone();
        std::thread::spawn(move || {
            for down in listener.incoming() {
                let (Ok(down), Some(to)) = (down, up.get()) else {
                    continue;
                };
                let Ok(up) = TcpStream::connect(to) else {
                    continue;
                };
                let (Ok(mut down_r), Ok(mut up_w)) = (down.try_clone(), up.try_clone()) else {
                    continue;
                };
                std::thread::spawn(move || std::io::copy(&mut down_r, &mut up_w));
                let passed = passed.clone();
                std::thread::spawn(move || pass_until(up, down, &passed, budget));
            }
        });
        Choke { port, upstream }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Copies etcd's bytes to the client until `budget` bytes have passed on all
/// connections together; then stops reading, keeping both sockets open.
fn pass_until(mut from: TcpStream, mut to: TcpStream, passed: &AtomicU64, budget: u64) {
    let mut buf = vec![0u8; 16 * 1024];
    while passed.load(Ordering::SeqCst) < budget {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        passed.fetch_add(n as u64, Ordering::SeqCst);
        if to.write_all(&buf[..n]).is_err() {
            return;
        }
    }
    // Held, not closed: to etcdtui the member has stopped sending mid-stream.
    loop {
        std::thread::park();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_session_mid_save_leaves_no_partial_file_and_an_audit_line() {
    if !require_tmux() {
        return;
    }
    let Some(bin) = common::etcd_bin_or_skip() else {
        return;
    };
    // Far more than the session reads before the save (a few KiB), far less than
    // the 24 MiB snapshot.
    let choke = Choke::start(4 * 1024 * 1024);
    let mut opts = etcdtui::localcluster::ClusterOptions::new(1, bin);
    opts.extra_args = vec!["--advertise-client-urls".into(), choke.url()];
    let c = common::start(opts).await;
    let real = c.client_urls()[0].trim_start_matches("http://").to_string();
    choke.upstream.set(real).expect("set once");
    common::backup::put_24_mib(&c).await;
    let home = tempfile::tempdir().expect("home");
    let tmp = tempfile::tempdir().expect("tmp");
    let args: Vec<String> = [
        "--endpoints",
        &choke.url(),
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
    // The proxy holds the stream half-way: this partial file can only be removed.
    wait_until("a partial file with data", || {
        names_in(&dir).iter().any(|n| {
            n.ends_with(".part") && std::fs::metadata(dir.join(n)).is_ok_and(|m| m.len() > 0)
        })
    });
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
