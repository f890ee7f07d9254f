//! State of the Churn view: the churn watch's state and the per-group rates it feeds.
//!
//! The churn watch starts when the view is first shown, not with the session: a watch
//! over the whole keyspace makes etcd send every event of the cluster to us, which
//! costs it CPU and bandwidth on a busy cluster, so it runs only once someone has
//! asked to see churn. Once started it keeps running (so the Cluster view's header can
//! name the top writer) until the session changes cluster.

use std::time::Instant;

use crate::churn::{Rates, default_depth};
use crate::etcd::churn_watch::{ChurnSpec, ChurnUpdate};

use super::Effect;

/// Deepest grouping `+` goes to.
pub const MAX_DEPTH: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ChurnConn {
    #[default]
    Off,
    Starting,
    Live {
        endpoint: String,
    },
    Reconnecting {
        error: String,
        resume_from: i64,
    },
    Cancelled {
        reason: String,
    },
}

#[derive(Default)]
pub struct ChurnState {
    /// The running churn watch's id; 0 when none runs.
    pub id: u64,
    next_id: u64,
    pub spec: Option<ChurnSpec>,
    pub conn: ChurnConn,
    pub rates: Rates,
    origin: Option<Instant>,
    /// The newest revision counted.
    pub revision: i64,
    /// Revisions skipped after a compaction, `(from, compacted up to)`, last time.
    pub skipped: Option<(i64, i64)>,
    pub cursor: usize,
}

impl ChurnState {
    pub fn running(&self) -> bool {
        self.id != 0
    }

    fn sec(&self, now: Instant) -> u64 {
        self.origin
            .map_or(0, |o| now.saturating_duration_since(o).as_secs())
    }
}

/// Starts (or restarts) the churn watch on `prefix` at `depth` (default: by the
/// prefix's shape). The history is per grouping, so it starts afresh.
pub fn start(
    c: &mut ChurnState,
    prefix: Vec<u8>,
    depth: Option<usize>,
    now: Instant,
) -> Vec<Effect> {
    let mut effects = stop(c);
    let depth = depth
        .unwrap_or_else(|| default_depth(&prefix))
        .clamp(1, MAX_DEPTH);
    c.next_id += 1;
    c.id = c.next_id;
    let spec = ChurnSpec { prefix, depth };
    c.spec = Some(spec.clone());
    c.conn = ChurnConn::Starting;
    c.rates = Rates::default();
    c.origin = Some(now);
    c.rates.start(0);
    c.revision = 0;
    c.skipped = None;
    c.cursor = 0;
    effects.push(Effect::ChurnStart { id: c.id, spec });
    effects
}

pub fn stop(c: &mut ChurnState) -> Vec<Effect> {
    if c.id == 0 {
        return Vec::new();
    }
    let id = std::mem::take(&mut c.id);
    c.conn = ChurnConn::Off;
    vec![Effect::ChurnStop { id }]
}

/// The view is shown: start watching the whole keyspace if nothing runs yet. A user
/// who may not read everything (etcd would refuse the watch) gets the first prefix
/// its roles let it read instead, as the Watch view does.
pub fn on_show(
    c: &mut ChurnState,
    perms: Option<&crate::etcd::permissions::Permissions>,
    now: Instant,
) -> Vec<Effect> {
    if c.running() {
        return Vec::new();
    }
    let mut prefix = c
        .spec
        .as_ref()
        .map(|s| s.prefix.clone())
        .unwrap_or_default();
    if let Some(p) = perms
        && !p.can_read_prefix(&prefix)
        && let Some(k) = p.entries().and_then(|es| {
            es.into_iter()
                .map(|e| e.key().to_vec())
                .find(|k| k.starts_with(&prefix) && p.can_read_prefix(k))
        })
    {
        prefix = k;
    }
    start(c, prefix, None, now)
}

/// A prefix the user may not read: nothing is sent, the view says why.
pub fn refuse(c: &mut ChurnState, prefix: Vec<u8>) -> Vec<Effect> {
    let what = if prefix.is_empty() {
        "the whole keyspace".to_string()
    } else {
        crate::text::bytes(&prefix)
    };
    c.spec = Some(ChurnSpec {
        depth: default_depth(&prefix),
        prefix,
    });
    c.rates = Rates::default();
    c.conn = ChurnConn::Cancelled {
        reason: format!("not permitted: this user may not watch {what}"),
    };
    Vec::new()
}

