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
        problems: file.problems().len(),
    };
    Ok((Arc::new(file), source))
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
