//! Per-group rates over 10 s, 1 min and 10 min, from rings of per-second buckets, and
//! the two judgements drawn from them: a storm, and a top writer. Pure: the clock is a
//! number of seconds the caller passes in, so tests drive it by hand.

use std::collections::HashMap;

use super::group::{Batch, Counts, MAX_GROUPS, OTHER};

/// Seconds of history kept per group: the longest window.
pub const HISTORY: usize = 600;
pub const WINDOWS: [u64; 3] = [10, 60, 600];

/// A storm: the 10 s rate is at least this many times the group's 10-minute norm…
pub const STORM_FACTOR: f64 = 10.0;
/// …and at least this many events a second, so a quiet group going from 0.1/s to 1/s
/// is not called a storm…
pub const STORM_MIN_RATE: f64 = 20.0;
/// …and the norm rests on at least this many seconds of watching.
pub const STORM_MIN_HISTORY: u64 = 60;
/// The top writer holds more than this share of the last minute's events…
pub const TOP_SHARE: f64 = 0.5;
/// …at this rate or more.
pub const TOP_MIN_RATE: f64 = 10.0;

/// One group's seconds: slot `s % HISTORY` holds second `s`, if `stamps` says so.
struct Ring {
    stamps: Vec<u64>,
    counts: Vec<Counts>,
}

impl Ring {
    fn new() -> Ring {
        Ring {
            // u64::MAX: a slot no second has written yet.
            stamps: vec![u64::MAX; HISTORY],
            counts: vec![Counts::default(); HISTORY],
        }
    }

    fn add(&mut self, sec: u64, c: &Counts) {
        let i = (sec % HISTORY as u64) as usize;
        if self.stamps[i] != sec {
            self.stamps[i] = sec;
            self.counts[i] = Counts::default();
        }
        self.counts[i].add(c);
    }

    fn at(&self, sec: u64) -> Counts {
        let i = (sec % HISTORY as u64) as usize;
        if self.stamps[i] == sec {
            self.counts[i]
        } else {
            Counts::default()
        }
    }

    /// Sum of the seconds `from..to`.
    fn sum(&self, from: u64, to: u64) -> Counts {
        let mut total = Counts::default();
        for s in from..to {
            total.add(&self.at(s));
        }
        total
    }
}

/// A group's figures for the view.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub group: String,
    /// Events a second over 10 s, 1 min, 10 min (whole seconds watched so far, if fewer).
    pub events: [f64; 3],
    /// Key plus value bytes a second of the puts, same windows.
    pub bytes: [f64; 3],
    /// Puts and deletes over the last minute.
    pub minute: Counts,
    /// Events per second over the last 60 seconds, oldest first.
    pub spark: Vec<u64>,
    /// The 10-minute norm the storm is judged against, when there is one.
    pub storm: Option<f64>,
    /// Events in the second in progress: breaks ties in the first second watched,
    /// before any whole second has a rate.
    pub current: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TopWriter {
    pub group: String,
    /// Share of the last minute's events.
    pub share: f64,
    pub rate: f64,
}

pub struct Rates {
    rings: HashMap<String, Ring>,
    /// The first second anything was counted in; rates before it would be diluted.
    first: Option<u64>,
    now: u64,
    pub cap: usize,
    pub total_events: u64,
}

impl Default for Rates {
    fn default() -> Self {
        Rates {
            rings: HashMap::new(),
            first: None,
            now: 0,
            cap: MAX_GROUPS,
            total_events: 0,
        }
    }
}

impl Rates {
    /// Starts the clock at `sec`: quiet seconds from here on count as zero.
    pub fn start(&mut self, sec: u64) {
        self.first.get_or_insert(sec);
        self.now = self.now.max(sec);
    }

