//! The Cluster view's upgrade panel and the rolling upgrade it watches. Every Cluster
//! refresh re-plans (`upgrade::plan`) from what the view already polls: each member's
//! status and health, the leader's `etcd_cluster_version`, and the storage version and
//! downgrade info of 3.6+. What changed since the last refresh (a member down, back on
//! a new version, the cluster or storage version moving, the next step) is said in the
//! panel's log and written to the audit log.

use std::collections::{HashMap, VecDeque};

use serde_json::json;

use crate::checks::{BackupFacts, Facts};
use crate::upgrade::plan::{self, Input, Next, Plan};
use crate::upgrade::{Version, cli::cluster_version};

use super::{App, Effect};

/// Lines kept in the panel's log.
const LOG: usize = 50;

#[derive(Debug, Default)]
pub struct UpgradeState {
    /// The panel replaces the member details while open.
    pub open: bool,
    /// The line being upgraded (or downgraded) to, remembered once seen: after the last
    /// restart the cluster version still has to follow it.
    pub target: Option<Version>,
    /// The kubeadm manifest's flags, read at start: `None` when there is none.
    pub manifest: Option<Result<Vec<String>, String>>,
    /// The backups directory as the Checks view last measured it.
    pub backups: Option<BackupFacts>,
    pub plan: Option<Plan>,
    /// What was said, newest last.
    pub log: VecDeque<String>,
    /// The member last named for a restart: its going down is expected.
    pub restarting: Option<String>,
    /// The saved snapshot whose file the backups check has been asked to see.
    remeasured: Option<Vec<String>>,
    /// Per member id: version and whether it was up, at the last refresh.
    seen: HashMap<u64, (Option<String>, bool)>,
    cluster_version: Option<String>,
    storage_version: Option<String>,
    downgrade: Option<Version>,
}

/// `U`: opens or closes the panel. Opening measures the backups directory (through
/// the Checks view's run) and refreshes the cluster now.
pub fn toggle(app: &mut App) -> Vec<Effect> {
    app.upgrade.open = !app.upgrade.open;
    if !app.upgrade.open {
        return Vec::new();
    }
    let mut effects = super::checks::run(&mut app.checks);
    effects.extend(super::cluster::refresh(&mut app.cluster, app.now));
    effects.extend(observe(app));
    effects
}

/// The Checks view measured: keep its view of the backups directory.
pub fn on_facts(u: &mut UpgradeState, facts: &Facts) {
    u.backups = Some(facts.backups.clone());
}

/// The leader's cluster version, else any member's.
fn current_cluster_version(app: &App) -> Option<String> {
    let c = &app.cluster;
    let leader = c.snapshot.as_ref().and_then(|s| s.leader);
    leader
        .and_then(|l| c.metrics.get(&l))
        .and_then(|(s, _)| cluster_version(s))
        .or_else(|| c.metrics.values().find_map(|(s, _)| cluster_version(s)))
}

