//! Offline reading of etcd snapshot files and member `db` files: the bbolt database format
//! (meta, branch, leaf, overflow and freelist pages, inline buckets) and etcd's MVCC
//! layout on top of it. Read-only, no mmap: pages are read with positioned reads and every
//! offset is checked, so any file — damaged, truncated, hostile — gives a result or an
//! error, never a panic.
//!
//! [`SnapshotFile::open`] reads the whole database once and keeps every key's history in
//! memory without the values: each change records where its value lies in the file, and
//! the value is read with one positioned read when it is asked for. [`read_status`] reads
//! the file the same way for the status alone. Damage confined to some pages is listed as
//! problems and the rest is still read.

mod checksum;
mod error;
mod etcdmeta;
mod history;
mod meta;
mod mvcc;
mod node;
mod pager;
mod scan;
mod status;
pub mod tool;
mod walk;

#[cfg(test)]
mod tests;

pub use error::SnapError;
pub use etcdmeta::{EtcdMeta, Member};
pub use mvcc::{Event, KeyValue, Revision};
pub use status::{BucketStat, Integrity, Status, human_bytes};

use std::path::{Path, PathBuf};

use history::History;
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

/// Reads the file for its status only. Values are never held: memory stays at a few
/// pages plus the key bytes and a small record per change, whatever the file's size.
pub fn read_status(path: impl AsRef<Path>) -> Result<StatusReport, SnapError> {
    read(path.as_ref(), true).map(|(report, _, _)| report)
}

/// Checks only that `path` is a readable bbolt file with a usable meta page: a quick
/// answer for a wrong path before the whole file is read.
pub fn check(path: impl AsRef<Path>) -> Result<(), SnapError> {
    Pager::open(path.as_ref()).map(|_| ())
}

/// An opened snapshot or db file: every key's history in memory, values in the file.
pub struct SnapshotFile {
    report: StatusReport,
    history: History,
    /// Kept open for reading values; a file replaced by rename keeps serving the old one.
    pager: Pager,
}

impl std::fmt::Debug for SnapshotFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotFile")
            .field("path", &self.report.path)
            .field("keys", &self.history.iter().count())
            .finish()
    }
}

/// A key and the change that gave it its state: metadata only, the value is
/// [`SnapshotFile::value_of`] away.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub key: &'a [u8],
    pub event: &'a Event,
}

/// Errors when the file is not a bbolt database, when neither meta page is usable, or when
/// it holds no etcd `key` bucket; lesser damage goes to the report's problems.
fn read(path: &Path, with_hash: bool) -> Result<(StatusReport, History, Pager), SnapError> {
    let pager = Pager::open(path)?;
    let mut walker = Walker::new(&pager);
    let needed = pager.meta.page_count.saturating_mul(pager.page_size());
    if needed > pager.data_len {
        walker.problems.push(SnapError::Truncated {
            needed,
            len: pager.data_len,
        });
    }
    // The SHA-256 check reads the whole file a second time: on its own core it costs
    // no wall time.
    let (scan, integrity) = std::thread::scope(|threads| {
        let sha = threads.spawn(|| status::integrity(&pager));
        let scan = scan::scan(&pager, &mut walker, with_hash);
        (scan, sha.join())
    });
    let integrity = integrity.map_err(|_| SnapError::Io {
        context: "checking the SHA-256".into(),
        message: "the check stopped unexpectedly".into(),
    })?;
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
    let problems = walker.problems.into_vec();
    let history = scan.history.finish();
    let status = Status {
        hash: scan.hash.map(|h| h.sum()),
        revision: scan.revision,
        bucket_entries: scan.total_keys,
        total_size: needed,
        file_size: pager.file_len,
        integrity: integrity?,
        page_size: pager.meta.page_size,
        page_count: pager.meta.page_count,
        free_pages: scan.free_pages,
        txid: pager.meta.txid,
        live_keys: history.live_keys(),
        buckets: scan.buckets,
    };
    let report = StatusReport {
        path: path.to_path_buf(),
        status,
        etcd: scan.etcd,
        problems,
    };
    Ok((report, history, pager))
}

impl SnapshotFile {
    /// Damage the reader worked around, or a checksum that does not match: the header
    /// keeps saying so, since every value shown may be affected.
    pub fn warning(&self) -> Option<String> {
        if let Integrity::Mismatch { .. } = self.status().integrity {
            return Some("SHA-256 MISMATCH: the file changed after it was saved".into());
        }
        match self.problems().len() {
            0 => None,
            n => Some(format!(
                "{n} damaged part(s), see `etcdtui snapshot status`"
            )),
        }
    }

