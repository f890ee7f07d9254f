//! State of the Checks view: the latest list (worst first), the cursor, and whether
//! the selected check's details are open. The measuring happens in the actor; the
//! judging (`checks::evaluate`) here, so thresholds stay the app's.

use std::path::PathBuf;

use crate::checks::{Check, Facts, Thresholds, evaluate};

use super::Effect;

#[derive(Debug, Default)]
pub struct ChecksState {
    pub list: Option<Vec<Check>>,
    pub cursor: usize,
    pub details: bool,
    pub running: bool,
    pub thresholds: Thresholds,
    /// Where the backup check looks: `checks.backup_dir`, else where `s` saves.
    pub backup_dir: PathBuf,
    next_id: u64,
    pending: Option<u64>,
}

/// Runs the checks (again); at most one round in flight.
pub fn run(c: &mut ChecksState) -> Vec<Effect> {
    if c.pending.is_some() {
        return Vec::new();
    }
    c.next_id += 1;
    c.pending = Some(c.next_id);
    c.running = true;
    vec![Effect::Checks {
        id: c.next_id,
        backup_dir: c.backup_dir.clone(),
    }]
}

pub fn on_facts(c: &mut ChecksState, id: u64, facts: Facts) {
    if c.pending != Some(id) {
        return;
    }
    c.pending = None;
    c.running = false;
    let list = evaluate(&facts, &c.thresholds);
    c.cursor = c.cursor.min(list.len().saturating_sub(1));
    c.list = Some(list);
}

pub fn step(c: &mut ChecksState, delta: isize) {
    let n = c.list.as_ref().map_or(0, Vec::len);
    c.cursor = c
        .cursor
        .saturating_add_signed(delta)
        .min(n.saturating_sub(1));
}

pub fn selected(c: &ChecksState) -> Option<&Check> {
    c.list.as_ref()?.get(c.cursor)
}
