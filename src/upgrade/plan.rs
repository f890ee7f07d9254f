//! The next allowed step and its pre-flight checks, from what was measured: the members
//! (versions, health, leader, learners), the cluster version, alarms, the newest backup,
//! and the kubeadm manifest's flags. Pure, so every case is a unit test.

use crate::etcd::cluster::{ClusterSnapshot, Health, MemberStatus};

use super::preflight::{checks, health_words};
use super::rules::{self, Step};
use super::version::Version;

/// A snapshot older than this does not count as the backup before an upgrade.
pub const BACKUP_MAX_AGE: i64 = 3600;

/// What the plan is made from. The caller measures; nothing here does I/O.
pub struct Input<'a> {
    pub snapshot: &'a ClusterSnapshot,
    /// From `etcd_cluster_version` in a member's metrics; `None` if unknown.
    pub cluster_version: Option<String>,
    /// `--to`; `None`: the next minor after the oldest member's.
    pub target: Option<Version>,
    /// The backups directory and its newest `*.db` with its modification time.
    pub backups: &'a crate::checks::BackupFacts,
    /// Seconds since the epoch.
    pub now: i64,
    /// The quota each member runs with, by id.
    pub quota: &'a dyn Fn(&MemberStatus) -> i64,
    /// The flags of the kubeadm manifest on this host: `None` when there is none.
    pub manifest: Option<Result<Vec<String>, String>>,
    /// The member the watcher last named for a restart: its being down is expected.
    pub restarting: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PreCheck {
    pub name: &'static str,
    pub status: Status,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MemberLine {
    pub name: String,
    #[serde(serialize_with = "hex")]
    pub id: u64,
    pub version: Option<String>,
    pub storage_version: Option<String>,
    pub leader: bool,
    pub learner: bool,
    pub healthy: bool,
    /// Runs the target's minor line already.
    pub done: bool,
}

fn hex<S: serde::Serializer>(id: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{id:x}"))
}

/// What to do now.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Next {
    /// etcd would refuse the step: the guide's reason.
    Refused { reason: String },
    /// Every member runs the newest line etcdtui knows a step to, or `--to` is reached.
    UpToDate { version: String },
    /// A pre-flight check failed before any member was restarted: fix it first.
    FixFirst { checks: Vec<String> },
    /// A member is down or unhealthy mid-upgrade: wait for it.
    WaitFor { member: String, why: String },
    /// The member to restart next is the leader: move leadership away first.
    MoveLeader { from: String, to: String },
    /// Stop this member and start it with the target binary on the same data dir.
    Restart { member: String, leader: bool },
    /// Every member runs the target; the cluster version follows within seconds.
    WaitClusterVersion { have: String, want: String },
    /// Done: members, cluster version (and storage version, 3.6+) on the target.
    Done { version: String },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    pub members: Vec<MemberLine>,
    pub cluster_version: Option<String>,
    /// The common storage version, `mixed: a, b`, or `None` before 3.6.
    pub storage_version: Option<String>,
    /// The oldest member's version: where the step starts.
    pub from: Option<String>,
    /// The minor line being upgraded to, e.g. `3.6`.
    pub target: Option<String>,
    pub checks: Vec<PreCheck>,
    pub next: Next,
    /// The guide of the step.
    pub guide: Option<&'static str>,
    /// etcdctl (and etcdutl) commands that show or do the same.
    pub commands: Vec<String>,
}

pub fn name(m: &MemberStatus) -> String {
    if m.name.is_empty() {
        format!("{:x}", m.id)
    } else {
        m.name.clone()
    }
}

pub(super) fn version_of(m: &MemberStatus) -> Option<Version> {
    m.version.as_deref().and_then(Version::parse)
}

fn storage_of(m: &MemberStatus) -> Option<String> {
    m.since_36.as_ref()?.storage_version.clone()
}

/// The common storage version of the members that report one.
pub fn storage_version(s: &ClusterSnapshot) -> Option<String> {
    let mut seen: Vec<String> = s.members.iter().filter_map(storage_of).collect();
    seen.sort();
    seen.dedup();
    match seen.len() {
        0 => None,
        1 => seen.pop(),
        _ => Some(format!("mixed: {}", seen.join(", "))),
    }
}