/// `+` / `-`: one level deeper or shallower.
pub fn change_depth(c: &mut ChurnState, delta: isize, now: Instant) -> Vec<Effect> {
    let Some(spec) = c.spec.clone() else {
        return Vec::new();
    };
    let depth = spec.depth.saturating_add_signed(delta).clamp(1, MAX_DEPTH);
    if depth == spec.depth {
        return Vec::new();
    }
    start(c, spec.prefix, Some(depth), now)
}

pub fn tick(c: &mut ChurnState, now: Instant) {
    if c.running() {
        let s = c.sec(now);
        c.rates.tick(s);
    }
}

pub fn on_updates(c: &mut ChurnState, id: u64, updates: Vec<ChurnUpdate>, now: Instant) {
    if id != c.id || id == 0 {
        return;
    }
    let sec = c.sec(now);
    for u in updates {
        match u {
            ChurnUpdate::Batch(b) => {
                c.revision = c.revision.max(b.revision);
                c.rates.add(sec, &b);
            }
            ChurnUpdate::Live { endpoint } => c.conn = ChurnConn::Live { endpoint },
            ChurnUpdate::Reconnecting { error, resume_from } => {
                c.conn = ChurnConn::Reconnecting { error, resume_from }
            }
            ChurnUpdate::Skipped { from, to } => c.skipped = Some((from, to)),
            ChurnUpdate::Cancelled { reason } => {
                let what = match c.spec.as_ref().map(|s| s.prefix.as_slice()) {
                    Some(p) if !p.is_empty() => crate::text::bytes(p),
                    _ => "the whole keyspace".to_string(),
                };
                let reason = if reason.contains("permission denied") {
                    format!("not permitted: this user may not watch {what}; try :churn PREFIX")
                } else {
                    reason
                };
                c.conn = ChurnConn::Cancelled { reason };
                c.id = 0;
            }
        }
    }
    c.rates.tick(sec);
}

pub fn step(c: &mut ChurnState, delta: isize) {
    let n = c.rates.groups();
    c.cursor = c
        .cursor
        .saturating_add_signed(delta)
        .min(n.saturating_sub(1));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::churn::{Batch, Counts};
    use std::time::Duration;

    fn batch(g: &str, puts: u64) -> ChurnUpdate {
        let mut b = Batch::default();
        b.groups.insert(
            g.into(),
            Counts {
                puts,
                deletes: 0,
                bytes: puts * 10,
            },
        );
        b.revision = 42;
        ChurnUpdate::Batch(b)
    }

    #[test]
    fn showing_starts_one_watch_and_depth_restarts_it() {
        let t0 = Instant::now();
        let mut c = ChurnState::default();
        let e = on_show(&mut c, None, t0);
        let spec = ChurnSpec {
            prefix: Vec::new(),
            depth: 3,
        };
        assert_eq!(e, vec![Effect::ChurnStart { id: 1, spec }]);
        assert!(on_show(&mut c, None, t0).is_empty(), "already running");
        let e = change_depth(&mut c, -1, t0);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0], Effect::ChurnStop { id: 1 });
        assert_eq!(c.spec.as_ref().map(|s| s.depth), Some(2));
        assert!(change_depth(&mut c, -5, t0).len() == 2);
        assert!(
            change_depth(&mut c, -1, t0).is_empty(),
            "depth 1 is the floor"
        );
    }

    #[test]
    fn batches_of_an_old_watch_are_dropped_and_current_ones_counted() {
        let t0 = Instant::now();
        let mut c = ChurnState::default();
        on_show(&mut c, None, t0);
        on_updates(&mut c, 7, vec![batch("/x/", 5)], t0);
        assert_eq!(c.rates.total_events, 0);
        for s in 0..10 {
            on_updates(
                &mut c,
                1,
                vec![batch("/a/", 20)],
                t0 + Duration::from_secs(s),
            );
        }
        tick(&mut c, t0 + Duration::from_secs(10));
        let rows = c.rates.ranked();
        assert_eq!(rows[0].group, "/a/");
        assert_eq!(rows[0].events[0], 20.0);
        assert_eq!(c.revision, 42);
    }

    #[test]
    fn a_refused_watch_says_not_permitted_and_stops() {
        let t0 = Instant::now();
        let mut c = ChurnState::default();
        on_show(&mut c, None, t0);
        let reason = "etcdserver: permission denied".to_string();
        on_updates(&mut c, 1, vec![ChurnUpdate::Cancelled { reason }], t0);
        assert!(!c.running());
        assert!(
            matches!(&c.conn, ChurnConn::Cancelled { reason } if reason.starts_with("not permitted"))
        );
    }
}
