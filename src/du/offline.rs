//! `du` over an opened snapshot or member db: every key's changes are in the file, so
//! besides live keys and bytes it counts the history a compaction would free, and the
//! file gives the free pages a defragmentation would.

use super::{Aggregator, DuReport, Source};
use crate::snapfile::SnapshotFile;

/// One pass over the keys under `prefix`, in key order; values are never read (their
/// lengths are in the file's index).
pub fn from_snapshot(file: &SnapshotFile, prefix: &[u8], depth: usize) -> DuReport {
    let mut agg = Aggregator::new(prefix, depth);
    for (key, events) in file.histories_with_prefix(prefix) {
        let key_len = key.len() as u64;
        // Compaction keeps a key's last change unless that change deleted it.
        let kept = match events.last() {
            Some(last) if !last.tombstone => {
                agg.live(key, u64::from(last.value_len));
                1
            }
            _ => 0,
        };
        let old = &events[..events.len() - kept];
        let bytes: u64 = old.iter().map(|e| key_len + u64::from(e.value_len)).sum();
        agg.history(key, old.len() as u64, bytes);
    }
    let status = file.status();
    agg.finish(
        status.revision,
        Source::File {
            path: file.path().display().to_string(),
            total_size: status.total_size,
            free_pages: status.free_pages,
            page_size: status.page_size,
            compacted_revision: file.etcd_meta().compacted_revision,
        },
    )
}
