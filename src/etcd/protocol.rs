//! The typed boundary between the UI and the connection actor: what the UI asks
//! (`Request`) and what the actor tells it (`Event`).

use std::sync::Arc;
use std::time::Duration;

use super::auth::{AuthAnswer, AuthOp};
use super::cluster_ops::{ClusterAnswer, ClusterOp};
use super::errors::EtcdError;
use super::keys::{KeysAnswer, KeysOp};
use super::leases::{LeasesAnswer, LeasesOp};
use super::operations::{OpUpdate, Operation};
use super::spec::ConnectSpec;
use super::watch::{WatchSpec, WatchUpdate};

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
    /// Start the churn watch; batches come back as `Event::Churn` with this id.
    Churn {
        generation: u64,
        id: u64,
        spec: super::churn_watch::ChurnSpec,
    },
    ChurnStop {
        id: u64,
    },
    /// Read `key` as it was just before its event at `revision` (the Watch view's
    /// diff, without prev_kv); answered by `Event::WatchPrev`.
    WatchPrev {
        generation: u64,
        id: u64,
        key: Vec<u8>,
        revision: i64,
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
    /// Space by prefix (`du`) under `prefix`, grouped `depth` levels deep: from the
    /// snapshot file when one is browsed, else a paced live scan. Answered by `Event::Du`.
    Du {
        generation: u64,
        id: u64,
        prefix: Vec<u8>,
        depth: usize,
    },
    /// Stop a `Du` scan; nothing more is sent for it.
    DuCancel {
        id: u64,
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
        result: Result<super::snapkeys::SnapshotSource, String>,
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
    /// The churn watch's state changes and batches since the last such event.
    Churn {
        generation: u64,
        id: u64,
        updates: Vec<super::churn_watch::ChurnUpdate>,
    },
    /// The answer to `Request::WatchPrev`.
    WatchPrev {
        generation: u64,
        id: u64,
        key: Vec<u8>,
        revision: i64,
        result: Result<super::watch::PrevValue, EtcdError>,
    },
    /// The answer to `Request::Checks`.
    Checks {
        generation: u64,
        id: u64,
        facts: Box<super::facts::Facts>,
    },
    /// Progress and the result of `Request::Du`.
    Du {
        generation: u64,
        id: u64,
        update: super::du_scan::DuUpdate,
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
            | Event::Churn { generation, .. }
            | Event::WatchPrev { generation, .. }
            | Event::Operation { generation, .. }
            | Event::UserRoles { generation, .. }
            | Event::Access { generation, .. }
            | Event::Checks { generation, .. }
            | Event::Du { generation, .. }
            | Event::SnapshotRead { generation, .. } => *generation,
        }
    }
}
