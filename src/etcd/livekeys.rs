//! The live side of `etcdtui snapshot diff`: every key under a prefix with its
//! `mod_revision`, keys only, in pages pinned to one revision so the listing is one
//! consistent moment however long it takes.

use super::connect::{EndpointClient, connect_all};
use super::errors::EtcdError;
use super::keys::{KeyValue, get_at};
use super::spec::ConnectSpec;

const PAGE: i64 = 5000;

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
/// async threads, then compared with a keys-only listing.
pub async fn diff_file(
    c: &EndpointClient,
    path: &std::path::Path,
) -> Result<crate::snapshot_diff::Diff, EtcdError> {
    let owned = path.to_path_buf();
    let snap = tokio::task::spawn_blocking(move || {
        crate::snapfile::SnapshotFile::open(&owned).map(|f| {
            let keys: Vec<(Vec<u8>, i64)> = f
                .keys()
                .map(|kv| (kv.key.clone(), kv.mod_revision))
                .collect();
            (keys, f.status().revision)
        })
    })
    .await
    .map_err(|e| EtcdError::new(super::errors::Problem::Other, None, e.to_string()))?
    .map_err(|e| EtcdError::settings(format!("cannot read snapshot {}: {e}", path.display())))?;
    let (live, live_rev) = keys_with_revisions(c, b"").await?;
    Ok(crate::snapshot_diff::compare(
        &snap.0,
        &live,
        (snap.1, live_rev),
    ))
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
