//! The live side of `etcdtui snapshot diff`: every key under a prefix with its
//! `mod_revision`, keys only, in pages pinned to one revision so the listing is one
//! consistent moment however long it takes; then the values of the keys written since the
//! snapshot, to tell a real change from a write of the same value.

use std::collections::HashSet;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};

use super::connect::{EndpointClient, connect_all};
use super::errors::{EtcdError, Problem};
use super::keys::{KeyValue, get_at};
use super::spec::ConnectSpec;
use crate::snapfile::SnapshotFile;

const PAGE: i64 = 5000;
/// Keys whose values are compared at a time: memory holds one chunk's values on each side.
const VALUE_CHUNK: usize = 256;
/// Value reads in flight against the cluster.
const VALUE_READS: usize = 16;

/// (key, mod_revision) of every live key under `prefix`, sorted, and the revision read.
pub async fn keys_with_revisions(
    c: &EndpointClient,
    prefix: &[u8],
) -> Result<(Vec<(Vec<u8>, i64)>, i64), EtcdError> {
    let mut out = Vec::new();
    let revision = super::scan::scan_prefix(c, prefix, PAGE, true, |kvs| {
        out.extend(kvs.iter().map(|kv| (kv.key().to_vec(), kv.mod_revision())));
    })
    .await?;
    Ok((out, revision))
}

/// A snapshot file against the cluster now, for `:diff`: the file is read off the
/// async threads, then compared with a keys-only listing and the candidates' values.
pub async fn diff_file(
    c: &EndpointClient,
    path: &std::path::Path,
) -> Result<crate::snapshot_diff::Diff, EtcdError> {
    let owned = path.to_path_buf();
    let file = tokio::task::spawn_blocking(move || SnapshotFile::open(&owned))
        .await
        .map_err(|e| EtcdError::new(Problem::Other, None, e.to_string()))?
        .map_err(|e| {
            EtcdError::settings(format!("cannot read snapshot {}: {e}", path.display()))
        })?;
    let file = Arc::new(file);
    let snap: Vec<(Vec<u8>, i64)> = file
        .keys()
        .map(|e| (e.key.to_vec(), e.event.mod_revision))
        .collect();
    let (live, live_rev) = keys_with_revisions(c, b"").await?;
    let mut d = crate::snapshot_diff::compare(&snap, &live, (file.status().revision, live_rev));
    let same = same_values(c, &file, d.candidates(), live_rev).await?;
    d.set_rewritten(&same);
    Ok(d)
}

/// Those of `keys` (written since the snapshot) whose value at `revision` is the
/// snapshot's value byte for byte: rewritten, not changed. A chunk at a time, so memory
/// stays at one chunk's values however many keys were written.
pub async fn same_values(
    c: &EndpointClient,
    file: &Arc<SnapshotFile>,
    keys: Vec<Vec<u8>>,
    revision: i64,
) -> Result<HashSet<Vec<u8>>, EtcdError> {
    let mut same = HashSet::new();
    for chunk in keys.chunks(VALUE_CHUNK) {
        let then = snapshot_values(file, chunk.to_vec()).await?;
        let now = live_values(c, chunk.to_vec(), revision).await?;
        for ((key, then), (now, _)) in chunk.iter().zip(then).zip(now) {
            if then.is_some() && then == now.map(|kv| kv.value) {
                same.insert(key.clone());
            }
        }
    }
    Ok(same)
}

/// The live values of `keys` at `revision`, a few reads in flight.
async fn live_values(
    c: &EndpointClient,
    keys: Vec<Vec<u8>>,
    revision: i64,
) -> Result<Vec<(Option<KeyValue>, i64)>, EtcdError> {
    let reads = keys.into_iter().map(|k| {
        let c = c.clone();
        async move { get_at(&c, &k, revision).await }
    });
    futures::stream::iter(reads)
        .buffered(VALUE_READS)
        .try_collect()
        .await
}

/// The snapshot's values of `keys`, read from the file off the async threads.
async fn snapshot_values(
    file: &Arc<SnapshotFile>,
    keys: Vec<Vec<u8>>,
) -> Result<Vec<Option<Vec<u8>>>, EtcdError> {
    let f = file.clone();
    tokio::task::spawn_blocking(move || {
        keys.iter()
            .map(|k| f.get(k).map(|kv| kv.map(|kv| kv.value)))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| EtcdError::new(Problem::Other, None, e.to_string()))?
    .map_err(|e| EtcdError::settings(format!("cannot read {}: {e}", file.path().display())))
}

/// One key's current value, `None` when it does not exist.
pub async fn value(c: &EndpointClient, key: &[u8]) -> Result<Option<KeyValue>, EtcdError> {
    get_at(c, key, 0).await.map(|(kv, _)| kv)
}

/// The first endpoint that answers a status request, as `etcdtui check` picks one.
pub async fn first_answering(spec: &ConnectSpec) -> Result<EndpointClient, EtcdError> {
    let mut first_error = None;
    for c in connect_all(spec).await? {
        let attempt = match c {
            Ok(c) => c
                .call(|mut cl| async move { cl.status().await })
                .await
                .map(|_| c),
            Err(e) => Err(e),
        };
        match attempt {
            Ok(c) => return Ok(c),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| EtcdError::settings("no endpoints given")))
}
