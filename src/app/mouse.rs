//! The mouse: the wheel moves the selection of the view under it, a click on the tab
//! bar switches views, a click on a row of the Keys tree selects it. Positions follow
//! the fixed frame every view shares: two header rows, the tab bar, then the body.

use crate::keymap::Action;

use super::{App, Effect, Mouse, MouseKind, Overlay, ViewId};

/// The tab bar's row.
const TABS: u16 = 2;
/// The first row inside the body's bordered panes.
const FIRST_ROW: u16 = 4;

pub fn on_mouse(app: &mut App, m: Mouse) -> Vec<Effect> {
    // Dialogs and windows own the screen: the mouse does not reach behind them.
    if !matches!(app.overlay, Overlay::None) || app.ops.running.is_some() {
        return Vec::new();
    }
    match m.kind {
        MouseKind::ScrollUp => super::update::run_action_pub(app, Action::Up),
        MouseKind::ScrollDown => super::update::run_action_pub(app, Action::Down),
        MouseKind::Click if m.y == TABS => match tab_at(m.x) {
            Some(v) => super::update::run_action_pub(app, Action::ShowView(v)),
            None => Vec::new(),
        },
        MouseKind::Click => click_row(app, m),
    }
}

/// The tab under column `x`, laid out as the tab bar draws them: one space, then
/// ` N Title ` and a space per view.
pub fn tab_at(x: u16) -> Option<ViewId> {
    let mut start = 1u16;
    for v in ViewId::ALL {
        let width = (v.title().chars().count() + 4) as u16;
        if (start..start + width).contains(&x) {
            return Some(v);
        }
        start += width + 1;
    }
    None
}

/// The Cluster view's member rows start below its two summary lines, the table's
/// border and its column titles.
const FIRST_MEMBER_ROW: u16 = 7;

fn click_row(app: &mut App, m: Mouse) -> Vec<Effect> {
    match app.view {
        ViewId::Keys => click_keys_row(app, m),
        ViewId::Cluster if m.y >= FIRST_MEMBER_ROW => {
            let n = app.cluster.snapshot.as_ref().map_or(0, |s| s.members.len());
            let row = usize::from(m.y - FIRST_MEMBER_ROW);
            if row < n {
                app.cluster.cursor = row;
            }
            Vec::new()
        }
        ViewId::Checks if m.y >= FIRST_ROW => {
            // The list scrolls so that the cursor stays on the last visible row.
            let c = &mut app.checks;
            let rows = app.keys.height.max(1);
            let first = c.cursor.saturating_sub(rows - 1);
            let row = first + usize::from(m.y - FIRST_ROW);
            if row < c.list.as_ref().map_or(0, Vec::len) {
                c.cursor = row;
            }
            Vec::new()
        }
        ViewId::Leases => click_lease_row(app, m),
        ViewId::Auth => {
            click_auth_row(app, m);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Lease rows start below the pane's border and its column titles; the list is the
/// left 40 columns.
const FIRST_LEASE_ROW: u16 = 5;
/// User and role rows start below the auth line and the panes' border.
const FIRST_AUTH_ROW: u16 = 5;

fn click_lease_row(app: &mut App, m: Mouse) -> Vec<Effect> {
    let ls = &mut app.leases;
    if m.x >= 40 || m.y < FIRST_LEASE_ROW || ls.focus == Some(super::leases::LeaseFocus::Keys) {
        return Vec::new();
    }
    let row = ls.offset + usize::from(m.y - FIRST_LEASE_ROW);
    if row >= ls.ids.len() {
        return Vec::new();
    }
    let delta = row as isize - ls.cursor as isize;
    super::leases::step(ls, delta)
}

fn click_auth_row(app: &mut App, m: Mouse) {
    use super::auth::Pane;
    let a = &mut app.auth;
    let Some(info) = &a.info else {
        return;
    };
    if m.y < FIRST_AUTH_ROW {
        return;
    }
    let row = usize::from(m.y - FIRST_AUTH_ROW);
    // The users pane is the left 40 % of the screen, as the view lays it out.
    if u32::from(m.x) * 100 < u32::from(app.width) * 40 {
        if row < info.users.len() {
            a.pane = Pane::Users;
            a.user_cursor = row;
        }
    } else {
        // Each role is drawn as its name, then a line per permission.
        let mut first = 0;
        for (i, r) in info.roles.iter().enumerate() {
            let lines = 1 + r.perms.len();
            if row < first + lines {
                a.pane = Pane::Roles;
                a.role_cursor = i;
                return;
            }
            first += lines;
        }
    }
}

fn click_keys_row(app: &mut App, m: Mouse) -> Vec<Effect> {
    if m.y < FIRST_ROW {
        return Vec::new();
    }
    let row = app.keys.offset + usize::from(m.y - FIRST_ROW);
    let visible = app.keys.height;
    if usize::from(m.y - FIRST_ROW) >= visible {
        return Vec::new();
    }
    let delta = row as isize - app.keys.cursor as isize;
    let step = if delta < 0 { Action::Up } else { Action::Down };
    let mut effects = Vec::new();
    for _ in 0..delta.unsigned_abs() {
        effects.extend(super::update::run_action_pub(app, step));
    }
    // Moving the selection is all a click does: it never opens or writes anything.
    effects
}
