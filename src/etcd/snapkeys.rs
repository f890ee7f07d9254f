//! The Keys view's requests answered from a snapshot file instead of a cluster: the same
//! `KeysOp` in, the same `KeysAnswer` out, so the view cannot tell the two apart except
//! that every write is refused. Keys and metadata are in memory; values are read from the
//! file as they are asked for, off the async threads.

use super::errors::{EtcdError, Problem};
use super::keys::{ChildPage, History, HistoryEnd, KeyBatch, KeyValue, KeysAnswer, KeysOp};
use super::protocol::{ClusterInfo, Event};
use super::skipscan::{Next, fold_batch};
use crate::snapfile::{Entry, SnapError, SnapshotFile};
use std::path::Path;
use std::sync::Arc;

/// Keys folded per step while listing children, as the live listing's range size.
const SCAN_BATCH: usize = 64;

/// Why a write is refused, in the words the status line shows.
pub const READ_ONLY: &str = "this is a snapshot file: it is read-only, nothing is written";

/// A snapshot file the Keys view browses instead of a cluster (`--snapshot`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnapshotSource {
    /// The file as the user named it.
    pub path: String,
    pub revision: i64,
    /// Keys alive at `revision`.
    pub keys: u64,
    /// Why the file may not be what was saved: damaged pages or a wrong SHA-256.
    pub warning: Option<String>,
    /// Key plus value bytes, and count, of the revisions a compaction at `revision`
    /// would remove (old revisions and tombstones): the Cluster view's forecast.
    pub history_bytes: u64,
    pub history_revisions: u64,
    /// The file's modification time: when the snapshot was saved.
    pub modified: Option<std::time::SystemTime>,
}

/// Why a view that needs a server has nothing to show.
pub const NEEDS_CLUSTER: &str =
    "this needs a live cluster: a snapshot file has no members, leases, users, watches or checks";

pub fn run_op(file: &SnapshotFile, op: KeysOp) -> Result<KeysAnswer, EtcdError> {
    let revision = file.status().revision;
    Ok(match op {
        KeysOp::Children {
            node,
            sep,
            start,
            want,
            ..
        } => KeysAnswer::Children(children(file, &node, sep, start, want)),
        KeysOp::Count { prefix, .. } => KeysAnswer::Count {
            count: count(file.keys_with_prefix(&prefix)),
            revision,
        },
        KeysOp::Value { key } => KeysAnswer::Value {
            kv: read(file, file.latest(&key))?,
            revision,
            lease_ttl: None,
        },
        KeysOp::History { key, before, limit } => {
            KeysAnswer::History(history(file, &key, before, limit)?)
        }
        KeysOp::IndexPage { from, limit, .. } => index_page(file, &from, limit),
        KeysOp::Export { prefix, path } => {
            let format = super::export::ExportFormat::for_path(&path);
            let kvs = file
                .keys_with_prefix(&prefix)
                .map(|e| convert(file, e))
                .collect::<Result<Vec<KeyValue>, _>>()?;
            KeysAnswer::Exported(super::export::export_kvs(
                &prefix,
                revision,
                kvs.iter(),
                &path,
                format,
            )?)
        }
        KeysOp::Put { .. } | KeysOp::Delete { .. } | KeysOp::DeletePrefix { .. } => {
            return Err(EtcdError::new(Problem::Settings, None, READ_ONLY));
        }
        KeysOp::SnapshotDiff { .. } => {
            return Err(EtcdError::new(Problem::Settings, None, NEEDS_CLUSTER));
        }
    })
}

/// Answers one Keys request from a snapshot file, off the async threads: an export of a
/// large file writes for a while.
pub async fn serve(
    file: Arc<SnapshotFile>,
    op: KeysOp,
    events: tokio::sync::mpsc::Sender<Event>,
    (generation, id): (u64, u64),
) {
    let result = tokio::task::spawn_blocking(move || run_op(&file, op))
        .await
        .unwrap_or_else(|e| Err(EtcdError::new(Problem::Other, None, e.to_string())));
    let _ = events
        .send(Event::Keys {
            generation,
            id,
            result,
        })
        .await;
}

