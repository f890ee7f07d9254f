//! The connection actor. One supervisor task receives typed requests; each `Connect`
//! starts a fresh session task tagged with a generation and aborts the previous one, so
//! a context switch can never receive the old cluster's answers (the UI drops events
//! whose generation is not its own, too).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

use super::auth::{AuthAnswer, AuthOp};
use super::cluster::MemberClients;
use super::cluster_ops::{ClusterAnswer, ClusterOp, SharedMembers};
use super::connect::{EndpointClient, connect_all};
use super::errors::{EtcdError, Problem};
use super::keys::{KeysAnswer, KeysOp, run_op};
use super::leases::{LeasesAnswer, LeasesOp};
use super::operations::{OpUpdate, Operation};
use super::spec::ConnectSpec;
use super::watch::{WatchHandle, WatchSpec, WatchUpdate, spawn_watch};

pub const POLL_INTERVAL: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub enum Request {
    Connect {
        generation: u64,
        spec: ConnectSpec,
    },
    /// Serve the Keys view from a snapshot file instead of a cluster, until the next
    /// `Connect`; answered by `Event::Connected` describing the file.
    OpenSnapshot {
        generation: u64,
        file: Arc<crate::snapfile::SnapshotFile>,
    },
    /// Read and check a snapshot file off the UI's thread (`:open`); answered by
    /// `Event::SnapshotRead`, the file kept aside for `ServeSnapshot`.
    ReadSnapshot {
        generation: u64,
        path: std::path::PathBuf,
    },
    /// Serve the file `ReadSnapshot` read from `path`, as `OpenSnapshot` does.
    ServeSnapshot {
        generation: u64,
        path: std::path::PathBuf,
    },
    /// Back from a snapshot file to the cluster of the last `Connect`.
    ResumeLive {
        generation: u64,
    },
    /// Skip the rest of the back-off and try now.
    ReconnectNow,
    /// A key-space read or write, answered by `Event::Keys` with the same `id`.
    Keys {
        generation: u64,
        id: u64,
        op: KeysOp,
    },
    Leases {
        generation: u64,
        id: u64,
        op: LeasesOp,
    },
    Auth {
        generation: u64,
        id: u64,
        op: AuthOp,
    },
    Cluster {
        generation: u64,
        id: u64,
        op: ClusterOp,
    },
    /// Start a watch; its updates come back as `Event::Watch` with this id.
    Watch {
        generation: u64,
        id: u64,
        spec: WatchSpec,
    },
    WatchStop {
        id: u64,
    },
    WatchResume {
        id: u64,
    },
    /// A guarded operation; its progress and result come back as `Event::Operation`.
    Operation {
        generation: u64,
        id: u64,
        op: Operation,
    },
    /// Measure what the checks need.
    Checks {
        generation: u64,
        id: u64,
        backup_dir: std::path::PathBuf,
    },
    /// Stop an operation that can be stopped (a snapshot in progress).
    CancelOperation {
        id: u64,
    },
    Shutdown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterInfo {
    /// The endpoint whose answer this is.
    pub endpoint: String,
    pub cluster_id: u64,
    pub member_id: u64,
    pub member_name: String,
    pub leader_id: u64,
    pub leader_name: Option<String>,
    pub version: String,
    pub revision: i64,
    pub raft_term: u64,
    pub members: usize,
    pub endpoints_up: usize,
    pub endpoints_total: usize,
    /// Endpoints that did not answer this round, with why.
    pub endpoint_errors: Vec<EtcdError>,
    /// The endpoint answered but refused `Status` to this user: leader, term and
    /// version are unknown (zero or empty), not invented.
    pub status_denied: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A snapshot file is read (or could not be): what the header shows of it, or why
    /// not in one line.
    SnapshotRead {
        generation: u64,
        path: std::path::PathBuf,
        result: Result<crate::app::SnapshotSource, String>,
    },
    Connecting {
        generation: u64,
        attempt: u32,
    },
    Connected {
        generation: u64,
        info: ClusterInfo,
    },
    /// A periodic refresh while connected.
    Status {
        generation: u64,
        info: ClusterInfo,
    },
    Disconnected {
        generation: u64,
        error: EtcdError,
        attempt: u32,
        retry_in: Duration,
    },
    Keys {
        generation: u64,
        id: u64,
        result: Result<KeysAnswer, EtcdError>,
    },
    Leases {
        generation: u64,
        id: u64,
        result: Result<LeasesAnswer, EtcdError>,
    },
    Auth {
        generation: u64,
        id: u64,
        result: Result<AuthAnswer, EtcdError>,
    },
    Cluster {
        generation: u64,
        id: u64,
        result: Result<ClusterAnswer, EtcdError>,
    },
    /// Whatever a watch reported since the last such event, in order.
    Watch {
        generation: u64,
        id: u64,
        updates: Vec<WatchUpdate>,
    },
    Operation {
        generation: u64,
        id: u64,
        update: OpUpdate,
    },
    /// The answer to `Request::Checks`.
    Checks {
        generation: u64,
        id: u64,
        facts: Box<crate::checks::Facts>,
    },
    /// Who we are, whether auth is on and what we may do with keys, once per connection.
    Access {
        generation: u64,
        access: Box<super::permissions::SessionAccess>,
    },
    /// The roles of the connected user, once per connection.
    UserRoles {
        generation: u64,
        user: String,
        roles: Result<Vec<String>, EtcdError>,
    },
}

impl Event {
    pub fn generation(&self) -> u64 {
        match self {
            Event::Connecting { generation, .. }
            | Event::Connected { generation, .. }
            | Event::Status { generation, .. }
            | Event::Disconnected { generation, .. }
            | Event::Keys { generation, .. }
            | Event::Leases { generation, .. }
            | Event::Auth { generation, .. }
            | Event::Cluster { generation, .. }
            | Event::Watch { generation, .. }
            | Event::Operation { generation, .. }
            | Event::UserRoles { generation, .. }
            | Event::Access { generation, .. }
            | Event::Checks { generation, .. }
            | Event::SnapshotRead { generation, .. } => *generation,
        }
    }
}

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
type Active = watch::Sender<Option<EndpointClient>>;

async fn supervise(mut rx: mpsc::Receiver<Request>, events: mpsc::Sender<Event>) {
    let mut current: Option<(JoinHandle<()>, Arc<Notify>)> = None;
    let mut active: Arc<Active> = Arc::new(watch::channel(None).0);
    let mut watches: std::collections::HashMap<u64, WatchHandle> = std::collections::HashMap::new();
    let mut cancels: std::collections::HashMap<u64, tokio::sync::oneshot::Sender<()>> =
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
            Request::Watch { .. } if snapshot.is_some() => {}
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
                        let mut facts = crate::checks::Facts::unmeasured();
                        facts.alarms = Err(e.to_string());
                        Event::Checks {
                            generation,
                            id,
                            facts: Box::new(facts),
                        }
                    },
                );
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

