//! Each check: from the facts and the thresholds to a status with the numbers behind it.

use super::facts::{Facts, MemberFacts};
use super::{Check, Status, Thresholds, sort};

mod member_metrics;
mod security;
mod storage;
use member_metrics::*;
use security::*;
use storage::*;

const MIB: f64 = 1024.0 * 1024.0;
const DAY: i64 = 86_400;

pub(super) fn check(group: &'static str, name: &'static str, why: &'static str) -> Check {
    Check {
        group,
        name,
        status: Status::Unknown,
        value: String::new(),
        threshold: String::new(),
        why,
        next: String::new(),
        commands: Vec::new(),
    }
}

impl Check {
    pub(super) fn set(
        mut self,
        status: Status,
        value: impl Into<String>,
        next: impl Into<String>,
    ) -> Check {
        self.status = status;
        self.value = value.into();
        self.next = next.into();
        self
    }
    pub(super) fn threshold(mut self, t: impl Into<String>) -> Check {
        self.threshold = t.into();
        self
    }
    pub(super) fn commands(mut self, c: &[&str]) -> Check {
        self.commands = c.iter().map(|s| s.to_string()).collect();
        self
    }
    /// One more command, made for this cluster's version.
    fn also(mut self, command: String) -> Check {
        self.commands.push(command);
        self
    }
}

pub fn evaluate(f: &Facts, t: &Thresholds) -> Vec<Check> {
    let mut all = vec![
        tls(f),
        client_certs(f),
        auth(f),
        secrets(f),
        versions(f),
        super::members::members(f),
        quota(f, t),
        fragmentation(f, t),
        super::forecast::check_forecast(f, &[]),
        super::compaction_free::check_compaction_free(f, None),
        alarms(f),
        compaction(f, t),
        disk(f, t),
        leader_changes(f),
        proposals_failed(f),
        backups(f, t),
    ];
    all.extend(f.certs.iter().map(|c| cert(c, f.now, t)));
    all.extend(super::versions::evaluate(f));
    all.extend(super::encryption::checks(f));
    sort(&mut all);
    all
}

fn minor(v: &str) -> Option<(u32, u32)> {
    let mut it = v.split('.');
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

fn versions(f: &Facts) -> Check {
    let c = check("cluster", "versions", "members on different versions are an upgrade in progress; etcd upgrades one minor version at a time")
        .threshold("one server version")
        .commands(&["etcdctl endpoint status --cluster -w table"]);
    let mut seen: Vec<&str> = f
        .members
        .iter()
        .filter_map(|m| m.version.as_deref())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let cluster = f
        .cluster_version
        .as_deref()
        .map(|v| format!("; cluster version {v}"))
        .unwrap_or_default();
    match seen.as_slice() {
        [] => c.set(Status::Unknown, "no member reported its version", ""),
        [one] => c.set(Status::Ok, format!("all on {one}{cluster}"), ""),
        many => {
            let minors: Vec<(u32, u32)> = many.iter().filter_map(|v| minor(v)).collect();
            let spread = minors
                .iter()
                .max()
                .zip(minors.iter().min())
                .is_some_and(|(hi, lo)| hi.0 != lo.0 || hi.1 > lo.1 + 1);
            let value = format!("mixed: {}{cluster}", many.join(", "));
            if spread {
                c.set(
                    Status::Fail,
                    value,
                    "more than one minor version apart: upgrade one minor version at a time",
                )
            } else {
                c.set(Status::Warn, value, "finish the rolling upgrade")
            }
        }
    }
}

pub(super) fn up(f: &Facts) -> impl Iterator<Item = &MemberFacts> {
    f.members.iter().filter(|m| m.down.is_none())
}

fn cert(cf: &super::facts::CertFacts, now: i64, t: &Thresholds) -> Check {
    let mut c = check(
        "certificates",
        "expiry",
        "an expired certificate cuts clients (or peers) off at once",
    )
    .threshold(format!(
        "warn under {} days, fail under {}",
        t.cert_warn_days, t.cert_fail_days
    ))
    .commands(&[
        "openssl x509 -noout -enddate -in FILE",
        "openssl s_client -connect HOST:PORT </dev/null | openssl x509 -noout -enddate",
    ]);
    c.value = cf.what.clone();
    match &cf.not_after {
        Err(e) => c.set(Status::Unknown, format!("{}: {e}", cf.what), ""),
        Ok(end) => {
            let days = (end - now).div_euclid(DAY);
            let date = crate::decode::k8s::gotime::rfc3339(*end, 0, false);
            let value = if *end <= now {
                format!("{}: EXPIRED on {date}", cf.what)
            } else {
                format!("{}: {days} days left (until {date})", cf.what)
            };
            let next = "renew it (kubeadm: kubeadm certs renew etcd-server etcd-peer apiserver-etcd-client)";
            if days < t.cert_fail_days {
                c.set(Status::Fail, value, next)
            } else if days < t.cert_warn_days {
                c.set(Status::Warn, value, next)
            } else {
                c.set(Status::Ok, value, "")
            }
        }
    }
}

fn backups(f: &Facts, t: &Thresholds) -> Check {
    let dir = f.backups.dir.display();
    let c = check(
        "backups",
        "newest snapshot",
        "without a recent snapshot, losing quorum or data means losing the cluster",
    )
    .threshold(format!(
        "a *.db in {dir} younger than {} h",
        t.backup_max_age_hours
    ))
    .commands(&[
        &format!("etcdtui snapshot save --dir {dir} --keep 7"),
        "ls -lt DIR/*.db | head -1",
    ]);
    let c = c.also(crate::snapfile::tool::status_command(
        super::versions::oldest_version(f),
        "FILE",
    ));
    match &f.backups.newest {
        Err(e) => c.set(
            Status::Unknown,
            format!("cannot read {dir}: {e}"),
            "set checks.backup_dir in config.yaml",
        ),
        Ok(None) => c.set(
            Status::Warn,
            format!("no *.db in {dir}"),
            "save one now (s in the Cluster view, or etcdtui snapshot save), and schedule \
             `etcdtui snapshot save --keep N` (README: a systemd timer or a cron line)",
        ),
        Ok(Some((name, mtime))) => {
            let hours = (f.now - mtime) as f64 / 3600.0;
            let value = format!("{name}, {hours:.1} h old");
            if hours > t.backup_max_age_hours as f64 {
                c.set(
                    Status::Warn,
                    value,
                    "save a fresh snapshot (s in the Cluster view)",
                )
            } else {
                c.set(Status::Ok, value, "")
            }
        }
    }
}
