//! Checks read from the members' metrics: disk latency, leader changes, failed
//! proposals.

use super::*;

pub(super) fn metrics_of(f: &Facts) -> Vec<(&MemberFacts, &crate::metrics::MemberMetrics)> {
    up(f)
        .filter_map(|m| m.metrics.as_ref().ok().map(|x| (m, x)))
        .collect()
}

pub(super) fn no_metrics(f: &Facts) -> String {
    let why: Vec<String> = f
        .members
        .iter()
        .filter_map(|m| m.metrics.as_ref().err().map(|e| format!("{}: {e}", m.name)))
        .collect();
    if why.is_empty() {
        "no member answered".into()
    } else {
        format!("no /metrics: {}", why.join("; "))
    }
}

pub(super) fn disk(f: &Facts, t: &Thresholds) -> Check {
    let c = check(
        "performance",
        "disk latency",
        "slow fsyncs delay every write and cause missed heartbeats and leader elections",
    )
    .threshold(format!(
        "WAL fsync p99 ≤ {} ms, backend commit p99 ≤ {} ms",
        t.wal_fsync_p99_ms, t.backend_commit_p99_ms
    ))
    .commands(&["curl -s URL/metrics | grep -E 'wal_fsync|backend_commit'"]);
    let ms = |l: &Option<crate::metrics::Latency>| l.as_ref().map(|l| l.seconds * 1000.0);
    let all = metrics_of(f);
    let wal = all
        .iter()
        .filter_map(|(m, x)| Some((ms(&x.wal_fsync_p99)?, m.name.as_str())))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let commit = all
        .iter()
        .filter_map(|(m, x)| Some((ms(&x.backend_commit_p99)?, m.name.as_str())))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let (Some(wal), Some(commit)) = (wal, commit) else {
        return c.set(Status::Unknown, no_metrics(f), "");
    };
    let value = format!(
        "WAL fsync p99 {:.1} ms ({}), backend commit p99 {:.1} ms ({})",
        wal.0, wal.1, commit.0, commit.1
    );
    if wal.0 > t.wal_fsync_p99_ms || commit.0 > t.backend_commit_p99_ms {
        c.set(
            Status::Warn,
            value,
            "give etcd a dedicated SSD; check for noisy neighbours on the disk",
        )
    } else {
        c.set(Status::Ok, value, "")
    }
}

pub(super) fn leader_changes(f: &Facts) -> Check {
    let c = check(
        "performance",
        "leader changes",
        "each election stalls writes; frequent ones point at slow disks or a flaky network",
    )
    .threshold("under one an hour")
    .commands(&["curl -s URL/metrics | grep leader_changes_seen_total"]);
    let all = metrics_of(f);
    let worst = all
        .iter()
        .filter_map(|(m, x)| {
            let hours = ((f.now - m.started?) as f64 / 3600.0).max(1.0 / 60.0);
            Some((x.leader_changes?, hours, m.name.as_str()))
        })
        .max_by(|a, b| (a.0 / a.1).total_cmp(&(b.0 / b.1)));
    let Some((n, hours, name)) = worst else {
        return c.set(Status::Unknown, no_metrics(f), "");
    };
    // The first election of a fresh member counts once; only more than that is news.
    let value = format!("{n:.0} on {name} in {hours:.1} h since it started");
    if n > 1.0 && hours >= 1.0 && n / hours >= 1.0 {
        c.set(
            Status::Warn,
            value,
            "look at disk latency and network between members",
        )
    } else {
        c.set(Status::Ok, value, "")
    }
}

pub(super) fn proposals_failed(f: &Facts) -> Check {
    let c = check(
        "performance",
        "failed proposals",
        "failed proposals are writes lost to elections or a lost quorum",
    )
    .threshold("none")
    .commands(&["curl -s URL/metrics | grep proposals_failed_total"]);
    let all = metrics_of(f);
    let worst = all
        .iter()
        .filter_map(|(m, x)| Some((x.proposals_failed?, m.name.as_str())))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match worst {
        None => c.set(Status::Unknown, no_metrics(f), ""),
        Some((n, name)) if n > 0.0 => c.set(
            Status::Warn,
            format!("{n:.0} on {name} since it started"),
            "look for leader changes and members down",
        ),
        Some(_) => c.set(Status::Ok, "none", ""),
    }
}
