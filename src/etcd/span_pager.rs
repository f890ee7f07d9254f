//! A scan in bounded `Range` pages, for members before 3.7 (no `RangeStream`): where
//! each page ends is planned by `span::Spans` so that etcd counts about one page per
//! request instead of everything left. Pinned to the revision of the first page.

use etcd_client::{GetOptions, GetResponse};

use super::connect::EndpointClient;
use super::errors::EtcdError;
use super::keys::MAX_MESSAGE;
use super::span::{Bound, Spans};

#[derive(Debug, Clone)]
pub struct Pager {
    spans: Spans,
    end: Vec<u8>,
    revision: i64,
    keys_only: bool,
}

impl Pager {
    /// `[from, end)` (`end` `[0]`: the key space's end) at `revision` (0: the first
    /// page's).
    pub fn new(from: Vec<u8>, end: Vec<u8>, revision: i64, keys_only: bool) -> Self {
        Pager {
            spans: Spans::new(from, end.clone()),
            end,
            revision,
            keys_only,
        }
    }

    pub fn done(&self) -> bool {
        self.spans.done()
    }

    pub fn revision(&self) -> i64 {
        self.revision
    }

    /// Keys not yet read, known once the first page has counted them.
    pub fn remaining(&self) -> Option<u64> {
        self.spans.remaining()
    }

    /// Reads the next page of at most `limit` keys (it may hold none: a sub-range
    /// the estimate placed between keys).
    pub async fn step(&mut self, c: &EndpointClient, limit: i64) -> Result<GetResponse, EtcdError> {
        let limit = limit.max(1);
        let bound = self.spans.plan(limit as u64);
        let range_end = match &bound {
            Bound::Key(k) => k.clone(),
            Bound::End => self.end.clone(),
        };
        let mut opts = GetOptions::new().with_range(range_end).with_limit(limit);
        if self.keys_only {
            opts = opts.with_keys_only();
        }
        if self.revision > 0 {
            // Pinned to a revision this member has already answered at: a serializable
            // read gives the same keys without a round of consensus per page.
            opts = opts.with_revision(self.revision).with_serializable();
        }
        let from = self.spans.from.clone();
        let resp = c
            .call(|cl| async move {
                cl.kv_client()
                    .max_decoding_message_size(MAX_MESSAGE)
                    .get(from, Some(opts))
                    .await
            })
            .await?;
        if self.revision == 0 {
            self.revision = resp.header().map_or(0, |h| h.revision());
        }
        let kvs = resp.kvs();
        let edges = kvs
            .get(kvs.len() / 2)
            .zip(kvs.last())
            .map(|(a, b)| (a.key(), b.key()));
        let count = u64::try_from(resp.count()).unwrap_or(0);
        self.spans.record(
            &bound,
            limit as u64,
            count.max(kvs.len() as u64),
            kvs.len() as u64,
            edges,
        );
        Ok(resp)
    }
}
