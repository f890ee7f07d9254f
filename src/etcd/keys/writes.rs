//! Guarded writes: a put or delete goes through only if the key (or every key under
//! a prefix) is unchanged since the user saw it.

use super::*;

/// The outcome of a guarded write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteResult {
    Done {
        revision: i64,
    },
    /// Someone else changed the key since it was read; nothing was written.
    Conflict {
        current_mod_revision: i64,
    },
}

/// Puts `value` only if the key's `mod_revision` is still `expected` (0: the key must
/// not exist), like `kubectl edit`'s optimistic concurrency.
pub async fn put_if_unchanged(
    c: &EndpointClient,
    key: &[u8],
    value: Vec<u8>,
    expected: i64,
) -> Result<WriteResult, EtcdError> {
    let k = key.to_vec();
    let txn = Txn::new()
        .when([Compare::mod_revision(k.clone(), CompareOp::Equal, expected)])
        .and_then([TxnOp::put(k.clone(), value, None)])
        .or_else([TxnOp::get(k, None)]);
    let resp = c.call(|mut cl| async move { cl.txn(txn).await }).await?;
    let revision = resp.header().map(|h| h.revision()).unwrap_or(0);
    if resp.succeeded() {
        return Ok(WriteResult::Done { revision });
    }
    let current = resp
        .op_responses()
        .into_iter()
        .find_map(|op| match op {
            etcd_client::TxnOpResponse::Get(g) => g.kvs().first().map(|kv| kv.mod_revision()),
            _ => None,
        })
        .unwrap_or(0);
    Ok(WriteResult::Conflict {
        current_mod_revision: current,
    })
}

/// Deletes one key if unchanged since it was read.
pub async fn delete_if_unchanged(
    c: &EndpointClient,
    key: &[u8],
    expected: i64,
) -> Result<WriteResult, EtcdError> {
    let k = key.to_vec();
    let txn = Txn::new()
        .when([Compare::mod_revision(k.clone(), CompareOp::Equal, expected)])
        .and_then([TxnOp::delete(k.clone(), None)])
        .or_else([TxnOp::get(k, None)]);
    let resp = c.call(|mut cl| async move { cl.txn(txn).await }).await?;
    let revision = resp.header().map(|h| h.revision()).unwrap_or(0);
    if resp.succeeded() {
        Ok(WriteResult::Done { revision })
    } else {
        Ok(WriteResult::Conflict {
            current_mod_revision: -1,
        })
    }
}

/// Deletes every key under `prefix`, but only if nothing under it changed since the
/// count the user confirmed was taken (at `revision`): a prefix that gained keys in the
/// meantime is refused rather than deleting more than was shown.
pub async fn delete_prefix_if_unchanged(
    c: &EndpointClient,
    prefix: &[u8],
    revision: i64,
) -> Result<(WriteResult, i64), EtcdError> {
    let end = range_end(prefix);
    let p = range_start(prefix);
    let opts = etcd_client::DeleteOptions::new().with_range(end.clone());
    let txn = Txn::new()
        .when([
            Compare::mod_revision(p.clone(), CompareOp::Less, revision + 1).with_range(end.clone()),
        ])
        .and_then([TxnOp::delete(p, Some(opts))]);
    let resp = c.call(|mut cl| async move { cl.txn(txn).await }).await?;
    let rev = resp.header().map(|h| h.revision()).unwrap_or(0);
    if !resp.succeeded() {
        return Ok((
            WriteResult::Conflict {
                current_mod_revision: -1,
            },
            0,
        ));
    }
    let deleted = resp
        .op_responses()
        .into_iter()
        .find_map(|op| match op {
            etcd_client::TxnOpResponse::Delete(d) => Some(d.deleted()),
            _ => None,
        })
        .unwrap_or(0);
    Ok((WriteResult::Done { revision: rev }, deleted))
}
