//! Listing a node's direct children a batch at a time. etcd counts every key of a
//! limited `Range`'s span before it answers, so no batch may range over more than it
//! must: narrow ends first (`skipscan::plan_next`); where a batch could only run to
//! the node's end, etcd 3.7's `RangeStream` (no count; dropped once a batch is in,
//! chosen over narrow ends too where it has been cheaper, see `Pace`); before 3.7, at
//! the top of the tree, keys every Kubernetes cluster holds (`anchors`), and below it
//! the first key of each first-byte bucket of what is left (`buckets`), read once, so
//! that what is left is counted once rather than once per child.

use std::cell::RefCell;
use std::future::Future;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use etcd_client::GetOptions;

use super::super::connect::EndpointClient;
use super::super::errors::EtcdError;
use super::super::range_stream::stream_range;
use super::super::skipscan::{Next, fold_batch, key_after, plan_next, prefix_end};
use super::{ChildPage, anchors, buckets, range_end, range_start};

/// Keys fetched per range while walking children. Small enough that a directory with
/// a million descendants costs one short range before we jump past it.
const SCAN_BATCH: usize = 64;

/// One read a listing made, as `with_read_log` records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    /// A limited keys-only `Range` over `[from, end)` (`end` `[0]`: to the end of the
    /// key space): etcd counts every key in it.
    Range { from: Vec<u8>, end: Vec<u8> },
    /// A keys-only `RangeStream` over `[from, end)`: nothing counted, stopped after one
    /// batch (before 3.7 the member refuses it and a `Range` follows).
    Stream { from: Vec<u8>, end: Vec<u8> },
    /// A point read of one key, for the revision to pin the listing to.
    Point { key: Vec<u8> },
    /// The transaction of point reads of `anchors::ANCHORS`.
    Anchors,
    /// The transaction reading the first key of each bucket of `[from, end)`
    /// (`buckets::firsts`): etcd counts every key in it, once.
    Buckets { from: Vec<u8>, end: Vec<u8> },
}

tokio::task_local! {
    static READS: RefCell<Vec<Read>>;
}

/// `read` is built only inside `with_read_log`: every listing calls this, and outside
/// a test there is nothing to record, so the keys are not copied for nothing.
pub(super) fn note(read: impl FnOnce() -> Read) {
    let _ = READS.try_with(|l| l.borrow_mut().push(read()));
}

/// Runs `f` and returns, with its output, the reads that listings made within it, in
/// order: how a test proves which spans the first screen asks etcd for.
pub async fn with_read_log<F: Future>(f: F) -> (F::Output, Vec<Read>) {
    READS
        .scope(RefCell::new(Vec::new()), async move {
            let out = f.await;
            let reads = READS.with(|l| l.take());
            (out, reads)
        })
        .await
}