pub fn backoff(attempt: u32) -> Duration {
    let secs = 1u64 << attempt.saturating_sub(1).min(4);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

async fn run_session(
    generation: u64,
    spec: ConnectSpec,
    events: mpsc::Sender<Event>,
    wake: Arc<Notify>,
    active: Arc<Active>,
) {
    let mut attempt: u32 = 0;
    let mut clients: Vec<EndpointClient> = Vec::new();
    let mut connected = false;
    loop {
        let announce = Event::Connecting {
            generation,
            attempt,
        };
        if clients.is_empty() && events.send(announce).await.is_err() {
            return;
        }
        let result = match refresh_clients(&spec, &mut clients).await {
            Ok(()) => super::probe::probe(&clients, &spec, !connected).await,
            Err(e) => Err(e),
        };
        let (event, pause) = match result {
            Ok(info) => {
                attempt = 0;
                let serving = clients
                    .iter()
                    .find(|c| c.endpoint == info.endpoint)
                    .cloned();
                // Who we are and what we may read arrives before `Connected`, so the
                // Keys view starts at what is permitted instead of at a refused root.
                // A slow cluster does not hold the connection up for it, though.
                if !connected && let Some(c) = &serving {
                    let mut learning = Box::pin(super::access::learn(
                        c.clone(),
                        spec.clone(),
                        info.status_denied,
                        generation,
                        events.clone(),
                    ));
                    if tokio::time::timeout(spec.command_timeout, &mut learning)
                        .await
                        .is_err()
                    {
                        tokio::spawn(learning);
                    }
                }
                active.send_replace(serving);
                let ev = if connected {
                    Event::Status { generation, info }
                } else {
                    Event::Connected { generation, info }
                };
                connected = true;
                (ev, POLL_INTERVAL)
            }
            Err(error) => {
                tracing::info!(
                    generation,
                    attempt,
                    "etcd unreachable: {error} ({})",
                    error.detail
                );
                attempt = attempt.saturating_add(1);
                connected = false;
                active.send_replace(None);
                // A fresh client per attempt: an auth failure or a replaced certificate
                // file must be picked up without restarting the program.
                clients.clear();
                let retry_in = backoff(attempt);
                (
                    Event::Disconnected {
                        generation,
                        error,
                        attempt,
                        retry_in,
                    },
                    retry_in,
                )
            }
        };
        if events.send(event).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = wake.notified() => {}
        }
    }
}

/// Builds clients when there are none. Endpoints that fail to build are left out of
/// this round; if none builds, the first error explains why.
async fn refresh_clients(
    spec: &ConnectSpec,
    clients: &mut Vec<EndpointClient>,
) -> Result<(), EtcdError> {
    if !clients.is_empty() {
        return Ok(());
    }
    let mut first_err = None;
    for r in connect_all(spec).await? {
        match r {
            Ok(c) => clients.push(c),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match (clients.is_empty(), first_err) {
        (true, Some(e)) => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        let secs: Vec<u64> = (1..=7).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 10, 10, 10]);
    }
}
