//! Drives the real `etcdtui` binary in a detached tmux session: type keys, read the
//! screen. Each `Tmux` uses its own server socket so tests never see each other.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    pub home: tempfile::TempDir,
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `None` (skip) without tmux on a developer machine; a failure under CI.
pub fn require_tmux() -> Option<()> {
    if tmux_available() {
        return Some(());
    }
    assert!(
        std::env::var_os("CI").is_none_or(|v| v.is_empty()),
        "tmux not found and CI is set: apt-get install tmux"
    );
    eprintln!("skipping: tmux not found");
    None
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_etcdtui")
}

/// Quotes for `sh -c`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Tmux {
    /// Runs `args` (already quoted for sh) in a fresh pane of `w`x`h`, with HOME and the
    /// XDG directories in a temp dir so no real config, kubeconfig or log is touched.
    /// After the program exits the pane shows its exit status and whether the
    /// terminal is back in cooked mode with echo.
    pub fn start(args: &str, env: &[(&str, &str)], w: u16, h: u16) -> Tmux {
        let home = tempfile::tempdir().expect("temp home");
        let socket = format!(
            "etcdtui-test-{}-{}",
            std::process::id(),
            home.path()
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("x")
        );
        let hp = home.path().display().to_string();
        let mut envs = format!(
            "env -u KUBECONFIG -u ETCDCTL_ENDPOINTS -u NO_COLOR HOME={hp} XDG_CONFIG_HOME={hp}/.config XDG_STATE_HOME={hp}/.state TERM=xterm-256color"
        );
        for (k, v) in env {
            envs.push_str(&format!(" {k}={}", sh_quote(v)));
        }
        let script = format!(
            "{envs} {} {args}; echo \"EXIT=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; sleep 600",
            sh_quote(bin())
        );
        let status = Command::new("tmux")
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
            .args(["-x", &w.to_string(), "-y", &h.to_string()])
            .args(["sh", "-c", &script])
            .status()
            .expect("run tmux");
        assert!(status.success(), "tmux new-session failed");
        Tmux { socket, home }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Named keys as tmux spells them: `Enter`, `Escape`, `C-c`, `Tab`, or a single char.
    pub fn key(&self, key: &str) {
        self.tmux(&["send-keys", "-t", "t", key]);
    }

    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
    }

    /// The pane's title, which an OSC 0/2 sequence reaching the terminal would change.
    pub fn pane_title(&self) -> String {
        let out = self.tmux(&["display-message", "-p", "-t", "t", "#{pane_title}"]);
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// Polls the screen until `pred` holds; fails with the screen when it never does.
    pub fn wait_until(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        self.wait_until(&format!("{needle:?}"), timeout, |s| s.contains(needle))
    }

    pub fn wait_gone(&self, needle: &str, timeout: Duration) -> String {
        self.wait_until(&format!("{needle:?} to disappear"), timeout, |s| {
            !s.contains(needle)
        })
    }

    /// After the program quit: it exited 0 and the terminal is cooked and echoing.
    pub fn assert_clean_exit(&self) -> String {
        let s = self.wait_until(
            "exit status and terminal modes",
            Duration::from_secs(10),
            |s| s.contains("EXIT=") && s.contains("icanon"),
        );
        assert!(s.contains("EXIT=0"), "non-zero exit:\n{s}");
        let modes = s
            .lines()
            .find(|l| l.contains("icanon"))
            .unwrap_or_else(|| panic!("no stty output:\n{s}"));
        assert!(
            modes.split_whitespace().any(|w| w == "icanon")
                && modes.split_whitespace().any(|w| w == "echo"),
            "terminal left in raw mode: {modes}\n{s}"
        );
        s
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write test file");
    p
}

/// The leader named in the Cluster view's summary line (`leader NAME  term …`).
pub fn leader_on(screen: &str) -> Option<String> {
    screen
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("leader "))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
}

/// The Cluster view's member table row of `name` (the leader's name carries a ★).
pub fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| {
        l.starts_with('│')
            && l.split_whitespace()
                .any(|w| w == name || w.trim_start_matches('★') == name)
    })
}
