//! The watch task: open the watch on one member, pump its responses to the owner, and
//! on failure move to the next member, resuming after the last delivered revision.

use std::future::Future;
use std::time::Duration;

use etcd_client::{GetOptions, WatchOptions, WatchResponse, WatchStream};
use futures::future::BoxFuture;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::time::{Instant, sleep_until};

use super::events::{backoff, convert, fresh, next_after};
use super::{Command, WatchSpec, WatchUpdate};
use crate::etcd::connect::EndpointClient;
use crate::etcd::errors::{EtcdError, Problem};

/// Why the task ends.
enum Exit {
    /// The owner called `stop`.
    Stopped,
    /// The handle or the receiver was dropped: nobody is listening any more.
    Gone,
    /// A terminal state was reported.
    Done,
}

/// How one watch stream ended.
enum End {
    Failed(EtcdError),
    Compacted {
        requested: i64,
        compact_revision: i64,
    },
    Cancelled(String),
}

pub(super) async fn run(
    clients: Vec<EndpointClient>,
    spec: WatchSpec,
    tx: mpsc::Sender<WatchUpdate>,
    commands: mpsc::UnboundedReceiver<Command>,
) {
    let next = spec.start_revision.filter(|r| *r > 0).unwrap_or(0);
    let mut task = Task {
        clients,
        spec,
        ctl: Control { tx, commands },
        next,
        at: 0,
        attempt: 0,
    };
    let exit = loop {
        if let Err(exit) = task.step().await {
            break exit;
        }
    };
    if let Exit::Stopped = exit {
        // Best effort: a receiver that is not reading must not keep the task alive.
        let update = WatchUpdate::Cancelled {
            reason: "stopped".to_string(),
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), task.ctl.tx.send(update)).await;
    }
}

struct Task {
    clients: Vec<EndpointClient>,
    spec: WatchSpec,
    ctl: Control,
    /// The revision to ask for next: one past the last delivered event. 0 means "from
    /// now" and lasts only until the first watch is created, whose header revision
    /// then fixes it, so nothing written between creation and a failure is lost.
    next: i64,
    /// The client in use, an index into `clients`.
    at: usize,
    /// Failed attempts since the watch was last live.
    attempt: u32,
}

impl Task {
    /// One stream's life and what follows its end.
    async fn step(&mut self) -> Result<(), Exit> {
        if self.clients.is_empty() {
            let reason = "no endpoints to watch".to_string();
            self.ctl.send(WatchUpdate::Cancelled { reason }).await?;
            return Err(Exit::Done);
        }
        match self.watch_once().await? {
            End::Failed(error) => {
                self.attempt = self.attempt.saturating_add(1);
                let retry_in = backoff(self.attempt);
                self.ctl
                    .send(WatchUpdate::Reconnecting {
                        error,
                        resume_from: self.next,
                        attempt: self.attempt,
                        retry_in,
                    })
                    .await?;
                self.at = (self.at + 1) % self.clients.len();
                self.ctl.race(tokio::time::sleep(retry_in)).await
            }
            End::Compacted {
                requested,
                compact_revision,
            } => {
                self.ctl
                    .send(WatchUpdate::Compacted {
                        requested,
                        compact_revision,
                    })
                    .await?;
                self.ctl.resumed().await?;
                self.next = 0;
                self.attempt = 0;
                Ok(())
            }
            End::Cancelled(reason) => {
                self.ctl.send(WatchUpdate::Cancelled { reason }).await?;
                Err(Exit::Done)
            }
        }
    }

    fn options(&self) -> WatchOptions {
        // Progress notifications keep an idle stream talking; etcd sends them only
        // every 10 minutes, so `pump` also asks for progress when the stream is quiet.
        let mut o = WatchOptions::new().with_progress_notify();
        if self.spec.prefix {
            o = o.with_prefix();
        }
        if self.spec.prev_kv {
            o = o.with_prev_key();
        }
        if self.next > 0 {
            o = o.with_start_revision(self.next);
        }
        o
    }

