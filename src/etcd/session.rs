//! The connection actor. One supervisor task receives typed requests; each `Connect`
//! starts a fresh session task tagged with a generation and aborts the previous one, so
//! a context switch can never receive the old cluster's answers (the UI drops events
//! whose generation is not its own, too).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

use super::cluster::MemberClients;
use super::cluster_ops::SharedMembers;
use super::connect::{EndpointClient, connect_all};
use super::errors::{EtcdError, Problem};
use super::keys::run_op;
use super::operations::{OpUpdate, Operation};
use super::protocol::*;
use super::reconnect::*;
use super::spec::ConnectSpec;
use super::watch::{WatchHandle, WatchUpdate, spawn_watch};
// Tests check the retry schedule the session announces.
pub use super::reconnect::backoff;

pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// The UI's side: sending never awaits, so the input path cannot block on etcd.
#[derive(Clone)]
pub struct EtcdHandle {
    tx: mpsc::Sender<Request>,
}

impl EtcdHandle {
    pub fn send(&self, req: Request) {
        if let Err(e) = self.tx.try_send(req) {
            tracing::warn!("etcd request dropped: {e}");
        }
    }
}

pub fn spawn(events: mpsc::Sender<Event>) -> EtcdHandle {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(supervise(rx, events));
    EtcdHandle { tx }
}

/// The client of the endpoint that answered the last probe, shared between the
/// session (which sets it) and the supervisor (which serves key-space requests on it).
pub(super) type Active = watch::Sender<Option<EndpointClient>>;