pub fn plan(i: &Input) -> Plan {
    let s = i.snapshot;
    let versions: Vec<Version> = s.members.iter().filter_map(version_of).collect();
    let cluster = i.cluster_version.as_deref().and_then(Version::parse);
    // A member that does not answer may still run the old line: the cluster version
    // (the lowest common one) stands in for it.
    let silent = s.members.iter().any(|m| version_of(m).is_none());
    let oldest = match (versions.iter().min().copied(), cluster) {
        (Some(o), Some(c)) if silent && c.line() < o.line() => Some(c),
        (o, _) => o,
    };
    let newest = versions.iter().max().copied();
    let target = match (i.target, oldest, newest) {
        (Some(t), _, _) => Some(t),
        // Mid-upgrade the newest member shows where the cluster is going...
        (None, Some(o), Some(n)) if n.line() > o.line() => Some(n),
        // ...and after the last restart, the cluster version still has to follow.
        (None, Some(o), _) if cluster.is_some_and(|c| c.line() < o.line()) => Some(o),
        (None, Some(o), _) => rules::step_from(o).map(|st| Version::new(st.to.0, st.to.1, 0)),
        _ => None,
    };
    let members: Vec<MemberLine> = s
        .members
        .iter()
        .map(|m| MemberLine {
            name: name(m),
            id: m.id,
            version: m.version.clone(),
            storage_version: storage_of(m),
            leader: s.leader == Some(m.id),
            learner: m.is_learner,
            healthy: m.health == Health::Up,
            done: match (version_of(m), target) {
                (Some(v), Some(t)) => v.line() >= t.line(),
                _ => false,
            },
        })
        .collect();
    let mut plan = Plan {
        members,
        cluster_version: i.cluster_version.clone(),
        storage_version: storage_version(s),
        from: oldest.map(|o| o.to_string()),
        target: target.map(Version::minor_name),
        checks: Vec::new(),
        next: Next::UpToDate {
            version: oldest.map(|o| o.to_string()).unwrap_or_default(),
        },
        guide: None,
        commands: vec![
            "etcdctl endpoint status --cluster -w table".into(),
            "etcdctl endpoint health --cluster".into(),
        ],
    };
    if let Some(t) = downgrade_target(s) {
        return downgrade(i, plan, t);
    }
    let Some(oldest) = oldest else {
        plan.next = Next::WaitFor {
            member: "every member".into(),
            why: "no member reported its version".into(),
        };
        return plan;
    };
    let Some(target) = target else {
        return plan;
    };
    // A member that does not answer has not reached it as far as anyone knows.
    let reached = s
        .members
        .iter()
        .all(|m| version_of(m).is_some_and(|v| v.line() >= target.line()));
    if reached {
        plan.guide = rules::step_to(target).map(|st| st.guide);
        plan.next = match cluster {
            Some(c) if c.line() < target.line() => Next::WaitClusterVersion {
                have: c.minor_name(),
                want: target.minor_name(),
            },
            _ => Next::Done {
                version: target.minor_name(),
            },
        };
        return plan;
    }
    let step = match rules::check_step(oldest, target) {
        Ok(st) => st,
        Err(reason) => {
            plan.next = Next::Refused { reason };
            return plan;
        }
    };
    plan.guide = Some(step.guide);
    plan.checks = checks(i, step, oldest, target);
    plan.next = next(i, &plan, step.to);
    plan.commands.extend(commands(&plan, step));
    plan
}

/// The downgrade a member reports enabled (etcd 3.6+), if any.
pub fn downgrade_target(s: &ClusterSnapshot) -> Option<Version> {
    s.members.iter().find_map(|m| {
        let d = m.since_36.as_ref()?.downgrade.as_ref()?;
        d.enabled.then(|| Version::parse(&d.target)).flatten()
    })
}

/// An enabled downgrade: the same member-by-member walk, to the older binary.
fn downgrade(i: &Input, mut plan: Plan, t: Version) -> Plan {
    plan.target = Some(t.minor_name());
    plan.guide = match t.line() {
        (3, 6) => Some(rules::DOWNGRADE_3_7),
        (3, 5) => Some(rules::DOWNGRADE_3_6),
        _ => None,
    };
    for m in &mut plan.members {
        m.done = m
            .version
            .as_deref()
            .and_then(Version::parse)
            .is_some_and(|v| v.line() <= t.line());
    }
    let next = next(i, &plan, t.line());
    plan.next = match next {
        // The cluster version drops as soon as the downgrade is enabled.
        Next::Done { .. } | Next::WaitClusterVersion { .. } => Next::Done {
            version: t.minor_name(),
        },
        other => other,
    };
    plan.commands.push(
        "etcdctl downgrade cancel   # to stop; then restart downgraded members on the newer etcd"
            .to_string(),
    );
    plan
}

