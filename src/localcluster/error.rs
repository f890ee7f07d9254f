use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a local cluster could not be started or a member restarted.
#[derive(Debug)]
pub enum LocalClusterError {
    /// The options cannot describe a cluster (e.g. zero members).
    InvalidOptions(String),
    /// Spawning the etcd binary failed because it does not exist.
    BinaryNotFound(PathBuf),
    /// A file-system or process operation failed.
    Io { context: String, source: io::Error },
    /// A member could not bind one of its ports, also after one retry with
    /// fresh ports.
    PortInUse { member: String, log: String },
    /// A member exited before it became ready.
    Exited {
        member: String,
        status: String,
        log: String,
    },
    /// A member did not become ready in time.
    Timeout {
        member: String,
        waited: Duration,
        log: String,
    },
}

impl LocalClusterError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> Self {
        let context = context.into();
        move |source| LocalClusterError::Io { context, source }
    }
}

impl fmt::Display for LocalClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidOptions(why) => write!(f, "invalid local cluster options: {why}"),
            Self::BinaryNotFound(path) => write!(
                f,
                "etcd binary not found at {}: install etcd-server or set ETCDTUI_ETCD_BIN",
                path.display()
            ),
            Self::Io { context, source } => write!(f, "{context}: {source}"),
            Self::PortInUse { member, log } => write!(
                f,
                "etcd member {member} could not bind a loopback port (address already in use), \
                 even after retrying with fresh ports; is another program grabbing ports?\n\
                 its log:\n{log}"
            ),
            Self::Exited {
                member,
                status,
                log,
            } => write!(
                f,
                "etcd member {member} exited during startup ({status}); its log:\n{log}"
            ),
            Self::Timeout {
                member,
                waited,
                log,
            } => write!(
                f,
                "etcd member {member} was not ready after {}s; its log:\n{log}",
                waited.as_secs()
            ),
        }
    }
}

impl std::error::Error for LocalClusterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The start and end of a member log, for error messages: the log lives in
/// a temporary directory that is gone by the time a person reads the error.
/// The start matters too: a rejected flag is reported on the first line,
/// followed by a long usage text.
pub(crate) fn log_excerpt(path: &Path) -> String {
    const HEAD: usize = 5;
    const TAIL: usize = 20;
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return format!("(log {} unreadable: {e})", path.display()),
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return "(log is empty)".to_string();
    }
    if lines.len() <= HEAD + TAIL {
        return lines.join("\n");
    }
    let omitted = lines.len() - HEAD - TAIL;
    format!(
        "{}\n[... {omitted} lines ...]\n{}",
        lines[..HEAD].join("\n"),
        lines[lines.len() - TAIL..].join("\n")
    )
}
