//! State of the Watch view: one tab per watch, each with a bounded ring of events, a
//! per-second rate, follow and pause, a filter, and optional recording to a file.

use std::collections::VecDeque;
use std::time::{Instant, SystemTime};

use crate::etcd::watch::{EventKind, WatchEvent, WatchSpec, WatchUpdate};

use super::Effect;

pub const DEFAULT_CAPACITY: usize = 10_000;
/// Seconds of rate history for the sparkline.
pub const RATE_SECONDS: usize = 120;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TabState {
    Starting,
    Live {
        endpoint: String,
    },
    Reconnecting {
        error: String,
        resume_from: i64,
    },
    Compacted {
        requested: i64,
        compact_revision: i64,
    },
    Cancelled {
        reason: String,
    },
}

#[derive(Clone, Debug)]
pub struct Row {
    pub at: SystemTime,
    pub ev: WatchEvent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindFilter {
    All,
    Puts,
    Deletes,
}

pub struct Tab {
    pub id: u64,
    pub spec: WatchSpec,
    pub state: TabState,
    pub events: VecDeque<Row>,
    pub capacity: usize,
    /// Events pushed out of the ring by newer ones.
    pub dropped: u64,
    pub total: u64,
    pub follow: bool,
    /// While paused the display stays put; events are still collected.
    pub paused: Option<u64>,
    pub cursor: usize,
    pub filter: String,
    pub editing_filter: bool,
    pub kinds: KindFilter,
    /// Events per second, oldest first; the last entry is the second in progress.
    pub rate: VecDeque<u64>,
    rate_second: Option<Instant>,
    pub record: Option<std::path::PathBuf>,
    pub last_revision: i64,
}

impl Tab {
    fn new(id: u64, spec: WatchSpec, capacity: usize) -> Tab {
        Tab {
            id,
            spec,
            state: TabState::Starting,
            events: VecDeque::new(),
            capacity,
            dropped: 0,
            total: 0,
            follow: true,
            paused: None,
            cursor: 0,
            filter: String::new(),
            editing_filter: false,
            kinds: KindFilter::All,
            rate: VecDeque::new(),
            rate_second: None,
            record: None,
            last_revision: 0,
        }
    }

    pub fn title(&self) -> String {
        let k = crate::text::bytes(&self.spec.key);
        if self.spec.prefix { format!("{k}*") } else { k }
    }

    fn matches(&self, r: &Row) -> bool {
        let kind_ok = match self.kinds {
            KindFilter::All => true,
            KindFilter::Puts => r.ev.kind == EventKind::Put,
            KindFilter::Deletes => r.ev.kind == EventKind::Delete,
        };
        kind_ok && (self.filter.is_empty() || crate::text::bytes(&r.ev.key).contains(&self.filter))
    }

    /// The rows shown, as indices into `events`: filtered, and frozen while paused.
    pub fn visible(&self) -> Vec<usize> {
        let upto = match self.paused {
            // Events that arrived after the pause are held back from the display.
            Some(at) => self.events.len().saturating_sub((self.total - at) as usize),
            None => self.events.len(),
        };
        (0..upto)
            .filter(|&i| self.matches(&self.events[i]))
            .collect()
    }

    pub fn held_back(&self) -> u64 {
        self.paused.map(|at| self.total - at).unwrap_or(0)
    }

    fn count_rate(&mut self, now: Instant, n: u64) {
        match self.rate_second {
            Some(start) if now.saturating_duration_since(start).as_secs() < 1 => {
                if let Some(last) = self.rate.back_mut() {
                    *last += n;
                }
            }
            _ => {
                // Seconds without events count as zero, not as nothing.
                let gap = self
                    .rate_second
                    .map(|s| now.saturating_duration_since(s).as_secs().saturating_sub(1))
                    .unwrap_or(0)
                    .min(RATE_SECONDS as u64);
                for _ in 0..gap {
                    self.rate.push_back(0);
                }
                self.rate.push_back(n);
                self.rate_second = Some(now);
            }
        }
        while self.rate.len() > RATE_SECONDS {
            self.rate.pop_front();
        }
    }

    /// Events per second over the last full seconds.
    pub fn per_second(&self) -> f64 {
        let full: Vec<u64> = self.rate.iter().rev().skip(1).take(10).copied().collect();
        if full.is_empty() {
            return self.rate.back().copied().unwrap_or(0) as f64;
        }
        full.iter().sum::<u64>() as f64 / full.len() as f64
    }
}

#[derive(Default)]
pub struct WatchState {
    pub tabs: Vec<Tab>,
    pub active: usize,
    next_id: u64,
    pub capacity: Option<usize>,
    pub notice: Option<String>,
    /// The user's key permissions, once learnt: a watch on what it may not read is
    /// refused in place, and one on the whole keyspace becomes one on what it may read.
    pub perms: Option<crate::etcd::permissions::Permissions>,
    /// Previous values read on demand for the diff (the watch asks etcd for none).
    pub prev: super::watch_prev::Prevs,
}

/// Takes the user's permissions from the session.
pub fn permitted(w: &mut WatchState, perms: Option<&crate::etcd::permissions::Permissions>) {
    w.perms = perms.cloned();
}

/// What a refused watch says, in place of its events.
fn not_permitted(key: &[u8]) -> String {
    let key = if key.is_empty() {
        "the whole keyspace".to_string()
    } else {
        crate::text::bytes(key)
    };
    format!("not permitted: this user may not watch {key}")
}

impl WatchState {
    pub fn tab(&self) -> Option<&Tab> {
        self.tabs.get(self.active)
    }

