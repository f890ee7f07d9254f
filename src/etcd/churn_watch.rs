//! The churn watch: a watch without previous values over a prefix (the whole keyspace
//! by default), whose events are counted per group here, in the etcd task, and sent to
//! the UI as one batch per interval. A million events a second become four messages.
//!
//! It rides on [`super::watch::spawn_watch`], so failover and resuming after the last
//! delivered revision are the Watch view's. A compaction under a resuming watch is not
//! worth stopping for here: the churn watch resumes from now by itself and says which
//! revisions it skipped.

use std::time::Duration;

use tokio::sync::mpsc;

use super::connect::EndpointClient;
use super::protocol::Event;
use super::watch::{EventKind, WatchSpec, WatchUpdate, spawn_watch};
use crate::churn::{Batch, MAX_GROUPS, group_of};

/// How often a batch goes to the UI.
pub const INTERVAL: Duration = Duration::from_millis(250);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChurnSpec {
    /// Empty: the whole keyspace.
    pub prefix: Vec<u8>,
    /// Path segments a group keeps (see [`crate::churn::group_of`]).
    pub depth: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChurnUpdate {
    Live {
        endpoint: String,
    },
    Reconnecting {
        error: String,
        resume_from: i64,
    },
    /// Revisions `from..to` were compacted before the watch got them: not counted.
    Skipped {
        from: i64,
        to: i64,
    },
    Cancelled {
        reason: String,
    },
    /// What happened since the last batch.
    Batch(Batch),
}

/// Stops the churn watch when dropped.
pub struct ChurnHandle {
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Starts the churn watch; its updates go out as `Event::Churn { generation, id, .. }`.
pub fn spawn_churn(
    clients: Vec<EndpointClient>,
    spec: ChurnSpec,
    events: mpsc::Sender<Event>,
    (generation, id): (u64, u64),
) -> ChurnHandle {
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let watch = WatchSpec {
        // An empty key with the prefix flag is the whole keyspace (etcd-client sends
        // "\0" to "\0").
        key: spec.prefix.clone(),
        prefix: true,
        start_revision: None,
        // Previous values cost etcd most of its write ceiling; counting needs none.
        prev_kv: false,
    };
    tokio::spawn(async move {
        let (tx, mut rx) = mpsc::channel(1024);
        let handle = spawn_watch(clients, watch, tx);
        let mut batch = Batch::default();
        let mut pending: Vec<ChurnUpdate> = Vec::new();
        let mut ticker = tokio::time::interval(INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                u = rx.recv() => match u {
                    None => break,
                    Some(WatchUpdate::Events(evs)) => {
                        for e in evs {
                            let put = e.kind == EventKind::Put;
                            let bytes = (e.key.len() + e.value.len()) as u64;
                            let g = group_of(&e.key, spec.depth);
                            batch.add(&g, put, bytes, e.mod_revision, MAX_GROUPS);
                        }
                    }
                    Some(other) => {
                        if let WatchUpdate::Compacted { .. } = other {
                            handle.resume_from_now();
                        }
                        pending.extend(state_update(other));
                    }
                },
                _ = ticker.tick() => {
                    if !batch.is_empty() {
                        pending.push(ChurnUpdate::Batch(std::mem::take(&mut batch)));
                    }
                    if pending.is_empty() {
                        continue;
                    }
                    let updates = std::mem::take(&mut pending);
                    let ev = Event::Churn { generation, id, updates };
                    if events.send(ev).await.is_err() {
                        break;
                    }
                }
            }
        }
        handle.stop();
    });
    ChurnHandle { _stop: stop }
}

fn state_update(u: WatchUpdate) -> Option<ChurnUpdate> {
    Some(match u {
        WatchUpdate::Live { endpoint, .. } => ChurnUpdate::Live { endpoint },
        WatchUpdate::Reconnecting {
            error, resume_from, ..
        } => ChurnUpdate::Reconnecting {
            error: error.to_string(),
            resume_from,
        },
        WatchUpdate::Compacted {
            requested,
            compact_revision,
        } => ChurnUpdate::Skipped {
            from: requested,
            to: compact_revision,
        },
        WatchUpdate::Cancelled { reason } => ChurnUpdate::Cancelled { reason },
        WatchUpdate::Events(_) => return None,
    })
}
