//! The full key index, page by page: keys only, pinned to a revision, packed into
//! one buffer per page.

use super::*;

/// One page of the full key index: keys only, pinned to a revision.
/// Keys packed into one buffer with an end offset each: a page of 100,000 keys is two
/// allocations, not 100,000, which is what keeps the index's peak memory near its size.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyBatch {
    pub data: Vec<u8>,
    pub ends: Vec<u32>,
}

impl KeyBatch {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.data[start..self.ends[i] as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

pub async fn index_page(
    c: &EndpointClient,
    from: Vec<u8>,
    revision: i64,
    limit: i64,
) -> Result<(KeyBatch, bool, i64, i64), EtcdError> {
    let mut opts = GetOptions::new()
        .with_range(vec![0])
        .with_keys_only()
        .with_limit(limit);
    if revision > 0 {
        opts = opts.with_revision(revision);
    }
    let from = range_start(&from);
    let mut resp = c
        .call(|cl| async move {
            cl.kv_client()
                .max_decoding_message_size(MAX_MESSAGE)
                .get(from, Some(opts))
                .await
        })
        .await?;
    let rev = resp.header().map(|h| h.revision()).unwrap_or(revision);
    let more = resp.more();
    let remaining = resp.count();
    let kvs = resp.take_kvs();
    drop(resp);
    let mut batch = KeyBatch {
        data: Vec::with_capacity(kvs.iter().map(|kv| kv.key().len()).sum()),
        ends: Vec::with_capacity(kvs.len()),
    };
    for kv in kvs {
        batch.data.extend_from_slice(kv.key());
        // A page is far below 4 GiB of keys; a key that would not fit ends the page.
        let Ok(end) = u32::try_from(batch.data.len()) else {
            break;
        };
        batch.ends.push(end);
    }
    Ok((batch, more, rev, remaining))
}
