//! Where the database is heading: growth (a least-squares line through the session's
//! DB size samples), time to the quota at that rate, and what a defragmentation would
//! give back (dbSize − dbSizeInUse, which etcd 3.4+ reports in `status`). Pure.
//!
//! "Compaction to revision R would free ~X" needs the bytes held by old revisions,
//! which only a snapshot analysis measures; live, etcd reports no such figure, so no
//! such sentence is made here.

use std::time::Duration;

use super::facts::Facts;
use super::rules::{check, up};
use super::{Check, Status};

const MIB: i64 = 1024 * 1024;
/// A defragmentation is worth suggesting above this share of the file being free…
pub const DEFRAG_SHARE: f64 = 0.5;
/// …and this many bytes.
pub const DEFRAG_MIN: i64 = 100 * MIB;
/// Warn when the quota is this close at the current rate.
pub const QUOTA_WARN: Duration = Duration::from_secs(7 * 86_400);
/// Samples spanning less than this give no rate: a DB file grows in steps.
pub const MIN_SPAN: Duration = Duration::from_secs(30);

/// Bytes per second by least squares over `(seconds, bytes)`; `None` with fewer than
/// two samples or a span under [`MIN_SPAN`].
pub fn growth(samples: &[(f64, f64)]) -> Option<f64> {
    let n = samples.len() as f64;
    let (first, last) = (samples.first()?.0, samples.last()?.0);
    if samples.len() < 2 || last - first < MIN_SPAN.as_secs_f64() {
        return None;
    }
    let mx = samples.iter().map(|s| s.0).sum::<f64>() / n;
    let my = samples.iter().map(|s| s.1).sum::<f64>() / n;
    let sxx: f64 = samples.iter().map(|s| (s.0 - mx).powi(2)).sum();
    let sxy: f64 = samples.iter().map(|s| (s.0 - mx) * (s.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// How long until `size` reaches `quota` growing `per_sec`; `None` when not growing.
/// Zero when already there.
pub fn time_to_quota(size: i64, quota: i64, per_sec: f64) -> Option<Duration> {
    if size >= quota {
        return Some(Duration::ZERO);
    }
    if per_sec <= 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(
        ((quota - size) as f64 / per_sec).min(1e12),
    ))
}

/// What a defragmentation would free, if the member reported its size in use.
pub fn defrag_free(db_size: Option<i64>, in_use: Option<i64>) -> Option<i64> {
    let (size, used) = (db_size?, in_use?);
    (size > 0 && used >= 0).then(|| (size - used).max(0))
}

/// Whether a defragmentation is worth suggesting.
pub fn defrag_worth_it(db_size: i64, free: i64) -> bool {
    db_size > 0 && free as f64 > DEFRAG_SHARE * db_size as f64 && free > DEFRAG_MIN
}

/// "3 d 4 h", "5 h 10 min", "12 min".
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s >= 86_400 => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
        s if s >= 3600 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s => format!("{} min", s.div_ceil(60)),
    }
}

pub fn mib(b: i64) -> String {
    format!("{:.1} MiB", b as f64 / MIB as f64)
}

