//! Where etcdtui reads its configuration and writes what it keeps. A leaf: every
//! layer may ask, none of these asks anything.

use std::path::PathBuf;

/// `~/.config/etcdtui` on Linux (the platform's config directory elsewhere).
pub fn default_config_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("etcdtui"))
}

/// Where etcdtui keeps what it writes (drafts, snapshots, the audit log): the platform's
/// state directory, else its cache directory, else the temporary directory.
pub fn state_dir() -> PathBuf {
    dirs::state_dir()
        .or_else(dirs::cache_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("etcdtui")
}

pub fn default_config_path() -> Option<PathBuf> {
    default_config_dir().map(|d| d.join("config.yaml"))
}

/// Where `s` and `etcdtui snapshot save` put snapshots unless told otherwise, and where
/// the backups check looks.
pub fn default_snapshot_dir() -> PathBuf {
    state_dir().join("snapshots")
}
