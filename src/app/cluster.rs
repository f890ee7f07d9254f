//! State of the Cluster view: the latest snapshot of every member, an event log of what
//! changed between snapshots, and metrics series per member for the sparklines.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::etcd::EtcdError;
use crate::etcd::cluster::{ClusterSnapshot, Health};
use crate::etcd::cluster_ops::{ClusterAnswer, ClusterOp};
use crate::metrics::{MemberMetrics, Scrape, parse, summarize};

use super::Effect;

pub const REFRESH: Duration = Duration::from_secs(2);
/// Points kept per sparkline: two minutes at the refresh rate.
pub const SERIES: usize = 60;
const LOG: usize = 200;

#[derive(Clone, Debug, Default)]
pub struct Series {
    pub db_size: VecDeque<u64>,
    pub committed: VecDeque<u64>,
    pub wal_p99_us: VecDeque<u64>,
}

fn push(q: &mut VecDeque<u64>, v: u64) {
    if q.len() == SERIES {
        q.pop_front();
    }
    q.push_back(v);
}

#[derive(Default)]
pub struct ClusterState {
    pub snapshot: Option<ClusterSnapshot>,
    pub error: Option<EtcdError>,
    pub cursor: usize,
    /// `(when, what)`, newest last.
    pub log: VecDeque<(Instant, String)>,
    pub metrics: HashMap<u64, (Scrape, MemberMetrics)>,
    pub metrics_errors: HashMap<u64, String>,
    pub series: HashMap<u64, Series>,
    pub active: bool,
    /// `--quota-bytes` or the context's `quota_bytes`; etcd's own answer wins.
    pub quota: Option<i64>,
    /// `None`: every [`REFRESH`].
    pub interval: Option<Duration>,
    last_asked: Option<Instant>,
    pending: HashMap<u64, ()>,
    next_id: u64,
}

impl ClusterState {
    fn request(&mut self, op: ClusterOp) -> Effect {
        self.next_id += 1;
        self.pending.insert(self.next_id, ());
        Effect::Cluster {
            id: self.next_id,
            op,
        }
    }

    pub fn is_idle(&self) -> bool {
        self.pending.is_empty()
    }

    pub fn selected(&self) -> Option<&crate::etcd::cluster::MemberStatus> {
        self.snapshot.as_ref()?.members.get(self.cursor)
    }

    /// The quota `m` runs with and how we know it (see [`crate::metrics::choose_quota`]).
    pub fn quota_for(&self, m: &crate::etcd::cluster::MemberStatus) -> crate::metrics::Quota {
        let scraped = self
            .metrics
            .get(&m.id)
            .and_then(|(_, mm)| mm.quota_backend_bytes);
        crate::metrics::choose_quota(m.quota, scraped, self.quota)
    }

    fn note(&mut self, now: Instant, what: String) {
        if self.log.len() == LOG {
            self.log.pop_front();
        }
        self.log.push_back((now, what));
    }
}

/// Called on every tick: refreshes every two seconds once the view has been opened,
/// so the event log keeps recording while the user looks elsewhere.
pub fn tick(c: &mut ClusterState, now: Instant, connected: bool) -> Vec<Effect> {
    if !c.active || !connected || !c.pending.is_empty() {
        return Vec::new();
    }
    let every = c.interval.unwrap_or(REFRESH);
    if c.last_asked
        .is_some_and(|t| now.saturating_duration_since(t) < every)
    {
        return Vec::new();
    }
    c.last_asked = Some(now);
    vec![c.request(ClusterOp::Status)]
}

/// `r`: now, whatever the timer says.
pub fn refresh(c: &mut ClusterState, now: Instant) -> Vec<Effect> {
    c.active = true;
    c.last_asked = None;
    tick(c, now, true)
}

pub fn step(c: &mut ClusterState, delta: isize) {
    let n = c.snapshot.as_ref().map(|s| s.members.len()).unwrap_or(0);
    c.cursor = c
        .cursor
        .saturating_add_signed(delta)
        .min(n.saturating_sub(1));
}

