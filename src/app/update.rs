//! `update(app, msg) -> effects`: every state change goes through here.

use crate::etcd::Event;
use crate::keymap::{Action, Key, KeyCode};

use super::keys::update as keys;
use super::{App, Command, CommandLine, ConnState, Effect, Level, Msg, Overlay, parse_command};

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            app.now = now;
            app.wall = std::time::SystemTime::now();
            if app.status.as_ref().is_some_and(|s| s.until <= now) {
                app.status = None;
            }
            let connected = matches!(app.conn, ConnState::Connected { .. });
            super::cluster::tick(&mut app.cluster, now, connected && app.snapshot.is_none())
        }
        Msg::Etcd(event) => on_etcd(app, event),
        Msg::Resize { width, height } => {
            app.width = width;
            // Header 2, tabs 1, footer 1, pane borders 2.
            app.keys.height = usize::from(height.saturating_sub(6)).max(1);
            // The lease table has a header row too.
            app.leases.height = usize::from(height.saturating_sub(7)).max(1);
            keys::after_move(&mut app.keys)
        }
        Msg::Key(key) => on_key(app, key),
        Msg::Mouse(m) => super::mouse::on_mouse(app, m),
        Msg::SnapshotOpened(result) => super::source::snapshot_opened(app, result),
        Msg::ContextSwitched(Ok(ctx)) => {
            let (info, spec) = *ctx;
            app.set_status(Level::Info, format!("switched to context {}", info.name));
            app.snapshot = None;
            app.left_context = None;
            super::source::switch(app, info);
            vec![Effect::Connect {
                generation: app.generation,
                spec,
            }]
        }
        Msg::Edited {
            key,
            expected,
            original,
            result,
        } => {
            let mut effects = Vec::new();
            match result {
                Err(e) => app.keys.error = Some(e),
                Ok((edited, draft)) => {
                    match super::keys::write::on_edited(
                        key,
                        expected,
                        &original,
                        edited,
                        draft.clone(),
                    ) {
                        Ok(c) => app.keys.ask = Some(c),
                        Err(unchanged) => {
                            app.keys.info = Some(unchanged);
                            effects.push(Effect::RemoveFile(draft));
                        }
                    }
                }
            }
            surface_keys_error(app);
            effects
        }
        Msg::RecordFailed(e) => {
            for t in &mut app.watch.tabs {
                t.record = None;
            }
            app.set_status(Level::Error, format!("{e}; recording stopped"));
            Vec::new()
        }
        Msg::Copied { what, result } => {
            match result {
                Ok(m) => app.set_status(
                    Level::Info,
                    format!("copied {what} to the {}", m.describe()),
                ),
                Err(e) => app.set_status(Level::Error, format!("could not copy {what}: {e}")),
            }
            Vec::new()
        }
        Msg::ThemeLoaded { name, warning } => {
            match warning {
                Some(w) => app.set_status(Level::Warn, w),
                None => app.set_status(Level::Info, format!("theme {name}")),
            }
            Vec::new()
        }
        Msg::AuditFailed(e) => {
            app.set_status(
                Level::Error,
                format!("the operation ran, but the audit log could not be written: {e}"),
            );
            Vec::new()
        }
        Msg::ContextSwitched(Err(e)) => {
            app.set_status(Level::Error, e);
            Vec::new()
        }
    }
}