/// The member to restart next: followers first (by name), the leader last.
fn next(i: &Input, plan: &Plan, to: (u32, u32)) -> Next {
    let s = i.snapshot;
    let started = plan.members.iter().any(|m| m.done);
    let target = format!("{}.{}", to.0, to.1);
    let expected = |m: &MemberStatus| i.restarting.as_deref() == Some(name(m).as_str());
    if let Some(m) = s
        .members
        .iter()
        .find(|m| m.health != Health::Up && expected(m))
    {
        return Next::WaitFor {
            member: name(m),
            why: health_words(&m.health),
        };
    }
    if !started {
        let failed: Vec<String> = plan
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| format!("{}: {}", c.name, c.reason))
            .collect();
        if !failed.is_empty() {
            return Next::FixFirst { checks: failed };
        }
    }
    if let Some(m) = s.members.iter().find(|m| m.health != Health::Up) {
        return Next::WaitFor {
            member: name(m),
            why: health_words(&m.health),
        };
    }
    let mut todo: Vec<&MemberLine> = plan.members.iter().filter(|m| !m.done).collect();
    todo.sort_by_key(|m| (m.leader, m.name.clone()));
    let Some(m) = todo.first() else {
        let have = plan.cluster_version.as_deref().and_then(Version::parse);
        return match have {
            Some(c) if c.line() >= to => Next::Done { version: target },
            Some(c) => Next::WaitClusterVersion {
                have: c.minor_name(),
                want: target,
            },
            None => Next::Done { version: target },
        };
    };
    if m.leader {
        // Hand over to a member already upgraded if there is one: it stays leader.
        let to = plan
            .members
            .iter()
            .filter(|o| !o.leader && !o.learner)
            .max_by_key(|o| (o.done, std::cmp::Reverse(o.name.clone())));
        if let Some(to) = to {
            return Next::MoveLeader {
                from: m.name.clone(),
                to: to.name.clone(),
            };
        }
    }
    Next::Restart {
        member: m.name.clone(),
        leader: m.leader,
    }
}

fn commands(plan: &Plan, step: &Step) -> Vec<String> {
    let mut out = Vec::new();
    match &plan.next {
        Next::MoveLeader { to, .. } => {
            if let Some(id) = plan.members.iter().find(|m| &m.name == to).map(|m| m.id) {
                out.push(format!("etcdctl move-leader {id:x}   # sent to the leader"));
            }
        }
        Next::Restart { .. } if !plan.members.iter().any(|m| m.done) => {
            out.push("etcdctl snapshot save backup.db   # before the first restart".into());
        }
        _ => {}
    }
    if step.v2store_check {
        out.push("etcdutl check v2store --data-dir DIR   # on each member".into());
    }
    out
}

impl Next {
    /// One line for a person.
    pub fn describe(&self) -> String {
        match self {
            Next::Refused { reason } => format!("refused: {reason}"),
            Next::UpToDate { version } => format!("up to date ({version}): no newer step known"),
            Next::FixFirst { checks } => format!("fix first: {}", checks.join("; ")),
            Next::WaitFor { member, why } => {
                format!("waiting for {member} ({why}) to come back healthy")
            }
            Next::MoveLeader { from, to } => {
                format!("{from} leads and is last: move leadership to {to} first (select {to}, L)")
            }
            Next::Restart { member, leader } => format!(
                "next: restart {member}{} on the new etcd, same data dir and flags",
                if *leader { " (the leader)" } else { "" }
            ),
            Next::WaitClusterVersion { have, want } => {
                format!("every member upgraded; waiting for the cluster version {have} → {want}")
            }
            Next::Done { version } => format!("upgrade to {version} complete"),
        }
    }

    /// The member this step is about, if any.
    pub fn member(&self) -> Option<&str> {
        match self {
            Next::WaitFor { member, .. } | Next::Restart { member, .. } => Some(member),
            Next::MoveLeader { from, .. } => Some(from),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
