//! Reads and writes of the key space, for the Keys view. Every call goes through
//! `EndpointClient::call`, so each has the command timeout.

use etcd_client::{Compare, CompareOp, GetOptions, Txn, TxnOp};

use super::connect::EndpointClient;
use super::errors::{EtcdError, Problem};
use super::skipscan::{Child, prefix_end};

pub mod anchors;
mod buckets;
mod children;
mod history;
mod index;
mod writes;
pub use children::{Read, list_children, with_read_log};
pub use history::*;
pub use index::*;
pub use writes::*;

/// Values can be up to etcd's request limit (1.5 MiB by default, more if raised);
/// tonic's 4 MiB default would fail on a raised limit.
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildPage {
    pub children: Vec<Child>,
    /// Where the next page starts, when there is one.
    pub next: Option<Vec<u8>>,
    /// The revision the whole listing is pinned to.
    pub revision: i64,
}

/// etcd rejects an empty key; "\0" is the first possible key, as etcdctl uses for "".
fn range_start(key: &[u8]) -> Vec<u8> {
    if key.is_empty() {
        vec![0]
    } else {
        key.to_vec()
    }
}

fn range_end(node: &[u8]) -> Vec<u8> {
    // etcd reads an end key of "\0" as "to the end of the key space".
    prefix_end(node).unwrap_or_else(|| vec![0])
}

/// How many keys lie under `prefix`, without fetching them.
pub async fn count(
    c: &EndpointClient,
    prefix: &[u8],
    revision: i64,
) -> Result<(i64, i64), EtcdError> {
    let mut opts = GetOptions::new()
        .with_range(range_end(prefix))
        .with_count_only();
    if revision > 0 {
        opts = opts.with_revision(revision);
    }
    let key = range_start(prefix);
    let resp = c
        .call(|mut cl| async move { cl.get(key, Some(opts)).await })
        .await?;
    let at = resp.header().map(|h| h.revision()).unwrap_or(revision);
    Ok((resp.count(), at))
}

/// One key with its value and metadata, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    pub create_revision: i64,
    pub mod_revision: i64,
    pub version: i64,
    pub lease: i64,
}

impl From<&etcd_client::KeyValue> for KeyValue {
    fn from(kv: &etcd_client::KeyValue) -> Self {
        KeyValue {
            key: kv.key().to_vec(),
            value: kv.value().to_vec(),
            create_revision: kv.create_revision(),
            mod_revision: kv.mod_revision(),
            version: kv.version(),
            lease: kv.lease(),
        }
    }
}

/// A key at a revision (0: now). `Ok(None)` when it does not exist there.
pub async fn get_at(
    c: &EndpointClient,
    key: &[u8],
    revision: i64,
) -> Result<(Option<KeyValue>, i64), EtcdError> {
    let opts = (revision > 0).then(|| GetOptions::new().with_revision(revision));
    let k = key.to_vec();
    let resp = c
        .call(|cl| async move {
            cl.kv_client()
                .max_decoding_message_size(MAX_MESSAGE)
                .get(k, opts)
                .await
        })
        .await?;
    let rev = resp.header().map(|h| h.revision()).unwrap_or(0);
    Ok((resp.kvs().first().map(KeyValue::from), rev))
}

/// Seconds left on a lease; `None` when it has expired or never existed.
pub async fn lease_ttl(c: &EndpointClient, lease: i64) -> Result<Option<i64>, EtcdError> {
    let resp = c
        .call(|mut cl| async move { cl.lease_time_to_live(lease, None).await })
        .await?;
    Ok((resp.ttl() >= 0).then_some(resp.ttl()))
}

/// What the Keys view asks of etcd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeysOp {
    Children {
        node: Vec<u8>,
        sep: u8,
        start: Option<Vec<u8>>,
        revision: Option<i64>,
        want: usize,
        hint: Option<Vec<u8>>,
    },
    Count {
        prefix: Vec<u8>,
        revision: i64,
    },
    Value {
        key: Vec<u8>,
    },
    History {
        key: Vec<u8>,
        before: i64,
        limit: usize,
    },
    Put {
        key: Vec<u8>,
        value: Vec<u8>,
        expected: i64,
    },
    Delete {
        key: Vec<u8>,
        expected: i64,
    },
    DeletePrefix {
        prefix: Vec<u8>,
        revision: i64,
    },
    IndexPage {
        from: Vec<u8>,
        revision: i64,
        limit: i64,
    },
    Export {
        prefix: Vec<u8>,
        path: std::path::PathBuf,
    },
    /// Compare a snapshot file with the cluster now (`:diff FILE`).
    SnapshotDiff {
        path: std::path::PathBuf,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeysAnswer {
    Children(ChildPage),
    /// How many keys, at which revision.
    Count {
        count: i64,
        revision: i64,
    },
    Value {
        kv: Option<KeyValue>,
        revision: i64,
        lease_ttl: Option<i64>,
    },
    History(History),
    Written(WriteResult),
    DeletedPrefix {
        result: WriteResult,
        deleted: i64,
    },
    IndexPage {
        keys: KeyBatch,
        more: bool,
        revision: i64,
        /// Keys from this page's start to the end: etcd counts them anyway.
        remaining: i64,
    },
    Exported(super::export::Exported),
    SnapshotDiff(Box<crate::snapshot_diff::Diff>),
}

pub async fn run_op(c: &EndpointClient, op: KeysOp) -> Result<KeysAnswer, EtcdError> {
    Ok(match op {
        KeysOp::Children {
            node,
            sep,
            start,
            revision,
            want,
            hint,
        } => KeysAnswer::Children(list_children(c, &node, sep, start, revision, want, hint).await?),
        KeysOp::Count { prefix, revision } => {
            let (count, revision) = count(c, &prefix, revision).await?;
            KeysAnswer::Count { count, revision }
        }
        KeysOp::Value { key } => {
            let (kv, revision) = get_at(c, &key, 0).await?;
            let lease_ttl = match kv.as_ref().map(|kv| kv.lease) {
                Some(lease) if lease != 0 => lease_ttl(c, lease).await.ok().flatten(),
                _ => None,
            };
            KeysAnswer::Value {
                kv,
                revision,
                lease_ttl,
            }
        }
        KeysOp::History { key, before, limit } => {
            KeysAnswer::History(history(c, &key, before, limit).await?)
        }
        KeysOp::Put {
            key,
            value,
            expected,
        } => KeysAnswer::Written(put_if_unchanged(c, &key, value, expected).await?),
        KeysOp::Delete { key, expected } => {
            KeysAnswer::Written(delete_if_unchanged(c, &key, expected).await?)
        }
        KeysOp::DeletePrefix { prefix, revision } => {
            let (result, deleted) = delete_prefix_if_unchanged(c, &prefix, revision).await?;
            KeysAnswer::DeletedPrefix { result, deleted }
        }
        KeysOp::Export { prefix, path } => {
            let format = super::export::ExportFormat::for_path(&path);
            KeysAnswer::Exported(super::export::export(c, &prefix, &path, format).await?)
        }
        KeysOp::SnapshotDiff { path } => {
            KeysAnswer::SnapshotDiff(Box::new(super::livekeys::diff_file(c, &path).await?))
        }
        KeysOp::IndexPage {
            from,
            revision,
            limit,
        } => {
            let (keys, more, revision, remaining) = index_page(c, from, revision, limit).await?;
            KeysAnswer::IndexPage {
                keys,
                more,
                revision,
                remaining,
            }
        }
    })
}
