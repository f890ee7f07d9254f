//! The operator's checklist as data: what was measured about a cluster (`Facts`, gathered
//! by `etcd::gather`) becomes a list of `Check`s, each with a status, the measured
//! value, the threshold, why it matters, the next step and the etcdctl commands to see
//! the same by hand. Pure: the Checks view and `etcdtui check` both print this.

pub mod compaction_file;
pub mod compaction_free;
pub mod encryption;
pub mod forecast;
mod members;
mod rules;
mod versions;

use serde::{Deserialize, Serialize};

// The facts are gathered by the etcd layer; the rules here only read them.
use crate::etcd::facts;
pub use crate::etcd::facts::{
    AuthFacts, BackupFacts, CertFacts, Facts, MemberFacts, MemberHealth, MemberState, SecretFacts,
};
pub use rules::evaluate;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    // Worst first: the derived order sorts the list.
    Fail,
    Warn,
    Unknown,
    Ok,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Fail => "FAIL",
            Status::Warn => "warn",
            Status::Unknown => "unknown",
            Status::Ok => "ok",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub group: &'static str,
    pub name: &'static str,
    pub status: Status,
    /// What was measured, in words and numbers; for unknown, why it could not be.
    pub value: String,
    pub threshold: String,
    pub why: &'static str,
    pub next: String,
    /// etcdctl (or shell) commands that show the same by hand.
    pub commands: Vec<String>,
}

/// Limits from `config.yaml` (`checks:`); every field may be left out.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields, default)]
pub struct Thresholds {
    /// DB size as a share of the quota that warns.
    pub quota_warn_percent: f64,
    pub quota_fail_percent: f64,
    /// Share of the DB file a defrag would give back that warns.
    pub fragmentation_percent: f64,
    pub wal_fsync_p99_ms: f64,
    pub backend_commit_p99_ms: f64,
    pub cert_warn_days: i64,
    pub cert_fail_days: i64,
    pub backup_max_age_hours: i64,
    /// Revisions since the last compaction that warn (history grows the DB).
    pub revisions_since_compaction: i64,
    /// Where backups go: the newest `*.db` there is checked.
    pub backup_dir: Option<std::path::PathBuf>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            quota_warn_percent: 80.0,
            quota_fail_percent: 95.0,
            fragmentation_percent: 50.0,
            wal_fsync_p99_ms: 10.0,
            backend_commit_p99_ms: 25.0,
            cert_warn_days: 30,
            cert_fail_days: 7,
            backup_max_age_hours: 24,
            revisions_since_compaction: 1_000_000,
            backup_dir: None,
        }
    }
}

impl Thresholds {
    /// `backup_dir`, else where snapshots are saved from the Cluster view.
    pub fn backup_dir(&self) -> std::path::PathBuf {
        self.backup_dir
            .clone()
            .unwrap_or_else(crate::paths::default_snapshot_dir)
    }
}

/// Worst first, then by group and name, as the view and the table list them.
pub fn sort(checks: &mut [Check]) {
    checks.sort_by(|a, b| (a.status, a.group, a.name).cmp(&(b.status, b.group, b.name)));
}

/// `etcdtui check`'s exit code: 0 all ok (unknowns included), 1 a warning, 2 a failure.
pub fn exit_code(checks: &[Check]) -> u8 {
    match checks.iter().map(|c| c.status).min() {
        Some(Status::Fail) => 2,
        Some(Status::Warn) => 1,
        _ => 0,
    }
}

/// The plain-text table `etcdtui check` prints.
pub fn table(checks: &[Check]) -> String {
    let w = |f: fn(&Check) -> usize, min: usize| checks.iter().map(f).max().unwrap_or(min).max(min);
    let (gw, nw) = (w(|c| c.group.len(), 5), w(|c| c.name.len(), 5));
    let mut out = format!(
        "{:<7}  {:<gw$}  {:<nw$}  value\n",
        "status", "group", "check"
    );
    for c in checks {
        out.push_str(&format!(
            "{:<7}  {:<gw$}  {:<nw$}  {}",
            c.status.label(),
            c.group,
            c.name,
            c.value
        ));
        if c.status != Status::Ok && !c.next.is_empty() {
            out.push_str(&format!(
                "\n{:<7}  {:<gw$}  {:<nw$}  → {}",
                "", "", "", c.next
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