    /// Adds a batch as having happened in second `sec`.
    pub fn add(&mut self, sec: u64, batch: &Batch) {
        self.start(sec);
        for (name, c) in &batch.groups {
            self.total_events += c.events();
            let key = if self.rings.contains_key(name) || self.rings.len() < self.cap {
                name.clone()
            } else {
                OTHER.to_string()
            };
            self.rings.entry(key).or_insert_with(Ring::new).add(sec, c);
        }
    }

    /// Moves the clock; groups silent for the whole long window give their slot back.
    pub fn tick(&mut self, sec: u64) {
        self.now = self.now.max(sec);
        let now = self.now;
        let from = now.saturating_sub(HISTORY as u64);
        self.rings.retain(|_, r| {
            r.stamps
                .iter()
                .any(|&s| s != u64::MAX && s >= from && s <= now)
        });
    }

    pub fn groups(&self) -> usize {
        self.rings.len()
    }

    /// Whole seconds watched, up to `limit`.
    fn watched(&self, limit: u64) -> u64 {
        self.first
            .map_or(0, |f| self.now.saturating_sub(f))
            .min(limit)
    }

    fn row(&self, name: &str, r: &Ring) -> Row {
        let now = self.now;
        let mut events = [0.0; 3];
        let mut bytes = [0.0; 3];
        for (i, w) in WINDOWS.iter().enumerate() {
            // Only whole seconds: the one in progress would drag every rate down.
            let n = self.watched(*w);
            if n == 0 {
                continue;
            }
            let c = r.sum(now - n, now);
            events[i] = c.events() as f64 / n as f64;
            bytes[i] = c.bytes as f64 / n as f64;
        }
        let minute = r.sum(now.saturating_sub(self.watched(60)), now);
        let spark = (now.saturating_sub(60)..now)
            .map(|s| r.at(s).events())
            .collect();
        Row {
            group: name.to_string(),
            events,
            bytes,
            minute,
            spark,
            storm: self.storm(r, events[0]),
            current: r.at(now).events(),
        }
    }

    /// The norm, if the last 10 s are a storm against it: the rate over the long
    /// window before those 10 s (so the storm does not raise its own bar).
    fn storm(&self, r: &Ring, rate10: f64) -> Option<f64> {
        let watched = self.watched(HISTORY as u64);
        if watched < STORM_MIN_HISTORY || rate10 < STORM_MIN_RATE {
            return None;
        }
        let before = watched - WINDOWS[0];
        let end = self.now - WINDOWS[0];
        let norm = r.sum(end - before, end).events() as f64 / before as f64;
        (rate10 >= STORM_FACTOR * norm).then_some(norm)
    }

    /// Every group, busiest over the last 10 s first.
    pub fn ranked(&self) -> Vec<Row> {
        let mut rows: Vec<Row> = self.rings.iter().map(|(n, r)| self.row(n, r)).collect();
        rows.sort_by(|a, b| {
            b.events[0]
                .total_cmp(&a.events[0])
                .then(b.events[1].total_cmp(&a.events[1]))
                .then(b.current.cmp(&a.current))
                .then(a.group.cmp(&b.group))
        });
        rows
    }

    /// The group holding most of the last minute's events, if one does.
    pub fn top_writer(&self) -> Option<TopWriter> {
        let n = self.watched(60);
        if n == 0 {
            return None;
        }
        let from = self.now - n;
        let per: Vec<(&String, u64)> = self
            .rings
            .iter()
            .map(|(g, r)| (g, r.sum(from, self.now).events()))
            .collect();
        let total: u64 = per.iter().map(|(_, e)| e).sum();
        let (group, events) = per
            .into_iter()
            .max_by_key(|(g, e)| (*e, std::cmp::Reverse(*g)))?;
        let share = events as f64 / total.max(1) as f64;
        let rate = events as f64 / n as f64;
        (share > TOP_SHARE && rate >= TOP_MIN_RATE && group != OTHER).then(|| TopWriter {
            group: group.clone(),
            share,
            rate,
        })
    }
}

#[cfg(test)]
#[path = "rates_tests.rs"]
mod tests;
