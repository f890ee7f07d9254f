//! The handful of etcd metrics the Cluster view shows per member, from one scrape or
//! the difference between two.

use super::{FeatureGate, Histogram, Latency, Scrape, feature_gates};

pub const WAL_FSYNC: &str = "etcd_disk_wal_fsync_duration_seconds";
pub const BACKEND_COMMIT: &str = "etcd_disk_backend_commit_duration_seconds";
pub const PROPOSALS_COMMITTED: &str = "etcd_server_proposals_committed_total";
pub const PROPOSALS_APPLIED: &str = "etcd_server_proposals_applied_total";
pub const PROPOSALS_PENDING: &str = "etcd_server_proposals_pending";
pub const PROPOSALS_FAILED: &str = "etcd_server_proposals_failed_total";
pub const LEADER_CHANGES: &str = "etcd_server_leader_changes_seen_total";
pub const HAS_LEADER: &str = "etcd_server_has_leader";
pub const IS_LEADER: &str = "etcd_server_is_leader";
pub const QUOTA: &str = "etcd_server_quota_backend_bytes";
/// 3.4 exposes both names, 3.5 to 3.7 only the first, older ones only the `debugging` one.
pub const DB_TOTAL_SIZE: [&str; 2] = [
    "etcd_mvcc_db_total_size_in_bytes",
    "etcd_debugging_mvcc_db_total_size_in_bytes",
];
pub const DB_IN_USE: [&str; 1] = ["etcd_mvcc_db_total_size_in_use_in_bytes"];
/// 3.4 to 3.7 only have the `debugging` name; a later one may drop the prefix.
pub const WATCHERS: [&str; 2] = [
    "etcd_mvcc_watcher_total",
    "etcd_debugging_mvcc_watcher_total",
];

/// Every field is `None` when this member's etcd does not expose the metric.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberMetrics {
    /// p99 of WAL fsync: above ~10ms the disk is too slow for etcd.
    pub wal_fsync_p99: Option<Latency>,
    /// p99 of backend (bbolt) commit: above ~25ms the disk is too slow.
    pub backend_commit_p99: Option<Latency>,
    pub proposals_committed: Option<f64>,
    pub proposals_applied: Option<f64>,
    pub proposals_pending: Option<f64>,
    pub proposals_failed: Option<f64>,
    pub leader_changes: Option<f64>,
    pub has_leader: Option<bool>,
    pub is_leader: Option<bool>,
    /// Bytes the database file takes on disk.
    pub db_total_size: Option<f64>,
    /// Bytes of it in use; the rest is reclaimed by a defrag.
    pub db_in_use: Option<f64>,
    pub watchers: Option<f64>,
    /// The `--quota-backend-bytes` in effect.
    pub quota_backend_bytes: Option<f64>,
    /// etcd 3.6+'s feature gates; `None` when the member has none (3.5 and older).
    pub feature_gates: Option<Vec<FeatureGate>>,
    /// Counter increases since the previous scrape; `None` without a previous scrape
    /// or when the member restarted in between (its counters started over).
    pub proposals_committed_delta: Option<f64>,
    pub proposals_failed_delta: Option<f64>,
    pub leader_changes_delta: Option<f64>,
}

/// Summarizes `now`, using `prev` (the member's previous scrape) for interval
/// quantiles and counter deltas.
pub fn summarize(prev: Option<&Scrape>, now: &Scrape) -> MemberMetrics {
    let p99 = |name: &str| {
        let then = prev.and_then(|p| p.histogram(name, &[]));
        now.histogram(name, &[])
            .and_then(|h| Histogram::quantile_over(then.as_ref(), &h, 0.99))
    };
    let counter = |name: &str| now.counter(name, &[]);
    let delta = |name: &str| {
        let (then, now) = (prev?.counter(name, &[])?, now.counter(name, &[])?);
        (now >= then).then_some(now - then)
    };
    let flag = |name: &str| now.gauge(name, &[]).map(|v| v > 0.0);
    MemberMetrics {
        wal_fsync_p99: p99(WAL_FSYNC),
        backend_commit_p99: p99(BACKEND_COMMIT),
        proposals_committed: counter(PROPOSALS_COMMITTED),
        proposals_applied: counter(PROPOSALS_APPLIED),
        proposals_pending: now.gauge(PROPOSALS_PENDING, &[]),
        proposals_failed: counter(PROPOSALS_FAILED),
        leader_changes: counter(LEADER_CHANGES),
        has_leader: flag(HAS_LEADER),
        is_leader: flag(IS_LEADER),
        db_total_size: now.gauge_any(&DB_TOTAL_SIZE),
        db_in_use: now.gauge_any(&DB_IN_USE),
        watchers: now.gauge_any(&WATCHERS),
        quota_backend_bytes: now.gauge(QUOTA, &[]),
        feature_gates: feature_gates(now),
        proposals_committed_delta: delta(PROPOSALS_COMMITTED),
        proposals_failed_delta: delta(PROPOSALS_FAILED),
        leader_changes_delta: delta(LEADER_CHANGES),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Window, parse};
    use super::*;

    #[test]
    fn an_empty_scrape_has_nothing_not_zeros() {
        assert_eq!(summarize(None, &parse("")), MemberMetrics::default());
    }

    #[test]
    fn old_names_are_used_when_new_ones_are_missing() {
        let s = parse(
            "etcd_debugging_mvcc_db_total_size_in_bytes 4096\netcd_debugging_mvcc_watcher_total 3\n",
        );
        let m = summarize(None, &s);
        assert_eq!(m.db_total_size, Some(4096.0));
        assert_eq!(m.watchers, Some(3.0));
        assert_eq!(m.quota_backend_bytes, None);
    }

    #[test]
    fn deltas_need_a_previous_scrape_and_no_restart() {
        let a = parse(
            "etcd_server_proposals_committed_total 100\netcd_server_leader_changes_seen_total 2\n",
        );
        let b = parse(
            "etcd_server_proposals_committed_total 150\netcd_server_leader_changes_seen_total 1\n",
        );
        assert_eq!(summarize(None, &b).proposals_committed_delta, None);
        let m = summarize(Some(&a), &b);
        assert_eq!(m.proposals_committed_delta, Some(50.0));
        assert_eq!(m.leader_changes_delta, None, "went down: restarted");
        assert_eq!(m.proposals_failed_delta, None, "absent on both");
    }

    #[test]
    fn p99_is_over_the_interval_when_there_is_one() {
        let text = |fast: u32, slow: u32| {
            let total = fast + slow;
            format!(
                "{WAL_FSYNC}_bucket{{le=\"0.001\"}} {fast}\n{WAL_FSYNC}_bucket{{le=\"0.512\"}} {total}\n\
                 {WAL_FSYNC}_bucket{{le=\"+Inf\"}} {total}\n{WAL_FSYNC}_sum 1\n{WAL_FSYNC}_count {total}\n"
            )
        };
        let (a, b) = (parse(&text(1000, 0)), parse(&text(1000, 20)));
        let once = summarize(None, &b).wal_fsync_p99.expect("p99");
        assert_eq!(once.window, Window::SinceStart);
        let twice = summarize(Some(&a), &b).wal_fsync_p99.expect("p99");
        assert_eq!(twice.window, Window::Interval);
        assert!(twice.seconds > once.seconds, "{twice:?} vs {once:?}");
        assert_eq!(summarize(Some(&a), &b).backend_commit_p99, None);
    }
}
