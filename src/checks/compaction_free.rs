//! "Compaction to revision R would free ~X": what a compaction would give back, and
//! what the figure stands on. Pure; the Cluster view and `etcdtui check` both say it.
//!
//! etcd reports no size per revision, so the best basis available wins:
//! 1. A snapshot analysis (an opened snapshot or member db, `snapshot du`): the key and
//!    value bytes of every revision a compaction at the file's revision removes. Exact
//!    for that file, as long as the cluster has not compacted past it since.
//! 2. On Kubernetes, when the cluster compacts: the API server compacts every 5 minutes,
//!    so only the last few minutes' old revisions wait; little to free.
//! 3. A live `du` of the whole keyspace: the member's in-use bytes minus the live keys'
//!    and values' bytes. An upper bound: the rest is history plus bbolt's overhead.
//! 4. Nothing to go on: the revisions since the last compaction, and how to measure.

/// A whole-keyspace snapshot analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileBasis {
    pub path: String,
    pub revision: i64,
    pub history_bytes: u64,
    pub history_revisions: u64,
    /// When the file was saved or read, in words ("saved 2026-12-06 13:40 UTC").
    pub taken: String,
}

/// A live `du` of the whole keyspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveDuBasis {
    pub revision: i64,
    /// Key plus value bytes of the live keys.
    pub live_bytes: u64,
}

/// What is known when the sentence is made.
#[derive(Clone, Debug, Default)]
pub struct Inputs<'a> {
    /// The cluster's revision now.
    pub revision: i64,
    /// `etcd_debugging_mvcc_compact_revision` (-1: never compacted); `None` if absent.
    pub compacted: Option<i64>,
    /// The member's dbSizeInUse.
    pub in_use: Option<i64>,
    pub file: Option<&'a FileBasis>,
    pub live_du: Option<LiveDuBasis>,
    /// The keyspace holds Kubernetes' `/registry/`.
    pub kubernetes: bool,
    /// The member's /metrics has been read (else `compacted` is not known yet).
    pub metrics_read: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Estimate {
    /// From a snapshot analysis: compaction to the file's revision frees this.
    File(FileBasis),
    /// A Kubernetes cluster that compacts: `since` revisions after the last compaction.
    Kubernetes { compacted: i64, since: i64 },
    /// dbSizeInUse minus the live bytes a whole-keyspace du counted: at most this.
    InUseMinusLive {
        revision: i64,
        bytes: u64,
        in_use: i64,
        du: LiveDuBasis,
    },
    /// No figure: why, in words.
    Unknown(String),
}

/// The API server's default `--etcd-compaction-interval`.
pub const K8S_INTERVAL: &str = "5 minutes";
/// Past this many revisions since the last compaction, `check`'s compaction row warns;
/// a Kubernetes cluster that far behind is not compacting every 5 minutes.
pub const K8S_MAX_SINCE: i64 = 1_000_000;

/// The best estimate the inputs allow. `hint` says how to get a measured figure where
/// there is none ("press u on / in the Keys view", "run with --snapshot FILE").
pub fn estimate(i: &Inputs, hint: &str) -> Estimate {
    let mut stale = None;
    if let Some(f) = i.file {
        match i.compacted {
            // The cluster compacted past the file: the history it counted is gone.
            Some(c) if c >= f.revision => {
                stale = Some(format!(
                    "{} (revision {}) predates the last compaction",
                    f.path, f.revision
                ))
            }
            _ => return Estimate::File(f.clone()),
        }
    }
    let since = i.compacted.map(|c| {
        if c < 0 {
            i.revision
        } else {
            (i.revision - c).max(0)
        }
    });
    // A million revisions waiting is no 5-minute compaction: the API server's is off.
    if let (true, Some(c), Some(since)) = (i.kubernetes, i.compacted, since)
        && c >= 0
        && since <= K8S_MAX_SINCE
    {
        return Estimate::Kubernetes {
            compacted: c,
            since,
        };
    }
    if let (Some(du), Some(in_use)) = (i.live_du, i.in_use) {
        return Estimate::InUseMinusLive {
            revision: i.revision,
            bytes: (in_use.max(0) as u64).saturating_sub(du.live_bytes),
            in_use,
            du,
        };
    }
    let revisions = match (i.compacted, since) {
        (Some(c), Some(s)) if c >= 0 => format!("{s} revisions since the last compaction (at {c})"),
        (Some(_), Some(s)) => format!("{s} revisions, never compacted"),
        _ if !i.metrics_read => "no metrics read yet".to_string(),
        _ => "the compacted revision is not in /metrics".to_string(),
    };
    let mut why = format!("{revisions}; etcd reports no size per revision: {hint}");
    if let Some(s) = stale {
        why = format!("{s}; {why}");
    }
    Estimate::Unknown(why)
}