    async fn watch_once(&mut self) -> Result<End, Exit> {
        let c = self.clients[self.at].clone();
        let options = self.options();
        let key = self.spec.key.clone();
        // Opening and the creation answer share the command timeout: on a frozen
        // member either can hang.
        let opening = c.call(|mut client| async move {
            let mut stream = client.watch(key, Some(options)).await?;
            match stream.message().await? {
                Some(created) => Ok((stream, created)),
                None => Err(etcd_client::Error::WatchError(
                    "the stream ended before the watch was created".to_string(),
                )),
            }
        });
        let (stream, created) = match self.ctl.race(opening).await? {
            Ok(opened) => opened,
            Err(e) => return Ok(End::Failed(e)),
        };
        if self.next == 0 {
            // etcd starts a "from now" watch right after the revision in this header.
            self.next = created.header().map_or(0, |h| h.revision() + 1);
        }
        self.attempt = 0;
        self.ctl
            .send(WatchUpdate::Live {
                endpoint: c.endpoint.clone(),
                from_revision: self.next,
            })
            .await?;
        if let Some(end) = self.deliver(created).await? {
            return Ok(end);
        }
        self.pump(stream, &c).await
    }

    /// Forwards responses until the stream breaks, is cancelled, or goes quiet.
    ///
    /// A frozen member sends nothing and a partitioned one sends no events, and
    /// neither closes the connection. So after `command_timeout` of silence we ask
    /// the stream for progress and expect an answer within `command_timeout` (which a
    /// frozen member cannot give), and run one linearizable read on the same member
    /// (which a member cut off from the leader cannot serve, though it still answers
    /// progress requests from its own state).
    async fn pump(&mut self, mut stream: WatchStream, c: &EndpointClient) -> Result<End, Exit> {
        let patience = c.command_timeout;
        let mut heard = Instant::now();
        let mut asked: Option<Instant> = None;
        let mut read_check: Option<BoxFuture<'static, Result<(), EtcdError>>> = None;
        loop {
            let deadline = asked.unwrap_or(heard) + patience;
            let step = self
                .ctl
                .race(async {
                    tokio::select! {
                        m = stream.message() => Step::Message(m),
                        () = sleep_until(deadline) => Step::Quiet,
                        r = pending_or(&mut read_check) => Step::ReadCheck(r),
                    }
                })
                .await?;
            match step {
                Step::Message(Ok(Some(resp))) => {
                    asked = None;
                    if let Some(end) = self.deliver(resp).await? {
                        return Ok(end);
                    }
                    // Time spent waiting on a slow receiver is not the member's silence.
                    heard = Instant::now();
                }
                Step::Message(Ok(None)) => {
                    let detail = "the member ended the watch stream";
                    let e = EtcdError::new(Problem::Unreachable, Some(&c.endpoint), detail);
                    return Ok(End::Failed(e));
                }
                Step::Message(Err(e)) => return Ok(End::Failed(lost(&c.endpoint, &e))),
                Step::Quiet if asked.is_some() => {
                    return Ok(End::Failed(EtcdError::timeout(&c.endpoint, patience)));
                }
                Step::Quiet => {
                    if let Err(e) = stream.request_progress().await {
                        return Ok(End::Failed(lost(&c.endpoint, &e)));
                    }
                    asked = Some(Instant::now());
                    if read_check.is_none() {
                        read_check = Some(linearizable_read(c, &self.spec.key));
                    }
                }
                Step::ReadCheck(result) => {
                    read_check = None;
                    // A refused read (permissions) says nothing about the member's health.
                    if let Err(e) = result
                        && e.is_transient()
                    {
                        return Ok(End::Failed(e));
                    }
                }
            }
        }
    }

