//! Storage checks: quota, fragmentation, alarms, compaction.

use super::*;

pub(super) fn quota(f: &Facts, t: &Thresholds) -> Check {
    let c = check(
        "storage",
        "DB size vs quota",
        "at the quota etcd raises NOSPACE and refuses every write",
    )
    .threshold(format!(
        "warn at {:.0} %, fail at {:.0} %",
        t.quota_warn_percent, t.quota_fail_percent
    ))
    .commands(&["etcdctl endpoint status --cluster -w table"]);
    let worst = up(f)
        .filter_map(|m| {
            let quota = m.quota.filter(|q| *q > 0)?;
            Some((m.db_size? as f64 * 100.0 / quota as f64, m))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let Some((pct, m)) = worst else {
        return c.set(
            Status::Unknown,
            "no member reported its DB size and quota",
            "",
        );
    };
    let value = format!(
        "{:.0} % on {} ({:.1} MiB of {:.1} MiB{})",
        pct,
        m.name,
        m.db_size.unwrap_or(0) as f64 / MIB,
        m.quota.unwrap_or(0) as f64 / MIB,
        m.quota_source
            .map(|s| format!(", quota {}", s.label()))
            .unwrap_or_default()
    );
    let next = "compact and defragment, or raise --quota-backend-bytes (at most 8 GiB advised)";
    if pct >= t.quota_fail_percent {
        c.set(Status::Fail, value, next)
    } else if pct >= t.quota_warn_percent {
        c.set(Status::Warn, value, next)
    } else {
        c.set(Status::Ok, value, "")
    }
}

pub(super) fn fragmentation(f: &Facts, t: &Thresholds) -> Check {
    let c = check(
        "storage",
        "fragmentation",
        "space freed by compaction stays in the DB file until a defrag gives it back",
    )
    .threshold(format!(
        "warn above {:.0} % reclaimable (and at least 1 MiB)",
        t.fragmentation_percent
    ))
    .commands(&[
        "etcdctl endpoint status --cluster -w json   # dbSize vs dbSizeInUse",
        "etcdctl defrag --endpoints=URL",
    ]);
    let worst = up(f)
        .filter_map(|m| {
            let (size, used) = (m.db_size?, m.db_in_use?);
            (size > 0).then(|| ((size - used) as f64 * 100.0 / size as f64, size - used, m))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let Some((pct, free, m)) = worst else {
        return c.set(
            Status::Unknown,
            "no member reported its DB size in use (etcd 3.4+ does)",
            "",
        );
    };
    let value = format!(
        "{:.0} % of {}'s DB file is free space ({:.1} MiB)",
        pct,
        m.name,
        free as f64 / MIB
    );
    if pct > t.fragmentation_percent && free as f64 >= MIB {
        c.set(
            Status::Warn,
            value,
            "defragment, one member at a time, the leader last (F in the Cluster view)",
        )
    } else {
        c.set(Status::Ok, value, "")
    }
}

pub(super) fn alarms(f: &Facts) -> Check {
    let c = check(
        "storage",
        "alarms",
        "NOSPACE stops all writes; CORRUPT means members disagree on data",
    )
    .threshold("none raised")
    .commands(&["etcdctl alarm list"]);
    match &f.alarms {
        Err(e) => c.set(Status::Unknown, format!("could not list alarms: {e}"), ""),
        Ok(a) if a.is_empty() => c.set(Status::Ok, "none", ""),
        Ok(a) => {
            let list: Vec<String> = a.iter().map(|(m, k)| format!("{k} on {m}")).collect();
            c.set(
                Status::Fail,
                list.join(", "),
                "free space (compact, defrag), then disarm (A in the Cluster view)",
            )
        }
    }
}

pub(super) fn compaction(f: &Facts, t: &Thresholds) -> Check {
    let c = check(
        "storage",
        "compaction",
        "history is kept until compacted; without compaction the DB only grows",
    )
    .threshold(format!(
        "warn above {} revisions since the last compaction",
        t.revisions_since_compaction
    ))
    .commands(&[
        "etcdctl endpoint status -w json   # header.revision",
        "etcdctl compaction REV",
    ]);
    let Some(compacted) = up(f).filter_map(|m| m.compact_revision).max() else {
        return c.set(
            Status::Unknown,
            "no member exposes its compacted revision in /metrics",
            "",
        );
    };
    let (since, what) = if compacted < 0 {
        (f.revision, "never compacted".to_string())
    } else {
        (f.revision - compacted, format!("compacted at {compacted}"))
    };
    let value = format!("{since} revisions since: {what} (now {})", f.revision);
    if since > t.revisions_since_compaction {
        c.set(
            Status::Warn,
            value,
            "compact (C in the Cluster view), or enable --auto-compaction-retention",
        )
    } else {
        c.set(Status::Ok, value, "")
    }
}
