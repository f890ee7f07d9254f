//! The session's DB size samples per member, for the forecast: every Cluster view
//! refresh adds one, and the growth rate is the slope over the last half hour. Also
//! what the session measured of history (an opened snapshot, a whole-keyspace du) for
//! "compaction to revision R would free ~X".

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::checks::compaction_free::{Estimate, FileBasis, Inputs, LiveDuBasis, estimate};
use crate::checks::forecast::{defrag_free, growth, time_to_quota};
use crate::du::Source;
use crate::etcd::du_scan::DuUpdate;
use crate::etcd::snapkeys::SnapshotSource;

use super::cluster::ClusterState;

/// The window the growth rate is fitted over.
pub const WINDOW: Duration = Duration::from_secs(30 * 60);
const MAX_SAMPLES: usize = 1000;

#[derive(Default)]
pub struct ForecastState {
    samples: HashMap<u64, VecDeque<(Instant, i64)>>,
    origin: Option<Instant>,
    /// The last snapshot file opened in this session (`:open`).
    pub file: Option<FileBasis>,
    /// The last live du of the whole keyspace.
    pub live_du: Option<LiveDuBasis>,
}

/// How the Cluster view says where a measured figure comes from.
pub const HINT: &str =
    "to measure it, press u on / in the Keys view (du) or :open a fresh snapshot";

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
    /// What a compaction would free, and on what basis.
    pub compaction: Estimate,
}

/// A snapshot file was opened: its history is the best basis for the compaction
/// figure once the session is back on the live cluster.
pub fn observe_file(f: &mut ForecastState, s: &SnapshotSource) {
    let taken = match s.modified {
        Some(t) => format!("saved {}", crate::checks::compaction_file::utc_minutes(t)),
        None => "its save time unknown".into(),
    };
    f.file = Some(FileBasis {
        path: s.path.clone(),
        revision: s.revision,
        history_bytes: s.history_bytes,
        history_revisions: s.history_revisions,
        taken,
    });
}

/// A du finished: one of the whole live keyspace bounds the compaction figure.
pub fn observe_du(f: &mut ForecastState, update: &DuUpdate) {
    if let DuUpdate::Finished(Ok(r)) = update
        && r.prefix.is_empty()
        && matches!(r.source, Source::Live { .. })
    {
        f.live_du = Some(LiveDuBasis {
            revision: r.revision,
            live_bytes: r.total.key_bytes + r.total.value_bytes,
        });
    }
}

/// Whether the keyspace is Kubernetes': the tree's top two levels or a du saw
/// `/registry/`. Only those levels: this runs on every draw, and the tree may hold
/// millions of keys.
fn kubernetes(ks: &super::keys::KeysState, du: &super::du::DuState) -> bool {
    let k8s = |k: &[u8]| k.starts_with(b"/registry/") || k == b"/registry";
    let t = &ks.tree;
    let children = |id: usize| t.node(id).children.iter().flatten().copied();
    let top = children(super::keys::ROOT)
        .flat_map(|id| std::iter::once(id).chain(children(id)))
        .take(1000)
        .any(|id| k8s(&t.node(id).key));
    top || du.sizes.keys().take(1000).any(|k| k8s(k))
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
pub fn selected(app: &super::App) -> Option<MemberForecast> {
    let (f, c) = (&app.forecast, &app.cluster);
    let m = c.selected()?;
    let scrape = c.metrics.get(&m.id).map(|(s, _)| s);
    let inputs = Inputs {
        revision: c.snapshot.as_ref().map_or(0, |s| s.revision),
        compacted: scrape
            .and_then(|s| s.gauge("etcd_debugging_mvcc_compact_revision", &[]))
            .map(|v| v as i64),
        in_use: m.db_size_in_use,
        file: f.file.as_ref(),
        live_du: f.live_du,
        kubernetes: kubernetes(&app.keys, &app.du),
        metrics_read: scrape.is_some(),
    };
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
        compaction: estimate(&inputs, HINT),
    })
}
