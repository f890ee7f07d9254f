//! Every key under a prefix, page by page, all pages pinned to the revision the first
//! one was read at: however long the listing takes, it is one consistent moment.

use etcd_client::GetOptions;

use super::connect::EndpointClient;
use super::errors::EtcdError;
use super::keys::MAX_MESSAGE;
use super::skipscan::{key_after, prefix_end};

/// Calls `each` with every page of at most `page` keys under `prefix` (values too unless
/// `keys_only`), in key order; returns the revision the listing is pinned to.
pub async fn scan_prefix(
    c: &EndpointClient,
    prefix: &[u8],
    page: i64,
    keys_only: bool,
    mut each: impl FnMut(&[etcd_client::KeyValue]),
) -> Result<i64, EtcdError> {
    let end = prefix_end(prefix).unwrap_or_else(|| vec![0]);
    let mut from = if prefix.is_empty() {
        vec![0]
    } else {
        prefix.to_vec()
    };
    let mut revision = 0;
    loop {
        let mut opts = GetOptions::new().with_range(end.clone()).with_limit(page);
        if keys_only {
            opts = opts.with_keys_only();
        }
        if revision > 0 {
            opts = opts.with_revision(revision);
        }
        let start = from.clone();
        let resp = c
            .call(|cl| async move {
                cl.kv_client()
                    .max_decoding_message_size(MAX_MESSAGE)
                    .get(start, Some(opts))
                    .await
            })
            .await?;
        if revision == 0 {
            revision = resp.header().map_or(0, |h| h.revision());
        }
        each(resp.kvs());
        match (resp.more(), resp.kvs().last()) {
            (true, Some(last)) => from = key_after(last.key()),
            _ => return Ok(revision),
        }
    }
}