    /// Delivers a response's new events; returns how the stream ended if it did.
    async fn deliver(&mut self, resp: WatchResponse) -> Result<Option<End>, Exit> {
        if resp.compact_revision() > 0 {
            return Ok(Some(End::Compacted {
                requested: self.next,
                compact_revision: resp.compact_revision(),
            }));
        }
        if resp.canceled() {
            let reason = match resp.cancel_reason() {
                "" => "etcd cancelled the watch".to_string(),
                r => r.to_string(),
            };
            return Ok(Some(End::Cancelled(reason)));
        }
        let events = fresh(convert(resp.events()), self.next);
        if !events.is_empty() {
            self.next = next_after(&events, self.next);
            self.ctl.send(WatchUpdate::Events(events)).await?;
        }
        Ok(None)
    }
}

enum Step {
    Message(Result<Option<WatchResponse>, etcd_client::Error>),
    Quiet,
    ReadCheck(Result<(), EtcdError>),
}

async fn pending_or(
    check: &mut Option<BoxFuture<'static, Result<(), EtcdError>>>,
) -> Result<(), EtcdError> {
    match check {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

/// A count-only read of the watched key: cheap, but linearizable, so it needs the
/// member to reach the leader.
fn linearizable_read(c: &EndpointClient, key: &[u8]) -> BoxFuture<'static, Result<(), EtcdError>> {
    let c = c.clone();
    let key = key.to_vec();
    Box::pin(async move {
        let options = GetOptions::new().with_count_only();
        c.call(|mut client| async move { client.get(key, Some(options)).await })
            .await
            .map(|_| ())
    })
}

/// A stream that broke after it was established: the handshake and certificates were
/// fine, so a dropped connection means the member went away, not (as `errors.rs` reads
/// it at connect time) that it wants TLS or refused our certificate.
fn lost(endpoint: &str, err: &etcd_client::Error) -> EtcdError {
    let mut e = EtcdError::from_client(endpoint, err);
    if matches!(
        e.problem,
        Problem::TlsRequired | Problem::TlsNotOffered | Problem::TlsClientCertRejected
    ) {
        e.problem = Problem::Unreachable;
    }
    e
}

/// The owner's side: updates out, commands in.
struct Control {
    tx: mpsc::Sender<WatchUpdate>,
    commands: mpsc::UnboundedReceiver<Command>,
}

impl Control {
    /// Runs `fut` unless the owner stops the watch or goes away first.
    async fn race<T>(&mut self, fut: impl Future<Output = T>) -> Result<T, Exit> {
        tokio::pin!(fut);
        loop {
            tokio::select! {
                biased;
                cmd = self.commands.recv() => match cmd {
                    // Only meaningful after `Compacted` (see `resumed`).
                    Some(Command::ResumeFromNow) => {}
                    Some(Command::Stop) => return Err(Exit::Stopped),
                    None => return Err(Exit::Gone),
                },
                () = self.tx.closed() => return Err(Exit::Gone),
                v = &mut fut => return Ok(v),
            }
        }
    }

    /// Sends without waiting when there is room; otherwise waits, which holds the
    /// stream back (etcd buffers), but never past the owner stopping or leaving.
    async fn send(&mut self, update: WatchUpdate) -> Result<(), Exit> {
        let update = match self.tx.try_send(update) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Closed(_)) => return Err(Exit::Gone),
            Err(TrySendError::Full(update)) => update,
        };
        let tx = self.tx.clone();
        match self.race(tx.send(update)).await? {
            Ok(()) => Ok(()),
            Err(_) => Err(Exit::Gone),
        }
    }

    /// Waits for `resume_from_now`.
    async fn resumed(&mut self) -> Result<(), Exit> {
        tokio::select! {
            cmd = self.commands.recv() => match cmd {
                Some(Command::ResumeFromNow) => Ok(()),
                Some(Command::Stop) => Err(Exit::Stopped),
                None => Err(Exit::Gone),
            },
            () = self.tx.closed() => Err(Exit::Gone),
        }
    }
}
