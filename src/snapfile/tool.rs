//! Which program reads and restores a snapshot file for a given etcd version: etcd 3.5
//! moved `snapshot status` and `snapshot restore` from etcdctl to etcdutl (etcdctl's
//! copies print a deprecation), 3.6 removed etcdctl's copies, and 3.4 has no etcdutl
//! at all. `snapshot save` talks to a live member and stays in etcdctl everywhere.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotTool {
    Etcdctl,
    Etcdutl,
}

impl SnapshotTool {
    pub fn program(self) -> &'static str {
        match self {
            SnapshotTool::Etcdctl => "etcdctl",
            SnapshotTool::Etcdutl => "etcdutl",
        }
    }
}

/// `(major, minor)` of `3.6.17`, `v3.5.0`, `3.7`.
pub fn minor_version(version: &str) -> Option<(u32, u32)> {
    let mut it = version.trim().trim_start_matches('v').split('.');
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// The tool for offline snapshot work with etcd `version`; `None` when the version is
/// unknown or unreadable.
pub fn snapshot_tool(version: &str) -> Option<SnapshotTool> {
    let (major, minor) = minor_version(version)?;
    Some(if (major, minor) >= (3, 5) {
        SnapshotTool::Etcdutl
    } else {
        SnapshotTool::Etcdctl
    })
}

fn command(version: Option<&str>, verb: &str, args: &str) -> String {
    match version.and_then(snapshot_tool) {
        Some(t) => format!("{} snapshot {verb} {args}", t.program()),
        // Not knowing, name what 3.5+ needs and the 3.4 spelling beside it.
        None => {
            format!("etcdutl snapshot {verb} {args}   # etcd 3.4: etcdctl snapshot {verb} {args}")
        }
    }
}

/// `file` as one shell word, so the line can be pasted.
fn shell_word(file: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-:+@%=,".contains(c);
    if !file.is_empty() && file.chars().all(plain) {
        file.to_string()
    } else {
        format!("'{}'", file.replace('\'', r"'\''"))
    }
}

/// How to check `file` by hand, for a member (or file) of etcd `version`.
pub fn status_command(version: Option<&str>, file: &str) -> String {
    command(version, "status", &format!("{} -w table", shell_word(file)))
}

/// How to restore `file` into a new data directory, for etcd `version`.
pub fn restore_command(version: Option<&str>, file: &str) -> String {
    let file = shell_word(file);
    command(
        version,
        "restore",
        &format!("{file} --data-dir NEW_DATA_DIR"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etcdutl_from_3_5_on_and_etcdctl_only_for_3_4() {
        assert_eq!(snapshot_tool("3.4.23"), Some(SnapshotTool::Etcdctl));
        assert_eq!(snapshot_tool("3.3.27"), Some(SnapshotTool::Etcdctl));
        assert_eq!(snapshot_tool("3.5.36"), Some(SnapshotTool::Etcdutl));
        assert_eq!(snapshot_tool("3.6.17"), Some(SnapshotTool::Etcdutl));
        assert_eq!(snapshot_tool("v3.7.4"), Some(SnapshotTool::Etcdutl));
        assert_eq!(snapshot_tool("3.10.0"), Some(SnapshotTool::Etcdutl));
        assert_eq!(snapshot_tool("4.0"), Some(SnapshotTool::Etcdutl));
        assert_eq!(snapshot_tool(""), None);
        assert_eq!(snapshot_tool("unknown"), None);
    }

    #[test]
    fn commands_name_the_right_tool_or_both_when_unknown() {
        assert_eq!(
            status_command(Some("3.6.17"), "/b/x.db"),
            "etcdutl snapshot status /b/x.db -w table"
        );
        assert_eq!(
            restore_command(Some("3.4.23"), "x.db"),
            "etcdctl snapshot restore x.db --data-dir NEW_DATA_DIR"
        );
        assert_eq!(
            status_command(Some("3.5.36"), "/my backups/it's.db"),
            r"etcdutl snapshot status '/my backups/it'\''s.db' -w table"
        );
        let either = status_command(None, "x.db");
        assert!(
            either.starts_with("etcdutl snapshot status x.db"),
            "{either}"
        );
        assert!(
            either.contains("etcd 3.4: etcdctl snapshot status"),
            "{either}"
        );
    }
}