fn name_of(s: &ClusterSnapshot, id: u64) -> String {
    match s.member(id) {
        Some(m) if !m.name.is_empty() => m.name.clone(),
        _ => format!("{id:x}"),
    }
}

/// What changed between two snapshots, in words for the log.
fn changes(old: &ClusterSnapshot, new: &ClusterSnapshot) -> Vec<String> {
    let mut out = Vec::new();
    if old.leader != new.leader {
        out.push(match (old.leader, new.leader) {
            (_, Some(l)) => format!("leader is now {}", name_of(new, l)),
            (Some(l), None) => format!("no leader (was {})", name_of(old, l)),
            (None, None) => String::new(),
        });
    }
    let term = |s: &ClusterSnapshot| s.leader.and_then(|l| s.member(l)).and_then(|m| m.raft_term);
    if let (Some(a), Some(b)) = (term(old), term(new))
        && a != b
    {
        out.push(format!("raft term {a} → {b}"));
    }
    for m in &new.members {
        let name = name_of(new, m.id);
        let Some(was) = old.member(m.id).map(|o| &o.health) else {
            out.push(format!("member {name} added"));
            continue;
        };
        if std::mem::discriminant(was) == std::mem::discriminant(&m.health) {
            continue;
        }
        out.push(match &m.health {
            Health::Up => format!("{name} is back"),
            Health::Unreachable(e) => format!("{name} is down ({})", e.headline()),
            Health::CutOff(why) => format!("{name} is cut off from its peers ({why})"),
            Health::Unhealthy(why) => format!("{name} is unhealthy ({why})"),
            Health::NotPermitted => format!("{name}: status not permitted"),
            Health::NotStarted => format!("{name} is down (not started)"),
        });
    }
    for m in &old.members {
        if new.member(m.id).is_none() {
            out.push(format!("member {} removed", name_of(old, m.id)));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// A removed member's metrics must not linger: one re-added on the same URLs gets a
/// new ID, and its history starts afresh.
fn forget_removed(c: &mut ClusterState, snap: &ClusterSnapshot) {
    let listed = |id: &u64| snap.member(*id).is_some();
    c.metrics.retain(|id, _| listed(id));
    c.metrics_errors.retain(|id, _| listed(id));
    c.series.retain(|id, _| listed(id));
}

pub fn on_answer(
    c: &mut ClusterState,
    id: u64,
    result: Result<ClusterAnswer, EtcdError>,
    now: Instant,
) -> Vec<Effect> {
    if c.pending.remove(&id).is_none() {
        return Vec::new();
    }
    match result {
        Ok(ClusterAnswer::Status(snap)) => {
            let mut snap = *snap;
            // Stable rows in name order: member_list's order is by ID, meaningless here.
            snap.members
                .sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            match &c.snapshot {
                Some(old) => {
                    for what in changes(old, &snap) {
                        c.note(now, what);
                    }
                }
                None => {
                    let leader = snap
                        .leader
                        .map(|l| name_of(&snap, l))
                        .unwrap_or_else(|| "none".into());
                    c.note(
                        now,
                        format!("{} members, leader {leader}", snap.members.len()),
                    );
                }
            }
            let targets: Vec<(u64, String)> = snap
                .members
                .iter()
                .filter(|m| !matches!(m.health, Health::Unreachable(_) | Health::NotStarted))
                .filter_map(|m| m.client_urls.first().map(|u| (m.id, u.clone())))
                .collect();
            c.cursor = c.cursor.min(snap.members.len().saturating_sub(1));
            forget_removed(c, &snap);
            c.snapshot = Some(snap);
            c.error = None;
            if targets.is_empty() {
                return Vec::new();
            }
            vec![c.request(ClusterOp::Metrics { targets })]
        }
        Ok(ClusterAnswer::Metrics(all)) => {
            for (member, text) in all {
                match text {
                    Ok(text) => {
                        c.metrics_errors.remove(&member);
                        let scrape = parse(&text);
                        let prev = c.metrics.get(&member).map(|(s, _)| s);
                        let summary = summarize(prev, &scrape);
                        let s = c.series.entry(member).or_default();
                        if let Some(v) = summary.db_total_size {
                            push(&mut s.db_size, v as u64);
                        }
                        if let Some(v) = summary.proposals_committed_delta {
                            push(&mut s.committed, v as u64);
                        }
                        if let Some(l) = &summary.wal_fsync_p99 {
                            push(&mut s.wal_p99_us, (l.seconds * 1e6) as u64);
                        }
                        c.metrics.insert(member, (scrape, summary));
                    }
                    Err(e) => {
                        c.metrics_errors.insert(member, e.to_string());
                    }
                }
            }
            Vec::new()
        }
        Err(e) => {
            c.note(now, format!("refresh failed: {}", e.headline()));
            c.error = Some(e);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etcd::cluster::MemberStatus;

    fn member(id: u64, up: bool) -> MemberStatus {
        MemberStatus {
            id,
            name: format!("m{id}"),
            peer_urls: Vec::new(),
            client_urls: vec![format!("http://127.0.0.1:{id}")],
            is_learner: false,
            health: if up {
                Health::Up
            } else {
                Health::Unreachable(EtcdError::new(
                    crate::etcd::Problem::Unreachable,
                    None,
                    "refused",
                ))
            },
            version: None,
            db_size: None,
            db_size_in_use: None,
            leader: Some(1),
            raft_term: Some(2),
            raft_index: None,
            raft_applied_index: None,
            errors: Vec::new(),
            quota: None,
            rtt: None,
            since_36: None,
            probes: Default::default(),
        }
    }

    fn snap(members: Vec<MemberStatus>, leader: Option<u64>) -> ClusterSnapshot {
        ClusterSnapshot {
            members,
            leader,
            alarms: Vec::new(),
            alarms_error: None,
            cluster_id: 1,
            revision: 1,
            member_list_from: String::new(),
        }
    }

    #[test]
    fn logs_leader_changes_and_members_going_down_and_back() {
        let a = snap(
            vec![member(1, true), member(2, true), member(3, true)],
            Some(1),
        );
        let b = snap(
            vec![member(1, false), member(2, true), member(3, true)],
            Some(2),
        );
        let log = changes(&a, &b);
        assert!(log.contains(&"leader is now m2".to_string()), "{log:?}");
        assert!(log.iter().any(|l| l.starts_with("m1 is down")), "{log:?}");
        let log = changes(&b, &a);
        assert!(log.contains(&"m1 is back".to_string()), "{log:?}");
        let c = snap(vec![member(1, true), member(2, true)], Some(1));
        assert!(changes(&a, &c).contains(&"member m3 removed".to_string()));
    }

    #[test]
    fn a_removed_members_metrics_and_errors_are_forgotten() {
        let mut c = ClusterState::default();
        let now = Instant::now();
        for id in [1, 3] {
            c.metrics_errors.insert(id, "refused".into());
            c.series.insert(id, Series::default());
        }
        c.pending.insert(7, ());
        let two = snap(vec![member(1, true), member(2, true)], Some(1));
        on_answer(&mut c, 7, Ok(ClusterAnswer::Status(Box::new(two))), now);
        assert_eq!(c.metrics_errors.keys().collect::<Vec<_>>(), vec![&1]);
        assert_eq!(c.series.keys().collect::<Vec<_>>(), vec![&1]);
    }

    #[test]
    fn refreshes_every_two_seconds_only_once_opened() {
        let mut c = ClusterState::default();
        let t0 = Instant::now();
        assert!(tick(&mut c, t0, true).is_empty(), "not opened yet");
        c.active = true;
        assert_eq!(tick(&mut c, t0, true).len(), 1);
        c.pending.clear();
        assert!(tick(&mut c, t0 + Duration::from_secs(1), true).is_empty());
        assert_eq!(tick(&mut c, t0 + Duration::from_secs(2), true).len(), 1);
        c.pending.clear();
        assert!(
            tick(&mut c, t0 + Duration::from_secs(9), false).is_empty(),
            "not while disconnected"
        );
    }
}
