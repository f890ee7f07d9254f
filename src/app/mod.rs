//! Application state and the pure `update` function. No I/O and no terminal here:
//! the runtime turns `Effect`s into etcd requests and draws the state.

pub mod auth;
pub mod checks;
pub mod churn;
pub mod cluster;
mod command;
pub mod du;
pub mod forecast;
pub mod keys;
pub mod leases;
mod mouse;
pub mod ops;
mod ops_keys;
pub mod restore_plan;
pub use crate::decode::render_value;
mod source;
pub use source::{context as source_context, reading_context};
mod update;
pub mod upgrade;
pub mod watch;
pub mod watch_prev;

use std::time::{Duration, Instant};

pub use command::{Command, CommandLine, OpCommand, parse_command};
pub use update::update;

use crate::etcd::{ClusterInfo, ConnectSpec, EtcdError};
use crate::keymap::{Key, Keymap};

pub use crate::keymap::ViewId;

/// What the header and the connection panel say about where we are connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextInfo {
    pub name: String,
    pub endpoints: Vec<String>,
    /// How this context was chosen: flags, config, kube context, kubeadm manifest.
    pub source: String,
    pub read_only: bool,
    pub user: Option<String>,
    pub tls: bool,
    /// Extra lines worth showing, e.g. which certificate files were detected.
    pub details: Vec<String>,
}

pub use crate::etcd::snapkeys::SnapshotSource;

/// What views other than Keys say while a snapshot file is open.
pub const NEEDS_CLUSTER: &str = crate::etcd::snapkeys::NEEDS_CLUSTER;

#[derive(Clone, Debug, PartialEq)]
pub enum ConnState {
    Connecting {
        attempt: u32,
    },
    Connected {
        info: ClusterInfo,
    },
    Disconnected {
        error: EtcdError,
        attempt: u32,
        retry_at: Instant,
        /// The last good answer, kept so the header does not go blank on a blip.
        last: Option<ClusterInfo>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub level: Level,
    pub until: Instant,
}

pub const STATUS_TTL: Duration = Duration::from_secs(6);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help {
        scroll: u16,
    },
    /// The connection panel: where we are connected and how that was chosen.
    Info,
    Command(CommandLine),
    Confirm(Box<keys::write::Confirm>),
    /// A text report (`:diff`): scrolls like the help, any other key closes it.
    Report {
        title: String,
        text: String,
        scroll: u16,
    },
    /// The restore plan for the open snapshot file (`R`, `:restore-plan`).
    RestorePlan(Box<restore_plan::RestorePlanPanel>),
}

pub struct App {
    pub context: ContextInfo,
    /// Set while browsing a snapshot file: the session is read-only and only the Keys
    /// view has something to show.
    pub snapshot: Option<SnapshotSource>,
    /// The live context left by `:open`, which reconnecting goes back to.
    pub left_context: Option<ContextInfo>,
    /// Tags every etcd request; events of an older generation are dropped.
    pub generation: u64,
    pub conn: ConnState,
    pub view: ViewId,
    pub overlay: Overlay,
    pub status: Option<Status>,
    /// The keymap as configured; `keymap` is it minus what read-only mode removes.
    pub base_keymap: Keymap,
    pub keymap: Keymap,
    pub context_names: Vec<String>,
    pub command_history: Vec<String>,
    pub now: Instant,
    pub quit: bool,
    pub keys: keys::KeysState,
    pub leases: leases::LeasesState,
    pub auth: auth::AuthState,
    pub cluster: cluster::ClusterState,
    pub forecast: forecast::ForecastState,
    pub watch: watch::WatchState,
    pub churn: churn::ChurnState,
    pub ops: ops::OpsState,
    pub checks: checks::ChecksState,
    pub upgrade: upgrade::UpgradeState,
    /// The space panel and the sizes measured so far (`du`).
    pub du: du::DuState,
    /// Why cluster operations are unavailable although the session may write: the etcd
    /// user lacks the root role.
    pub ops_denied: Option<String>,
    /// Who we are, whether auth is on and what the user may do with keys, once the
    /// session has learnt it; `None` before (everything is offered, etcd decides).
    pub access: Option<crate::etcd::permissions::SessionAccess>,
    /// The terminal's width, for mapping mouse clicks onto side-by-side panes.
    pub width: u16,
    /// The terminal's height, for panels that page (the restore plan).
    pub height: u16,
    /// Wall-clock time of the last tick, for event timestamps.
    pub wall: std::time::SystemTime,
    /// The kubeadm etcd manifest a restore plan reads members from when no cluster
    /// answers (`--kubeadm-manifest`).
    pub kubeadm_manifest: std::path::PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseKind {
    ScrollUp,
    ScrollDown,
    Click,
}

/// A mouse event at a cell of the screen (column `x`, row `y`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub x: u16,
    pub y: u16,
}

