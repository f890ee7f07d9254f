//! `du` against a live cluster: every key and value under a prefix read in pages, all
//! pinned to the revision of the first page (one consistent moment), counted as they
//! stream and dropped. A probe between pages measures etcd's own latency for a one-key
//! read; when it exceeds twice the idle p99 measured before the scan, the scan slows
//! down (longer pauses, smaller pages) until etcd is back near idle.

use std::time::{Duration, Instant};

use etcd_client::GetOptions;

use super::connect::EndpointClient;
use super::errors::{EtcdError, Problem};
use super::keys::MAX_MESSAGE;
use super::skipscan::{key_after, prefix_end};
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

async fn probe(c: &EndpointClient, key: &[u8]) -> Result<Duration, EtcdError> {
    let key = key.to_vec();
    let started = Instant::now();
    c.call(|cl| async move {
        cl.kv_client()
            .get(key, Some(GetOptions::new().with_keys_only()))
            .await
    })
    .await?;
    Ok(started.elapsed())
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

/// The 99th percentile of a few probes on the idle cluster.
pub async fn idle_p99(c: &EndpointClient, prefix: &[u8]) -> Result<Duration, EtcdError> {
    let key = probe_key(prefix);
    let mut samples = Vec::with_capacity(IDLE_SAMPLES);
    for _ in 0..IDLE_SAMPLES {
        samples.push(probe(c, &key).await?);
    }
    samples.sort();
    let at = (samples.len() * 99).div_ceil(100).saturating_sub(1);
    Ok(samples[at.min(samples.len() - 1)])
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
    let idle = idle_p99(c, prefix).await?;
    let mut restarted = false;
    loop {
        let mut pace = Pace::new(idle);
        match scan_once(c, prefix, depth, &mut pace, restarted, &mut progress).await {
            Err(e) if e.problem == Problem::Compacted && !restarted => restarted = true,
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
    restarted: bool,
    progress: &mut impl FnMut(&DuProgress),
) -> Result<DuReport, EtcdError> {
    let end = prefix_end(prefix).unwrap_or_else(|| vec![0]);
    let mut from = if prefix.is_empty() {
        vec![0]
    } else {
        prefix.to_vec()
    };
    let key = probe_key(prefix);
    let mut agg = Aggregator::new(prefix, depth);
    let mut p = DuProgress {
        idle_p99: pace.idle_p99,
        restarted,
        ..DuProgress::default()
    };
    loop {
        let mut opts = GetOptions::new()
            .with_range(end.clone())
            .with_limit(pace.page);
        if p.revision > 0 {
            opts = opts.with_revision(p.revision);
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
        if p.revision == 0 {
            p.revision = resp.header().map_or(0, |h| h.revision());
        }
        let mut page_bytes = 0;
        for kv in resp.kvs() {
            agg.live(kv.key(), kv.value().len() as u64);
            page_bytes += (kv.key().len() + kv.value().len()) as u64;
        }
        let page_keys = resp.kvs().len() as u64;
        p.keys += page_keys;
        p.bytes += page_bytes;
        p.pages += 1;
        p.page = pace.page;
        let next = match (resp.more(), resp.kvs().last()) {
            (true, Some(last)) => Some(key_after(last.key())),
            _ => None,
        };
        drop(resp);
        let Some(next) = next else {
            progress(&p);
            return Ok(agg.finish(
                p.revision,
                Source::Live {
                    endpoint: c.endpoint.clone(),
                },
            ));
        };
        from = next;
        p.last_probe = probe(c, &key).await?;
        pace.after(p.last_probe, page_keys, page_bytes);
        p.delay = pace.delay;
        progress(&p);
        if !pace.delay.is_zero() {
            tokio::time::sleep(pace.delay).await;
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
