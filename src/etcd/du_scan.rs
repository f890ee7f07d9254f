//! `du` against a live cluster: every key and value under a prefix read at one
//! revision (taken from the idle-latency probes before the scan, one consistent
//! moment), counted as they stream and dropped. On etcd 3.7 and later it is one
//! `RangeStream` (chunks sized by etcd, never a total count); before 3.7, bounded
//! `Range` pages planned by `span::Spans`, so that etcd never counts everything left on
//! every page. A one-key probe measures etcd's own latency during the scan (every ~4
//! MiB of a stream, after every page otherwise); when it exceeds twice the idle p99
//! measured before the scan, the scan slows down (pauses, smaller pages; not reading
//! a stream holds it back) until etcd is back near idle.

use std::time::{Duration, Instant};

use etcd_client::GetOptions;

use super::connect::EndpointClient;
use super::errors::{EtcdError, Problem};
use super::range_stream::{Chunk, RangeReader};
use super::skipscan::prefix_end;
use super::span_pager::Pager;
use crate::du::{Aggregator, DuReport, Source};

/// Probes before the scan, to learn the idle latency.
const IDLE_SAMPLES: usize = 20;
/// First page, and the bounds the page adapts within.
const FIRST_PAGE: i64 = 1000;
const MIN_PAGE: i64 = 50;
const MAX_PAGE: i64 = 20_000;
/// Pages aim at this many bytes: large enough that round trips do not dominate, small
/// enough to keep our memory and etcd's per-request work modest.
const TARGET_PAGE_BYTES: u64 = 4 << 20;
const MAX_DELAY: Duration = Duration::from_secs(2);
/// A stream is probed after about this many bytes: etcd sizes its chunks itself, from
/// a few keys up to `--max-request-bytes`.
const PROBE_EVERY_BYTES: u64 = 4 << 20;

/// What the scan has done so far, sent after every page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DuProgress {
    pub revision: i64,
    pub keys: u64,
    pub bytes: u64,
    pub pages: u64,
    /// The last page's limit: it shrinks when etcd slows down.
    pub page: i64,
    /// The pause between pages now in force.
    pub delay: Duration,
    pub idle_p99: Duration,
    pub last_probe: Duration,
    /// The scan started over at a newer revision after a compaction.
    pub restarted: bool,
}

/// The pacing rule, apart from the I/O so it can be tested: after each probe, slow
/// down while it is over 2× idle, speed back up once under 1.5×.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pace {
    pub idle_p99: Duration,
    pub delay: Duration,
    pub page: i64,
}

impl Pace {
    pub fn new(idle_p99: Duration) -> Self {
        Pace {
            idle_p99,
            delay: Duration::ZERO,
            page: FIRST_PAGE,
        }
    }

    /// Below a millisecond, scheduling noise would look like load: never react to less.
    fn limit(&self) -> Duration {
        (self.idle_p99 * 2).max(self.idle_p99 + Duration::from_millis(1))
    }

    /// Adjusts after a probe and the page just read (`page_bytes` for `page_keys` keys).
    pub fn after(&mut self, probe: Duration, page_keys: u64, page_bytes: u64) {
        if probe > self.limit() {
            self.delay = (self.delay * 2)
                .max(Duration::from_millis(10))
                .max(probe)
                .min(MAX_DELAY);
            self.page = (self.page / 2).max(MIN_PAGE);
            return;
        }
        if probe * 2 < self.limit() * 3 / 2 {
            self.delay /= 2;
            if self.delay < Duration::from_millis(1) {
                self.delay = Duration::ZERO;
            }
        }
        if self.delay.is_zero() && page_keys > 0 {
            // Aim the next page at the byte target from this page's average size.
            let per_key = (page_bytes / page_keys).max(1);
            let want = (TARGET_PAGE_BYTES / per_key) as i64;
            self.page = want.clamp(MIN_PAGE, (self.page * 2).min(MAX_PAGE));
        }
    }
}

/// A key every reader of `prefix` may read, far from the scan's pages in cost: the
/// prefix itself (one key, no range), or `/` for the whole keyspace.
fn probe_key(prefix: &[u8]) -> Vec<u8> {
    if prefix.is_empty() {
        b"/".to_vec()
    } else {
        prefix.to_vec()
    }
}

/// How long a one-key read took, and the revision it saw.
async fn probe(c: &EndpointClient, key: &[u8]) -> Result<(Duration, i64), EtcdError> {
    let key = key.to_vec();
    let started = Instant::now();
    let resp = c
        .call(|cl| async move {
            cl.kv_client()
                .get(key, Some(GetOptions::new().with_keys_only()))
                .await
        })
        .await?;
    Ok((started.elapsed(), resp.header().map_or(0, |h| h.revision())))
}

