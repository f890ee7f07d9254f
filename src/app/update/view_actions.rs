//! Actions of the Watch, Cluster, Checks, Auth and Leases views.

use super::*;

pub(super) fn start_watch(
    app: &mut App,
    key: Vec<u8>,
    prefix: bool,
    rev: Option<i64>,
) -> Vec<Effect> {
    if app.snapshot.is_some() {
        app.set_status(Level::Error, super::super::NEEDS_CLUSTER);
        return Vec::new();
    }
    app.view = super::super::ViewId::Watch;
    let spec = crate::etcd::watch::WatchSpec {
        key,
        prefix,
        start_revision: rev,
        // Previous values are read on demand (enter), see `watch_prev`.
        prev_kv: false,
    };
    super::super::watch::start(&mut app.watch, spec)
}

pub(super) fn watch_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::super::watch as w;
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
        Action::Open => return super::super::watch_prev::ask(ws),
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
pub(super) fn watch_filter_key(app: &mut App, key: Key) -> Option<Vec<Effect>> {
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

pub(super) fn cluster_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::super::cluster as cl;
    let c = &mut app.cluster;
    match action {
        Action::Up => cl::step(c, -1),
        Action::Down => cl::step(c, 1),
        Action::Top => cl::step(c, isize::MIN / 2),
        Action::Bottom => cl::step(c, isize::MAX / 2),
        Action::Refresh => return cl::refresh(c, app.now),
        Action::Upgrade => return super::super::upgrade::toggle(app),
        other => return super::super::ops_keys::action(app, other),
    }
    Vec::new()
}

pub(super) fn checks_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::super::checks as ch;
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

pub(super) fn surface_auth(app: &mut App) {
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

pub(super) fn auth_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::super::auth::{self as au, Pane};
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
pub(super) fn auth_command(
    app: &mut App,
    asked: Result<super::super::keys::write::Confirm, String>,
) -> Vec<Effect> {
    app.view = super::super::ViewId::Auth;
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

pub(super) fn surface_leases(app: &mut App) {
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

pub(super) fn leases_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::super::leases as l;
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
                app.view = super::super::ViewId::Keys;
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

pub(super) fn churn_action(app: &mut App, action: Action) -> Vec<Effect> {
    use super::super::churn as ch;
    let c = &mut app.churn;
    match action {
        Action::Down => ch::step(c, 1),
        Action::Up => ch::step(c, -1),
        Action::Top => c.cursor = 0,
        Action::Deeper => return ch::change_depth(c, 1, app.now),
        Action::Shallower => return ch::change_depth(c, -1, app.now),
        _ => {}
    }
    Vec::new()
}

/// `:churn [PREFIX]`: shows the view; a prefix (re)starts the churn watch on it.
pub(super) fn churn_command(app: &mut App, prefix: Option<Vec<u8>>) -> Vec<Effect> {
    use super::super::churn as ch;
    if app.snapshot.is_some() {
        app.set_status(Level::Error, super::super::NEEDS_CLUSTER);
        return Vec::new();
    }
    let Some(prefix) = prefix else {
        return show_view(app, super::super::ViewId::Churn);
    };
    app.view = super::super::ViewId::Churn;
    // etcd would refuse the watch (and keep refusing it on every retry): say so here.
    if let Some(p) = &app.watch.perms
        && !p.can_read_prefix(&prefix)
    {
        let mut effects = ch::stop(&mut app.churn);
        effects.extend(ch::refuse(&mut app.churn, prefix));
        return effects;
    }
    ch::start(&mut app.churn, prefix, None, app.now)
}
