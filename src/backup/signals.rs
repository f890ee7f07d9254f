//! The signals that end a run early: a dropped SSH session (SIGHUP), `kill` or systemd
//! stopping a unit (SIGTERM), and ctrl-c outside raw mode (SIGINT). Caught so that a
//! save in progress is cancelled (no partial file) and recorded as interrupted, rather
//! than the process vanishing mid-write.

use tokio::signal::unix::{Signal, SignalKind, signal};

/// A signal that ended the run, with the exit status the shell would report for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caught {
    pub name: &'static str,
    pub number: i32,
}

impl Caught {
    /// 128 + the signal number, as a shell reports a process killed by it.
    pub fn exit_code(self) -> u8 {
        (128 + self.number).clamp(0, 255) as u8
    }
}

/// Listens for SIGHUP, SIGTERM and SIGINT from creation on.
pub struct Signals {
    hup: Option<Signal>,
    term: Option<Signal>,
    int: Option<Signal>,
}

impl Signals {
    /// A signal whose handler cannot be installed (not on this platform, or a sandbox
    /// refusing it) keeps its default action; the others are still caught.
    pub fn new() -> Signals {
        let install = |kind: SignalKind, name: &str| match signal(kind) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!("cannot catch {name}: {e}");
                None
            }
        };
        Signals {
            hup: install(SignalKind::hangup(), "SIGHUP"),
            term: install(SignalKind::terminate(), "SIGTERM"),
            int: install(SignalKind::interrupt(), "SIGINT"),
        }
    }

    /// The next signal; pending forever when none could be installed.
    pub async fn recv(&mut self) -> Caught {
        async fn next(s: &mut Option<Signal>) {
            match s {
                Some(s) => {
                    if s.recv().await.is_none() {
                        std::future::pending::<()>().await
                    }
                }
                None => std::future::pending::<()>().await,
            }
        }
        tokio::select! {
            () = next(&mut self.hup) => Caught { name: "SIGHUP", number: libc::SIGHUP },
            () = next(&mut self.term) => Caught { name: "SIGTERM", number: libc::SIGTERM },
            () = next(&mut self.int) => Caught { name: "SIGINT", number: libc::SIGINT },
        }
    }
}

impl Default for Signals {
    fn default() -> Self {
        Signals::new()
    }
}

/// After a hang-up the terminal is gone and every write to it fails; `eprintln!` panics
/// on such a failure, and a panic while the panic hook prints is an abort, which would
/// skip the cleanup still to come (the demo's directory, the TUI's audit line). Standard
/// output and error are pointed at /dev/null instead: nobody is left to read them.
pub fn detach_from_terminal() {
    use std::os::fd::AsRawFd;
    let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") else {
        return;
    };
    for fd in [libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        // SAFETY: dup2 onto the standard descriptors with a descriptor we hold open;
        // Rust's std handles keep using fds 1 and 2, which now name /dev/null.
        unsafe { libc::dup2(null.as_raw_fd(), fd) };
    }
}