fn on_etcd(app: &mut App, event: Event) -> Vec<Effect> {
    // An answer from the cluster we just left must not paint over the new one.
    if event.generation() != app.generation {
        return Vec::new();
    }
    let last = app.cluster().cloned();
    let mut effects = Vec::new();
    app.conn = match event {
        Event::SnapshotRead { path, result, .. } => {
            return super::source::snapshot_read(app, path, result);
        }
        Event::Watch { id, updates, .. } => {
            return super::watch::on_updates(&mut app.watch, id, updates, app.now, app.wall);
        }
        Event::Cluster { id, result, .. } => {
            let mut effects = super::cluster::on_answer(&mut app.cluster, id, result, app.now);
            effects.extend(super::upgrade::observe(app));
            return effects;
        }
        Event::Operation { id, update, .. } => return super::ops_keys::on_update(app, id, update),
        Event::Checks { id, facts, .. } => {
            super::upgrade::on_facts(&mut app.upgrade, &facts);
            super::checks::on_facts(&mut app.checks, id, *facts);
            return effects;
        }
        Event::UserRoles { user, roles, .. } => {
            super::ops_keys::on_roles(app, &user, roles);
            return effects;
        }
        Event::Access { access, .. } => return super::ops_keys::on_access(app, *access),
        Event::Auth { id, result, .. } => {
            let effects = super::auth::on_answer(&mut app.auth, id, result);
            surface_auth(app);
            return effects;
        }
        Event::Leases { id, result, .. } => {
            let effects = super::leases::on_answer(&mut app.leases, id, result, app.now);
            surface_leases(app);
            return effects;
        }
        Event::Keys { id, result, .. } => {
            let (effects, note) = keys::on_answer(&mut app.keys, id, result);
            if let Some(n) = note {
                app.set_status(Level::Error, n);
            }
            surface_keys_error(app);
            return effects;
        }
        Event::Connecting { attempt, .. } => match &app.conn {
            // Keep showing why we are disconnected while the next attempt runs.
            ConnState::Disconnected { .. } => return effects,
            _ => ConnState::Connecting { attempt },
        },
        Event::Connected { info, .. } => {
            if matches!(app.conn, ConnState::Disconnected { .. }) {
                app.set_status(Level::Info, format!("reconnected to {}", info.endpoint));
            }
            // After a disconnect the tree may be stale: reload where the user is.
            effects = if app.keys.loaded {
                keys::refresh(&mut app.keys)
            } else {
                keys::start(&mut app.keys)
            };
            app.conn = ConnState::Connected { info };
            // A view opened before the connection was up (leases, users, checks) loads
            // now, as it would have when shown.
            if app.view != super::ViewId::Keys {
                effects.extend(show_view(app, app.view));
            }
            return effects;
        }
        Event::Status { info, .. } => ConnState::Connected { info },
        Event::Disconnected {
            error,
            attempt,
            retry_in,
            ..
        } => ConnState::Disconnected {
            error,
            attempt,
            retry_at: app.now + retry_in,
            last,
        },
    };
    effects
}

fn on_key(app: &mut App, key: Key) -> Vec<Effect> {
    if let Some(effects) = super::ops_keys::modal_key(app, key) {
        return effects;
    }
    match &mut app.overlay {
        Overlay::Command(_) => return on_command_key(app, key),
        Overlay::Confirm(_) => return on_confirm_key(app, key),
        Overlay::Info => {
            app.overlay = Overlay::None;
            if key == Key::ctrl('c') {
                app.quit = true;
            }
            return Vec::new();
        }
        Overlay::Report { scroll, .. } => {
            match key.code {
                KeyCode::Char('j') | KeyCode::Down => *scroll = scroll.saturating_add(1),
                KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown => *scroll = scroll.saturating_add(10),
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                _ if key == Key::ctrl('c') => app.quit = true,
                _ => app.overlay = Overlay::None,
            }
            return Vec::new();
        }
        Overlay::Help { scroll } => {
            match key.code {
                KeyCode::Char('j') | KeyCode::Down => *scroll = scroll.saturating_add(1),
                KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown => *scroll = scroll.saturating_add(10),
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                KeyCode::Char('g') | KeyCode::Home => *scroll = 0,
                // The view clamps it to the last page.
                KeyCode::Char('G') | KeyCode::End => *scroll = u16::MAX,
                _ if key == Key::ctrl('c') => app.quit = true,
                // Any other key closes the help, which is what people press to get out.
                _ => app.overlay = Overlay::None,
            }
            return Vec::new();
        }
        Overlay::None => {}
    }
    if app.view == super::ViewId::Keys
        && let Some(effects) = super::keys::filter::on_key(&mut app.keys, key)
    {
        return effects;
    }
    if app.view == super::ViewId::Watch
        && let Some(effects) = watch_filter_key(app, key)
    {
        return effects;
    }
    match app.keymap.lookup(app.view, key) {
        Some(action) => run_action(app, action),
        None => Vec::new(),
    }
}

