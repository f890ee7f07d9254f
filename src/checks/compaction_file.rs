//! Reads a snapshot file or a stopped member's db for `etcdtui check --snapshot FILE`:
//! the history a compaction at the file's revision would remove, as a [`FileBasis`].
//! The only I/O of the compaction forecast; the estimate itself is pure.

use std::path::Path;
use std::time::SystemTime;

use super::compaction_free::FileBasis;

/// `path` may be a snapshot, a member db, or a data dir holding `member/snap/db`.
pub fn read(path: &Path) -> Result<FileBasis, String> {
    let db = crate::du_cli::resolve_db(path);
    let file = crate::snapfile::SnapshotFile::open(&db)
        .map_err(|e| format!("cannot read {}: {e}", db.display()))?;
    let report = crate::du::from_snapshot(&file, b"", 1);
    let taken = std::fs::metadata(&db)
        .and_then(|m| m.modified())
        .map(|t| format!("saved {}", utc_minutes(t)))
        .unwrap_or_else(|_| "its save time unknown".into());
    Ok(FileBasis {
        path: db.display().to_string(),
        revision: report.revision,
        history_bytes: report.total.history_bytes,
        history_revisions: report.total.history_revisions,
        taken,
    })
}

/// `2026-12-06 13:40 UTC`: a file's time is compared across machines, so in UTC.
pub fn utc_minutes(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t)
        .map(|ts| ts.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| "an unknown time".into())
}