#[derive(Debug)]
pub enum Msg {
    Key(Key),
    Mouse(Mouse),
    Tick(Instant),
    Etcd(crate::etcd::Event),
    /// The terminal's new size.
    Resize {
        width: u16,
        height: u16,
    },
    /// The answer to `Effect::Edit`: the edited bytes and the draft file they are in.
    Edited {
        key: Vec<u8>,
        expected: i64,
        original: Vec<u8>,
        result: Result<(Vec<u8>, std::path::PathBuf), String>,
    },
    /// Writing a `:record` file failed; recording stops.
    RecordFailed(String),
    /// The answer to `Effect::Copy`.
    Copied {
        what: String,
        result: Result<crate::clipboard::Method, String>,
    },
    /// Appending to the audit log failed.
    AuditFailed(String),
    /// The answer to `Effect::LoadTheme`: the theme in use now, and why it is not the
    /// one asked for, if it is not.
    ThemeLoaded {
        name: String,
        warning: Option<String>,
    },
    /// The answer to `Effect::ResolveContext`.
    ContextSwitched(Result<Box<(ContextInfo, ConnectSpec)>, String>),
    /// The answer to `Effect::OpenSnapshot`: the file is read; the runtime then asks
    /// the actor to serve it under the new generation.
    SnapshotOpened(Result<SnapshotSource, String>),
    /// The answer to `Effect::RestorePlan`: the plan's lines, or why there is none.
    RestorePlanMade {
        generation: u64,
        file: std::path::PathBuf,
        result: Result<Vec<restore_plan::PlanLine>, String>,
    },
}