    pub fn tab_mut(&mut self) -> Option<&mut Tab> {
        self.tabs.get_mut(self.active)
    }
}

pub fn start(w: &mut WatchState, mut spec: WatchSpec) -> Vec<Effect> {
    let mut refused = None;
    if let Some(p) = &w.perms {
        let allowed = if spec.prefix {
            p.can_read_prefix(&spec.key)
        } else {
            p.can_read(&spec.key)
        };
        // A watch on everything (or on a prefix above what the user may read) is
        // refused by etcd: watch the first permitted part under it instead.
        let narrower = p.entries().and_then(|es| {
            es.into_iter()
                .map(|e| e.key().to_vec())
                .find(|k| k.starts_with(&spec.key) && p.can_read_prefix(k))
        });
        match narrower {
            Some(k) if !allowed && spec.prefix => spec.key = k,
            _ if !allowed => refused = Some(not_permitted(&spec.key)),
            _ => {}
        }
    }
    w.next_id += 1;
    let id = w.next_id;
    let cap = w.capacity.unwrap_or(DEFAULT_CAPACITY);
    let mut tab = Tab::new(id, spec.clone(), cap);
    w.active = w.tabs.len();
    if let Some(reason) = refused {
        tab.state = TabState::Cancelled { reason };
        w.tabs.push(tab);
        return Vec::new();
    }
    w.tabs.push(tab);
    vec![Effect::WatchStart { id, spec }]
}

pub fn close(w: &mut WatchState) -> Vec<Effect> {
    if w.tabs.is_empty() {
        return Vec::new();
    }
    let tab = w.tabs.remove(w.active);
    w.active = w.active.min(w.tabs.len().saturating_sub(1));
    vec![Effect::WatchStop { id: tab.id }]
}

/// A batch of updates from one watch: the whole batch is applied before the next
/// frame, which is what keeps a flood of events from stalling the screen.
pub fn on_updates(
    w: &mut WatchState,
    id: u64,
    updates: Vec<WatchUpdate>,
    now: Instant,
    wall: SystemTime,
) -> Vec<Effect> {
    let Some(tab) = w.tabs.iter_mut().find(|t| t.id == id) else {
        return Vec::new();
    };
    let mut recorded = Vec::new();
    for u in updates {
        match u {
            WatchUpdate::Live { endpoint, .. } => tab.state = TabState::Live { endpoint },
            WatchUpdate::Reconnecting {
                error, resume_from, ..
            } => {
                tab.state = TabState::Reconnecting {
                    error: error.to_string(),
                    resume_from,
                }
            }
            WatchUpdate::Compacted {
                requested,
                compact_revision,
            } => {
                tab.state = TabState::Compacted {
                    requested,
                    compact_revision,
                }
            }
            WatchUpdate::Cancelled { reason } => {
                // etcd cancels a watch the user may not read with "permission denied".
                let reason = if reason.contains("permission denied") {
                    not_permitted(&tab.spec.key)
                } else {
                    reason
                };
                tab.state = TabState::Cancelled { reason }
            }
            WatchUpdate::Events(evs) => {
                tab.count_rate(now, evs.len() as u64);
                for ev in evs {
                    tab.last_revision = ev.mod_revision;
                    if tab.record.is_some() {
                        recorded.push(record_line(&ev, wall));
                    }
                    if tab.events.len() == tab.capacity {
                        tab.events.pop_front();
                        tab.dropped += 1;
                        tab.cursor = tab.cursor.saturating_sub(1);
                    }
                    tab.events.push_back(Row { at: wall, ev });
                    tab.total += 1;
                }
            }
        }
    }
    if tab.follow && tab.paused.is_none() {
        // Without filters every row is visible: no need to scan 10,000 rows per batch.
        let unfiltered = tab.filter.is_empty() && tab.kinds == KindFilter::All;
        let visible = if unfiltered {
            tab.events.len()
        } else {
            tab.visible().len()
        };
        tab.cursor = visible.saturating_sub(1);
    }
    match (&tab.record, recorded.is_empty()) {
        (Some(path), false) => vec![Effect::AppendLines {
            path: path.clone(),
            lines: recorded,
        }],
        _ => Vec::new(),
    }
}

/// One JSON line per event, for a postmortem: what, when, and the bytes in base64.
pub fn record_line(ev: &WatchEvent, wall: SystemTime) -> String {
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let ms = wall
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let line = serde_json::json!({
        "time_ms": ms as u64,
        "revision": ev.mod_revision,
        "type": if ev.kind == EventKind::Put { "PUT" } else { "DELETE" },
        "key": b64(&ev.key),
        "value": b64(&ev.value),
        "prev_value": ev.prev_value.as_deref().map(b64),
        "version": ev.version,
        "lease": ev.lease,
    });
    line.to_string()
}

pub fn step(w: &mut WatchState, delta: isize) {
    if let Some(t) = w.tab_mut() {
        let n = t.visible().len();
        t.cursor = t
            .cursor
            .saturating_add_signed(delta)
            .min(n.saturating_sub(1));
        // Moving up means reading history: stop following.
        t.follow = t.cursor + 1 >= n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(rev: i64, key: &str) -> WatchEvent {
        WatchEvent {
            kind: EventKind::Put,
            key: key.as_bytes().to_vec(),
            value: b"v".to_vec(),
            prev_value: None,
            mod_revision: rev,
            create_revision: rev,
            version: 1,
            lease: 0,
        }
    }

    fn state(cap: usize) -> WatchState {
        let mut w = WatchState {
            capacity: Some(cap),
            ..Default::default()
        };
        start(
            &mut w,
            WatchSpec {
                key: b"/a/".to_vec(),
                prefix: true,
                start_revision: None,
                prev_kv: true,
            },
        );
        w
    }

    #[test]
    fn the_ring_keeps_the_newest_and_counts_what_it_dropped() {
        let mut w = state(3);
        let now = Instant::now();
        let batch = (1..=5).map(|r| ev(r, &format!("/a/{r}"))).collect();
        on_updates(
            &mut w,
            1,
            vec![WatchUpdate::Events(batch)],
            now,
            SystemTime::now(),
        );
        let t = w.tab().unwrap();
        assert_eq!(t.events.len(), 3);
        assert_eq!(t.dropped, 2);
        assert_eq!(t.total, 5);
        assert_eq!(t.events.front().map(|r| r.ev.mod_revision), Some(3));
        assert_eq!(t.cursor, 2, "follow keeps the newest selected");
    }

    #[test]
    fn pause_freezes_the_display_and_counts_what_arrived() {
        let mut w = state(100);
        let now = Instant::now();
        on_updates(
            &mut w,
            1,
            vec![WatchUpdate::Events(vec![ev(1, "/a/1")])],
            now,
            SystemTime::now(),
        );
        w.tab_mut().unwrap().paused = Some(1);
        on_updates(
            &mut w,
            1,
            vec![WatchUpdate::Events(vec![ev(2, "/a/2"), ev(3, "/a/3")])],
            now,
            SystemTime::now(),
        );
        let t = w.tab().unwrap();
        assert_eq!(t.visible().len(), 1);
        assert_eq!(t.held_back(), 2);
    }

    #[test]
    fn filter_by_key_substring_and_kind() {
        let mut w = state(100);
        let mut d = ev(3, "/a/gone");
        d.kind = EventKind::Delete;
        on_updates(
            &mut w,
            1,
            vec![WatchUpdate::Events(vec![ev(1, "/a/x"), ev(2, "/a/y"), d])],
            Instant::now(),
            SystemTime::now(),
        );
        let t = w.tab_mut().unwrap();
        t.filter = "y".into();
        assert_eq!(t.visible(), vec![1]);
        t.filter.clear();
        t.kinds = KindFilter::Deletes;
        assert_eq!(t.visible(), vec![2]);
    }

    #[test]
    fn rate_counts_per_second_with_zeros_for_quiet_seconds() {
        let mut w = state(100);
        let t0 = Instant::now();
        let batch = |n: i64| WatchUpdate::Events((0..n).map(|r| ev(r, "/a/k")).collect());
        on_updates(&mut w, 1, vec![batch(10)], t0, SystemTime::now());
        on_updates(
            &mut w,
            1,
            vec![batch(5)],
            t0 + std::time::Duration::from_millis(500),
            SystemTime::now(),
        );
        on_updates(
            &mut w,
            1,
            vec![batch(2)],
            t0 + std::time::Duration::from_secs(3),
            SystemTime::now(),
        );
        let rate: Vec<u64> = w.tab().unwrap().rate.iter().copied().collect();
        assert_eq!(rate, vec![15, 0, 0, 2]);
    }

    #[test]
    fn record_lines_are_json_with_base64_bytes() {
        let line = record_line(&ev(7, "/a/\u{1b}"), SystemTime::UNIX_EPOCH);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["revision"], 7);
        assert_eq!(v["type"], "PUT");
        assert_eq!(v["key"], "L2EvGw==");
    }
}
