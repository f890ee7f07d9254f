//! Offline reading of etcd snapshot files and member `db` files: the bbolt database format
//! (meta, branch, leaf, overflow and freelist pages, inline buckets) and etcd's MVCC
//! layout on top of it. Read-only, no mmap: pages are read with positioned reads and every
//! offset is checked, so any file — damaged, truncated, hostile — gives a result or an
//! error, never a panic.
//!
//! [`SnapshotFile::open`] reads the whole database once and keeps the key history in
//! memory; [`read_status`] reads it the same way for the status alone and keeps no values.
//! Damage confined to some pages is listed as problems and the rest is still read.

mod checksum;
mod error;
mod etcdmeta;
mod meta;
mod mvcc;
mod node;
mod pager;
mod scan;
mod status;
mod walk;

#[cfg(test)]
mod tests;

pub use error::SnapError;
pub use etcdmeta::{EtcdMeta, Member};
pub use mvcc::{Event, KeyValue, Revision};
pub use status::{BucketStat, Integrity, Status, human_bytes};

use std::path::{Path, PathBuf};

use mvcc::History;
use pager::Pager;
use walk::Walker;

/// What [`read_status`] finds: the status numbers, etcd's metadata and any damage.
#[derive(Debug, Clone)]
pub struct StatusReport {
    pub path: PathBuf,
    pub status: Status,
    /// etcd's own records: consistent index, compaction, members, cluster version.
    pub etcd: EtcdMeta,
    /// Parts of the file that could not be read; empty for a sound file.
    pub problems: Vec<SnapError>,
}

/// Reads the file for its status only: values are decoded and dropped as they go, so
/// memory stays at a few pages plus one small entry per key, whatever the file's size.
pub fn read_status(path: impl AsRef<Path>) -> Result<StatusReport, SnapError> {
    read(path.as_ref(), false).map(|(report, _)| report)
}

/// An opened snapshot or db file with every key's history in memory.
#[derive(Debug)]
pub struct SnapshotFile {
    report: StatusReport,
    history: History,
}

/// Errors when the file is not a bbolt database, when neither meta page is usable, or when
/// it holds no etcd `key` bucket; lesser damage goes to the report's problems.
fn read(path: &Path, keep_history: bool) -> Result<(StatusReport, History), SnapError> {
    let pager = Pager::open(path)?;
    let mut walker = Walker::new(&pager);
    let needed = pager.meta.page_count.saturating_mul(pager.page_size());
    if needed > pager.data_len {
        walker.problems.push(SnapError::Truncated {
            needed,
            len: pager.data_len,
        });
    }
    let scan = scan::scan(&pager, &mut walker, keep_history);
    if !scan.buckets.iter().any(|b| b.name == "key") {
        // A damaged root explains a missing bucket better than "not etcd's" would.
        let mut problems = walker.problems.into_vec();
        return Err(if problems.is_empty() {
            SnapError::NoKeyBucket {
                buckets: scan.buckets.into_iter().map(|b| b.name).collect(),
            }
        } else {
            problems.swap_remove(0)
        });
    }
    let status = Status {
        hash: scan.hash.sum(),
        revision: scan.revision,
        total_keys: scan.total_keys,
        total_size: needed,
        file_size: pager.file_len,
        integrity: status::integrity(&pager)?,
        page_size: pager.meta.page_size,
        page_count: pager.meta.page_count,
        free_pages: scan.free_pages,
        txid: pager.meta.txid,
        live_keys: scan.history.live_keys(),
        buckets: scan.buckets,
    };
    let report = StatusReport {
        path: path.to_path_buf(),
        status,
        etcd: scan.etcd,
        problems: walker.problems.into_vec(),
    };
    Ok((report, scan.history.finish()))
}

impl SnapshotFile {
    /// Reads and checks the whole file, keeping every key's history (values included) in
    /// memory. Errors as [`read_status`] does.
    pub fn open(path: impl AsRef<Path>) -> Result<SnapshotFile, SnapError> {
        let (report, history) = read(path.as_ref(), true)?;
        Ok(SnapshotFile { report, history })
    }

    pub fn report(&self) -> &StatusReport {
        &self.report
    }

    pub fn path(&self) -> &Path {
        &self.report.path
    }

    pub fn status(&self) -> &Status {
        &self.report.status
    }

    /// etcd's own records: consistent index, compaction, members, cluster version.
    pub fn etcd_meta(&self) -> &EtcdMeta {
        &self.report.etcd
    }

    /// Parts of the file that could not be read; empty for a sound file.
    pub fn problems(&self) -> &[SnapError] {
        &self.report.problems
    }

    /// Every key alive at the snapshot's revision, sorted by key.
    pub fn keys(&self) -> impl Iterator<Item = &KeyValue> {
        self.history
            .iter()
            .filter_map(|(_, ev)| History::latest(ev))
    }

    /// Keys alive at the snapshot's revision that start with `prefix`, sorted by key.
    pub fn keys_with_prefix<'a>(&'a self, prefix: &'a [u8]) -> impl Iterator<Item = &'a KeyValue> {
        self.history
            .with_prefix(prefix)
            .filter_map(|(_, ev)| History::latest(ev))
    }

    /// Keys as they were at an earlier `revision`, as far back as the file still holds
    /// history (its compacted revision), sorted by key.
    pub fn keys_at(&self, revision: i64) -> impl Iterator<Item = &KeyValue> {
        self.history
            .iter()
            .filter_map(move |(_, ev)| History::at(ev, revision))
    }

    /// Keys alive at the snapshot's revision from `from` on (inclusive), sorted by key.
    pub fn keys_from<'a>(&'a self, from: &[u8]) -> impl Iterator<Item = &'a KeyValue> {
        self.history
            .starting_at(from)
            .filter_map(|(_, ev)| History::latest(ev))
    }

    /// The live value of one key.
    pub fn get(&self, key: &[u8]) -> Option<&KeyValue> {
        History::latest(self.history.events(key))
    }

    /// Every change to `key` the file still holds (back to the last compaction), oldest
    /// first; deletions are events with `tombstone` set.
    pub fn history(&self, key: &[u8]) -> &[Event] {
        self.history.events(key)
    }

    /// Every key the file has history for, deleted ones included, sorted.
    pub fn all_keys(&self) -> impl Iterator<Item = &[u8]> {
        self.history.iter().map(|(k, _)| k)
    }
}
