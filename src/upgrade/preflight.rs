//! The pre-flight checks of an upgrade step, each ok, warn or fail with the reason:
//! member health, alarms, learners, a recent snapshot, quota headroom, the guide's
//! minimum patch, the v2 store (before 3.6), and the kubeadm manifest's flags.

use crate::etcd::cluster::{ClusterSnapshot, Health};

use super::plan::{BACKUP_MAX_AGE, Input, PreCheck, Status, name, version_of};
use super::rules::{self, Step};
use super::version::Version;

fn check(name: &'static str, status: Status, reason: impl Into<String>) -> PreCheck {
    PreCheck {
        name,
        status,
        reason: reason.into(),
    }
}

pub(super) fn checks(i: &Input, step: &Step, oldest: Version, target: Version) -> Vec<PreCheck> {
    let s = i.snapshot;
    let mut out = Vec::new();
    let unhealthy: Vec<String> = s
        .members
        .iter()
        .filter(|m| m.health != Health::Up)
        .map(|m| format!("{} ({})", name(m), health_words(&m.health)))
        .collect();
    let restarting = s
        .members
        .iter()
        .filter(|m| m.health != Health::Up)
        .all(|m| i.restarting.as_deref() == Some(name(m).as_str()));
    out.push(if unhealthy.is_empty() {
        check(
            "members healthy",
            Status::Ok,
            format!("{}/{} up", s.members.len(), s.members.len()),
        )
    } else if restarting {
        check(
            "members healthy",
            Status::Warn,
            format!("{}: being restarted", unhealthy.join(", ")),
        )
    } else {
        check("members healthy", Status::Fail, unhealthy.join(", "))
    });
    out.push(match (&s.alarms_error, s.alarms.is_empty()) {
        (Some(e), _) => check(
            "no alarms",
            Status::Warn,
            format!("unknown: {}", e.headline()),
        ),
        (None, true) => check("no alarms", Status::Ok, "none raised"),
        (None, false) => check(
            "no alarms",
            Status::Fail,
            s.alarms
                .iter()
                .map(|(id, a)| format!("{a} on {id:x}"))
                .collect::<Vec<_>>()
                .join(", ")
                + ": resolve and disarm first",
        ),
    });
    let learners: Vec<String> = s
        .members
        .iter()
        .filter(|m| m.is_learner)
        .map(name)
        .collect();
    out.push(if learners.is_empty() {
        check("no learner", Status::Ok, "all members vote")
    } else {
        check(
            "no learner",
            Status::Fail,
            format!("{}: promote or remove it first", learners.join(", ")),
        )
    });
    out.push(backup(i));
    out.push(quota(i));
    out.push(min_patch(s, step, oldest));
    if step.v2store_check {
        out.push(v2store(i));
    }
    out.push(flags(i, target));
    if let Some(caveat) = step.caveat {
        // What the guide warns of and etcdtui cannot measure: said, for a person to judge.
        out.push(check("guide says", Status::Warn, caveat));
    }
    out
}

pub(super) fn health_words(h: &Health) -> String {
    match h {
        Health::Up => "up".into(),
        Health::Unhealthy(why) => format!("unhealthy: {why}"),
        Health::CutOff(why) => format!("cut off: {why}"),
        Health::NotPermitted => "status not permitted".into(),
        Health::Unreachable(e) => format!("down: {}", e.headline()),
        Health::NotStarted => "not started".into(),
    }
}

fn backup(i: &Input) -> PreCheck {
    let dir = i.backups.dir.display();
    match &i.backups.newest {
        Err(e) => check(
            "recent snapshot",
            Status::Warn,
            format!("cannot read {dir}: {e}"),
        ),
        Ok(None) => check(
            "recent snapshot",
            Status::Warn,
            format!("none yet: s saves one (looked in {dir})"),
        ),
        Ok(Some((file, t))) => {
            let age = i.now.saturating_sub(*t);
            if age <= BACKUP_MAX_AGE {
                check(
                    "recent snapshot",
                    Status::Ok,
                    format!("{file}, {} min old", age / 60),
                )
            } else {
                check(
                    "recent snapshot",
                    Status::Warn,
                    format!("{} h old: s saves a new one ({file})", age / 3600),
                )
            }
        }
    }
}