fn unix(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// After every Cluster answer: re-plan and say what changed.
pub fn observe(app: &mut App) -> Vec<Effect> {
    let Some(s) = app.cluster.snapshot.as_ref() else {
        return Vec::new();
    };
    let versions: Vec<Version> = s
        .members
        .iter()
        .filter_map(|m| m.version.as_deref().and_then(Version::parse))
        .collect();
    let (oldest, newest) = (versions.iter().min(), versions.iter().max());
    let downgrade = plan::downgrade_target(s);
    let u = &mut app.upgrade;
    if let Some(d) = downgrade {
        u.target = Some(d);
    } else if let (Some(o), Some(n)) = (oldest, newest)
        && n.line() > o.line()
        && u.target.is_none_or(|t| t.line() < n.line())
    {
        u.target = Some(*n);
    }
    let backups = u.backups.clone().unwrap_or(BackupFacts {
        dir: app.checks.backup_dir.clone(),
        newest: Err("not measured yet".into()),
    });
    let cluster = &app.cluster;
    let quota = |m: &crate::etcd::cluster::MemberStatus| cluster.quota_for(m).bytes;
    let cv = current_cluster_version(app);
    let p = plan::plan(&Input {
        snapshot: s,
        cluster_version: cv.clone(),
        target: app.upgrade.target,
        backups: &backups,
        now: unix(app.wall),
        quota: &quota,
        manifest: app.upgrade.manifest.clone(),
        restarting: app.upgrade.restarting.clone(),
    });
    let notes = changes(app, &p, cv, downgrade);
    let u = &mut app.upgrade;
    if let Next::Restart { member, .. } = &p.next {
        u.restarting = Some(member.clone());
    }
    // Said once; the next refresh plans the step after it.
    if matches!(p.next, Next::Done { .. }) {
        u.target = None;
    }
    u.plan = Some(p);
    let mut effects = Vec::new();
    // `s` from the panel: measure the backups directory again to see the new file.
    if let Some(f) = app
        .ops
        .finished
        .as_ref()
        .filter(|f| f.ok && f.title.starts_with("Snapshot"))
        && app.upgrade.open
        && app.upgrade.remeasured.as_ref() != Some(&f.lines)
    {
        app.upgrade.remeasured = Some(f.lines.clone());
        effects.extend(super::checks::run(&mut app.checks));
    }
    for n in notes {
        effects.extend(say(app, n));
    }
    effects
}

/// What changed since the last refresh, in words.
fn changes(app: &mut App, p: &Plan, cv: Option<String>, downgrade: Option<Version>) -> Vec<String> {
    let u = &mut app.upgrade;
    let first = u.seen.is_empty();
    let mut out = Vec::new();
    let Some(s) = app.cluster.snapshot.as_ref() else {
        return out;
    };
    for m in &s.members {
        let who = plan::name(m);
        let up = m.health == crate::etcd::cluster::Health::Up;
        // A member that does not answer has no version: keep the one it had.
        let version = m
            .version
            .clone()
            .or_else(|| u.seen.get(&m.id).and_then(|(v, _)| v.clone()));
        if let Some((was_v, was_up)) = u.seen.get(&m.id).cloned() {
            match (was_up, up) {
                (true, false) => out.push(format!("{who} went down")),
                (false, true) if was_v != version => out.push(format!(
                    "{who} is back on {} (was {}) and healthy",
                    version.as_deref().unwrap_or("?"),
                    was_v.as_deref().unwrap_or("?")
                )),
                (false, true) => out.push(format!(
                    "{who} is back, still on {}",
                    version.as_deref().unwrap_or("?")
                )),
                _ if was_v != version && version.is_some() => out.push(format!(
                    "{who} now runs {}",
                    version.as_deref().unwrap_or("?")
                )),
                _ => {}
            }
            if !was_up && up && u.restarting.as_deref() == Some(who.as_str()) {
                u.restarting = None;
            }
        }
        u.seen.insert(m.id, (version, up));
    }
    if cv.is_some() && cv != u.cluster_version {
        if let Some(was) = &u.cluster_version {
            out.push(format!(
                "cluster version {was} → {}",
                cv.as_deref().unwrap_or("?")
            ));
        }
        u.cluster_version = cv;
    }
    if p.storage_version.is_some() && p.storage_version != u.storage_version {
        if let Some(was) = &u.storage_version {
            out.push(format!(
                "storage version {was} → {}",
                p.storage_version.as_deref().unwrap_or("?")
            ));
        }
        u.storage_version = p.storage_version.clone();
    }
    if downgrade != u.downgrade {
        out.push(match downgrade {
            Some(t) => format!("downgrade to {} enabled", t.minor_name()),
            None => "downgrade no longer enabled (finished or cancelled)".into(),
        });
        u.downgrade = downgrade;
    }
    let said_next = u.plan.as_ref().map(|p| &p.next);
    if said_next != Some(&p.next) && (u.open || u.target.is_some()) {
        out.push(p.next.describe());
    }
    // Unwatched (panel never opened, no upgrade or downgrade under way) nothing is said:
    // the Cluster view's own log tells of members going down. The first refresh is no
    // news either: opening the panel shows the plan.
    let armed = u.open || u.target.is_some() || downgrade.is_some();
    if !armed || first && !u.open {
        out.clear();
    }
    out
}

/// A line in the panel's log and, with an audit log, in it too.
fn say(app: &mut App, text: String) -> Vec<Effect> {
    let u = &mut app.upgrade;
    if u.log.len() == LOG {
        u.log.pop_front();
    }
    u.log.push_back(text.clone());
    let Some(path) = app.ops.audit_log.clone() else {
        return Vec::new();
    };
    let line = json!({
        "time": crate::decode::k8s::gotime::rfc3339(unix(app.wall), 0, false),
        "context": app.context.name,
        "etcd_user": app.context.user,
        "operator": app.ops.operator,
        "operation": "upgrade watch",
        "target": u.target.map(Version::minor_name),
        "result": text,
    })
    .to_string();
    vec![Effect::Audit { path, line }]
}

/// `:downgrade validate|enable VERSION`, `:downgrade cancel`: the confirmation, with
/// the etcdctl equivalent, or why not. One minor line down from the cluster's, 3.6+
/// only; enabling needs the version typed.
pub fn plan_downgrade(
    s: &crate::etcd::cluster::ClusterSnapshot,
    action: crate::etcd::downgrade::DowngradeAction,
    version: Option<String>,
) -> Result<super::keys::write::Confirm, String> {
    use crate::etcd::downgrade::DowngradeAction as A;
    use crate::etcd::operations::Operation;
    let oldest = s
        .members
        .iter()
        .filter_map(|m| m.version.as_deref().and_then(Version::parse))
        .min()
        .ok_or("no member reported its version: refresh and retry")?;
    if oldest.line() < (3, 6) {
        return Err(format!(
            "the members run etcd {oldest}: the downgrade API and guides start with 3.6 \
             (3.4 has no Downgrade call; 3.5's is not a supported path). Restore the snapshot \
             taken before the upgrade instead"
        ));
    }
    let newest = s
        .members
        .iter()
        .filter_map(|m| m.version.as_deref().and_then(Version::parse))
        .max()
        .unwrap_or(oldest);
    let version = version.unwrap_or_default();
    let mut lines = Vec::new();
    let typed = match action {
        A::Cancel => {
            lines.push(
                "ends the downgrade: restart members already on the older etcd with the newer one"
                    .to_string(),
            );
            None
        }
        A::Validate | A::Enable => {
            let t = Version::parse(&version)
                .ok_or_else(|| format!("{version:?} is not a version (e.g. 3.6)"))?;
            let one_down = (newest.major, newest.minor.saturating_sub(1));
            if t.line() != one_down {
                return Err(format!(
                    "etcd downgrades one minor version at a time: from {} only to {}.{}",
                    newest.minor_name(),
                    one_down.0,
                    one_down.1
                ));
            }
            if action == A::Validate {
                lines.push(
                    "asks etcd whether the cluster can go down to it; changes nothing".into(),
                );
                None
            } else {
                lines.push(format!(
                    "the cluster version drops to {} at once and the storage migrates to it; \
                     then restart each member with etcd {} on its data dir, followers first \
                     (the upgrade panel, U, names each)",
                    t.minor_name(),
                    t.minor_name()
                ));
                lines.push(format!("type {version} to confirm"));
                Some(version.clone())
            }
        }
    };
    lines.push(action.etcdctl(&version));
    let guide = match newest.line() {
        (3, 7) => crate::upgrade::rules::DOWNGRADE_3_7,
        _ => crate::upgrade::rules::DOWNGRADE_3_6,
    };
    lines.push(guide.to_string());
    Ok(super::keys::write::Confirm {
        title: format!("Downgrade {}", action.word()),
        lines,
        typed,
        input: String::new(),
        secret: false,
        op: super::keys::write::WriteOp::Operation(Box::new(Operation::Downgrade {
            action,
            version: if action == A::Cancel {
                String::new()
            } else {
                version
            },
        })),
    })
}

#[cfg(test)]
mod tests;