/// Files read by `Request::ReadSnapshot`, by path, until the app asks to serve one.
pub type ReadFiles = Arc<std::sync::Mutex<Vec<(std::path::PathBuf, Arc<SnapshotFile>)>>>;

/// Reads and checks a snapshot file on its own thread, so a 1 GiB file takes its
/// seconds without holding up the actor or the screen; the file waits in `read` for
/// `take_read`.
pub async fn read_file(
    path: std::path::PathBuf,
    read: ReadFiles,
    events: tokio::sync::mpsc::Sender<Event>,
    generation: u64,
) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let owned = path.clone();
    // A thread of its own rather than spawn_blocking: the runtime waits for blocking
    // tasks when it shuts down, and quitting must not wait for a 1 GiB read to end.
    let started = std::thread::Builder::new()
        .name("snapshot-read".into())
        .spawn(move || tx.send(open_file(&owned)));
    let opened = match started {
        Ok(_) => rx
            .await
            .unwrap_or_else(|_| Err(format!("reading {} stopped", path.display()))),
        Err(e) => Err(format!("cannot start reading {}: {e}", path.display())),
    };
    let result = opened.map(|(file, source)| {
        if let Ok(mut files) = read.lock() {
            // Only the latest read of a path is wanted; older ones are dropped.
            files.retain(|(p, _)| *p != path);
            files.push((path.clone(), file));
        }
        source
    });
    let _ = events
        .send(Event::SnapshotRead {
            generation,
            path,
            result,
        })
        .await;
}

/// The file read from `path`, taken out of `read` (the rest are dropped with it: only
/// the one being switched to is still wanted).
pub fn take_read(read: &ReadFiles, path: &std::path::Path) -> Option<Arc<SnapshotFile>> {
    let mut files = read.lock().ok()?;
    let found = files.iter().position(|(p, _)| p == path);
    let file = found.map(|i| files.swap_remove(i).1);
    files.clear();
    file
}

/// What the header shows for a snapshot file, in the shape of a cluster's status.
pub fn info(file: &SnapshotFile) -> ClusterInfo {
    ClusterInfo {
        endpoint: format!("snapshot {}", file.path().display()),
        cluster_id: 0,
        member_id: 0,
        member_name: String::new(),
        leader_id: 0,
        leader_name: None,
        version: String::new(),
        revision: file.status().revision,
        raft_term: 0,
        members: file.etcd_meta().members.len(),
        endpoints_up: 0,
        endpoints_total: 0,
        endpoint_errors: Vec::new(),
        status_denied: false,
    }
}

/// One key at one change, its value read from the file.
pub fn convert(file: &SnapshotFile, entry: Entry<'_>) -> Result<KeyValue, EtcdError> {
    let kv = file
        .kv(entry)
        .map_err(|e| value_error(file, entry.key, &e))?;
    Ok(KeyValue {
        key: kv.key,
        value: kv.value,
        create_revision: kv.create_revision,
        mod_revision: kv.mod_revision,
        version: kv.version,
        lease: kv.lease,
    })
}

fn read(file: &SnapshotFile, entry: Option<Entry<'_>>) -> Result<Option<KeyValue>, EtcdError> {
    entry.map(|e| convert(file, e)).transpose()
}

fn value_error(file: &SnapshotFile, key: &[u8], e: &SnapError) -> EtcdError {
    EtcdError::new(
        Problem::Other,
        None,
        format!(
            "cannot read the value of {} from {}: {e}",
            crate::text::bytes(key),
            file.path().display()
        ),
    )
}

fn count<T>(it: impl Iterator<Item = T>) -> i64 {
    i64::try_from(it.count()).unwrap_or(i64::MAX)
}

