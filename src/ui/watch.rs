//! The Watch view: a tab per watch with its state, the event table, the selected
//! event's value and its diff from the previous value, and the rate.

use std::time::SystemTime;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline, Wrap};

use crate::app::App;
use crate::app::keys::history::{DiffLine, diff_lines};
use crate::app::watch::{KindFilter, Tab, TabState};
use crate::app::watch_prev::{PrevState, Prevs};
use crate::decode::render_value::{formats_for, render};
use crate::etcd::watch::EventKind;
use crate::etcd::watch::PrevValue;
use crate::theme::Theme;

use super::keys::group;
use crate::text::{bytes, safe};

fn pane<'a>(title: String, theme: &Theme) -> Block<'a> {
    super::pane(title, false, theme)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let w = &app.watch;
    let Some(tab) = w.tab() else {
        let mut lines = vec![
            Line::styled("No watch yet.", theme.text),
            Line::styled(
                "Press w on a key or directory in the Keys view, or type :watch PREFIX [--rev N].",
                theme.muted,
            ),
        ];
        if let Some(p) = w.perms.as_ref().and_then(|p| p.entries()) {
            let keys: Vec<String> = p.iter().map(|e| bytes(e.key())).collect();
            lines.push(Line::styled(
                if keys.is_empty() {
                    "not permitted: this user may read no keys, so there is nothing to watch"
                        .to_string()
                } else {
                    format!("This user may watch only {}.", safe(&keys.join(", ")))
                },
                theme.warning,
            ));
        }
        frame.render_widget(
            Paragraph::new(lines).block(pane(" Watch ".into(), theme)),
            area,
        );
        return;
    };
    let [tabs, status, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    let mut spans = Vec::new();
    for (i, t) in w.tabs.iter().enumerate() {
        let style = if i == w.active {
            theme.tab_active
        } else {
            theme.tab
        };
        spans.push(Span::styled(
            format!(" {} {} ", state_mark(&t.state), t.title()),
            style,
        ));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    frame.render_widget(Paragraph::new(status_line(tab, theme)), status);
    let (left, right) = if body.width >= 100 {
        let [l, r] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(body);
        (l, Some(r))
    } else {
        (body, None)
    };
    let [table, rate] = Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(left);
    draw_table(frame, table, tab, app.wall, theme);
    let data: Vec<u64> = tab.rate.iter().copied().collect();
    frame.render_widget(
        Sparkline::default()
            .data(&data)
            .style(theme.healthy)
            .block(pane(
                format!(" {:.0}/s, last {} s ", tab.per_second(), data.len()),
                theme,
            )),
        rate,
    );
    if let Some(r) = right {
        draw_detail(frame, r, tab, &w.prev, theme);
    }
}

fn state_mark(s: &TabState) -> &'static str {
    match s {
        TabState::Starting => "◌",
        TabState::Live { .. } => "●",
        TabState::Reconnecting { .. } => "↻",
        TabState::Compacted { .. } => "✗",
        TabState::Cancelled { .. } => "■",
    }
}

fn status_line<'a>(t: &Tab, theme: &Theme) -> Line<'a> {
    let (text, style) = match &t.state {
        TabState::Starting => ("starting…".to_string(), theme.warning),
        TabState::Live { endpoint } => (format!("live on {endpoint}"), theme.healthy),
        TabState::Reconnecting { error, resume_from } => (
            format!("reconnecting, will resume at revision {resume_from}: {error}"),
            theme.warning,
        ),
        TabState::Compacted {
            requested,
            compact_revision,
        } => (
            format!(
                "revision {requested} was compacted (compacted up to {compact_revision}): R resumes from now"
            ),
            theme.error,
        ),
        TabState::Cancelled { reason } if reason.starts_with("not permitted") => {
            (reason.clone(), theme.warning)
        }
        TabState::Cancelled { reason } => (format!("cancelled: {reason}"), theme.error),
    };
    let mut spans = vec![Span::styled(format!(" {} ", safe(&text)), style)];
    spans.push(Span::styled(
        format!(" {} events", group(t.total as i64)),
        theme.muted,
    ));
    if t.dropped > 0 {
        spans.push(Span::styled(
            format!(
                ", {} dropped (ring of {})",
                group(t.dropped as i64),
                group(t.capacity as i64)
            ),
            theme.warning,
        ));
    }
    if t.paused.is_some() {
        spans.push(Span::styled(
            format!("  PAUSED, {} new", group(t.held_back() as i64)),
            theme.badge,
        ));
    }
    if !t.follow {
        spans.push(Span::styled("  not following", theme.muted));
    }
    if !t.filter.is_empty() || t.editing_filter {
        let cursor = if t.editing_filter { "▏" } else { "" };
        spans.push(Span::styled(
            format!("  /{}{cursor}", safe(&t.filter)),
            theme.key,
        ));
    }
    if t.kinds != KindFilter::All {
        spans.push(Span::styled(
            format!(
                "  only {}",
                if t.kinds == KindFilter::Puts {
                    "PUT"
                } else {
                    "DELETE"
                }
            ),
            theme.key,
        ));
    }
    if let Some(p) = &t.record {
        spans.push(Span::styled(
            format!("  ● recording to {}", p.display()),
            theme.error,
        ));
    }
    Line::from(spans)
}

fn draw_table(frame: &mut Frame, area: Rect, t: &Tab, wall: SystemTime, theme: &Theme) {
    let block = pane(format!(" Events of {} ", t.title()), theme);
    let inner = block.inner(area);
    let h = usize::from(inner.height).saturating_sub(1).max(1);
    let rows = t.visible();
    let first = (t.cursor + 1).saturating_sub(h);
    let mut lines = vec![Line::styled(
        format!(
            "{:<8} {:>9} {:<6} {:>7} {:>4} key",
            crate::clock::zone_label(wall),
            "rev",
            "type",
            "size",
            "ver"
        ),
        theme.muted,
    )];
    for (pos, &i) in rows.iter().enumerate().skip(first).take(h) {
        let r = &t.events[i];
        let (kind, style) = match r.ev.kind {
            EventKind::Put => ("PUT", theme.put),
            EventKind::Delete => ("DELETE", theme.delete),
        };
        let line = Line::from(vec![
            Span::styled(
                format!("{:<8} {:>9} ", crate::clock::hms(r.at), r.ev.mod_revision),
                theme.muted,
            ),
            Span::styled(format!("{kind:<6} "), style),
            Span::styled(
                format!("{:>7} {:>4} ", r.ev.value.len(), r.ev.version),
                theme.muted,
            ),
            Span::styled(bytes(&r.ev.key), theme.text),
        ]);
        lines.push(if pos == t.cursor {
            line.style(theme.selection)
        } else {
            line
        });
    }
    if rows.is_empty() {
        match &t.state {
            TabState::Cancelled { reason } if reason.starts_with("not permitted") => {
                lines.push(Line::styled(
                    "no events: etcd refuses this watch",
                    theme.muted,
                ));
            }
            _ => lines.push(Line::styled("waiting for changes…", theme.muted)),
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_detail(frame: &mut Frame, area: Rect, t: &Tab, prevs: &Prevs, theme: &Theme) {
    let rows = t.visible();
    let Some(r) = rows.get(t.cursor).map(|&i| &t.events[i]) else {
        frame.render_widget(
            Paragraph::new("").block(pane(" Event ".into(), theme)),
            area,
        );
        return;
    };
    let block = pane(
        format!(" rev {} {} ", r.ev.mod_revision, bytes(&r.ev.key)),
        theme,
    );
    // Decoded like the Keys view; Secrets stay masked here too.
    let show = |v: &[u8]| {
        let f = formats_for(&r.ev.key, v)
            .first()
            .copied()
            .unwrap_or(crate::decode::Format::Hex);
        render(&r.ev.key, v, f, false).text
    };
    let mut lines = Vec::new();
    // The watch asks etcd for no previous values; enter reads the one before this event.
    let read = match prevs.get(&r.ev.key, r.ev.mod_revision) {
        Some(PrevState::Loaded(PrevValue::Value(v))) => Some(v.clone()),
        _ => None,
    };
    let prev = r.ev.prev_value.clone().or(read);
    if prev.is_none() {
        let note = match prevs.get(&r.ev.key, r.ev.mod_revision) {
            Some(PrevState::Loading) => {
                Some(("reading the previous value…".to_string(), theme.muted))
            }
            Some(PrevState::Failed(e)) => Some((format!("previous value: {e}"), theme.error)),
            Some(PrevState::Loaded(PrevValue::Compacted { revision })) => Some((
                format!(
                    "previous value: revision {} was compacted (history kept from {revision}); no diff",
                    r.ev.mod_revision - 1
                ),
                theme.warning,
            )),
            Some(PrevState::Loaded(PrevValue::Absent)) => None,
            // Version 1 was created by this put: there is no previous value to read.
            Some(PrevState::Loaded(PrevValue::Value(_))) => None,
            None if r.ev.kind == EventKind::Delete || r.ev.version > 1 => Some((
                format!(
                    "enter: read the value at revision {} for the diff",
                    r.ev.mod_revision - 1
                ),
                theme.muted,
            )),
            None => None,
        };
        if let Some((text, style)) = note {
            lines.push(Line::styled(safe(&text).into_owned(), style));
        }
    }
    match (&r.ev.kind, &prev) {
        (EventKind::Delete, prev) => {
            lines.push(Line::styled("deleted", theme.error));
            if let Some(p) = prev {
                lines.push(Line::styled("value before:", theme.muted));
                lines.extend(
                    show(p)
                        .lines()
                        .map(|l| Line::styled(safe(l).into_owned(), theme.text)),
                );
            }
        }
        (EventKind::Put, Some(prev)) => {
            lines.push(Line::styled(
                "changes from the previous value:",
                theme.muted,
            ));
            for d in diff_lines(&show(prev), &show(&r.ev.value)) {
                lines.push(match d {
                    DiffLine::Same(l) => Line::styled(format!("  {}", safe(&l)), theme.muted),
                    DiffLine::Added(l) => Line::styled(format!("+ {}", safe(&l)), theme.diff_added),
                    DiffLine::Removed(l) => {
                        Line::styled(format!("- {}", safe(&l)), theme.diff_removed)
                    }
                });
            }
        }
        (EventKind::Put, None) => {
            let label = if r.ev.version == 1 {
                "created:"
            } else {
                "value:"
            };
            lines.push(Line::styled(label, theme.muted));
            lines.extend(
                show(&r.ev.value)
                    .lines()
                    .map(|l| Line::styled(safe(l).into_owned(), theme.text)),
            );
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
