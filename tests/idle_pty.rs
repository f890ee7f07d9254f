//! An idle etcdtui writes nothing: over SSH a screen that does not change costs no
//! traffic. The real binary runs in a pty of its own (not tmux, whose own screen
//! buffering would hide what the program writes) against a real 1-member cluster, and
//! every byte it writes to the terminal is counted.

mod common;

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::pty::{Winsize, openpty};

/// Everything the program wrote to the terminal, with when it last wrote.
#[derive(Default)]
struct Wire {
    bytes: Vec<u8>,
    last: Option<Instant>,
}

struct Pty {
    child: Child,
    master: std::fs::File,
    wire: Arc<Mutex<Wire>>,
    _home: tempfile::TempDir,
}

impl Pty {
    fn spawn(args: &[&str]) -> Pty {
        let size = Winsize {
            ws_row: 24,
            ws_col: 80,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = openpty(&size, None).expect("openpty");
        let home = tempfile::tempdir().expect("temp home");
        let mut cmd = common::etcdtui_at_home(home.path());
        cmd.args(args)
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .stdin(stdio(&pty.slave))
            .stdout(stdio(&pty.slave))
            .stderr(stdio(&pty.slave));
        // SAFETY: between fork and exec only async-signal-safe calls: a new session, and
        // the pty (already on fd 0) as its controlling terminal, as a login shell has.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn etcdtui");
        drop(pty.slave);
        let master = std::fs::File::from(pty.master);
        let wire = Arc::new(Mutex::new(Wire::default()));
        let mut reader = master.try_clone().expect("clone master");
        let sink = Arc::clone(&wire);
        // Drained all the time, so the program never blocks on a full pty.
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO when the program exits and the slave side closes.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut w = sink.lock().expect("wire");
                w.bytes.extend_from_slice(&buf[..n]);
                w.last = Some(Instant::now());
            }
        });
        Pty {
            child,
            master,
            wire,
            _home: home,
        }
    }

    fn written(&self) -> usize {
        self.wire.lock().expect("wire").bytes.len()
    }

    /// The screen's text as written so far, escape sequences and all.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.wire.lock().expect("wire").bytes).into_owned()
    }

    fn quiet_for(&self) -> Duration {
        let w = self.wire.lock().expect("wire");
        w.last.map_or(Duration::ZERO, |t| t.elapsed())
    }

    fn wait_for(&self, needle: &str, timeout: Duration) {
        let start = Instant::now();
        while !self.text().contains(needle) {
            assert!(
                start.elapsed() < timeout,
                "{needle:?} never drawn in {timeout:?}; wrote:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the program has written nothing for `gap`: the first screen, the
    /// connection's status line and the first loads are drawn.
    fn settle(&self, gap: Duration, timeout: Duration) {
        let start = Instant::now();
        while self.quiet_for() < gap {
            assert!(
                start.elapsed() < timeout,
                "the screen never settled for {gap:?} in {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn press(&mut self, keys: &[u8]) {
        self.master.write_all(keys).expect("type into the pty");
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stdio(fd: &OwnedFd) -> Stdio {
    Stdio::from(fd.try_clone().expect("dup pty slave"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keys_view_writes_nothing_for_ten_seconds() {
    let Some(c) = common::start_cluster(1).await else {
        return;
    };
    for (k, v) in [("/idle/a", "1"), ("/idle/b", "2"), ("/quiet/c", "3")] {
        common::etcdctl_ok(&c, &["put", k, v]);
    }
    let endpoint = c.client_urls()[0].clone();
    let mut pty = Pty::spawn(&[
        "--endpoints",
        &endpoint,
        "--kubeadm-manifest",
        "/nonexistent",
    ]);
    pty.wait_for("quiet/", Duration::from_secs(20));
    // Ticks every 250 ms drive countdowns and refreshes. The connection's status
    // message stays 6 s (`app::STATUS_TTL`) and then gives way to the key hints: a real
    // change. Settled is 7 s in which nothing was written.
    let ttl = etcdtui::app::STATUS_TTL;
    pty.settle(ttl + Duration::from_secs(1), ttl + Duration::from_secs(15));

    let before = pty.written();
    std::thread::sleep(Duration::from_secs(10));
    let idle = pty.written() - before;
    let text = pty.text();
    assert_eq!(
        idle,
        0,
        "an idle Keys view wrote {idle} bytes in 10 s: {:?}",
        &text[text.len() - idle.min(text.len()).min(400)..]
    );

    // The same counting sees a change: the test can fail.
    pty.press(b"j");
    let start = Instant::now();
    while pty.written() == before {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "moving the selection wrote nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    pty.press(b"q");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(status)) = pty.child.try_wait() {
            assert!(status.success(), "etcdtui exited with {status}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("etcdtui did not quit on q");
}