impl Estimate {
    /// The revision the figure is for.
    pub fn revision(&self) -> Option<i64> {
        match self {
            Estimate::File(f) => Some(f.revision),
            Estimate::InUseMinusLive { revision, .. } => Some(*revision),
            Estimate::Kubernetes { .. } | Estimate::Unknown(_) => None,
        }
    }

    /// The sentence: "compaction to revision R would free ~X".
    pub fn headline(&self) -> String {
        match self {
            Estimate::File(f) => format!(
                "compaction to revision {} would free ~{}",
                f.revision,
                size(f.history_bytes)
            ),
            Estimate::InUseMinusLive {
                revision, bytes, ..
            } => format!(
                "compaction to revision {revision} would free at most ~{}",
                size(*bytes)
            ),
            Estimate::Kubernetes { .. } => "compaction: little to free".to_string(),
            Estimate::Unknown(_) => "compaction: no estimate".to_string(),
        }
    }

    /// What the figure stands on, or why there is none.
    pub fn basis(&self) -> String {
        match self {
            Estimate::File(f) => format!(
                "from {} ({}): {} old revisions and tombstones",
                f.path, f.taken, f.history_revisions
            ),
            Estimate::InUseMinusLive { in_use, du, .. } => format!(
                "dbSizeInUse {} minus the {} of live keys and values du counted at revision {}; \
                 the rest is history plus bbolt's overhead",
                size(*in_use as u64),
                size(du.live_bytes),
                du.revision
            ),
            Estimate::Kubernetes { compacted, since } => format!(
                "Kubernetes' API server compacts every {K8S_INTERVAL}: only {since} revisions \
                 since the last compaction (at {compacted}) wait"
            ),
            Estimate::Unknown(why) => why.clone(),
        }
    }

    /// The commands that do it: compaction, then a defragmentation to give the pages
    /// back to the file system (one member at a time).
    pub fn commands(&self) -> Vec<String> {
        match self.revision() {
            Some(r) => vec![
                format!("etcdctl compaction {r}"),
                "etcdctl defrag --endpoints=URL   # each member, the leader last".to_string(),
            ],
            None => Vec::new(),
        }
    }
}

/// `etcdtui check`'s row: the estimate from the facts (and a snapshot analysis when
/// `--snapshot FILE` gave one). Warns when a measured history is worth compacting.
pub fn check_compaction_free(f: &super::Facts, file: Option<&FileBasis>) -> super::Check {
    use super::Status;
    let c = super::rules::check(
        "storage",
        "compaction forecast",
        "old revisions and tombstones stay in the DB until a compaction; a defrag then gives their pages back",
    )
    .threshold(format!(
        "warn when a snapshot analysis counts over {} of history",
        super::forecast::mib(super::forecast::DEFRAG_MIN)
    ));
    let up: Vec<_> = super::rules::up(f).collect();
    let compacted = up.iter().filter_map(|m| m.compact_revision).max();
    let in_use = up.iter().filter_map(|m| m.db_in_use).max();
    // The API server keeps its objects under /registry/: Secrets counted there mean
    // Kubernetes.
    let kubernetes = f.secrets.as_ref().is_ok_and(|s| s.total > 0);
    let e = estimate(
        &Inputs {
            revision: f.revision,
            compacted,
            in_use,
            file,
            live_du: None,
            kubernetes,
            metrics_read: up.iter().any(|m| m.metrics.is_ok()),
        },
        "run `etcdtui check --snapshot FILE` on a fresh snapshot (or a stopped member's member/snap/db)",
    );
    let mut cmds = vec!["etcdctl endpoint status -w json   # header.revision".to_string()];
    cmds.extend(e.commands());
    let c = c.commands(&cmds.iter().map(String::as_str).collect::<Vec<_>>());
    let value = match e.commands().first() {
        Some(cmd) => format!("{}: {} ({cmd}, then defrag)", e.headline(), e.basis()),
        None => format!("{}: {}", e.headline(), e.basis()),
    };
    match &e {
        Estimate::File(fb) if fb.history_bytes as i64 > super::forecast::DEFRAG_MIN => c.set(
            Status::Warn,
            value,
            format!(
                "etcdctl compaction {}, then defragment one member at a time, the leader last",
                fb.revision
            ),
        ),
        Estimate::Unknown(_) => c.set(Status::Unknown, value, ""),
        _ => c.set(Status::Ok, value, ""),
    }
}

/// Bytes in the unit that reads best: KiB under a MiB, else MiB.
pub fn size(b: u64) -> String {
    if b < 1 << 20 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        super::forecast::mib(b as i64)
    }
}

#[cfg(test)]
#[path = "compaction_free_tests.rs"]
mod tests;