fn quota(i: &Input) -> PreCheck {
    let worst = i
        .snapshot
        .members
        .iter()
        .filter_map(|m| {
            let q = (i.quota)(m);
            let size = m.db_size?;
            (q > 0).then(|| (size as f64 / q as f64, name(m), size, q))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let Some((ratio, who, size, q)) = worst else {
        return check(
            "quota headroom",
            Status::Warn,
            "no member reported its db size",
        );
    };
    let pct = (ratio * 100.0).round();
    let words = format!(
        "fullest {who}: {} of {} ({pct}%)",
        crate::text::human_size(size as usize),
        crate::text::human_size(q as usize)
    );
    match ratio {
        r if r >= 0.8 => check(
            "quota headroom",
            Status::Fail,
            words + ": compact and defragment first",
        ),
        r if r >= 0.6 => check("quota headroom", Status::Warn, words),
        _ => check("quota headroom", Status::Ok, words),
    }
}

fn min_patch(s: &ClusterSnapshot, step: &Step, oldest: Version) -> PreCheck {
    let Some(min) = step.min_patch else {
        return check(
            "minimum patch",
            Status::Ok,
            format!(
                "any {} patch (no minimum in the guide)",
                oldest.minor_name()
            ),
        );
    };
    let behind: Vec<String> = s
        .members
        .iter()
        .filter_map(|m| Some((m, version_of(m)?)))
        .filter(|(_, v)| v.line() == step.from && v.patch < min)
        .map(|(m, v)| format!("{} runs {v}", name(m)))
        .collect();
    let wanted = format!("{}.{}.{min}", step.from.0, step.from.1);
    if behind.is_empty() {
        check(
            "minimum patch",
            Status::Ok,
            format!("all at {wanted} or later"),
        )
    } else {
        check(
            "minimum patch",
            Status::Fail,
            format!("{}: {}", behind.join(", "), step.why),
        )
    }
}

fn v2store(i: &Input) -> PreCheck {
    let enabled = match &i.manifest {
        Some(Ok(flags)) => flags.iter().any(|f| f == "enable-v2"),
        _ => false,
    };
    if enabled {
        return check(
            "v2 store",
            Status::Fail,
            "the manifest sets --enable-v2: run `etcdutl check v2store` on every member, clean \
             what it finds, then remove --enable-v2",
        );
    }
    check(
        "v2 store",
        Status::Warn,
        "run `etcdutl check v2store` (3.5.32+) on each member: 3.6 has no v2 store, it must \
         find no custom content",
    )
}

fn flags(i: &Input, target: Version) -> PreCheck {
    let flags = match &i.manifest {
        None => {
            return check(
                "manifest flags",
                Status::Warn,
                "no kubeadm manifest here: check each member's flags",
            );
        }
        Some(Err(e)) => return check("manifest flags", Status::Warn, format!("unreadable: {e}")),
        Some(Ok(f)) => f,
    };
    let verdicts = rules::flag_verdicts(flags.iter().map(String::as_str), target);
    if verdicts.is_empty() {
        return check(
            "manifest flags",
            Status::Ok,
            format!("none renamed or removed by {}", target.minor_name()),
        );
    }
    let removed = verdicts.iter().any(|v| v.removed);
    let list: Vec<String> = verdicts.iter().map(|v| v.describe()).collect();
    check(
        "manifest flags",
        if removed { Status::Fail } else { Status::Warn },
        format!(
            "{} {}: {}",
            target.minor_name(),
            if removed { "refuses" } else { "deprecates" },
            list.join(", ")
        ),
    )
}
