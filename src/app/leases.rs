//! State of the Leases view: every lease ID (one cheap call), the details (TTL, keys)
//! of the leases on screen only, and the selected lease's keys.

use std::collections::HashMap;
use std::time::Instant;

use crate::etcd::EtcdError;
use crate::etcd::leases::{LeaseInfo, LeasesAnswer, LeasesOp};

use super::Effect;
use super::keys::write::{Confirm, WriteOp};

/// Details asked for at once: the visible rows, so 100,000 leases cost one screen.
const DETAILS_BATCH: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseFocus {
    List,
    Keys,
}

#[derive(Clone, Debug)]
pub enum Pending {
    Kubernetes,
    List,
    Details(Vec<i64>),
    Write { id: i64 },
}

#[derive(Default)]
pub struct LeasesState {
    pub ids: Vec<i64>,
    pub loaded: bool,
    /// What we know of each lease, with when we learned it (the TTL counts down from there).
    pub details: HashMap<i64, (LeaseInfo, Instant)>,
    pub asked: std::collections::HashSet<i64>,
    pub cursor: usize,
    pub offset: usize,
    pub height: usize,
    pub key_cursor: usize,
    pub focus: Option<LeaseFocus>,
    pub pending: HashMap<u64, Pending>,
    next_id: u64,
    pub error: Option<String>,
    pub info: Option<String>,
    pub ask: Option<Confirm>,
    pub k8s: Vec<crate::etcd::leases::K8sLease>,
    /// Set when etcd refuses this user the lease list (it needs root on most releases).
    pub not_permitted: Option<String>,
}

impl LeasesState {
    fn request(&mut self, p: Pending, op: LeasesOp) -> Effect {
        self.next_id += 1;
        self.pending.insert(self.next_id, p);
        Effect::Leases {
            id: self.next_id,
            op,
        }
    }

    pub fn selected(&self) -> Option<i64> {
        self.ids.get(self.cursor).copied()
    }

    pub fn selected_info(&self) -> Option<&LeaseInfo> {
        self.selected()
            .and_then(|id| self.details.get(&id))
            .map(|(i, _)| i)
    }

    /// Seconds left now, counting down from the last answer.
    pub fn remaining(&self, id: i64, now: Instant) -> Option<i64> {
        let (info, at) = self.details.get(&id)?;
        if info.ttl < 0 {
            return Some(-1);
        }
        let gone = i64::try_from(now.saturating_duration_since(*at).as_secs()).unwrap_or(i64::MAX);
        Some((info.ttl - gone).max(0))
    }

    /// Who holds the Kubernetes Lease stored at `key`, when it is one.
    pub fn holder_of(&self, key: &[u8]) -> Option<&str> {
        self.k8s
            .iter()
            .find(|l| l.key == key)
            .and_then(|l| l.holder.as_deref())
    }

    pub fn window(&self) -> impl Iterator<Item = (usize, i64)> + '_ {
        self.ids
            .iter()
            .copied()
            .enumerate()
            .skip(self.offset)
            .take(self.height.max(1))
    }
}

pub fn start(ls: &mut LeasesState) -> Vec<Effect> {
    let height = ls.height;
    *ls = LeasesState {
        height,
        ..LeasesState::default()
    };
    vec![
        ls.request(Pending::List, LeasesOp::List),
        ls.request(Pending::Kubernetes, LeasesOp::Kubernetes),
    ]
}

pub fn refresh(ls: &mut LeasesState) -> Vec<Effect> {
    ls.details.clear();
    ls.asked.clear();
    vec![
        ls.request(Pending::List, LeasesOp::List),
        ls.request(Pending::Kubernetes, LeasesOp::Kubernetes),
    ]
}

/// Details for the rows on screen that we do not have yet.
fn want_details(ls: &mut LeasesState) -> Vec<Effect> {
    let missing: Vec<i64> = ls
        .window()
        .map(|(_, id)| id)
        .filter(|id| !ls.asked.contains(id))
        .take(DETAILS_BATCH)
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    ls.asked.extend(missing.iter().copied());
    vec![ls.request(
        Pending::Details(missing.clone()),
        LeasesOp::Details { ids: missing },
    )]
}

pub fn step(ls: &mut LeasesState, delta: isize) -> Vec<Effect> {
    if ls.focus == Some(LeaseFocus::Keys) {
        let n = ls.selected_info().map(|i| i.keys.len()).unwrap_or(0);
        ls.key_cursor = ls
            .key_cursor
            .saturating_add_signed(delta)
            .min(n.saturating_sub(1));
        return Vec::new();
    }
    let last = ls.ids.len().saturating_sub(1);
    ls.cursor = ls.cursor.saturating_add_signed(delta).min(last);
    ls.key_cursor = 0;
    let h = ls.height.max(1);
    if ls.cursor < ls.offset {
        ls.offset = ls.cursor;
    } else if ls.cursor >= ls.offset + h {
        ls.offset = ls.cursor + 1 - h;
    }
    want_details(ls)
}

