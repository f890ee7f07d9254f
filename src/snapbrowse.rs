//! Opening a snapshot file for the TUI (`etcdtui --snapshot FILE`): read and check it
//! before the terminal is taken over, so a bad file is a plain error on the shell.

use std::path::Path;
use std::sync::Arc;

use crate::app::{ContextInfo, SnapshotSource};
use crate::snapfile::SnapshotFile;

/// The opened file and what the header shows of it; the error is one line for the user.
pub fn open(path: &Path) -> Result<(Arc<SnapshotFile>, SnapshotSource), String> {
    let file = SnapshotFile::open(path).map_err(|e| {
        crate::ui::text::safe(&format!("cannot open snapshot {}: {e}", path.display())).into_owned()
    })?;
    let source = SnapshotSource {
        path: path.display().to_string(),
        revision: file.status().revision,
        keys: file.keys().count() as u64,
        warning: warning(&file),
    };
    Ok((Arc::new(file), source))
}

/// Damage the reader worked around, or a checksum that does not match: the header
/// keeps saying so, since every value shown may be affected.
pub fn warning(file: &SnapshotFile) -> Option<String> {
    if let crate::snapfile::Integrity::Mismatch { .. } = file.status().integrity {
        return Some("SHA-256 MISMATCH: the file changed after it was saved".into());
    }
    match file.problems().len() {
        0 => None,
        n => Some(format!(
            "{n} damaged part(s), see `etcdtui snapshot status`"
        )),
    }
}

/// A snapshot session is read-only whatever the config says: this strips every write
/// binding, and the actor refuses writes to a file anyway.
pub fn context(source: &SnapshotSource) -> ContextInfo {
    ContextInfo {
        name: "snapshot".into(),
        endpoints: Vec::new(),
        source: format!("snapshot file {}", source.path),
        read_only: true,
        user: None,
        tls: false,
        details: vec![format!(
            "revision {}, {} keys",
            source.revision, source.keys
        )],
    }
}
