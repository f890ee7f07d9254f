//! Guarded operations: snapshot save, member changes, leader moves, defragmentation,
//! alarms, compaction. Each is planned against the latest cluster snapshot (refused
//! with the reason, or shown with its impact and the etcdctl equivalent), confirmed
//! in a dialog, run by the connection actor, and recorded in the audit log.

pub mod audit;
pub mod guard;
pub mod plan;

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use crate::etcd::EtcdError;
use crate::etcd::operations::{OpUpdate, Operation, Outcome, explain};

use super::Effect;

pub use plan::plan;

/// Compaction keeps this many revisions unless told otherwise.
pub const KEEP_REVISIONS: i64 = 10_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Running {
    pub id: u64,
    pub title: String,
    pub op: Operation,
    pub started: Instant,
    /// `(bytes so far, bytes expected)` of a snapshot.
    pub progress: Option<(u64, u64)>,
    pub step: Option<String>,
    pub cancelling: bool,
}

impl Running {
    pub fn cancellable(&self) -> bool {
        matches!(self.op, Operation::Snapshot { .. })
    }
}

/// What an operation ended with, shown until a key is pressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    pub title: String,
    pub ok: bool,
    pub lines: Vec<String>,
}

#[derive(Debug, Default)]
pub struct OpsState {
    pub running: Option<Running>,
    pub finished: Option<Finished>,
    /// Where operations are recorded; `None` when no state directory exists.
    pub audit_log: Option<PathBuf>,
    /// Where `s` saves snapshots unless a path is given.
    pub snapshot_dir: PathBuf,
    /// The person at the keyboard, for the audit log.
    pub operator: String,
    next_id: u64,
}

impl OpsState {
    /// The state directory's `audit.log` and `snapshots/`, and the login name.
    pub fn from_environment() -> OpsState {
        OpsState {
            audit_log: Some(crate::config::state_dir().join("audit.log")),
            snapshot_dir: default_snapshot_dir(),
            operator: audit::operator(),
            ..OpsState::default()
        }
    }
}

pub use crate::paths::default_snapshot_dir;

/// The user confirmed: start it.
pub fn start(s: &mut OpsState, op: Operation, title: String, now: Instant) -> Vec<Effect> {
    s.next_id += 1;
    let id = s.next_id;
    s.running = Some(Running {
        id,
        title,
        op: op.clone(),
        started: now,
        progress: None,
        step: None,
        cancelling: false,
    });
    vec![Effect::Operation { id, op }]
}

/// Esc while running: only a snapshot can stop half-way without harm.
pub fn cancel(s: &mut OpsState) -> Result<Vec<Effect>, String> {
    let Some(r) = &mut s.running else {
        return Ok(Vec::new());
    };
    if !r.cancellable() {
        return Err(format!(
            "{} cannot be interrupted safely: it finishes on its own",
            r.title
        ));
    }
    r.cancelling = true;
    Ok(vec![Effect::CancelOperation { id: r.id }])
}

/// Progress and the result from the actor. The result also goes to the audit log.
pub fn on_update(
    s: &mut OpsState,
    id: u64,
    update: OpUpdate,
    who: &audit::Who,
    wall: SystemTime,
) -> Vec<Effect> {
    let Some(r) = s.running.as_mut().filter(|r| r.id == id) else {
        return Vec::new();
    };
    match update {
        OpUpdate::Progress { done, total } => r.progress = Some((done, total)),
        OpUpdate::Step(text) => r.step = Some(text),
        OpUpdate::Finished(result) => {
            let Some(r) = s.running.take() else {
                return Vec::new();
            };
            let cancelled = r.cancelling && result.is_err();
            let finished = finish(&r, &result, cancelled);
            let outcome = if cancelled {
                "cancelled".to_string()
            } else {
                match &result {
                    Ok(_) => format!(
                        "ok: {}",
                        finished.lines.first().cloned().unwrap_or_default()
                    ),
                    Err(e) => format!("failed: {}", explain(e)),
                }
            };
            s.finished = Some(finished);
            let Some(path) = s.audit_log.clone() else {
                return Vec::new();
            };
            let line = audit::line(wall, who, &s.operator, &r.op, &outcome);
            return vec![Effect::Audit { path, line }];
        }
    }
    Vec::new()
}

fn finish(r: &Running, result: &Result<Outcome, EtcdError>, cancelled: bool) -> Finished {
    let lines = match result {
        _ if cancelled => vec!["cancelled: nothing was saved, no partial file is left".into()],
        Err(e) => vec![explain(e)],
        Ok(Outcome::Saved(saved)) => plan::saved_lines(saved),
        Ok(Outcome::Added { id, members }) => plan::added_lines(&r.op, *id, members),
        Ok(Outcome::Done(words)) => vec![words.clone()],
    };
    Finished {
        title: r.title.clone(),
        ok: result.is_ok() && !cancelled,
        lines,
    }
}