/// Enter: into the lease's keys; on a key, the key to show in the Keys view.
pub fn open(ls: &mut LeasesState) -> Option<Vec<u8>> {
    match ls.focus {
        Some(LeaseFocus::Keys) => ls
            .selected_info()
            .and_then(|i| i.keys.get(ls.key_cursor).cloned()),
        _ => {
            if ls.selected_info().is_some_and(|i| !i.keys.is_empty()) {
                ls.focus = Some(LeaseFocus::Keys);
            }
            None
        }
    }
}

pub fn close(ls: &mut LeasesState) {
    ls.focus = Some(LeaseFocus::List);
}

pub fn revoke(ls: &LeasesState) -> Result<Confirm, String> {
    let info = ls.selected_info().ok_or("select a lease")?;
    let id = format!("{:x}", info.id);
    Ok(Confirm {
        title: format!("Revoke lease {id}"),
        lines: vec![
            format!("deletes the {} keys attached to it, now", info.keys.len()),
            format!("etcdctl lease revoke {id}"),
            format!("type the lease ID to confirm: {id}"),
        ],
        typed: Some(id),
        input: String::new(),
        secret: false,
        op: WriteOp::RevokeLease { id: info.id },
    })
}

pub fn keep_alive(ls: &LeasesState) -> Result<Confirm, String> {
    let info = ls.selected_info().ok_or("select a lease")?;
    Ok(Confirm {
        title: format!("Keep lease {:x} alive once", info.id),
        lines: vec![
            format!("resets its TTL to {} s", info.granted_ttl),
            format!("etcdctl lease keep-alive --once {:x}", info.id),
        ],
        typed: None,
        input: String::new(),
        secret: false,
        op: WriteOp::KeepAlive { id: info.id },
    })
}

pub fn confirmed(ls: &mut LeasesState, op: WriteOp) -> Vec<Effect> {
    match op {
        WriteOp::RevokeLease { id } => {
            vec![ls.request(Pending::Write { id }, LeasesOp::Revoke { id })]
        }
        WriteOp::KeepAlive { id } => {
            vec![ls.request(Pending::Write { id }, LeasesOp::KeepAliveOnce { id })]
        }
        _ => Vec::new(),
    }
}

pub fn on_answer(
    ls: &mut LeasesState,
    id: u64,
    result: Result<LeasesAnswer, EtcdError>,
    now: Instant,
) -> Vec<Effect> {
    let Some(pending) = ls.pending.remove(&id) else {
        return Vec::new();
    };
    match (pending, result) {
        // Kubernetes' Lease objects are keys like any other: a user who may not read
        // them simply has none to show.
        (Pending::Kubernetes, Err(e)) if e.problem == crate::etcd::Problem::PermissionDenied => {
            ls.k8s.clear();
            Vec::new()
        }
        (Pending::Kubernetes, Ok(LeasesAnswer::Kubernetes(k))) => {
            ls.k8s = k;
            Vec::new()
        }
        (Pending::List, Err(e)) if e.problem == crate::etcd::Problem::PermissionDenied => {
            ls.loaded = true;
            ls.not_permitted = Some("not permitted to list leases".into());
            Vec::new()
        }
        (Pending::List, Ok(LeasesAnswer::List { ids, .. })) => {
            ls.not_permitted = None;
            ls.ids = ids;
            ls.loaded = true;
            ls.cursor = ls.cursor.min(ls.ids.len().saturating_sub(1));
            want_details(ls)
        }
        (Pending::Details(_), Ok(LeasesAnswer::Details(infos))) => {
            for i in infos {
                ls.details.insert(i.id, (i, now));
            }
            Vec::new()
        }
        (Pending::Write { .. }, Ok(LeasesAnswer::Revoked { id, revision })) => {
            ls.info = Some(format!("revoked lease {id:x} at revision {revision}"));
            refresh(ls)
        }
        (Pending::Write { .. }, Ok(LeasesAnswer::KeptAlive { id, ttl })) => {
            ls.info = Some(format!("lease {id:x}: TTL reset to {ttl} s"));
            ls.asked.remove(&id);
            want_details(ls)
        }
        (Pending::Details(ids), Err(e)) => {
            // Let them be asked again later rather than stay blank.
            for i in ids {
                ls.asked.remove(&i);
            }
            ls.error = Some(e.to_string());
            Vec::new()
        }
        (_, Err(e)) => {
            ls.error = Some(e.to_string());
            Vec::new()
        }
        (p, Ok(a)) => {
            tracing::warn!("unexpected lease answer {a:?} for {p:?}");
            Vec::new()
        }
    }
}
