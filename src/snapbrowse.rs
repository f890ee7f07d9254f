//! Opening a snapshot file for the TUI (`etcdtui --snapshot FILE`, `:open FILE`). A wrong
//! path or a file that is not bbolt is found before the terminal is taken over, so it is
//! a plain error on the shell; the full read then happens while the screen shows it.

use std::path::Path;
use std::sync::Arc;

use crate::app::{ContextInfo, SnapshotSource};
use crate::snapfile::SnapshotFile;

fn cannot_open(path: &Path, e: &crate::snapfile::SnapError) -> String {
    crate::ui::text::safe(&format!("cannot open snapshot {}: {e}", path.display())).into_owned()
}

/// Quick checks only (the file exists and is bbolt): what `--snapshot` does before the
/// terminal is taken over.
pub fn check(path: &Path) -> Result<(), String> {
    crate::snapfile::check(path).map_err(|e| cannot_open(path, &e))
}

/// The opened file and what the header shows of it; the error is one line for the user.
pub fn open(path: &Path) -> Result<(Arc<SnapshotFile>, SnapshotSource), String> {
    let file = SnapshotFile::open(path).map_err(|e| cannot_open(path, &e))?;
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

/// What the header shows while `--snapshot FILE` is still being read.
pub fn reading_context(path: &Path) -> ContextInfo {
    ContextInfo {
        name: "snapshot".into(),
        endpoints: Vec::new(),
        source: format!("snapshot file {}", path.display()),
        read_only: true,
        user: None,
        tls: false,
        details: vec!["reading the file…".into()],
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