async fn supervise(mut rx: mpsc::Receiver<Request>, events: mpsc::Sender<Event>) {
    let mut current: Option<(JoinHandle<()>, Arc<Notify>)> = None;
    let mut active: Arc<Active> = Arc::new(watch::channel(None).0);
    let mut watches: std::collections::HashMap<u64, WatchHandle> = std::collections::HashMap::new();
    let mut churns: std::collections::HashMap<u64, super::churn_watch::ChurnHandle> =
        std::collections::HashMap::new();
    let mut cancels: std::collections::HashMap<u64, tokio::sync::oneshot::Sender<()>> =
        std::collections::HashMap::new();
    // Running `du` scans, stopped by `DuCancel`.
    let mut du_cancels: std::collections::HashMap<u64, tokio::sync::oneshot::Sender<()>> =
        std::collections::HashMap::new();
    let mut session_spec = ConnectSpec::default();
    // Set while browsing a snapshot file: key reads come from it, and nothing else has
    // a server to ask.
    let mut snapshot: Option<Arc<crate::snapfile::SnapshotFile>> = None;
    // Read by `ReadSnapshot`, waiting for the app to switch to it.
    let read: super::snapkeys::ReadFiles = Default::default();
    let mut members: SharedMembers = Arc::new(tokio::sync::Mutex::new(MemberClients::new(
        ConnectSpec::default(),
    )));
    while let Some(req) = rx.recv().await {
        let req = match req {
            Request::ResumeLive { generation } => Request::Connect {
                generation,
                spec: session_spec.clone(),
            },
            // A file read earlier is served exactly as one handed over whole.
            Request::ServeSnapshot { generation, path } => {
                match super::snapkeys::take_read(&read, &path) {
                    Some(file) => Request::OpenSnapshot { generation, file },
                    None => continue,
                }
            }
            other => other,
        };
        match req {
            Request::Connect { generation, spec } => {
                if let Some((task, _)) = current.take() {
                    task.abort();
                }
                let wake = Arc::new(Notify::new());
                active = Arc::new(watch::channel(None).0);
                members = Arc::new(tokio::sync::Mutex::new(MemberClients::new(spec.clone())));
                // Watches belong to the cluster they were started on.
                watches.clear();
                du_cancels.clear();
                churns.clear();
                session_spec = spec.clone();
                snapshot = None;
                let task = tokio::spawn(run_session(
                    generation,
                    spec,
                    events.clone(),
                    wake.clone(),
                    active.clone(),
                ));
                current = Some((task, wake));
            }
            Request::ReadSnapshot { generation, path } => {
                tokio::spawn(super::snapkeys::read_file(
                    path,
                    read.clone(),
                    events.clone(),
                    generation,
                ));
            }
            Request::OpenSnapshot { generation, file } => {
                if let Some((task, _)) = current.take() {
                    task.abort();
                }
                active = Arc::new(watch::channel(None).0);
                watches.clear();
                du_cancels.clear();
                churns.clear();
                let info = super::snapkeys::info(&file);
                snapshot = Some(file);
                let _ = events.send(Event::Connected { generation, info }).await;
            }
            Request::Keys { generation, id, op } if snapshot.is_some() => {
                if let Some(file) = snapshot.clone() {
                    tokio::spawn(super::snapkeys::serve(
                        file,
                        op,
                        events.clone(),
                        (generation, id),
                    ));
                }
            }
            // No server behind a snapshot: the watch would dial the last cluster's spec.
            Request::Watch { .. } | Request::Churn { .. } | Request::WatchPrev { .. }
                if snapshot.is_some() => {}
            Request::Churn {
                generation,
                id,
                spec,
            } => {
                let clients: Vec<EndpointClient> = match connect_all(&session_spec).await {
                    Ok(all) => all.into_iter().filter_map(Result::ok).collect(),
                    Err(_) => Vec::new(),
                };
                let h = super::churn_watch::spawn_churn(
                    clients,
                    spec,
                    events.clone(),
                    (generation, id),
                );
                churns.insert(id, h);
            }
            Request::ChurnStop { id } => {
                churns.remove(&id);
            }
            Request::WatchPrev {
                generation,
                id,
                key,
                revision,
            } => {
                let k = key.clone();
                serve(
                    (&active, snapshot.is_some()),
                    &events,
                    move |c| async move {
                        let result = super::watch::prev::read(&c, &k, revision).await;
                        Event::WatchPrev {
                            generation,
                            id,
                            key: k,
                            revision,
                            result,
                        }
                    },
                    move |e| Event::WatchPrev {
                        generation,
                        id,
                        key,
                        revision,
                        result: Err(e),
                    },
                );
            }
            Request::Keys { generation, id, op } => {
                serve(
                    (&active, snapshot.is_some()),
                    &events,
                    move |c| async move {
                        let result = run_op(&c, op).await;
                        Event::Keys {
                            generation,
                            id,
                            result,
                        }
                    },
                    move |e| Event::Keys {
                        generation,
                        id,
                        result: Err(e),
                    },
                );
            }
            Request::Watch {
                generation,
                id,
                spec,
            } => {
                let (tx, rx) = mpsc::channel(1024);
                let connect = session_spec.clone();
                let events = events.clone();
                // The watch gets a client per endpoint of its own, to fail over on.
                let clients: Vec<EndpointClient> = match connect_all(&connect).await {
                    Ok(all) => all.into_iter().filter_map(Result::ok).collect(),
                    Err(_) => Vec::new(),
                };
                watches.insert(id, spawn_watch(clients, spec, tx));
                tokio::spawn(forward_watch(generation, id, rx, events));
            }
            Request::WatchStop { id } => {
                if let Some(w) = watches.remove(&id) {
                    w.stop();
                }
            }
            Request::WatchResume { id } => {
                if let Some(w) = watches.get(&id) {
                    w.resume_from_now();
                }
            }
            Request::Cluster { generation, id, op } => {
                let members = members.clone();
                serve(
                    (&active, snapshot.is_some()),
                    &events,
                    move |c| async move {
                        let result = super::cluster_ops::run_op(&c, &members, op).await;
                        Event::Cluster {
                            generation,
                            id,
                            result,
                        }
                    },
                    move |e| Event::Cluster {
                        generation,
                        id,
                        result: Err(e),
                    },
                );
            }
            Request::Auth { generation, id, op } => {
                serve(
                    (&active, snapshot.is_some()),
                    &events,
                    move |c| async move {
                        let result = super::auth::run_op(&c, op).await;
                        Event::Auth {
                            generation,
                            id,
                            result,
                        }
                    },
                    move |e| Event::Auth {
                        generation,
                        id,
                        result: Err(e),
                    },
                );
            }
            Request::Leases { generation, id, op } => {
                serve(
                    (&active, snapshot.is_some()),
                    &events,
                    move |c| async move {
                        let result = super::leases::run_op(&c, op).await;
                        Event::Leases {
                            generation,
                            id,
                            result,
                        }
                    },
                    move |e| Event::Leases {
                        generation,
                        id,
                        result: Err(e),
                    },
                );
            }
            Request::Operation { generation, id, op } => {
                let (cancel, cancelled) = tokio::sync::oneshot::channel();
                cancels.retain(|_, c| !c.is_closed());
                cancels.insert(id, cancel);
                let client = active.borrow().clone();
                tokio::spawn(run_operation(
                    client,
                    members.clone(),
                    op,
                    cancelled,
                    events.clone(),
                    (generation, id),
                ));
            }
            Request::Checks {
                generation,
                id,
                backup_dir,
            } => {
                let spec = session_spec.clone();
                serve(
                    (&active, snapshot.is_some()),
                    &events,
                    move |c| async move {
                        let facts = super::gather::gather(&c, &spec, &backup_dir).await;
                        Event::Checks {
                            generation,
                            id,
                            facts: Box::new(facts),
                        }
                    },
                    move |e| {
                        let mut facts = super::facts::Facts::unmeasured();
                        facts.alarms = Err(e.to_string());
                        Event::Checks {
                            generation,
                            id,
                            facts: Box::new(facts),
                        }
                    },
                );
            }
            Request::Du {
                generation,
                id,
                prefix,
                depth,
            } => {
                let (cancel, cancelled) = tokio::sync::oneshot::channel();
                du_cancels.retain(|_, c| !c.is_closed());
                du_cancels.insert(id, cancel);
                let client = active.borrow().clone();
                super::du_scan::serve(
                    client,
                    snapshot.clone(),
                    (prefix, depth),
                    cancelled,
                    events.clone(),
                    (generation, id),
                );
            }
            Request::DuCancel { id } => {
                if let Some(c) = du_cancels.remove(&id) {
                    let _ = c.send(());
                }
            }
            Request::CancelOperation { id } => {
                if let Some(c) = cancels.remove(&id) {
                    let _ = c.send(());
                }
            }
            // Both were rewritten into other requests above.
            Request::ResumeLive { .. } | Request::ServeSnapshot { .. } => {}
            Request::ReconnectNow => {
                if let Some((_, wake)) = &current {
                    wake.notify_one();
                }
            }
            Request::Shutdown => break,
        }
    }
    if let Some((task, _)) = current {
        task.abort();
    }
}

