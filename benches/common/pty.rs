//! Runs the real etcdtui binary in a pseudo-terminal, as a user's terminal would, and
//! times what it draws: the only way to measure startup including the process itself.
#![allow(dead_code)] // the write-ceiling bench uses only the terminal and the spawn

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const COLS: u16 = 120;
const ROWS: u16 = 40;

pub struct Run {
    /// Process start until the tab bar is drawn.
    pub first_frame: Duration,
    /// Process start until the top level of the key tree is drawn.
    pub top_level: Duration,
    /// The binary's own peak RSS over the whole session, in bytes.
    pub peak_rss: u64,
}

/// Kills the binary if the bench fails before it quit, so no session is left running.
struct Reap(libc::pid_t, bool);

impl Drop for Reap {
    fn drop(&mut self) {
        if !self.1 {
            // SAFETY: kill has no memory-safety requirements; the pid is our child.
            unsafe { libc::kill(self.0, libc::SIGKILL) };
        }
    }
}

struct Screen {
    output: mpsc::Receiver<Vec<u8>>,
    seen: Vec<u8>,
    master: File,
}

impl Screen {
    /// Waits until `text` has been written to the terminal since the last wait, style
    /// changes within it aside.
    fn wait_for(&mut self, text: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(at) = find(&self.seen, text.as_bytes()) {
                self.seen.drain(..at + text.len());
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(chunk) => self.seen.extend(without_sgr(&chunk)),
                Err(_) => panic!(
                    "etcdtui did not draw {text:?} within {limit:?}; its last output:\n{}",
                    String::from_utf8_lossy(&self.seen[self.seen.len().saturating_sub(2000)..])
                ),
            }
        }
    }

    fn press(&mut self, keys: &str) {
        self.master
            .write_all(keys.as_bytes())
            .expect("write to the pty");
    }
}

/// The bytes without colour and style sequences (`ESC [ … m`), which ratatui puts
/// between two characters of one word when their styles differ.
fn without_sgr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            let end = bytes[i + 2..]
                .iter()
                .position(|b| (0x40..=0x7e).contains(b))
                .map(|p| i + 2 + p);
            if let Some(end) = end.filter(|&e| bytes[e] == b'm') {
                i = end + 1;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[expect(
    clippy::zombie_processes,
    reason = "reaped by wait4, which also gives its rusage"
)]
pub fn session(bin: &Path, endpoint: &str, home: &Path, big_key: &str) -> Run {
    let (master, slave) = open_pty(ROWS, COLS);
    let started = Instant::now();
    let child = spawn_on(&slave, bin, endpoint, home);
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut reap = Reap(pid, false);
    drop(slave);
    let master = File::from(master);
    let mut reader = master.try_clone().expect("dup the pty master");
    let (tx, output) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        // Ends with EIO once the child has exited and closed the terminal.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = Screen {
        output,
        seen: Vec::new(),
        master,
    };
    screen.wait_for("1 Keys", Duration::from_secs(30));
    let first_frame = started.elapsed();
    screen.wait_for("registry/", Duration::from_secs(30));
    let top_level = started.elapsed();
    screen.press(&format!(":goto {big_key}\r"));
    screen.wait_for("ConfigMap", Duration::from_secs(30));
    screen.press("3");
    // Text that no earlier screen had in that place: ratatui redraws only the cells
    // that change, so a word can arrive with a letter missing.
    screen.wait_for("voters up", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(2500));
    screen.press("q");
    let (status, usage) = crate::common::wait4(pid);
    reap.1 = true;
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "etcdtui exited with wait status {status}"
    );
    Run {
        first_frame,
        top_level,
        peak_rss: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
    }
}

/// A pseudo-terminal of `rows` x `cols`: (master, slave).
pub fn open_pty(rows: u16, cols: u16) -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: the out-pointers are live locals; a null name and termios are allowed.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: openpty returned two fresh descriptors that nothing else owns.
    let fds = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    assert!(fds.0.as_raw_fd() >= 0);
    fds
}

/// Starts `bin --endpoints endpoint` on the terminal `slave` as its controlling terminal,
/// with a HOME of its own (no config, no history), as a user's login shell would.
pub fn spawn_on(slave: &OwnedFd, bin: &Path, endpoint: &str, home: &Path) -> Child {
    let io = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup the pty"));
    let mut cmd = Command::new(bin);
    cmd.args(["--endpoints", endpoint])
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("TERM", "xterm-256color")
        .env_remove("ETCDCTL_ENDPOINTS")
        .env_remove("NO_COLOR")
        .stdin(io(slave))
        .stdout(io(slave))
        .stderr(io(slave));
    // SAFETY: only async-signal-safe calls between fork and exec: make the pty the
    // child's controlling terminal, as a login shell's terminal is.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().expect("start etcdtui")
}