/// The selected key (in the escaped form `:goto` reads back) or its value as shown.
fn copy(ks: &super::keys::KeysState, value: bool) -> Vec<Effect> {
    let Some(id) = ks.current_node() else {
        return Vec::new();
    };
    let key = crate::ui::text::bytes(&ks.tree.node(id).key);
    if !value {
        return vec![Effect::Copy {
            text: key,
            what: "the key".into(),
        }];
    }
    match &ks.value {
        Some(v) if v.kv.is_some() => vec![Effect::Copy {
            text: v.rendered.text.clone(),
            what: format!("the value of {key} ({})", v.format.label()),
        }],
        _ => Vec::new(),
    }
}

fn history_action(ks: &mut super::keys::KeysState, action: Action) -> Vec<Effect> {
    use super::keys::history;
    let page = isize::try_from(ks.height.max(1)).unwrap_or(isize::MAX);
    match action {
        Action::Up => history::step(ks, -1),
        Action::Down => history::step(ks, 1),
        Action::PageUp => history::step(ks, -page),
        Action::PageDown => history::step(ks, page),
        Action::Top => history::step(ks, isize::MIN / 2),
        Action::Bottom => history::step(ks, isize::MAX / 2),
        Action::Close | Action::History => {
            history::close(ks);
            Vec::new()
        }
        Action::Mark => {
            history::toggle_mark(ks);
            Vec::new()
        }
        Action::Compare => {
            history::compare(ks);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn keys_action(app: &mut App, action: Action) -> Vec<Effect> {
    use keys::Move;
    let ks = &mut app.keys;
    if ks.focus == super::keys::Focus::History {
        let effects = history_action(ks, action);
        surface_keys_error(app);
        return effects;
    }
    if matches!(
        action,
        Action::Edit | Action::NewKey | Action::Delete | Action::DeletePrefix
    ) {
        return write_action(app, action);
    }
    let effects = match action {
        Action::CopyKey | Action::CopyValue => copy(ks, action == Action::CopyValue),
        Action::WatchHere => {
            let Some(id) = ks.current_node() else {
                return Vec::new();
            };
            let n = ks.tree.node(id);
            let (key, prefix) = (n.key.clone(), n.is_dir);
            return start_watch(app, key, prefix, None);
        }
        Action::History => super::keys::history::open(ks),
        Action::Up => keys::move_cursor(ks, Move::Up),
        Action::Down => keys::move_cursor(ks, Move::Down),
        Action::PageUp => keys::move_cursor(ks, Move::PageUp),
        Action::PageDown => keys::move_cursor(ks, Move::PageDown),
        Action::Top => keys::move_cursor(ks, Move::Top),
        Action::Bottom => keys::move_cursor(ks, Move::Bottom),
        Action::Open => keys::open(ks),
        Action::Close => keys::close(ks),
        Action::Refresh => keys::refresh(ks),
        Action::Filter => super::keys::filter::open(ks),
        Action::CycleFormat => {
            if let Some(v) = &mut ks.value {
                v.cycle_format();
            }
            Vec::new()
        }
        Action::RevealSecrets => {
            if let Some(v) = &mut ks.value {
                v.toggle_reveal();
            }
            Vec::new()
        }
        _ => Vec::new(),
    };
    surface_keys_error(app);
    effects
}

fn start_watch(app: &mut App, key: Vec<u8>, prefix: bool, rev: Option<i64>) -> Vec<Effect> {
    if app.snapshot.is_some() {
        app.set_status(Level::Error, super::NEEDS_CLUSTER);
        return Vec::new();
    }
    app.view = super::ViewId::Watch;
    let spec = crate::etcd::watch::WatchSpec {
        key,
        prefix,
        start_revision: rev,
        prev_kv: true,
    };
    super::watch::start(&mut app.watch, spec)
}

fn watch_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::watch as w;
    let ws = &mut app.watch;
    let page = isize::try_from(app.keys.height.max(1)).unwrap_or(isize::MAX);
    match action {
        Action::Up => w::step(ws, -1),
        Action::Down => w::step(ws, 1),
        Action::PageUp => w::step(ws, -page),
        Action::PageDown => w::step(ws, page),
        Action::Top => w::step(ws, isize::MIN / 2),
        Action::Bottom => w::step(ws, isize::MAX / 2),
        Action::Follow => {
            if let Some(t) = ws.tab_mut() {
                t.follow = !t.follow;
                if t.follow {
                    t.cursor = t.visible().len().saturating_sub(1);
                }
            }
        }
        Action::Pause => {
            if let Some(t) = ws.tab_mut() {
                t.paused = match t.paused {
                    Some(_) => None,
                    None => Some(t.total),
                };
                if t.paused.is_none() && t.follow {
                    t.cursor = t.visible().len().saturating_sub(1);
                }
            }
        }
        Action::Filter => {
            if let Some(t) = ws.tab_mut() {
                t.editing_filter = true;
            }
        }
        Action::CycleKinds => {
            if let Some(t) = ws.tab_mut() {
                t.kinds = match t.kinds {
                    w::KindFilter::All => w::KindFilter::Puts,
                    w::KindFilter::Puts => w::KindFilter::Deletes,
                    w::KindFilter::Deletes => w::KindFilter::All,
                };
                t.cursor = t.visible().len().saturating_sub(1);
            }
        }
        Action::NextTab if !ws.tabs.is_empty() => ws.active = (ws.active + 1) % ws.tabs.len(),
        Action::PrevTab if !ws.tabs.is_empty() => {
            ws.active = (ws.active + ws.tabs.len() - 1) % ws.tabs.len()
        }
        Action::CloseTab => return w::close(ws),
        Action::ResumeNow => {
            if let Some(t) = ws.tab() {
                if matches!(t.state, w::TabState::Compacted { .. }) {
                    let id = t.id;
                    app.set_status(
                        Level::Info,
                        "resuming from now: events between the compaction and now are skipped",
                    );
                    return vec![Effect::WatchResume { id }];
                }
                app.set_status(
                    Level::Info,
                    "R resumes a watch whose start was compacted; this one was not",
                );
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Typing into a watch's filter.
fn watch_filter_key(app: &mut App, key: Key) -> Option<Vec<Effect>> {
    let t = app.watch.tab_mut()?;
    if !t.editing_filter {
        return None;
    }
    match key.code {
        KeyCode::Esc => {
            t.filter.clear();
            t.editing_filter = false;
        }
        KeyCode::Enter => t.editing_filter = false,
        KeyCode::Backspace => {
            t.filter.pop();
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => t.filter.push(c),
        _ => return None,
    }
    t.cursor = t.visible().len().saturating_sub(1);
    Some(Vec::new())
}

fn cluster_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::cluster as cl;
    let c = &mut app.cluster;
    match action {
        Action::Up => cl::step(c, -1),
        Action::Down => cl::step(c, 1),
        Action::Top => cl::step(c, isize::MIN / 2),
        Action::Bottom => cl::step(c, isize::MAX / 2),
        Action::Refresh => return cl::refresh(c, app.now),
        Action::Upgrade => return super::upgrade::toggle(app),
        other => return super::ops_keys::action(app, other),
    }
    Vec::new()
}

fn checks_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::checks as ch;
    let c = &mut app.checks;
    match action {
        Action::Up => ch::step(c, -1),
        Action::Down => ch::step(c, 1),
        Action::Top => ch::step(c, isize::MIN / 2),
        Action::Bottom => ch::step(c, isize::MAX / 2),
        Action::Open => c.details = ch::selected(c).is_some(),
        Action::Close => c.details = false,
        Action::Refresh => return ch::run(c),
        _ => {}
    }
    Vec::new()
}

fn surface_auth(app: &mut App) {
    if let Some(i) = app.auth.notice.take() {
        app.set_status(Level::Info, i);
    }
    if let Some(e) = app.auth.error.take() {
        app.set_status(Level::Error, e);
    }
    if let Some(c) = app.auth.ask.take() {
        if app.context.read_only {
            app.set_status(Level::Error, "read-only: nothing is written");
        } else {
            app.overlay = Overlay::Confirm(Box::new(c));
        }
    }
}

fn auth_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::auth::{self as au, Pane};
    let a = &mut app.auth;
    match action {
        Action::Up => au::step(a, -1),
        Action::Down => au::step(a, 1),
        Action::Open => a.pane = Pane::Roles,
        Action::Close => a.pane = Pane::Users,
        Action::Refresh => return au::load(a),
        _ => {}
    }
    Vec::new()
}

/// Auth commands: refused in read-only, confirmed in a dialog otherwise.
fn auth_command(app: &mut App, asked: Result<super::keys::write::Confirm, String>) -> Vec<Effect> {
    app.view = super::ViewId::Auth;
    if app.context.read_only {
        app.set_status(Level::Error, "read-only: nothing is written");
        return Vec::new();
    }
    match asked {
        Ok(c) => app.auth.ask = Some(c),
        Err(e) => app.auth.error = Some(e),
    }
    surface_auth(app);
    Vec::new()
}

fn surface_leases(app: &mut App) {
    if let Some(i) = app.leases.info.take() {
        app.set_status(Level::Info, i);
    }
    if let Some(e) = app.leases.error.take() {
        app.set_status(Level::Error, e);
    }
    if let Some(c) = app.leases.ask.take() {
        if app.context.read_only {
            app.set_status(Level::Error, "read-only: nothing is written");
        } else {
            app.overlay = Overlay::Confirm(Box::new(c));
        }
    }
}

fn leases_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::leases as l;
    let ls = &mut app.leases;
    let page = isize::try_from(ls.height.max(1)).unwrap_or(isize::MAX);
    let effects = match action {
        Action::Up => l::step(ls, -1),
        Action::Down => l::step(ls, 1),
        Action::PageUp => l::step(ls, -page),
        Action::PageDown => l::step(ls, page),
        Action::Top => l::step(ls, isize::MIN / 2),
        Action::Bottom => l::step(ls, isize::MAX / 2),
        Action::Refresh => l::refresh(ls),
        Action::Close => {
            l::close(ls);
            Vec::new()
        }
        Action::Open => match l::open(ls) {
            Some(key) => {
                app.view = super::ViewId::Keys;
                keys::goto(&mut app.keys, key)
            }
            None => Vec::new(),
        },
        Action::RevokeLease | Action::KeepAlive if app.context.read_only => {
            app.set_status(Level::Error, "read-only: nothing is written");
            Vec::new()
        }
        Action::RevokeLease | Action::KeepAlive => {
            let asked = if action == Action::RevokeLease {
                l::revoke(ls)
            } else {
                l::keep_alive(ls)
            };
            match asked {
                Ok(c) => ls.ask = Some(c),
                Err(e) => ls.error = Some(e),
            }
            Vec::new()
        }
        _ => Vec::new(),
    };
    surface_leases(app);
    surface_keys_error(app);
    effects
}

/// The Keys view records what went wrong; the status line is where people look.
fn surface_keys_error(app: &mut App) {
    if let Some(i) = app.keys.info.take() {
        app.set_status(Level::Info, i);
    }
    if let Some(e) = app.keys.error.take() {
        app.set_status(Level::Error, e);
    }
    if let Some((title, text)) = app.keys.report.take() {
        app.overlay = Overlay::Report {
            title,
            text,
            scroll: 0,
        };
    }
    if let Some(c) = app.keys.ask.take() {
        // A read-only session never reaches a write dialog, whatever asked for it.
        if app.context.read_only {
            app.set_status(Level::Error, "read-only: nothing is written");
        } else {
            app.overlay = Overlay::Confirm(Box::new(c));
        }
    }
}

fn write_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::keys::write;
    if app.context.read_only {
        app.set_status(Level::Error, "read-only: nothing is written");
        return Vec::new();
    }
    if let Err(why) = super::keys::permitted::refuse_action(&app.keys, action) {
        app.set_status(Level::Error, why);
        return Vec::new();
    }
    let ks = &mut app.keys;
    let result = match action {
        Action::Edit => write::edit(ks).map(|e| vec![e]),
        Action::Delete => write::delete(ks).map(|c| {
            ks.ask = Some(c);
            Vec::new()
        }),
        Action::DeletePrefix => write::delete_prefix(ks).map(|e| vec![e]),
        Action::NewKey => {
            let dir = ks
                .current_node()
                .map(|id| {
                    let n = ks.tree.node(id);
                    if n.is_dir {
                        n.key.clone()
                    } else {
                        n.parent
                            .map(|p| ks.tree.node(p).key.clone())
                            .unwrap_or_default()
                    }
                })
                .unwrap_or_default();
            let mut line = CommandLine::with_history(app.command_history.clone());
            for c in format!("put {}", crate::ui::text::bytes(&dir)).chars() {
                line.insert(c);
            }
            app.overlay = Overlay::Command(line);
            Ok(Vec::new())
        }
        _ => Ok(Vec::new()),
    };
    let effects = result.unwrap_or_else(|e| {
        app.keys.error = Some(e);
        Vec::new()
    });
    surface_keys_error(app);
    effects
}

fn on_confirm_key(app: &mut App, key: Key) -> Vec<Effect> {
    let Overlay::Confirm(c) = &mut app.overlay else {
        return Vec::new();
    };
    use super::keys::write::{Answer, WriteOp};
    match super::keys::write::confirm_key(c, key) {
        Answer::Asking => Vec::new(),
        Answer::Confirmed(op) => {
            let title = c.title.clone();
            app.overlay = Overlay::None;
            if let WriteOp::Operation(op) = op {
                return super::ops_keys::confirmed(app, *op, title);
            }
            if app.context.read_only {
                app.set_status(Level::Error, "read-only: nothing is written");
                return Vec::new();
            }
            app.set_status(Level::Info, "writing…");
            match op {
                op @ (WriteOp::RevokeLease { .. } | WriteOp::KeepAlive { .. }) => {
                    super::leases::confirmed(&mut app.leases, op)
                }
                op @ WriteOp::Auth(_) => super::auth::confirmed(&mut app.auth, op),
                op => super::keys::write::confirmed(&mut app.keys, op)
                    .into_iter()
                    .collect(),
            }
        }
        Answer::Cancelled => {
            let kept = match &c.op {
                super::keys::write::WriteOp::Put { draft: Some(d), .. } => {
                    format!(" (your edit is kept in {})", d.display())
                }
                _ => String::new(),
            };
            app.overlay = Overlay::None;
            app.set_status(Level::Info, format!("cancelled: nothing written{kept}"));
            Vec::new()
        }
    }
}

/// Views load what they show when first shown, not before: a cluster with 100,000
/// leases costs nothing until someone looks at them.
fn show_view(app: &mut App, v: super::ViewId) -> Vec<Effect> {
    app.view = v;
    // A snapshot file has nothing but keys; the view says so instead of asking.
    let connected = matches!(app.conn, ConnState::Connected { .. }) && app.snapshot.is_none();
    if v == super::ViewId::Leases
        && connected
        && !app.leases.loaded
        && app.leases.pending.is_empty()
    {
        return super::leases::start(&mut app.leases);
    }
    if v == super::ViewId::Auth
        && connected
        && app.auth.info.is_none()
        && app.auth.pending.is_empty()
    {
        return super::auth::load(&mut app.auth);
    }
    if v == super::ViewId::Checks && connected && app.checks.list.is_none() {
        return super::checks::run(&mut app.checks);
    }
    if v == super::ViewId::Cluster && !app.cluster.active {
        return super::cluster::refresh(&mut app.cluster, app.now);
    }
    Vec::new()
}

/// For the mouse: the same actions keys run.
pub(super) fn run_action_pub(app: &mut App, action: Action) -> Vec<Effect> {
    run_action(app, action)
}

fn run_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => app.quit = true,
        Action::Help => app.overlay = Overlay::Help { scroll: 0 },
        Action::CommandLine => {
            app.overlay = Overlay::Command(CommandLine::with_history(app.command_history.clone()))
        }
        Action::NextView => return show_view(app, app.view.next()),
        Action::PrevView => return show_view(app, app.view.prev()),
        Action::ShowView(v) => return show_view(app, v),
        Action::Reconnect if app.snapshot.is_some() => return super::source::leave_snapshot(app),
        Action::Reconnect => {
            app.set_status(Level::Info, "reconnecting…");
            return vec![Effect::ReconnectNow];
        }
        other if app.view == super::ViewId::Keys => return keys_action(app, other),
        // The other views have no server to act on; their pane says why.
        _ if app.snapshot.is_some() => app.set_status(Level::Error, super::NEEDS_CLUSTER),
        other if app.view == super::ViewId::Leases => return leases_action(app, other),
        other if app.view == super::ViewId::Auth => return auth_action(app, other),
        other if app.view == super::ViewId::Cluster => return cluster_action(app, other),
        other if app.view == super::ViewId::Watch => return watch_action(app, other),
        other if app.view == super::ViewId::Checks => return checks_action(app, other),
        _ => {}
    }
    Vec::new()
}

