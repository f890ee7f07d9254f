//! Which `--quota-backend-bytes` a member runs with, and how we know: etcd 3.6+ says so
//! in `status` (`dbSizeQuota`), every version since 3.4 in `/metrics`; before either
//! answers, the user's `--quota-bytes`, else etcd's default. The source is shown next
//! to the number, so a guess never passes for a measurement.

/// etcd's default `--quota-backend-bytes`: 2 GiB.
pub const DEFAULT_QUOTA: i64 = 2 * 1024 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaSource {
    /// `dbSizeQuota` in the member's `status` (3.6+).
    Status,
    /// `etcd_server_quota_backend_bytes` on the member's `/metrics`.
    Metrics,
    /// `--quota-bytes` or the context's `quota_bytes`.
    Configured,
    /// Nothing said: etcd's default, assumed.
    Default,
}

impl QuotaSource {
    pub fn label(self) -> &'static str {
        match self {
            QuotaSource::Status => "from etcd status",
            QuotaSource::Metrics => "from /metrics",
            QuotaSource::Configured => "as configured here",
            QuotaSource::Default => "etcd's default, assumed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub bytes: i64,
    pub source: QuotaSource,
}

/// What etcd says wins over what we were told, which wins over the default.
pub fn choose_quota(status: Option<i64>, metrics: Option<f64>, configured: Option<i64>) -> Quota {
    let positive = |q: i64| (q > 0).then_some(q);
    let (bytes, source) = if let Some(q) = status.and_then(positive) {
        (q, QuotaSource::Status)
    } else if let Some(q) = metrics.map(|q| q as i64).and_then(positive) {
        (q, QuotaSource::Metrics)
    } else if let Some(q) = configured.and_then(positive) {
        (q, QuotaSource::Configured)
    } else {
        (DEFAULT_QUOTA, QuotaSource::Default)
    };
    Quota { bytes, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etcd_itself_wins_then_metrics_then_the_user_then_the_default() {
        let gib = 1 << 30;
        let q = choose_quota(Some(8 * gib), Some(4.0 * gib as f64), Some(gib));
        assert_eq!((q.bytes, q.source), (8 * gib, QuotaSource::Status));
        // 3.4 and 3.5 send 0 in status.
        let q = choose_quota(Some(0), Some(4.0 * gib as f64), Some(gib));
        assert_eq!((q.bytes, q.source), (4 * gib, QuotaSource::Metrics));
        let q = choose_quota(None, None, Some(gib));
        assert_eq!((q.bytes, q.source), (gib, QuotaSource::Configured));
        let q = choose_quota(None, None, None);
        assert_eq!((q.bytes, q.source), (DEFAULT_QUOTA, QuotaSource::Default));
    }
}