/// Lists up to `want` direct children of `node`, starting at `start` (or the node
/// itself), at `revision` (or the current one, which is then returned for later pages).
/// `hint` is the first key under the node when the parent's listing saw it: the first
/// child then costs no request at all. A hint that is the node's own path says only
/// that the node holds keys.
pub async fn list_children(
    c: &EndpointClient,
    node: &[u8],
    sep: u8,
    start: Option<Vec<u8>>,
    revision: Option<i64>,
    want: usize,
    hint: Option<Vec<u8>>,
) -> Result<ChildPage, EtcdError> {
    let end = range_end(node);
    let mut revision = revision.unwrap_or(0);
    let mut children = Vec::new();
    let done = |children, revision| {
        Ok(ChildPage {
            children,
            next: None,
            revision,
        })
    };
    let hint = hint.filter(|h| h.len() > node.len());
    // Where to continue, and the last key seen (what the narrow probes are cut from).
    let (mut from, mut last) = match (start, hint) {
        (None, Some(first)) if first.starts_with(node) => {
            match fold_batch(node, sep, &[first.as_slice()], true, want, &mut children) {
                Next::From(k) => (k, Some(first)),
                Next::Done => return done(children, revision),
            }
        }
        (start, _) => (range_start(&start.unwrap_or_else(|| node.to_vec())), None),
    };
    // Keys known to exist under the node at `revision`: looked up once, and only when
    // a range would otherwise run to the node's end.
    let mut anchors: Option<Vec<Vec<u8>>> = None;
    // Where the buckets split so far end (`buckets::firsts`): every key before it that
    // the listing has not passed is an anchor, or in the rest of the bucket it stands in.
    let mut split_to: Option<Vec<u8>> = None;
    let mut window = buckets::FIRST_WINDOW;
    let mut refused = false;
    // Kubernetes' directory bounds, built at the first split only.
    let mut edges: Option<Vec<Vec<u8>>> = None;
    let mut stream = true;
    let mut pace = Pace::default();
    loop {
        if end != [0] && from >= end {
            return done(children, revision);
        }
        let anchor = anchors
            .iter()
            .flatten()
            .find(|k| k.as_slice() >= from.as_slice());
        let narrow = !(stream && pace.prefer_stream());
        let last_seen = last.as_deref().filter(|_| narrow);
        let (ends, stop) = plan_next(node, sep, last_seen, &from, anchor.map(Vec::as_slice));
        let step = Instant::now();
        let mut found = None;
        for bound in &ends {
            let (keys, _) = keys_in(c, &from, bound, &mut revision).await?;
            if !keys.is_empty() {
                // Keys past a bound short of the node's end may still exist.
                found = Some((keys, true));
                break;
            }
        }
        let probed = (!ends.is_empty()).then(|| step.elapsed());
        if let (Some(_), Some(p)) = (&found, probed) {
            pace.narrowed(p);
        }
        if found.is_none() {
            if let Some(child) = stop {
                // Nothing before the anchor's child, which holds keys: it is the next row.
                if children.len() >= want {
                    return Ok(ChildPage {
                        children,
                        next: Some(child.key),
                        revision,
                    });
                }
                let after = if child.is_dir {
                    prefix_end(&child.key)
                } else {
                    Some(key_after(&child.key))
                };
                children.push(child);
                let Some(after) = after else {
                    return done(children, revision);
                };
                from = after;
                last = None;
                continue;
            }
            // Only the node's end bounds what is left.
            if stream {
                if revision == 0 {
                    revision = pin(c, &from).await?;
                }
                let t = Instant::now();
                match stream_batch(c, &from, &end, revision).await? {
                    Some(batch) => {
                        found = Some(batch);
                        pace.streamed(t.elapsed(), probed);
                    }
                    None => stream = false,
                }
            }
            if found.is_none() {
                if anchors.is_none() && anchors::applies(node, sep) {
                    let (known, at) = anchors::existing(c, revision).await?;
                    revision = at;
                    let ahead = known.iter().any(|k| k.as_slice() >= from.as_slice());
                    anchors = Some(known);
                    if ahead {
                        continue;
                    }
                }
                // `[0]`, the key space's end, as `to` means every bucket was read.
                let within = |to: &Vec<u8>| to.as_slice() == [0] || from < *to;
                if let Some(to) = split_to.clone().filter(within) {
                    // No anchor ahead within the split: only the rest of the bucket the
                    // listing stands in can hold keys there.
                    let (keys, _) = keys_in(c, &from, &to, &mut revision).await?;
                    if keys.is_empty() {
                        if to == end {
                            return done(children, revision);
                        }
                        from = to;
                        last = None;
                        continue;
                    }
                    found = Some((keys, true));
                } else if !refused {
                    let edges = edges.get_or_insert_with(|| anchors::resource_edges(node, sep));
                    let split = buckets::firsts(c, node, &from, &end, revision, window, edges);
                    match split.await? {
                        Some(split) => {
                            revision = split.revision;
                            window = (window * 2).min(buckets::MAX_WINDOW);
                            if split.firsts.is_empty() {
                                if split.upto == end {
                                    return done(children, revision);
                                }
                                // Every bucket read was empty: go on after them.
                                from = split.upto.clone();
                                last = None;
                            }
                            let known = anchors.get_or_insert_with(Vec::new);
                            known.extend(split.firsts);
                            known.sort();
                            known.dedup();
                            split_to = Some(split.upto);
                            continue;
                        }
                        None => refused = true,
                    }
                }
            }
            if found.is_none() {
                found = Some(keys_in(c, &from, &end, &mut revision).await?);
            }
        }
        let Some((keys, more)) = found.filter(|(keys, _)| !keys.is_empty()) else {
            return done(children, revision);
        };
        let refs: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
        match fold_batch(node, sep, &refs, more, want, &mut children) {
            Next::Done => return done(children, revision),
            Next::From(k) if children.len() >= want => {
                return Ok(ChildPage {
                    children,
                    next: Some(k),
                    revision,
                });
            }
            Next::From(k) => {
                last = keys.last().cloned();
                from = k;
            }
        }
    }
}

/// On etcd 3.7, which way of finding the next child has been cheaper in this listing:
/// narrow ranges (a few cheap round trips where siblings share a prefix, but each
/// counts its span, a whole big sibling included) or a stream to the node's end (no
/// count, but the member reads ahead until flow control stops it: a few ms). Children
/// of `/registry/` are few and big, so streams win there; namespaces under
/// `/registry/events/` are many and small, and narrow ranges win.
#[derive(Default)]
struct Pace {
    /// What narrow probing has cost per child, averaged over the recent ones (a miss
    /// costs the stream it had to fall back on too).
    narrow: Option<Duration>,
    /// What a stream has cost, averaged likewise.
    stream: Option<Duration>,
}

/// The running average: each new cost weighs as much as all before it.
fn blend(avg: Option<Duration>, new: Duration) -> Option<Duration> {
    Some(avg.map_or(new, |a| (a + new) / 2))
}