fn on_command_key(app: &mut App, key: Key) -> Vec<Effect> {
    let Overlay::Command(line) = &mut app.overlay else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => app.overlay = Overlay::None,
        KeyCode::Char('c') if key.ctrl => app.overlay = Overlay::None,
        KeyCode::Char('u') if key.ctrl => {
            line.input.clear();
            line.home();
        }
        KeyCode::Enter => {
            let text = line.input.trim().to_string();
            app.overlay = Overlay::None;
            if text.is_empty() {
                return Vec::new();
            }
            if app.command_history.last() != Some(&text) {
                app.command_history.push(text.clone());
            }
            return run_command(app, &text);
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => line.insert(c),
        KeyCode::Backspace if line.input.is_empty() => app.overlay = Overlay::None,
        KeyCode::Backspace => line.backspace(),
        KeyCode::Delete => line.delete(),
        KeyCode::Left => line.left(),
        KeyCode::Right => line.right(),
        KeyCode::Home => line.home(),
        KeyCode::End => line.end(),
        KeyCode::Up => line.history_prev(),
        KeyCode::Down => line.history_next(),
        KeyCode::Tab => line.complete(&app.context_names),
        _ => {}
    }
    Vec::new()
}

fn run_command(app: &mut App, text: &str) -> Vec<Effect> {
    let command = parse_command(text);
    if app.snapshot.is_some() && super::source::needs_cluster(&command) {
        app.set_status(Level::Error, super::NEEDS_CLUSTER);
        return Vec::new();
    }
    match command {
        Err(e) => app.set_status(Level::Error, e),
        Ok(Command::Quit) => app.quit = true,
        Ok(Command::Help) => app.overlay = Overlay::Help { scroll: 0 },
        Ok(Command::ShowView(v)) => app.view = v,
        Ok(Command::Reconnect) => return run_action(app, Action::Reconnect),
        Ok(Command::Info) => app.overlay = Overlay::Info,
        Ok(Command::Watch { key, rev }) => {
            let prefix = true;
            return start_watch(app, key, prefix, rev);
        }
        Ok(Command::Record(path)) => {
            let path = match (path.strip_prefix("~/"), dirs::home_dir()) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => std::path::PathBuf::from(path),
            };
            let msg = match app.watch.tab_mut() {
                Some(t) => {
                    let m = format!(
                        "recording new events of {} to {}",
                        t.title(),
                        path.display()
                    );
                    t.record = Some(path);
                    (Level::Info, m)
                }
                None => (
                    Level::Error,
                    "no watch to record: start one with :watch PREFIX".to_string(),
                ),
            };
            app.set_status(msg.0, msg.1);
        }
        Ok(Command::ListContexts) => {
            let text = if app.context_names.is_empty() {
                "no contexts in config.yaml".to_string()
            } else {
                format!("contexts: {}", app.context_names.join(", "))
            };
            app.set_status(Level::Info, text);
        }
        Ok(Command::AuthSwitch(enable)) => {
            let asked = super::auth::toggle(&app.auth, enable);
            return auth_command(app, asked);
        }
        Ok(Command::Role { user, role, revoke }) => {
            return auth_command(app, Ok(super::auth::grant(&user, &role, revoke)));
        }
        Ok(Command::UserAdd(name)) => return auth_command(app, Ok(super::auth::add_user(&name))),
        Ok(Command::Export(path)) => {
            let path = match (path.strip_prefix("~/"), dirs::home_dir()) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => std::path::PathBuf::from(path),
            };
            app.view = super::ViewId::Keys;
            return keys::export(&mut app.keys, path);
        }
        Ok(Command::Diff(path)) => {
            let path = match (path.strip_prefix("~/"), dirs::home_dir()) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => std::path::PathBuf::from(path),
            };
            let effects = keys::snapshot_diff(&mut app.keys, path);
            surface_keys_error(app);
            return effects;
        }
        Ok(Command::Open(path)) => {
            let path = match (path.strip_prefix("~/"), dirs::home_dir()) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => std::path::PathBuf::from(path),
            };
            app.set_status(Level::Info, format!("opening {}…", path.display()));
            return vec![Effect::OpenSnapshot(path)];
        }
        Ok(Command::Put(key)) => {
            if app.context.read_only {
                app.set_status(Level::Error, "read-only: nothing is written");
                return Vec::new();
            }
            if let Err(why) = super::keys::permitted::refuse_write(&app.keys, &key, false) {
                app.set_status(Level::Error, why);
                return Vec::new();
            }
            app.view = super::ViewId::Keys;
            return vec![Effect::Edit {
                key,
                initial: Vec::new(),
                expected: 0,
            }];
        }
        Ok(Command::Goto(target)) => {
            app.view = super::ViewId::Keys;
            let effects = keys::goto(&mut app.keys, target);
            surface_keys_error(app);
            return effects;
        }
        Ok(Command::Op(cmd)) => return super::ops_keys::command(app, cmd),
        Ok(Command::Theme(Some(name))) => return vec![Effect::LoadTheme(name)],
        Ok(Command::Theme(None)) => {
            let names: Vec<&str> = crate::theme::BUILTIN.iter().map(|(n, _)| *n).collect();
            app.set_status(
                Level::Info,
                format!(
                    "themes: {} (and yours in the config dir's etcdtui/themes/)",
                    names.join(", ")
                ),
            );
        }
        Ok(Command::SwitchContext(name)) => {
            app.set_status(Level::Info, format!("switching to context {name}…"));
            return vec![Effect::ResolveContext(name)];
        }
    }
    Vec::new()
}