#[derive(Debug, PartialEq)]
pub enum Effect {
    Connect {
        generation: u64,
        spec: ConnectSpec,
    },
    ReconnectNow,
    /// Back from a snapshot file to the cluster `:open` left.
    ResumeLive {
        generation: u64,
    },
    /// Reading the config and password files is I/O, so the runtime does it.
    ResolveContext(String),
    /// Read a snapshot file off the UI's thread; answered by `Event::SnapshotRead`.
    OpenSnapshot(std::path::PathBuf),
    /// The file read for `OpenSnapshot` is switched to: have it served under `generation`.
    BrowseSnapshot {
        generation: u64,
        path: std::path::PathBuf,
    },
    /// A key-space request for the current generation; the answer comes back as
    /// `Event::Keys` with the same id.
    Keys {
        id: u64,
        op: crate::etcd::keys::KeysOp,
    },
    Leases {
        id: u64,
        op: crate::etcd::leases::LeasesOp,
    },
    Auth {
        id: u64,
        op: crate::etcd::auth::AuthOp,
    },
    Cluster {
        id: u64,
        op: crate::etcd::cluster_ops::ClusterOp,
    },
    WatchStart {
        id: u64,
        spec: crate::etcd::watch::WatchSpec,
    },
    WatchStop {
        id: u64,
    },
    WatchResume {
        id: u64,
    },
    /// Start the churn watch; batches come back as `Event::Churn` with this id.
    ChurnStart {
        id: u64,
        spec: crate::etcd::churn_watch::ChurnSpec,
    },
    ChurnStop {
        id: u64,
    },
    /// Read `key` at `revision` for the Watch view's diff; answered by `Event::WatchPrev`.
    WatchPrev {
        id: u64,
        key: Vec<u8>,
        revision: i64,
    },
    /// Append lines to a file (`:record`).
    AppendLines {
        path: std::path::PathBuf,
        lines: Vec<String>,
    },
    /// Put text on the clipboard; `what` names it for the status line.
    Copy {
        text: String,
        what: String,
    },
    /// Open `initial` in `$EDITOR` for `key`; answered by `Msg::Edited`.
    Edit {
        key: Vec<u8>,
        initial: Vec<u8>,
        expected: i64,
    },
    /// A draft whose write succeeded.
    RemoveFile(std::path::PathBuf),
    /// Run a confirmed operation; answered by `Event::Operation` with this id.
    Operation {
        id: u64,
        op: crate::etcd::operations::Operation,
    },
    CancelOperation {
        id: u64,
    },
    /// Measure what the checks need; answered by `Event::Checks`.
    Checks {
        id: u64,
        backup_dir: std::path::PathBuf,
    },
    /// Space by prefix under `prefix`; answered by `Event::Du` with this id.
    Du {
        id: u64,
        prefix: Vec<u8>,
        depth: usize,
    },
    DuCancel {
        id: u64,
    },
    /// Load a theme by name and draw with it from now on.
    LoadTheme(String),
    /// Make the restore plan for a snapshot file off the UI's thread, asking the live
    /// cluster for its members if one is known, else `manifest`; answered by
    /// `Msg::RestorePlanMade`.
    RestorePlan {
        generation: u64,
        file: std::path::PathBuf,
        manifest: std::path::PathBuf,
    },
    /// Append one line to the audit log; a failure comes back as `Msg::AuditFailed`.
    Audit {
        path: std::path::PathBuf,
        line: String,
    },
}

impl App {
    pub fn new(
        context: ContextInfo,
        keymap: Keymap,
        context_names: Vec<String>,
        now: Instant,
    ) -> App {
        let mut app = App {
            context,
            snapshot: None,
            left_context: None,
            generation: 1,
            conn: ConnState::Connecting { attempt: 0 },
            view: ViewId::Keys,
            overlay: Overlay::None,
            status: None,
            base_keymap: keymap.clone(),
            keymap,
            context_names,
            command_history: Vec::new(),
            now,
            quit: false,
            keys: keys::KeysState::default(),
            leases: leases::LeasesState::default(),
            auth: auth::AuthState::default(),
            cluster: cluster::ClusterState::default(),
            forecast: forecast::ForecastState::default(),
            watch: watch::WatchState::default(),
            churn: churn::ChurnState::default(),
            ops: ops::OpsState::default(),
            checks: checks::ChecksState::default(),
            upgrade: upgrade::UpgradeState::default(),
            du: du::DuState::default(),
            ops_denied: None,
            access: None,
            width: 80,
            height: 24,
            wall: std::time::SystemTime::now(),
            kubeadm_manifest: "/etc/kubernetes/manifests/etcd.yaml".into(),
        };
        app.apply_read_only();
        app
    }

    pub fn apply_read_only(&mut self) {
        // A user whose roles grant no write is offered none, as in read-only mode.
        let writes_nothing = self
            .access
            .as_ref()
            .and_then(|a| a.keys.as_ref())
            .is_some_and(|k| k.writes_nothing());
        self.keymap = if self.context.read_only || writes_nothing {
            self.base_keymap.clone().without_dangerous()
        } else if self.ops_denied.is_some() {
            self.base_keymap.clone().without_operations()
        } else {
            self.base_keymap.clone()
        };
    }

    /// The last cluster answer we have, current or stale.
    pub fn cluster(&self) -> Option<&ClusterInfo> {
        match &self.conn {
            ConnState::Connected { info } => Some(info),
            ConnState::Disconnected { last, .. } => last.as_ref(),
            ConnState::Connecting { .. } => None,
        }
    }

    pub fn set_status(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            level,
            until: self.now + STATUS_TTL,
        });
    }
}

#[cfg(test)]
mod tests;
