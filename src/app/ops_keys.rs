//! Where operations meet the rest of the app: the Cluster view's keys and the `:`
//! commands that plan them, the dialog's answer that starts them, the modal progress
//! and result windows, and the actor's updates.

use crate::etcd::operations::{OpUpdate, Operation};
use crate::keymap::{Action, Key, KeyCode};

use super::ops::{self, audit::Who, plan::Ctx};
use super::{App, CommandLine, Effect, Level, OpCommand, Overlay, ViewId};

const READ_ONLY: &str = "read-only: operations that change the cluster are switched off";

/// While an operation runs or its result is shown, keys go to that window only.
pub fn modal_key(app: &mut App, key: Key) -> Option<Vec<Effect>> {
    if key == Key::ctrl('c') && (app.ops.running.is_some() || app.ops.finished.is_some()) {
        // Quitting drops the running task; a partial snapshot file goes with it.
        app.quit = true;
        return Some(Vec::new());
    }
    if app.ops.running.is_some() {
        if key.code == KeyCode::Esc {
            return Some(ops::cancel(&mut app.ops).unwrap_or_else(|why| {
                app.set_status(Level::Info, why);
                Vec::new()
            }));
        }
        return Some(Vec::new());
    }
    if app.ops.finished.take().is_some() {
        return Some(Vec::new());
    }
    None
}

pub fn action(app: &mut App, action: Action) -> Vec<Effect> {
    let cmd = match action {
        Action::Snapshot => OpCommand::Snapshot(None),
        Action::Promote => OpCommand::MemberPromote(None),
        Action::RemoveMember => OpCommand::MemberRemove(None),
        Action::MoveLeader => OpCommand::MoveLeader(None),
        Action::Defrag => OpCommand::Defrag(None),
        Action::DefragAll => OpCommand::DefragAll { handover: false },
        Action::DisarmAlarms => OpCommand::AlarmDisarm,
        Action::Compact => OpCommand::Compact {
            revision: None,
            physical: false,
        },
        // These need typing: the command line opens with the command started.
        Action::AddMember => return prefill(app, "member add ".into()),
        Action::UpdatePeers => {
            let Some(m) = app.cluster.selected() else {
                return Vec::new();
            };
            let text = format!("member update {} {}", m.name, m.peer_urls.join(","));
            return prefill(app, text);
        }
        _ => return Vec::new(),
    };
    command(app, cmd)
}

fn prefill(app: &mut App, text: String) -> Vec<Effect> {
    if app.context.read_only {
        app.set_status(Level::Error, READ_ONLY);
        return Vec::new();
    }
    if let Some(why) = &app.ops_denied {
        app.set_status(Level::Error, why.clone());
        return Vec::new();
    }
    let mut line = CommandLine::with_history(app.command_history.clone());
    text.chars().for_each(|c| line.insert(c));
    app.overlay = Overlay::Command(line);
    Vec::new()
}

/// Plans the operation and asks; the reason instead when it is refused.
pub fn command(app: &mut App, cmd: OpCommand) -> Vec<Effect> {
    let reads_only = matches!(cmd, OpCommand::Snapshot(_));
    if app.context.read_only && !reads_only {
        app.set_status(Level::Error, READ_ONLY);
        return Vec::new();
    }
    if let Some(why) = &app.ops_denied {
        app.set_status(Level::Error, why.clone());
        return Vec::new();
    }
    app.view = ViewId::Cluster;
    let Some(snapshot) = app.cluster.snapshot.as_ref() else {
        app.set_status(
            Level::Info,
            "the cluster's state is not loaded yet: try again in a moment",
        );
        return super::cluster::refresh(&mut app.cluster, app.now);
    };
    let cx = Ctx {
        snapshot,
        selected: app.cluster.selected(),
        context: &app.context.name,
        snapshot_dir: &app.ops.snapshot_dir,
        wall: app.wall,
    };
    match ops::plan(&cx, cmd) {
        Ok(c) => app.overlay = Overlay::Confirm(Box::new(c)),
        Err(why) => app.set_status(Level::Error, format!("refused: {why}")),
    }
    Vec::new()
}

pub fn confirmed(app: &mut App, op: Operation, title: String) -> Vec<Effect> {
    if app.context.read_only && !matches!(op, Operation::Snapshot { .. }) {
        app.set_status(Level::Error, READ_ONLY);
        return Vec::new();
    }
    if app.ops.running.is_some() {
        app.set_status(Level::Error, "another operation is still running");
        return Vec::new();
    }
    app.status = None;
    ops::start(&mut app.ops, op, title, app.now)
}

/// Without the root role etcd refuses every operation: they disappear, and say why.
pub fn on_roles(app: &mut App, user: &str, roles: Result<Vec<String>, crate::etcd::EtcdError>) {
    app.ops_denied = match roles {
        Ok(r) if r.iter().any(|r| r == "root") => None,
        Ok(_) => Some(format!(
            "etcd user {user} lacks the root role that cluster operations need"
        )),
        // Not knowing is not a reason to hide them: etcd still refuses in words.
        Err(e) => {
            tracing::info!("could not read the roles of {user}: {e}");
            None
        }
    };
    app.apply_read_only();
}

pub fn on_update(app: &mut App, id: u64, update: OpUpdate) -> Vec<Effect> {
    let done = matches!(update, OpUpdate::Finished(_));
    let who = Who {
        context: app.context.name.clone(),
        etcd_user: app.context.user.clone(),
    };
    let mut effects = ops::on_update(&mut app.ops, id, update, &who, app.wall);
    if done {
        // Show what the operation changed right away.
        effects.extend(super::cluster::refresh(&mut app.cluster, app.now));
    }
    effects
}

/// What the session learnt about the user: the Keys tree starts at what it may read
/// (starting over when that changed), and the views say what it may not.
pub fn on_access(app: &mut App, access: crate::etcd::permissions::SessionAccess) -> Vec<Effect> {
    let restart = super::keys::permitted::set(&mut app.keys, access.keys.clone());
    super::watch::permitted(&mut app.watch, access.keys.as_ref());
    app.access = Some(access);
    app.apply_read_only();
    if restart {
        super::keys::update::start(&mut app.keys)
    } else {
        Vec::new()
    }
}
