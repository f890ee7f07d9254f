//! The session's DB size samples per member, for the forecast: every Cluster view
//! refresh adds one, and the growth rate is the slope over the last half hour.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::checks::forecast::{defrag_free, growth, time_to_quota};

use super::cluster::ClusterState;

/// The window the growth rate is fitted over.
pub const WINDOW: Duration = Duration::from_secs(30 * 60);
const MAX_SAMPLES: usize = 1000;

#[derive(Default)]
pub struct ForecastState {
    samples: HashMap<u64, VecDeque<(Instant, i64)>>,
    origin: Option<Instant>,
}

/// What the Cluster view says about one member.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberForecast {
    pub name: String,
    /// Bytes a second, once the samples span enough time.
    pub growth: Option<f64>,
    pub quota: i64,
    pub db_size: Option<i64>,
    pub to_quota: Option<Duration>,
    pub defrag_free: Option<i64>,
    /// Seconds the growth rate was fitted over.
    pub span: Duration,
}

/// After each Cluster refresh: one sample per member that reported its DB size.
pub fn observe(f: &mut ForecastState, c: &ClusterState, now: Instant) {
    let Some(snap) = &c.snapshot else {
        return;
    };
    f.origin.get_or_insert(now);
    for m in &snap.members {
        let Some(size) = m.db_size else { continue };
        let q = f.samples.entry(m.id).or_default();
        // The metrics answer repeats the status answer's refresh: one sample a refresh.
        if q.back()
            .is_some_and(|(t, _)| now.saturating_duration_since(*t) < Duration::from_secs(1))
        {
            continue;
        }
        q.push_back((now, size));
        while q.len() > MAX_SAMPLES
            || q.front()
                .is_some_and(|(t, _)| now.saturating_duration_since(*t) > WINDOW)
        {
            q.pop_front();
        }
    }
    f.samples.retain(|id, _| snap.member(*id).is_some());
}

/// The forecast for the member selected in the Cluster view.
pub fn selected(f: &ForecastState, c: &ClusterState) -> Option<MemberForecast> {
    let m = c.selected()?;
    let quota = c.quota_for(m).bytes;
    let (rate, span) = match (f.samples.get(&m.id), f.origin) {
        (Some(q), Some(o)) => {
            let pts: Vec<(f64, f64)> = q
                .iter()
                .map(|(t, b)| (t.saturating_duration_since(o).as_secs_f64(), *b as f64))
                .collect();
            let span = match (q.front(), q.back()) {
                (Some(a), Some(b)) => b.0.saturating_duration_since(a.0),
                _ => Duration::ZERO,
            };
            (growth(&pts), span)
        }
        _ => (None, Duration::ZERO),
    };
    let to_quota = match (rate, m.db_size) {
        (Some(r), Some(size)) => time_to_quota(size, quota, r),
        _ => None,
    };
    Some(MemberForecast {
        name: m.name.clone(),
        growth: rate,
        quota,
        db_size: m.db_size,
        to_quota,
        defrag_free: defrag_free(m.db_size, m.db_size_in_use),
        span,
    })
}
