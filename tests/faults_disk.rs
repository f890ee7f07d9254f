//! The fault suite, disk part: a snapshot saved from the Cluster view onto a file
//! system too small for it. The save must fail saying the disk is full, and leave
//! neither the target nor a temporary file behind.
//!
//! The small file system is a 1 MiB tmpfs (we run as root here and in CI). Without
//! the right to mount, the process's file size limit stands in for it; this binary
//! holds a single test because that limit applies to the whole process.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use etcdtui::app::{App, ConnState, Msg, Overlay};
use etcdtui::etcd::cluster::Health;
use etcdtui::headless::Headless;

/// A tmpfs mounted on a temp dir, unmounted (and the dir removed) when dropped, even
/// when the test fails.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Result<Tmpfs, String> {
        let dir = tempfile::Builder::new()
            .prefix("etcdtui-full-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Where the snapshot will not fit, and the words the failure must contain.
enum Full {
    Mounted(Tmpfs),
    /// The directory is ordinary; writes past 1 MiB fail with EFBIG.
    Limited(tempfile::TempDir),
}

impl Full {
    fn dir(&self) -> &Path {
        match self {
            Full::Mounted(t) => t.path(),
            Full::Limited(d) => d.path(),
        }
    }

    fn expected(&self) -> &'static str {
        match self {
            Full::Mounted(_) => "No space left on device",
            Full::Limited(_) => "File too large",
        }
    }
}

/// A 1 MiB tmpfs, or else a 1 MiB file size limit on this process (started after the
/// cluster, so etcd does not inherit it).
fn small_disk() -> Full {
    match Tmpfs::mount("1m") {
        Ok(t) => Full::Mounted(t),
        Err(why) => {
            eprintln!("cannot mount a tmpfs ({why}): limiting the file size instead");
            let limit = libc::rlimit {
                rlim_cur: 1 << 20,
                rlim_max: libc::RLIM_INFINITY,
            };
            // SAFETY: plain system calls with a valid, initialised argument; ignoring
            // SIGXFSZ makes an oversized write fail with EFBIG instead of killing us.
            let ok = unsafe {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0
            };
            assert!(ok, "neither a tmpfs nor a file size limit: {why}");
            Full::Limited(tempfile::tempdir().expect("temp dir"))
        }
    }
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("read the snapshot directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect()
}

fn all_up(a: &App) -> bool {
    a.cluster
        .snapshot
        .as_ref()
        .is_some_and(|s| s.members.iter().all(|m| m.health == Health::Up))
}

async fn open_cluster_view(urls: Vec<String>) -> Headless {
    let mut h = Headless::connect(urls, 120, 35);
    h.settle_until("connected", |a| {
        matches!(a.conn, ConnState::Connected { .. })
    })
    .await;
    h.keys("3");
    let deadline = Instant::now() + Duration::from_secs(40);
    while !all_up(&h.app) {
        assert!(Instant::now() < deadline, "members not all up");
        h.pump_for(Duration::from_millis(300)).await;
    }
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_onto_a_full_disk_fails_clearly_and_leaves_nothing() {
    let Some(c) = common::start_cluster(3).await else {
        return;
    };
    // About 3 MiB of data: three times what the disk holds.
    let mut client = common::connect(&c).await;
    for i in 0..300 {
        client
            .put(format!("/big/{i:04}"), vec![b'x'; 10_000], None)
            .await
            .expect("seed put");
    }
    let full = small_disk();
    let mut h = open_cluster_view(c.client_urls()).await;
    let target = full.dir().join("etcd.snapshot");

    h.keys(&format!(":snapshot {}\n", target.display()));
    assert!(
        matches!(h.app.overlay, Overlay::Confirm(_)),
        "no confirmation; status {:?}",
        h.app.status
    );
    h.keys("y");
    h.pump_until("the save to fail", Duration::from_secs(60), |a| {
        a.ops.finished.is_some()
    })
    .await;
    let f = h.app.ops.finished.clone().expect("finished");
    let screen = h.render(120, 35);
    eprintln!("{f:?}\n{screen}");
    assert!(!f.ok, "a snapshot bigger than the disk was saved: {f:?}");
    let said = f.lines.join("\n");
    assert!(said.contains(full.expected()), "{said}");
    assert!(said.contains("nothing was saved"), "{said}");
    assert!(screen.contains(full.expected()), "not on screen:\n{screen}");

    assert!(!target.exists(), "the target exists after a failed save");
    assert_eq!(files_in(full.dir()), Vec::<PathBuf>::new(), "leftovers");

    // The app goes on: the result closes and the view answers.
    h.keys(" ");
    assert!(h.app.ops.finished.is_none());
    h.msg(Msg::Tick(Instant::now()));
    assert!(h.render(120, 35).contains("m1"));
    let audit = std::fs::read_to_string(h.app.ops.audit_log.clone().expect("audit log"))
        .expect("an audit line for the failed save");
    assert!(audit.contains(full.expected()), "{audit}");
}
