//! The TUI's end when a snapshot save is under way: a signal (dropped SSH session,
//! SIGTERM, SIGINT) or quitting cancels the save and waits briefly for the actor to say
//! it stopped, so the temporary file is gone before the process is; the audit log gets
//! a line saying the save was interrupted and by what.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::App;
use crate::app::ops::audit::{self, Who};
use crate::etcd::operations::{OpUpdate, Outcome};
use crate::etcd::{EtcdHandle, Event, Request};

/// How long the actor gets to drop the save; far longer than dropping a file takes.
const GRACE: Duration = Duration::from_secs(3);

/// Cancels a running snapshot save and records why. `why` is e.g. "SIGHUP" or "quit".
/// Returns at once when nothing is running.
pub async fn wind_down(
    app: &mut App,
    etcd: &EtcdHandle,
    events: &mut mpsc::Receiver<Event>,
    why: &str,
) {
    let Some(running) = app.ops.running.take() else {
        tracing::info!("ended by {why}, nothing running");
        return;
    };
    tracing::info!("ended by {why} while {} was running", running.title);
    if !running.cancellable() {
        // Member changes and defrags finish on their own: they are not ours to cut.
        tracing::warn!(
            "{why} while {} was running: it was left to finish",
            running.title
        );
        return;
    }
    etcd.send(Request::CancelOperation { id: running.id });
    let deadline = tokio::time::Instant::now() + GRACE;
    let mut result = None;
    while result.is_none() {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(Event::Operation {
                id,
                update: OpUpdate::Finished(r),
                ..
            })) if id == running.id => result = Some(r),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    let outcome = match result {
        Some(Ok(Outcome::Saved(saved))) => format!(
            "ok: saved {} at revision {} before {why} arrived",
            saved.path.display(),
            saved.revision
        ),
        Some(_) => format!("interrupted by {why}: nothing was saved, no partial file is left"),
        None => format!(
            "interrupted by {why}: the save did not stop within {} s; a hidden .part file may be left next to the target",
            GRACE.as_secs()
        ),
    };
    tracing::info!("{outcome}");
    let Some(path) = app.ops.audit_log.clone() else {
        return;
    };
    let who = Who {
        context: app.context.name.clone(),
        etcd_user: app.context.user.clone(),
    };
    let line = audit::line(
        std::time::SystemTime::now(),
        &who,
        &app.ops.operator,
        &running.op,
        &outcome,
    );
    if let Err(e) = crate::runtime::append_audit(&path, &line) {
        tracing::warn!("could not write the audit log {}: {e}", path.display());
    }
}
