//! The Leases view: every lease with its TTLs and key count on the left, the selected
//! lease's keys on the right.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::app::leases::{LeaseFocus, LeasesState};
use crate::theme::Theme;

use super::keys::group;
use super::pane;
use crate::text::bytes;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let ls = &app.leases;
    // The lease table needs about 40 columns; the keys get the rest.
    let [left, right] =
        Layout::horizontal([Constraint::Length(40), Constraint::Min(20)]).areas(area);
    draw_list(frame, left, app, ls, theme);
    if ls.k8s.is_empty() {
        draw_keys(frame, right, ls, theme);
        return;
    }
    let k8s_rows = (ls.k8s.len() as u16 + 3).min(right.height / 2);
    let [keys, k8s] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(k8s_rows)]).areas(right);
    draw_keys(frame, keys, ls, theme);
    draw_k8s(frame, k8s, ls, theme);
}

/// Kubernetes' own Lease objects: who holds each leader election and node heartbeat.
fn draw_k8s(frame: &mut Frame, area: Rect, ls: &LeasesState, theme: &Theme) {
    let block = pane(" Kubernetes leases (holder) ".into(), false, theme);
    let name_w = usize::from(area.width.saturating_sub(2) / 2);
    let mut lines = Vec::new();
    for l in &ls.k8s {
        let name = l
            .key
            .strip_prefix(crate::etcd::leases::K8S_LEASES)
            .unwrap_or(&l.key);
        lines.push(Line::from(vec![
            Span::styled(format!("{:<name_w$} ", bytes(name)), theme.text),
            Span::styled(
                l.holder
                    .as_deref()
                    .map(|h| bytes(h.as_bytes()))
                    .unwrap_or_else(|| "(no holder)".into()),
                theme.leader,
            ),
            Span::styled(
                l.renew_time
                    .as_deref()
                    .map(|t| format!("  renewed {t}"))
                    .unwrap_or_default(),
                theme.muted,
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_list(frame: &mut Frame, area: Rect, app: &App, ls: &LeasesState, theme: &Theme) {
    let focused = ls.focus != Some(LeaseFocus::Keys);
    let title = if ls.loaded {
        format!(" Leases {} ", group(ls.ids.len() as i64))
    } else {
        " Leases ".into()
    };
    let block = pane(title, focused, theme);
    let mut lines = vec![Line::styled(
        format!("{:<16} {:>7} {:>7} {:>5}", "ID", "granted", "left", "keys"),
        theme.muted,
    )];
    if let Some(why) = &ls.not_permitted {
        lines.push(Line::styled(why.clone(), theme.warning));
    } else if !ls.loaded {
        lines.push(Line::styled("loading…", theme.muted));
    } else if ls.ids.is_empty() {
        lines.push(Line::styled("no leases", theme.muted));
    }
    for (i, id) in ls.window() {
        let (granted, left, keys) = match ls.details.get(&id) {
            Some((info, _)) => {
                let left = match ls.remaining(id, app.now) {
                    Some(-1) => "expired".to_string(),
                    Some(s) => format!("{s}s"),
                    None => "…".into(),
                };
                (
                    format!("{}s", info.granted_ttl),
                    left,
                    info.keys.len().to_string(),
                )
            }
            None => ("…".into(), "…".into(), "…".into()),
        };
        let text = format!("{:<16} {granted:>7} {left:>7} {keys:>5}", format!("{id:x}"));
        let line = Line::styled(text, theme.text);
        lines.push(if i == ls.cursor && focused {
            line.style(theme.selection)
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_keys(frame: &mut Frame, area: Rect, ls: &LeasesState, theme: &Theme) {
    let focused = ls.focus == Some(LeaseFocus::Keys);
    let Some(info) = ls.selected_info() else {
        frame.render_widget(
            Paragraph::new("").block(pane(" Keys ".into(), focused, theme)),
            area,
        );
        return;
    };
    let block = pane(format!(" Keys of lease {:x} ", info.id), focused, theme);
    let inner_h = usize::from(area.height.saturating_sub(2)).max(1);
    let first = ls.key_cursor.saturating_sub(inner_h.saturating_sub(1));
    let mut lines: Vec<Line> = info
        .keys
        .iter()
        .enumerate()
        .skip(first)
        .take(inner_h)
        .map(|(i, k)| {
            let holder = ls
                .holder_of(k)
                .map(|h| format!("  (held by {})", bytes(h.as_bytes())))
                .unwrap_or_default();
            let line = Line::from(vec![
                Span::styled(bytes(k), theme.text),
                Span::styled(holder, theme.leader),
            ]);
            if focused && i == ls.key_cursor {
                line.style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled("no keys attached", theme.muted));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