/// The first endpoint that answers a read of the probe key. A permission error is an
/// answer: a user limited to a prefix may not call `Status`, so that cannot be the test.
pub async fn first_reader(
    spec: &super::ConnectSpec,
    prefix: &[u8],
) -> Result<EndpointClient, EtcdError> {
    let key = probe_key(prefix);
    let mut first_error = None;
    for c in super::connect::connect_all(spec).await? {
        let attempt = match c {
            Ok(c) => match probe(&c, &key).await {
                Ok(_) => Ok(c),
                Err(e) if e.problem == Problem::PermissionDenied => Ok(c),
                Err(e) => Err(e),
            },
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

/// The 99th percentile of a few probes on the idle cluster, and the revision the last
/// one saw: the scan's revision.
pub async fn idle_p99(c: &EndpointClient, prefix: &[u8]) -> Result<(Duration, i64), EtcdError> {
    let key = probe_key(prefix);
    let mut samples = Vec::with_capacity(IDLE_SAMPLES);
    let mut revision = 0;
    for _ in 0..IDLE_SAMPLES {
        let (took, rev) = probe(c, &key).await?;
        samples.push(took);
        revision = rev;
    }
    samples.sort();
    let at = (samples.len() * 99).div_ceil(100).saturating_sub(1);
    Ok((samples[at.min(samples.len() - 1)], revision))
}

/// Scans `prefix` and groups it `depth` levels deep. A compaction of the pinned revision
/// during the scan restarts it once at a newer revision; a second one is an error.
/// Dropping the future cancels the scan.
pub async fn du_scan(
    c: &EndpointClient,
    prefix: &[u8],
    depth: usize,
    mut progress: impl FnMut(&DuProgress),
) -> Result<DuReport, EtcdError> {
    let (idle, mut revision) = idle_p99(c, prefix).await?;
    let mut restarted = false;
    loop {
        let mut pace = Pace::new(idle);
        let p = DuProgress {
            idle_p99: idle,
            revision,
            restarted,
            ..DuProgress::default()
        };
        match scan_once(c, prefix, depth, &mut pace, p, &mut progress).await {
            Err(e) if e.problem == Problem::Compacted && !restarted => {
                restarted = true;
                revision = probe(c, &probe_key(prefix)).await?.1;
            }
            Err(e) if e.problem == Problem::Compacted => {
                return Err(EtcdError::new(
                    Problem::Compacted,
                    Some(&c.endpoint),
                    "the cluster was compacted past the scan's revision twice while it ran; \
                     run du again when compaction is quieter",
                ));
            }
            other => return other,
        }
    }
}

async fn scan_once(
    c: &EndpointClient,
    prefix: &[u8],
    depth: usize,
    pace: &mut Pace,
    mut p: DuProgress,
    progress: &mut impl FnMut(&DuProgress),
) -> Result<DuReport, EtcdError> {
    let end = prefix_end(prefix).unwrap_or_else(|| vec![0]);
    let from = if prefix.is_empty() {
        vec![0]
    } else {
        prefix.to_vec()
    };
    let mut agg = Aggregator::new(prefix, depth);
    if let Some(reader) = RangeReader::open(c, from.clone(), end.clone(), p.revision, false).await?
    {
        let streamed = stream_scan(c, prefix, reader, &mut agg, pace, &mut p, progress).await?;
        if streamed {
            return Ok(agg.finish(p.revision, live(c)));
        }
        // The member said with its first message that it has no RangeStream.
        agg = Aggregator::new(prefix, depth);
    }
    let key = probe_key(prefix);
    let mut pager = Pager::new(from, end, p.revision, false);
    loop {
        let resp = pager.step(c, pace.page).await?;
        let mut page_bytes = 0;
        for kv in resp.kvs() {
            agg.live(kv.key(), kv.value().len() as u64);
            page_bytes += (kv.key().len() + kv.value().len()) as u64;
        }
        let page_keys = resp.kvs().len() as u64;
        drop(resp);
        p.keys += page_keys;
        p.bytes += page_bytes;
        p.pages += 1;
        p.page = pace.page;
        if pager.done() {
            progress(&p);
            return Ok(agg.finish(p.revision, live(c)));
        }
        // A sub-range that held nothing was cheap: no need to look at etcd's latency.
        if page_keys > 0 {
            p.last_probe = probe(c, &key).await?.0;
            pace.after(p.last_probe, page_keys, page_bytes);
            p.delay = pace.delay;
        }
        progress(&p);
        if !pace.delay.is_zero() {
            tokio::time::sleep(pace.delay).await;
        }
    }
}

fn live(c: &EndpointClient) -> Source {
    Source::Live {
        endpoint: c.endpoint.clone(),
    }
}

/// Reads the whole stream into `agg`, probing every ~4 MiB and pausing (which holds
/// the stream back) while etcd is slow. `false`: the member has no `RangeStream`.
async fn stream_scan(
    c: &EndpointClient,
    prefix: &[u8],
    mut reader: RangeReader,
    agg: &mut Aggregator,
    pace: &mut Pace,
    p: &mut DuProgress,
    progress: &mut impl FnMut(&DuProgress),
) -> Result<bool, EtcdError> {
    let key = probe_key(prefix);
    let (mut keys_since, mut bytes_since) = (0u64, 0u64);
    loop {
        let chunk = match reader.next().await? {
            None => return Ok(false),
            Some(Chunk::Complete { .. }) => {
                progress(p);
                return Ok(true);
            }
            Some(Chunk::Kvs(chunk)) => chunk,
        };
        let mut chunk_bytes = 0;
        for kv in chunk.kvs() {
            agg.live(kv.key(), kv.value().len() as u64);
            chunk_bytes += (kv.key().len() + kv.value().len()) as u64;
        }
        let chunk_keys = chunk.kvs().len() as u64;
        drop(chunk);
        p.keys += chunk_keys;
        p.bytes += chunk_bytes;
        p.pages += 1;
        p.page = i64::try_from(chunk_keys).unwrap_or(i64::MAX);
        keys_since += chunk_keys;
        bytes_since += chunk_bytes;
        if bytes_since >= PROBE_EVERY_BYTES {
            p.last_probe = probe(c, &key).await?.0;
            pace.after(p.last_probe, keys_since, bytes_since);
            p.delay = pace.delay;
            (keys_since, bytes_since) = (0, 0);
            progress(p);
            // One pause per ~4 MiB read, as between pages of that size.
            if !pace.delay.is_zero() {
                tokio::time::sleep(pace.delay).await;
            }
        } else {
            progress(p);
        }
    }
}

/// What a `Request::Du` reports: progress after each page, then the result once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DuUpdate {
    Progress(DuProgress),
    Finished(Result<DuReport, EtcdError>),
}

/// Serves `Request::Du` on a task of its own: from the snapshot file being browsed (with
/// history and free pages), else by scanning through `client`. `cancelled` firing (or
/// its sender dropped by a new session) stops the scan and sends nothing more.
pub fn serve(
    client: Option<EndpointClient>,
    snapshot: Option<std::sync::Arc<crate::snapfile::SnapshotFile>>,
    (prefix, depth): (Vec<u8>, usize),
    cancelled: tokio::sync::oneshot::Receiver<()>,
    events: tokio::sync::mpsc::Sender<super::Event>,
    (generation, id): (u64, u64),
) {
    let event = move |update| super::Event::Du {
        generation,
        id,
        update,
    };
    tokio::spawn(async move {
        let work = async {
            if let Some(file) = snapshot {
                let counted = tokio::task::spawn_blocking(move || {
                    crate::du::from_snapshot(&file, &prefix, depth)
                })
                .await;
                return counted.map_err(|e| {
                    EtcdError::new(Problem::Other, None, format!("the count stopped: {e}"))
                });
            }
            let Some(c) = client else {
                return Err(EtcdError::new(
                    Problem::Unreachable,
                    None,
                    "not connected to any endpoint",
                ));
            };
            // Progress is dropped rather than awaited when the UI is behind: the next
            // page brings a newer one.
            du_scan(&c, &prefix, depth, |p| {
                let _ = events.try_send(event(DuUpdate::Progress(p.clone())));
            })
            .await
        };
        let result = tokio::select! {
            r = work => r,
            _ = cancelled => return,
        };
        let _ = events.send(event(DuUpdate::Finished(result))).await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slows_down_over_twice_idle_and_recovers() {
        let ms = Duration::from_millis;
        let mut p = Pace::new(ms(4));
        p.after(ms(5), 1000, 1000 * 100);
        assert_eq!(p.delay, Duration::ZERO);
        assert!(p.page > FIRST_PAGE, "fast small pages grow: {p:?}");
        let before = p.page;
        p.after(ms(20), 1000, 1000 * 100);
        assert!(p.delay >= ms(20) && p.page == before / 2, "{p:?}");
        p.after(ms(30), 500, 500 * 100);
        assert!(p.delay >= ms(40), "{p:?}");
        for _ in 0..20 {
            p.after(ms(4), 500, 500 * 100);
        }
        assert_eq!(p.delay, Duration::ZERO);
    }

    #[test]
    fn big_values_make_small_pages() {
        let mut p = Pace::new(Duration::from_millis(1));
        p.after(Duration::from_micros(500), 1000, 1000 * (1 << 20));
        assert_eq!(p.page, MIN_PAGE);
    }
}