/// Runs one request on its own task with the serving endpoint's client: a slow count
/// must not hold up a value read, and none of them may hold up the next request.
fn serve<F, Fut>(
    (active, snapshot): (&Active, bool),
    events: &mpsc::Sender<Event>,
    run: F,
    offline: impl FnOnce(EtcdError) -> Event + Send + 'static,
) where
    F: FnOnce(EndpointClient) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Event> + Send,
{
    let client = active.borrow().clone();
    let events = events.clone();
    let why_offline = if snapshot {
        super::snapkeys::NEEDS_CLUSTER
    } else {
        "not connected to any endpoint"
    };
    tokio::spawn(async move {
        let event = match client {
            Some(c) => run(c).await,
            None => offline(EtcdError::new(Problem::Unreachable, None, why_offline)),
        };
        let _ = events.send(event).await;
    });
}

/// Runs one operation, forwarding its steps and its result.
async fn run_operation(
    client: Option<EndpointClient>,
    members: SharedMembers,
    op: Operation,
    cancelled: tokio::sync::oneshot::Receiver<()>,
    events: mpsc::Sender<Event>,
    (generation, id): (u64, u64),
) {
    let send = |update| {
        let events = events.clone();
        async move {
            let _ = events
                .send(Event::Operation {
                    generation,
                    id,
                    update,
                })
                .await;
        }
    };
    let Some(client) = client else {
        let e = EtcdError::new(Problem::Unreachable, None, "not connected to any endpoint");
        send(OpUpdate::Finished(Err(e))).await;
        return;
    };
    let (tx, mut rx) = mpsc::channel(16);
    let work = super::operations::run(client, members, op, tx, cancelled);
    let forward = async {
        while let Some(u) = rx.recv().await {
            send(u).await;
        }
    };
    let (result, ()) = tokio::join!(work, forward);
    send(OpUpdate::Finished(result)).await;
}

/// Most updates a single event carries: a flood of watch events reaches the UI in few
/// messages, and the UI applies each in one go.
const WATCH_BATCH: usize = 4096;

async fn forward_watch(
    generation: u64,
    id: u64,
    mut rx: mpsc::Receiver<WatchUpdate>,
    events: mpsc::Sender<Event>,
) {
    while let Some(first) = rx.recv().await {
        let mut updates = vec![first];
        while updates.len() < WATCH_BATCH {
            match rx.try_recv() {
                Ok(u) => updates.push(u),
                Err(_) => break,
            }
        }
        if events
            .send(Event::Watch {
                generation,
                id,
                updates,
            })
            .await
            .is_err()
        {
            return;
        }
    }
}