    /// Reads and checks the whole file, keeping every key's history (without values) in
    /// memory. The status leaves out etcd's hash (see [`read_status`] for it). Errors as
    /// [`read_status`] does.
    pub fn open(path: impl AsRef<Path>) -> Result<SnapshotFile, SnapError> {
        let (report, history, pager) = read(path.as_ref(), false)?;
        Ok(SnapshotFile {
            report,
            history,
            pager,
        })
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
    pub fn keys(&self) -> impl Iterator<Item = Entry<'_>> {
        live(self.history.iter())
    }

    /// Keys alive at the snapshot's revision that start with `prefix`, sorted by key.
    pub fn keys_with_prefix<'a>(&'a self, prefix: &'a [u8]) -> impl Iterator<Item = Entry<'a>> {
        live(self.history.with_prefix(prefix))
    }

    /// Keys as they were at an earlier `revision`, as far back as the file still holds
    /// history (its compacted revision), sorted by key.
    pub fn keys_at(&self, revision: i64) -> impl Iterator<Item = Entry<'_>> {
        self.history.iter().filter_map(move |(key, ev)| {
            History::at(ev, revision).map(|event| Entry { key, event })
        })
    }

    /// Keys alive at the snapshot's revision from `from` on (inclusive), sorted by key.
    pub fn keys_from<'a>(&'a self, from: &[u8]) -> impl Iterator<Item = Entry<'a>> {
        live(self.history.starting_at(from))
    }

    /// The live state of one key, without reading its value.
    pub fn latest(&self, key: &[u8]) -> Option<Entry<'_>> {
        let (key, events) = self
            .history
            .starting_at(key)
            .next()
            .filter(|(k, _)| *k == key)?;
        History::latest(events).map(|event| Entry { key, event })
    }

    /// The live value of one key, read from the file.
    pub fn get(&self, key: &[u8]) -> Result<Option<KeyValue>, SnapError> {
        self.latest(key).map(|e| self.kv(e)).transpose()
    }

    /// The bytes of one change's value, read from the file (empty for a deletion).
    pub fn value_of(&self, event: &Event) -> Result<Vec<u8>, SnapError> {
        if event.tombstone || event.value_len == 0 {
            return Ok(Vec::new());
        }
        match event.value_at() {
            mvcc::ValueAt::File(at) => self.pager.read_value(at, event.value_len),
            // Copied into memory while reading, so only a bug could miss it.
            mvcc::ValueAt::Inline(_) => self
                .history
                .inline_value(event)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| SnapError::Changed {
                    detail: "an inline value is out of bounds".into(),
                }),
        }
    }

    /// A key's state at one change with its value, as etcd would return it.
    pub fn kv(&self, entry: Entry<'_>) -> Result<KeyValue, SnapError> {
        let e = entry.event;
        Ok(KeyValue {
            key: entry.key.to_vec(),
            create_revision: e.create_revision,
            mod_revision: e.mod_revision,
            version: e.version,
            value: self.value_of(e)?,
            lease: e.lease,
        })
    }

    /// Every change to `key` the file still holds (back to the last compaction), oldest
    /// first; deletions are events with `tombstone` set.
    pub fn history(&self, key: &[u8]) -> &[Event] {
        self.history.events(key)
    }

    /// Every key under `prefix` the file has history for, deleted ones included, with its
    /// changes oldest first, sorted by key (for `du`'s history bytes).
    pub fn histories_with_prefix<'a>(
        &'a self,
        prefix: &'a [u8],
    ) -> impl Iterator<Item = (&'a [u8], &'a [Event])> {
        self.history.with_prefix(prefix)
    }

    /// Every key the file has history for, deleted ones included, sorted.
    pub fn all_keys(&self) -> impl Iterator<Item = &[u8]> {
        self.history.iter().map(|(k, _)| k)
    }
}

/// The live keys among (key, events): those whose last event is not a deletion.
fn live<'a>(
    groups: impl Iterator<Item = (&'a [u8], &'a [Event])>,
) -> impl Iterator<Item = Entry<'a>> {
    groups.filter_map(|(key, ev)| History::latest(ev).map(|event| Entry { key, event }))
}
