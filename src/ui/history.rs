//! The history pane: the key's revisions on top, the selected revision's value or a
//! diff of two revisions below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use crate::app::keys::history::{DiffLine, HistoryPane, Shown};
use crate::etcd::keys::HistoryEnd;
use crate::theme::Theme;

use super::keys::group;
use crate::text::{bytes, safe};

pub fn draw(frame: &mut Frame, area: Rect, h: &HistoryPane, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" History of {} ", bytes(&h.key)),
            theme.title,
        ))
        .title_bottom(Span::styled(
            " space mark · c compare · h back ",
            theme.muted,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let list_height = (h.entries.len() as u16 + 1).clamp(2, (inner.height / 3).max(2));
    let [list, rule, body] = Layout::vertical([
        Constraint::Length(list_height),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(revision_lines(h, list.height, theme)), list);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "─".repeat(usize::from(rule.width)),
            theme.border,
        )),
        rule,
    );
    frame.render_widget(Paragraph::new(shown_lines(h, body.height, theme)), body);
}

fn revision_lines<'a>(h: &HistoryPane, height: u16, theme: &Theme) -> Vec<Line<'a>> {
    if h.entries.is_empty() {
        let text = if h.loading {
            "loading…"
        } else {
            "no history"
        };
        return vec![Line::styled(text, theme.muted)];
    }
    let height = usize::from(height).max(1);
    let first = h.cursor.saturating_sub(height.saturating_sub(2));
    let mut lines: Vec<Line> = h
        .entries
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, kv)| {
            let mark = if h.mark == Some(i) { "●" } else { " " };
            let current = if i == 0 { " (current)" } else { "" };
            let text = format!(
                "{mark} rev {:<10} version {:<5} {:>8} bytes{current}",
                kv.mod_revision,
                kv.version,
                group(kv.value.len() as i64)
            );
            let line = Line::styled(text, theme.text);
            if i == h.cursor {
                line.style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    if lines.len() < height {
        let end = match &h.end {
            Some(HistoryEnd::Created) => "  ── created here".to_string(),
            Some(HistoryEnd::Compacted { revision }) if *revision > 0 => {
                format!("  ── older revisions compacted (at revision {revision})")
            }
            Some(HistoryEnd::Compacted { .. }) => "  ── older revisions compacted".to_string(),
            Some(HistoryEnd::More { .. }) => "  ── more below (j)".to_string(),
            None => String::new(),
        };
        lines.push(Line::styled(end, theme.muted));
    }
    lines
}

fn shown_lines<'a>(h: &HistoryPane, height: u16, theme: &Theme) -> Vec<Line<'a>> {
    let take = usize::from(height);
    let skip = usize::from(h.scroll);
    match &h.shown {
        Shown::Value { text, .. } => text
            .lines()
            .skip(skip)
            .take(take)
            .map(|l| Line::styled(safe(l).into_owned(), theme.text))
            .collect(),
        Shown::Diff {
            older,
            newer,
            lines,
        } => {
            let rev = |i: usize| h.entries.get(i).map(|kv| kv.mod_revision).unwrap_or(0);
            let mut out = vec![Line::from(vec![
                Span::styled(format!("--- rev {}  ", rev(*older)), theme.diff_removed),
                Span::styled(format!("+++ rev {}", rev(*newer)), theme.diff_added),
            ])];
            out.extend(
                lines
                    .iter()
                    .skip(skip)
                    .take(take.saturating_sub(1))
                    .map(|l| match l {
                        DiffLine::Same(t) => Line::styled(format!("  {}", safe(t)), theme.muted),
                        DiffLine::Added(t) => {
                            Line::styled(format!("+ {}", safe(t)), theme.diff_added)
                        }
                        DiffLine::Removed(t) => {
                            Line::styled(format!("- {}", safe(t)), theme.diff_removed)
                        }
                    }),
            );
            out
        }
    }
}