impl Pace {
    fn prefer_stream(&self) -> bool {
        matches!((self.narrow, self.stream), (Some(n), Some(s)) if s < n)
    }

    /// Narrow ranges found the next child in `took`.
    fn narrowed(&mut self, took: Duration) {
        self.narrow = blend(self.narrow, took);
    }

    /// A stream found the next child in `took`, after narrow ranges spent `probed`
    /// finding nothing (`None`: none were tried). Each stream taken in place of narrow
    /// ranges halves what they are thought to cost, so that they are tried again
    /// before long: what was dear among big siblings may be cheap among small ones.
    fn streamed(&mut self, took: Duration, probed: Option<Duration>) {
        self.stream = blend(self.stream, took);
        self.narrow = match probed {
            Some(p) => blend(self.narrow, p + took),
            None => self.narrow.map(|n| n / 2),
        };
    }
}

/// Up to `SCAN_BATCH` keys (no values) in `[from, end)` and whether etcd has more
/// there. A `revision` of 0 is set to the store's revision from the answer.
async fn keys_in(
    c: &EndpointClient,
    from: &[u8],
    end: &[u8],
    revision: &mut i64,
) -> Result<(Vec<Vec<u8>>, bool), EtcdError> {
    note(|| Read::Range {
        from: from.to_vec(),
        end: end.to_vec(),
    });
    let mut opts = GetOptions::new()
        .with_range(end.to_vec())
        .with_keys_only()
        .with_limit(SCAN_BATCH as i64);
    if *revision > 0 {
        opts = opts.with_revision(*revision);
    }
    let key = from.to_vec();
    let mut resp = c
        .call(|mut cl| async move { cl.get(key, Some(opts)).await })
        .await?;
    if *revision == 0 {
        *revision = resp.header().map(|h| h.revision()).unwrap_or(0);
    }
    let more = resp.more();
    let keys = resp
        .take_kvs()
        .into_iter()
        .map(|kv| kv.key().to_vec())
        .collect();
    Ok((keys, more))
}

/// The store's revision, from a point read (nothing counted): what a stream is pinned
/// to, since a stream says its revision only in its final chunk.
async fn pin(c: &EndpointClient, key: &[u8]) -> Result<i64, EtcdError> {
    note(|| Read::Point { key: key.to_vec() });
    let k = key.to_vec();
    let opts = GetOptions::new().with_keys_only();
    let resp = c
        .call(|mut cl| async move { cl.get(k, Some(opts)).await })
        .await?;
    Ok(resp.header().map(|h| h.revision()).unwrap_or(0))
}

/// What `keys_in(from, end)` would answer, read from a `RangeStream` that is dropped
/// as soon as it has delivered one key more than a batch (which says whether there
/// are more). `Ok(None)`: the member has no `RangeStream` (before 3.7).
async fn stream_batch(
    c: &EndpointClient,
    from: &[u8],
    end: &[u8],
    revision: i64,
) -> Result<Option<(Vec<Vec<u8>>, bool)>, EtcdError> {
    note(|| Read::Stream {
        from: from.to_vec(),
        end: end.to_vec(),
    });
    let mut keys = Vec::new();
    let streamed = stream_range(c, from.to_vec(), end.to_vec(), revision, true, |kvs| {
        keys.extend(kvs.iter().map(|kv| kv.key().to_vec()));
        if keys.len() > SCAN_BATCH {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .await?;
    Ok(streamed.map(|_| {
        let more = keys.len() > SCAN_BATCH;
        keys.truncate(SCAN_BATCH);
        (keys, more)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn pace_streams_after_dear_narrow_ranges_and_tries_them_again() {
        let mut p = Pace::default();
        // Nothing to compare yet: narrow ranges first.
        assert!(!p.prefer_stream());
        p.narrowed(ms(1));
        // A miss: 2 ms of empty narrow ranges, then a 4 ms stream.
        p.streamed(ms(4), Some(ms(2)));
        // Narrow averages (1 + 6) / 2 = 3.5 ms against a 4 ms stream: still narrow.
        assert!(!p.prefer_stream());
        // A narrow range that counted a big sibling.
        p.narrowed(ms(300));
        assert!(p.prefer_stream());
        // Each stream taken instead halves the narrow estimate: 151 ms → under 4 ms
        // after six streams, and narrow ranges get their next try.
        let mut streams = 0;
        while p.prefer_stream() {
            p.streamed(ms(4), None);
            streams += 1;
            assert!(streams < 10, "narrow ranges are never tried again");
        }
        assert_eq!(streams, 6);
    }

    #[test]
    fn blend_weighs_the_new_cost_as_much_as_the_past() {
        assert_eq!(blend(None, ms(8)), Some(ms(8)));
        assert_eq!(blend(Some(ms(8)), ms(2)), Some(ms(5)));
    }
}
