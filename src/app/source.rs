//! Switching what the app shows: another cluster (`:ctx`) or a snapshot file (`:open`).
//! Either way the old source's tree, members, leases, users and watches are dropped and
//! a new generation starts, so a late answer from the old one cannot paint over it.

use std::path::Path;

use super::{App, Command, ConnState, ContextInfo, Effect, Level, SnapshotSource};

/// Starts a new generation for `context`; the caller sends what connects it.
pub fn switch(app: &mut App, context: ContextInfo) {
    app.context = context;
    app.ops_denied = None;
    app.access = None;
    app.apply_read_only();
    app.generation += 1;
    app.conn = ConnState::Connecting { attempt: 0 };
    // The list's height is the terminal's, not the source's: kept for paging.
    let height = app.keys.height;
    app.keys = super::keys::KeysState::new(app.keys.sep);
    app.keys.height = height;
    // Another cluster: its members, leases and users are not these.
    let (watching, quota, interval) = (app.cluster.active, app.cluster.quota, app.cluster.interval);
    app.cluster = Default::default();
    app.cluster.active = watching;
    app.cluster.quota = quota;
    app.cluster.interval = interval;
    app.leases = Default::default();
    app.auth = Default::default();
    // The actor stopped the old cluster's watches.
    app.watch = Default::default();
}

/// The file is read: browse it under a new generation. The runtime sends the actor the
/// file with `app.generation` right after this returns.
pub fn snapshot_opened(app: &mut App, result: Result<SnapshotSource, String>) -> Vec<Effect> {
    let source = match result {
        Ok(s) => s,
        Err(e) => {
            app.set_status(Level::Error, e);
            return Vec::new();
        }
    };
    // Only a cluster can be gone back to: not the placeholder `--snapshot` shows while
    // it reads the file, which has no endpoints.
    if app.snapshot.is_none() && !app.context.endpoints.is_empty() {
        app.left_context = Some(app.context.clone());
    }
    app.set_status(
        Level::Info,
        format!(
            "browsing snapshot {} at revision {} (read-only); :ctx NAME or ctrl-r goes back to a cluster",
            source.path, source.revision
        ),
    );
    switch(app, context(&source));
    app.snapshot = Some(source);
    app.view = super::ViewId::Keys;
    Vec::new()
}

/// A file `:open` asked for is read: switch to it and have the actor serve it.
pub fn snapshot_read(
    app: &mut App,
    path: std::path::PathBuf,
    result: Result<SnapshotSource, String>,
) -> Vec<Effect> {
    let ok = result.is_ok();
    let mut effects = snapshot_opened(app, result);
    if ok {
        effects.push(Effect::BrowseSnapshot {
            generation: app.generation,
            path,
        });
    }
    effects
}

/// Reconnect while browsing a file: back to the cluster `:open` left, if any.
pub fn leave_snapshot(app: &mut App) -> Vec<Effect> {
    match app.left_context.take() {
        Some(context) => {
            app.set_status(Level::Info, format!("back to context {}…", context.name));
            app.snapshot = None;
            switch(app, context);
            vec![Effect::ResumeLive {
                generation: app.generation,
            }]
        }
        None => {
            app.set_status(
                Level::Info,
                "a snapshot file does not change; :ctx NAME connects to a cluster",
            );
            Vec::new()
        }
    }
}

/// Commands that only a server can answer; writes are refused by read-only mode anyway.
pub fn needs_cluster(command: &Result<Command, String>) -> bool {
    matches!(
        command,
        Ok(Command::Watch { .. }
            | Command::Diff(_)
            | Command::Record(_)
            | Command::AuthSwitch(_)
            | Command::Role { .. }
            | Command::UserAdd(_)
            | Command::Op(_))
    )
}

/// What the header shows while `--snapshot FILE` is still being read.
pub fn reading_context(path: &Path) -> ContextInfo {
    ContextInfo {
        name: "snapshot".into(),
        endpoints: Vec::new(),
        source: format!("snapshot file {}", path.display()),
        read_only: true,
        user: None,
        tls: false,
        details: vec!["reading the file…".into()],
    }
}

/// A snapshot session is read-only whatever the config says: this strips every write
/// binding, and the actor refuses writes to a file anyway.
pub fn context(source: &SnapshotSource) -> ContextInfo {
    ContextInfo {
        name: "snapshot".into(),
        endpoints: Vec::new(),
        source: format!("snapshot file {}", source.path),
        read_only: true,
        user: None,
        tls: false,
        details: vec![format!(
            "revision {}, {} keys",
            source.revision, source.keys
        )],
    }
}
