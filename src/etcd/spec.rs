//! What the connection layer needs to reach a cluster. Built by `config::resolve`,
//! consumed by `etcd::connect`. Plain data: no I/O here.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// A password that never prints itself, so it cannot leak through `Debug` into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(p: impl Into<String>) -> Self {
        Password(p.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// etcdctl's `--user name[:password]` as typed. Its `Debug` prints the password as
/// `***`, so a panic report or a debug log line cannot show it, and the structs that
/// hold it can derive `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct UserFlag(String);

impl UserFlag {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for UserFlag {
    fn from(s: &str) -> Self {
        UserFlag(s.to_string())
    }
}

impl std::str::FromStr for UserFlag {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(UserFlag(s.to_string()))
    }
}

impl fmt::Debug for UserFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once(':') {
            Some((name, _)) => write!(f, "{:?}", format!("{name}:***")),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// Certificate files, as etcdctl's `--cacert`, `--cert`, `--key`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFiles {
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub insecure_skip_verify: bool,
}

impl TlsFiles {
    pub fn is_empty(&self) -> bool {
        self.cacert.is_none()
            && self.cert.is_none()
            && self.key.is_none()
            && !self.insecure_skip_verify
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    /// `None` until a password is found in env, a file or a prompt.
    pub password: Option<Password>,
}

/// Everything needed to open one client per endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectSpec {
    /// As given by the user: `host:port`, `http://host:port` or `https://host:port`.
    pub endpoints: Vec<String>,
    /// `None` means plain text (unless an endpoint says `https://`).
    pub tls: Option<TlsFiles>,
    pub credentials: Option<Credentials>,
    pub dial_timeout: Duration,
    pub command_timeout: Duration,
}

pub const DEFAULT_ENDPOINT: &str = "127.0.0.1:2379";
pub const DEFAULT_DIAL_TIMEOUT: Duration = Duration::from_secs(2);
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

impl Default for ConnectSpec {
    fn default() -> Self {
        ConnectSpec {
            endpoints: vec![DEFAULT_ENDPOINT.to_string()],
            tls: None,
            credentials: None,
            dial_timeout: DEFAULT_DIAL_TIMEOUT,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }
}
