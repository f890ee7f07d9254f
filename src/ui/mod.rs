//! Views: `draw(frame, app, theme)` reads the state and draws. No I/O, no mutation.

mod auth;
mod body;
mod checks;
mod churn;
mod cluster;
mod cluster_details;
mod cluster_table;
mod cluster_upgrade;
mod confirm;
pub mod du;
mod footer;
mod forecast;
mod header;
mod help;
mod highlight;
mod history;
pub mod keys;
mod leases;
pub mod ops;
mod restore_plan;

mod watch;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::{App, Overlay};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let [head, tabs, body_area, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    header::draw(frame, head, app, theme);
    header::draw_tabs(frame, tabs, app, theme);
    // While disconnected the panel explaining why is worth more than a stale tree.
    let connected = matches!(app.conn, crate::app::ConnState::Connected { .. });
    if app.snapshot.is_some() && app.view != crate::app::ViewId::Keys {
        body::draw_needs_cluster(frame, body_area, app, theme);
    } else if app.view == crate::app::ViewId::Keys && app.keys.loaded && connected {
        keys::draw(frame, body_area, app, theme);
    } else if app.view == crate::app::ViewId::Leases && app.leases.loaded && connected {
        leases::draw(frame, body_area, app, theme);
    } else if app.view == crate::app::ViewId::Churn && (connected || app.churn.rates.groups() > 0) {
        churn::draw(frame, body_area, app, theme);
    } else if app.view == crate::app::ViewId::Watch {
        watch::draw(frame, body_area, app, theme);
    } else if app.view == crate::app::ViewId::Cluster
        && (app.cluster.snapshot.is_some() || (connected && app.cluster.error.is_some()))
    {
        // Stale but still shown while disconnected: a dead cluster is exactly when
        // people need to see which members were up.
        cluster::draw(frame, body_area, app, theme);
    } else if app.view == crate::app::ViewId::Checks && (connected || app.checks.list.is_some()) {
        checks::draw(frame, body_area, app, theme);
    } else if app.view == crate::app::ViewId::Auth && connected {
        auth::draw(frame, body_area, app, theme);
    } else {
        body::draw(frame, body_area, app, theme);
    }
    footer::draw(frame, foot, app, theme);
    match &app.overlay {
        Overlay::Help { scroll } => help::draw(frame, body_area, app, theme, *scroll),
        Overlay::Command(line) => footer::draw_command(frame, foot, body_area, app, line, theme),
        Overlay::Confirm(c) => confirm::draw(frame, body_area, c, theme),
        Overlay::Info => body::draw_popup(frame, body_area, app, theme),
        Overlay::Report {
            title,
            text,
            scroll,
        } => body::draw_report(frame, body_area, (title, text), *scroll, theme),
        Overlay::RestorePlan(p) => restore_plan::draw(frame, body_area, p, theme),
        Overlay::None => {}
    }
    if let Some(r) = &app.ops.running {
        ops::draw_running(frame, body_area, r, app.now, theme);
    } else if let Some(f) = &app.ops.finished {
        ops::draw_finished(frame, body_area, f, theme);
    }
}

/// The rounded, titled frame every pane uses; the focused one is highlighted.
pub fn pane<'a>(title: String, focused: bool, theme: &Theme) -> ratatui::widgets::Block<'a> {
    use ratatui::widgets::{Block, BorderType, Borders};
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(ratatui::text::Span::styled(title, theme.title))
}

/// A rectangle of the given size centred in `area`, shrunk to fit.
/// Rows `lines` take when wrapped into a popup `width` wide (borders and one column
/// of padding each side), so the popup is tall enough for its last line. Wrapping on
/// words can take a row more than the width alone says, so a wrapped line gets one.
pub fn wrapped_rows(lines: &[ratatui::text::Line], width: u16, area: Rect) -> u16 {
    let inner = usize::from(width.min(area.width).saturating_sub(4)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| match l.width() {
            w if w <= inner => 1,
            w => w.div_ceil(inner) + 1,
        })
        .sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// A centred popup that fits `lines` and its title: as wide as the widest (between
/// 40 columns and `max`), as tall as they are once wrapped.
pub fn popup_for(area: Rect, lines: &[ratatui::text::Line], title: &str, max: usize) -> Rect {
    let width = lines
        .iter()
        .map(|l| l.width())
        .chain(std::iter::once(title.chars().count() + 4))
        .max()
        .unwrap_or(40)
        .clamp(40, max) as u16
        + 4;
    centered(
        area,
        width,
        wrapped_rows(lines, width, area).saturating_add(2),
    )
}

pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
