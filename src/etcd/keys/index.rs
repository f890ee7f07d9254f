//! The full key index, page by page: keys only, pinned to a revision, packed into
//! one buffer per page.
//!
//! etcd counts every key in a limited `Range`'s span before answering, so pages of
//! `[last key, end of the key space)` would cost what is left on every page. The first
//! page spans the whole key space once: its count is the total the app shows progress
//! against (`remaining` of later pages comes from that count minus what was read).
//! Later pages read etcd 3.7's `RangeStream` from where the last stopped (no count at
//! all), or before 3.7 bounded ranges planned by `span::Spans`. The plan lives between
//! pages in `CURSOR`, matched by endpoint, revision and the page's start; a page that
//! does not match starts a new plan (one more count of the rest).

use std::sync::Mutex;

use super::super::range_stream::{Chunk, RangeReader};
use super::super::span_pager::Pager;
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

/// Where the last index page stopped.
struct Cursor {
    endpoint: String,
    revision: i64,
    /// The start a next page asks for: just after the last key handed out.
    next: Vec<u8>,
    /// Keys at or after `next`, at `revision`.
    remaining: u64,
    /// The bounded plan, when pages come from `Range` (before 3.7).
    pager: Option<Pager>,
}

static CURSOR: Mutex<Option<Cursor>> = Mutex::new(None);

fn take_cursor(endpoint: &str, revision: i64, from: &[u8]) -> Option<Cursor> {
    let mut slot = CURSOR.lock().ok()?;
    let matches = slot.as_ref().is_some_and(|c| {
        revision > 0 && c.endpoint == endpoint && c.revision == revision && c.next == from
    });
    if matches { slot.take() } else { None }
}

fn keep_cursor(cursor: Cursor) {
    if let Ok(mut slot) = CURSOR.lock() {
        *slot = Some(cursor);
    }
}

/// Appends `key`; `false` once the batch would pass 4 GiB (a page never nears that).
fn push(batch: &mut KeyBatch, key: &[u8]) -> bool {
    batch.data.extend_from_slice(key);
    let Ok(end) = u32::try_from(batch.data.len()) else {
        batch.data.truncate(batch.data.len() - key.len());
        return false;
    };
    batch.ends.push(end);
    true
}

/// One page of about `limit` keys from `from` at `revision` (0: now): the keys, whether
/// more follow, the revision, and how many keys there are from `from` to the end.
pub async fn index_page(
    c: &EndpointClient,
    from: Vec<u8>,
    revision: i64,
    limit: i64,
) -> Result<(KeyBatch, bool, i64, i64), EtcdError> {
    let from = range_start(&from);
    let limit = limit.max(1);
    let cursor = take_cursor(&c.endpoint, revision, &from);
    let mut batch = KeyBatch::default();
    if let Some(cur) = &cursor
        && let Some(mut reader) =
            RangeReader::open(c, from.clone(), vec![0], revision, true).await?
    {
        let mut fits = true;
        let mut answered = false;
        while fits && (batch.len() as i64) < limit && !reader.ended() {
            match reader.next().await? {
                None => break,
                Some(Chunk::Complete { .. }) => break,
                Some(Chunk::Kvs(chunk)) => {
                    answered = true;
                    fits = chunk.kvs().iter().all(|kv| push(&mut batch, kv.key()));
                }
            }
        }
        if answered || reader.ended() {
            let more = !reader.ended() && fits;
            let remaining = cur.remaining;
            keep_cursor(Cursor {
                endpoint: c.endpoint.clone(),
                revision,
                next: next_start(&batch, &from),
                remaining: remaining.saturating_sub(batch.len() as u64),
                pager: None,
            });
            return Ok((batch, more, revision, to_i64(remaining)));
        }
    }
    let mut pager = match cursor.and_then(|c| c.pager) {
        Some(p) => p,
        None => Pager::new(from.clone(), vec![0], revision, true),
    };
    // Sub-ranges that the plan placed between keys hold few or none: gather at least
    // half a page so that the app's requests stay as few as before.
    while !pager.done() && (batch.len() as i64) < limit / 2 {
        let want = limit - batch.len() as i64;
        let resp = pager.step(c, want).await?;
        if !resp.kvs().iter().all(|kv| push(&mut batch, kv.key())) {
            break;
        }
    }
    let left = pager.remaining().unwrap_or(0);
    let remaining = left + batch.len() as u64;
    let revision = pager.revision();
    let more = !pager.done();
    keep_cursor(Cursor {
        endpoint: c.endpoint.clone(),
        revision,
        next: next_start(&batch, &from),
        remaining: left,
        pager: Some(pager),
    });
    Ok((batch, more, revision, to_i64(remaining)))
}

/// Where the app asks the next page to start: just after the last key handed out.
fn next_start(batch: &KeyBatch, from: &[u8]) -> Vec<u8> {
    match batch.len() {
        0 => from.to_vec(),
        n => super::super::skipscan::key_after(batch.get(n - 1)),
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