/// `etcdtui check`'s forecast: what defragmenting each member would free, and the
/// time to quota when a growth rate is known (`growth`: bytes/s per member name,
/// which only a session sampling the DB size over time has).
pub fn check_forecast(f: &Facts, growth: &[(String, f64)]) -> Check {
    let c = check(
        "storage",
        "forecast",
        "a DB that reaches its quota stops every write; free pages count against it until a defrag",
    )
    .threshold(format!(
        "warn when the quota is under {} away at the current rate, or a defrag would free over {:.0} % and {}",
        human(QUOTA_WARN),
        DEFRAG_SHARE * 100.0,
        mib(DEFRAG_MIN)
    ))
    .commands(&[
        "etcdctl endpoint status --cluster -w json   # dbSize, dbSizeInUse",
        "etcdctl defrag --endpoints=URL",
    ]);
    let mut parts = Vec::new();
    let mut warn = Vec::new();
    for m in up(f) {
        if let Some(free) = defrag_free(m.db_size, m.db_in_use) {
            let size = m.db_size.unwrap_or(0);
            parts.push(format!(
                "defragmentation of {} would free {} of {}",
                m.name,
                mib(free),
                mib(size)
            ));
            if defrag_worth_it(size, free) {
                warn.push(format!("defragment {}", m.name));
            }
        }
        let rate = growth.iter().find(|(n, _)| *n == m.name).map(|g| g.1);
        if let (Some(rate), Some(size), Some(quota)) = (rate, m.db_size, m.quota) {
            match time_to_quota(size, quota, rate) {
                Some(t) => {
                    parts.push(format!(
                        "{} grows {}/h: quota in {}",
                        m.name,
                        mib((rate * 3600.0) as i64),
                        human(t)
                    ));
                    if t < QUOTA_WARN {
                        warn.push(format!("{} reaches its quota in {}", m.name, human(t)));
                    }
                }
                None => parts.push(format!("{} is not growing", m.name)),
            }
        }
    }
    if parts.is_empty() {
        return c.set(
            Status::Unknown,
            "no member reported its DB size in use (etcd 3.4+ does)",
            "",
        );
    }
    if growth.is_empty() {
        parts.push("growth: needs DB sizes sampled over time (the Cluster view does)".into());
    }
    let value = parts.join("; ");
    if warn.is_empty() {
        c.set(Status::Ok, value, "")
    } else {
        c.set(
            Status::Warn,
            value,
            format!(
                "{}: one member at a time, the leader last (f in the Cluster view)",
                warn.join(", ")
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_the_least_squares_slope() {
        let s: Vec<(f64, f64)> = (0..10)
            .map(|i| (i as f64 * 10.0, 1000.0 + 50.0 * i as f64))
            .collect();
        assert_eq!(growth(&s), Some(5.0));
        // Noise around the line does not move the slope much.
        let noisy: Vec<(f64, f64)> = s
            .iter()
            .enumerate()
            .map(|(i, (t, b))| (*t, b + if i % 2 == 0 { 20.0 } else { -20.0 }))
            .collect();
        let g = growth(&noisy).unwrap();
        assert!((g - 5.0).abs() < 0.5, "{g}");
    }

    #[test]
    fn too_few_or_too_close_samples_give_no_rate() {
        assert_eq!(growth(&[]), None);
        assert_eq!(growth(&[(0.0, 1.0)]), None);
        assert_eq!(growth(&[(0.0, 1.0), (10.0, 100.0)]), None);
    }

    #[test]
    fn time_to_quota_at_the_rate() {
        let gib = 1 << 30;
        let t = time_to_quota(gib, 2 * gib, gib as f64 / 3600.0).unwrap();
        assert_eq!(t, Duration::from_secs(3600));
        assert_eq!(time_to_quota(gib, 2 * gib, 0.0), None);
        assert_eq!(time_to_quota(gib, 2 * gib, -5.0), None);
        assert_eq!(time_to_quota(3 * gib, 2 * gib, 1.0), Some(Duration::ZERO));
        assert_eq!(human(Duration::from_secs(3 * 86_400 + 4 * 3600)), "3 d 4 h");
        assert_eq!(human(Duration::from_secs(61)), "2 min");
    }

    #[test]
    fn defrag_is_suggested_above_half_and_100_mib() {
        assert_eq!(
            defrag_free(Some(300 * MIB), Some(100 * MIB)),
            Some(200 * MIB)
        );
        assert_eq!(defrag_free(Some(300 * MIB), None), None);
        assert!(defrag_worth_it(300 * MIB, 200 * MIB));
        assert!(
            !defrag_worth_it(150 * MIB, 90 * MIB),
            "60 % but under 100 MiB"
        );
        assert!(
            !defrag_worth_it(1000 * MIB, 400 * MIB),
            "400 MiB but under half"
        );
    }

    #[test]
    fn the_check_warns_on_a_near_quota_or_a_worthwhile_defrag() {
        let mut f = Facts::unmeasured();
        let mut m = crate::checks::MemberFacts {
            name: "m1".into(),
            down: None,
            version: Some("3.6.0".into()),
            db_size: Some(300 * MIB),
            db_in_use: Some(290 * MIB),
            quota: Some(2048 * MIB),
            quota_source: None,
            since_36: None,
            metrics: Err("not scraped".into()),
            compact_revision: Some(-1),
            started: None,
        };
        f.members = vec![m.clone()];
        let c = check_forecast(&f, &[]);
        assert_eq!(c.status, Status::Ok, "{c:?}");
        assert!(c.value.contains("would free 10.0 MiB"), "{}", c.value);
        // Growing 100 MiB an hour with 1.7 GiB to go: under a day.
        let c = check_forecast(&f, &[("m1".into(), 100.0 * MIB as f64 / 3600.0)]);
        assert_eq!(c.status, Status::Warn, "{c:?}");
        assert!(
            c.next.contains("m1 reaches its quota in 17 h"),
            "{}",
            c.next
        );
        m.db_in_use = Some(50 * MIB);
        f.members = vec![m];
        let c = check_forecast(&f, &[]);
        assert_eq!(c.status, Status::Warn);
        assert!(c.next.contains("defragment m1"), "{}", c.next);
    }
}
