//! `update(app, msg) -> effects`: every state change goes through here. This file
//! routes messages and keys; the views' actions and the command line live beside it.

use crate::etcd::Event;
use crate::keymap::{Action, Key, KeyCode};

use super::keys::update as keys;

mod command_line;
mod key_actions;
mod view_actions;

use super::{App, Command, CommandLine, ConnState, Effect, Level, Msg, Overlay, parse_command};
use command_line::*;
use key_actions::*;
use view_actions::*;
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            app.now = now;
            app.wall = std::time::SystemTime::now();
            if app.status.as_ref().is_some_and(|s| s.until <= now) {
                app.status = None;
            }
            let connected = matches!(app.conn, ConnState::Connected { .. });
            super::churn::tick(&mut app.churn, now);
            super::cluster::tick(&mut app.cluster, now, connected && app.snapshot.is_none())
        }
        Msg::Etcd(event) => on_etcd(app, event),
        Msg::Resize { width, height } => {
            app.width = width;
            app.height = height;
            // Header 2, tabs 1, footer 1, pane borders 2.
            app.keys.height = usize::from(height.saturating_sub(6)).max(1);
            // The lease table has a header row too.
            app.leases.height = usize::from(height.saturating_sub(7)).max(1);
            keys::after_move(&mut app.keys)
        }
        Msg::Key(key) => on_key(app, key),
        Msg::Mouse(m) => super::mouse::on_mouse(app, m),
        Msg::SnapshotOpened(result) => super::source::snapshot_opened(app, result),
        Msg::RestorePlanMade {
            generation,
            file,
            result,
        } => super::restore_plan::on_made(app, generation, file, result),
        Msg::ContextSwitched(Ok(ctx)) => {
            let (info, spec) = *ctx;
            // The churn watch belongs to the cluster left behind (the actor drops it).
            app.churn = Default::default();
            app.forecast = Default::default();
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
                Ok((edited, draft)) if super::keys::k8s_edit::owns(&app.keys, &key, expected) => {
                    match super::keys::k8s_edit::on_edited(&mut app.keys, &edited, draft.clone()) {
                        Ok(Some(c)) => app.keys.ask = Some(c),
                        Ok(None) => {
                            app.keys.info =
                                Some(format!("{}: no changes", crate::text::bytes(&key)));
                            effects.push(Effect::RemoveFile(draft));
                        }
                        Err(e) => app.keys.error = Some(e),
                    }
                }
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
            if let Ok(s) = &result {
                super::forecast::observe_file(&mut app.forecast, s);
            }
            return super::source::snapshot_read(app, path, result);
        }
        Event::Churn { id, updates, .. } => {
            super::churn::on_updates(&mut app.churn, id, updates, app.now);
            return effects;
        }
        Event::WatchPrev {
            id,
            key,
            revision,
            result,
            ..
        } => {
            super::watch_prev::on_answer(&mut app.watch, id, (key, revision), result);
            return effects;
        }
        Event::Watch { id, updates, .. } => {
            return super::watch::on_updates(&mut app.watch, id, updates, app.now, app.wall);
        }
        Event::Cluster { id, result, .. } => {
            let mut effects = super::cluster::on_answer(&mut app.cluster, id, result, app.now);
            super::forecast::observe(&mut app.forecast, &app.cluster, app.now);
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
        Event::Du { id, update, .. } => {
            super::forecast::observe_du(&mut app.forecast, &update);
            return super::du::on_update(app, id, update);
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
            let audit = super::keys::k8s_edit::audit(app, id, &result);
            let (mut effects, note) = keys::on_answer(&mut app.keys, id, result);
            effects.extend(super::du::after_keys(app));
            effects.extend(audit);
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
    if let Some(effects) = super::du::modal_key(app, key) {
        return effects;
    }
    match &mut app.overlay {
        Overlay::Command(_) => return on_command_key(app, key),
        Overlay::Confirm(_) => return on_confirm_key(app, key),
        Overlay::RestorePlan(_) => return super::restore_plan::on_key(app, key),
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
    if v == super::ViewId::Churn && connected {
        return super::churn::on_show(&mut app.churn, app.watch.perms.as_ref(), app.now);
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
        Action::RestorePlan => return super::restore_plan::open(app),
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
        other if app.view == super::ViewId::Churn => return churn_action(app, other),
        _ => {}
    }
    Vec::new()
}