/// Direct children of `node`, folded exactly as the live listing folds etcd's ranges,
/// so paging and directory rows match what the cluster shows at that revision.
fn children(
    file: &SnapshotFile,
    node: &[u8],
    sep: u8,
    start: Option<Vec<u8>>,
    want: usize,
) -> ChildPage {
    let revision = file.status().revision;
    let mut from = start.unwrap_or_else(|| node.to_vec());
    let mut children = Vec::new();
    loop {
        let mut keys: Vec<&[u8]> = file
            .keys_from(&from)
            .map(|e| e.key)
            .take_while(|k| k.starts_with(node))
            .take(SCAN_BATCH + 1)
            .collect();
        let more = keys.len() > SCAN_BATCH;
        keys.truncate(SCAN_BATCH);
        let next = match fold_batch(node, sep, &keys, more, want, &mut children) {
            Next::Done => None,
            Next::From(k) if children.len() >= want => Some(k),
            Next::From(k) => {
                from = k;
                continue;
            }
        };
        return ChildPage {
            children,
            next,
            revision,
        };
    }
}

/// Earlier versions of `key` at or before `before`, newest first, as the live history
/// walks them: it stops at the version that created the key, at a deletion (the key was
/// re-created after it), or where the file's history was compacted away.
fn history(
    file: &SnapshotFile,
    key: &[u8],
    before: i64,
    limit: usize,
) -> Result<History, EtcdError> {
    let events = file.history(key);
    let upto = events.partition_point(|e| e.revision.main <= before);
    let mut entries = Vec::new();
    for ev in events[..upto].iter().rev() {
        if ev.tombstone {
            return Ok(History {
                entries,
                end: HistoryEnd::Created,
            });
        }
        if entries.len() >= limit {
            return Ok(History {
                entries,
                end: HistoryEnd::More {
                    before: ev.revision.main,
                },
            });
        }
        entries.push(convert(file, Entry { key, event: ev })?);
        if ev.version == 1 {
            return Ok(History {
                entries,
                end: HistoryEnd::Created,
            });
        }
    }
    let revision = file.etcd_meta().compacted_revision.unwrap_or(0);
    // Nothing at or before `before`: the key did not exist yet, as etcd would say.
    let end = if upto == 0 {
        HistoryEnd::Created
    } else {
        HistoryEnd::Compacted { revision }
    };
    Ok(History { entries, end })
}

fn index_page(file: &SnapshotFile, from: &[u8], limit: i64) -> KeysAnswer {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX).max(1);
    let mut keys = KeyBatch::default();
    let mut remaining = 0i64;
    for e in file.keys_from(from) {
        remaining += 1;
        if keys.len() < limit {
            keys.data.extend_from_slice(e.key);
            // Same cap as the live page: a key past 4 GiB of keys ends the page.
            match u32::try_from(keys.data.len()) {
                Ok(end) => keys.ends.push(end),
                Err(_) => break,
            }
        }
    }
    KeysAnswer::IndexPage {
        more: usize::try_from(remaining).unwrap_or(usize::MAX) > keys.len(),
        keys,
        revision: file.status().revision,
        remaining,
    }
}

fn cannot_open(path: &Path, e: &crate::snapfile::SnapError) -> String {
    crate::text::safe(&format!("cannot open snapshot {}: {e}", path.display())).into_owned()
}

/// Quick checks only (the file exists and is bbolt): what `--snapshot` does before the
/// terminal is taken over.
pub fn check_file(path: &Path) -> Result<(), String> {
    crate::snapfile::check(path).map_err(|e| cannot_open(path, &e))
}

/// The opened file and what the header shows of it; the error is one line for the user.
pub fn open_file(path: &Path) -> Result<(Arc<SnapshotFile>, SnapshotSource), String> {
    let file = SnapshotFile::open(path).map_err(|e| cannot_open(path, &e))?;
    let history = crate::du::from_snapshot(&file, b"", 1).total;
    let source = SnapshotSource {
        path: path.display().to_string(),
        revision: file.status().revision,
        keys: file.keys().count() as u64,
        warning: file.warning(),
        history_bytes: history.history_bytes,
        history_revisions: history.history_revisions,
        modified: std::fs::metadata(path).and_then(|m| m.modified()).ok(),
    };
    Ok((Arc::new(file), source))
}
