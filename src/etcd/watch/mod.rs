//! A watch that survives the member serving it dying, freezing or being cut off.
//!
//! One task owns the watch stream on one member's client. When that stream breaks or
//! goes silent it resumes on the next member from the revision after the last one it
//! delivered, so the receiver never loses an event and never sees one twice. The task
//! reports its state (live, reconnecting, compacted, cancelled) on the same channel as
//! the events, so the view shows exactly what the watch is doing.

mod events;
pub mod prev;
mod task;

use std::time::Duration;

use tokio::sync::mpsc;

use super::connect::EndpointClient;
use super::errors::EtcdError;

pub use events::{EventKind, WatchEvent};
pub use prev::PrevValue;

/// What to watch and from where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchSpec {
    pub key: Vec<u8>,
    /// Watch every key starting with `key`.
    pub prefix: bool,
    /// `None` (or a revision below 1): only changes made after the watch is created.
    pub start_revision: Option<i64>,
    /// Ask etcd for each event's previous value.
    pub prev_kv: bool,
}

/// Everything the watch task tells its owner, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchUpdate {
    /// The watch is (re)established on `endpoint`; the next event it can deliver has a
    /// revision of at least `from_revision`. After `resume_from_now` this is the
    /// current revision + 1, so everything between the compaction and now is skipped.
    Live {
        endpoint: String,
        from_revision: i64,
    },
    /// One or more whole watch responses, in revision order. The events of one
    /// transaction share a revision and always arrive in the same message.
    Events(Vec<WatchEvent>),
    /// The stream broke or went silent; the next attempt goes to the next member
    /// after `retry_in`. `resume_from` is the revision it will ask for (0: "from now",
    /// when no watch was ever established).
    Reconnecting {
        error: EtcdError,
        resume_from: i64,
        attempt: u32,
        retry_in: Duration,
    },
    /// The revisions from `requested` on were compacted away (etcd keeps history only
    /// from `compact_revision`). Nothing more arrives until
    /// [`WatchHandle::resume_from_now`].
    Compacted {
        requested: i64,
        compact_revision: i64,
    },
    /// Terminal: the server refused or ended the watch for good, or the owner stopped
    /// it. The channel closes after this.
    Cancelled { reason: String },
}

pub(crate) enum Command {
    ResumeFromNow,
    Stop,
}

/// Owns the watch task: dropping it stops the task, which then drops its sender so
/// the receiver sees the channel close.
pub struct WatchHandle {
    commands: mpsc::UnboundedSender<Command>,
}

impl WatchHandle {
    /// After [`WatchUpdate::Compacted`], starts again from the current revision (the
    /// following [`WatchUpdate::Live`] says which). Ignored in any other state: there
    /// it would silently skip events.
    pub fn resume_from_now(&self) {
        // A send error means the task has already ended; nothing is left to resume.
        let _ = self.commands.send(Command::ResumeFromNow);
    }

    /// Stops the watch; the task sends a last `Cancelled` if the receiver has room for
    /// it within a second, then closes the channel.
    pub fn stop(self) {
        let _ = self.commands.send(Command::Stop);
    }
}

/// Starts watching on the first of `clients` that works, failing over to the others in
/// turn. Must be called within a tokio runtime. Updates go to `tx`; a full channel
/// holds the watch back (etcd buffers meanwhile), a closed one ends the task.
pub fn spawn_watch(
    clients: Vec<EndpointClient>,
    spec: WatchSpec,
    tx: mpsc::Sender<WatchUpdate>,
) -> WatchHandle {
    let (commands, command_rx) = mpsc::unbounded_channel();
    tokio::spawn(task::run(clients, spec, tx, command_rx));
    WatchHandle { commands }
}
