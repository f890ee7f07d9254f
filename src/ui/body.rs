//! The body of the current view. Views that are not built yet show the connection
//! panel, which is also what a person needs most when nothing works.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Padding, Paragraph};

use crate::app::{App, ConnState};
use crate::keymap::{Action, keys_label};
use crate::theme::Theme;

use crate::text::safe;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Span::styled(format!(" {} ", app.view.title()), theme.title))
        .padding(Padding::horizontal(1));
    let width = usize::from(block.inner(area).width);
    let mut lines = connection_lines(app, theme, width);
    if matches!(app.conn, ConnState::Connected { .. }) {
        lines.push(Line::raw(""));
        lines.push(Line::styled("loading…", theme.muted));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Views with nothing to show for a snapshot file say so plainly.
pub fn draw_needs_cluster(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Span::styled(format!(" {} ", app.view.title()), theme.title))
        .padding(Padding::horizontal(1));
    let lines = vec![
        Line::styled(crate::app::NEEDS_CLUSTER, theme.warning),
        Line::raw(""),
        Line::styled(
            "Press 1 for the Keys view of the file, or start etcdtui without --snapshot.",
            theme.muted,
        ),
    ];
    let para = Paragraph::new(lines)
        .block(block)
        .wrap(ratatui::widgets::Wrap { trim: false });
    frame.render_widget(para, area);
}

/// A text report over the view (`:diff`), scrolled by j/k; its text is already escaped.
pub fn draw_report(
    frame: &mut Frame,
    area: Rect,
    (title, text): (&str, &str),
    scroll: u16,
    theme: &Theme,
) {
    let popup = super::centered(area, 96, 96);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(format!(" {} ", safe(title)), theme.title))
        .title_bottom(Span::styled(
            " j/k scroll · any other key closes ",
            theme.muted,
        ))
        .padding(Padding::horizontal(1));
    let lines: Vec<Line> = text
        .lines()
        .map(|l| match l.chars().next() {
            Some('+') => Line::styled(l.to_string(), theme.healthy),
            Some('-') => Line::styled(l.to_string(), theme.error),
            Some('~') => Line::styled(l.to_string(), theme.warning),
            _ => Line::styled(l.to_string(), theme.text),
        })
        .collect();
    let para = Paragraph::new(lines)
        .block(block)
        .wrap(ratatui::widgets::Wrap { trim: false })
        .scroll((scroll, 0));
    frame.render_widget(ratatui::widgets::Clear, popup);
    frame.render_widget(para, popup);
}

/// `:info`: the connection panel over whatever view is open.
pub fn draw_popup(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let popup = super::centered(area, 90, 20);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(" Connection ", theme.title))
        .title_bottom(Span::styled(" any key closes ", theme.muted))
        .padding(Padding::horizontal(1));
    let width = usize::from(block.inner(popup).width);
    let lines = connection_lines(app, theme, width);
    frame.render_widget(ratatui::widgets::Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

const LABEL: usize = 10;

/// A label and a value; a long value wraps under itself, not under the label.
fn rows<'a>(label: &str, value: &str, width: usize, theme: &Theme, style: Style) -> Vec<Line<'a>> {
    let room = width.saturating_sub(LABEL + 2).max(10);
    let value = safe(value);
    wrap(&value, room)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let label = if i == 0 { label } else { "" };
            Line::from(vec![
                Span::styled(format!("{label:>LABEL$}  "), theme.muted),
                Span::styled(part, style),
            ])
        })
        .collect()
}

/// Greedy word wrap; words longer than the room are split.
fn wrap(text: &str, room: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for word in text.split(' ') {
        let cur = out.last_mut().map(|l| l.chars().count()).unwrap_or(0);
        let wlen = word.chars().count();
        if cur > 0 && cur + 1 + wlen > room {
            out.push(String::new());
        } else if cur > 0
            && let Some(l) = out.last_mut()
        {
            l.push(' ');
        }
        let mut chars: Vec<char> = word.chars().collect();
        while !chars.is_empty() {
            let line = out.last_mut().map(|l| l.chars().count()).unwrap_or(0);
            let take = room.saturating_sub(line).max(1).min(chars.len());
            let piece: String = chars.drain(..take).collect();
            if let Some(l) = out.last_mut() {
                l.push_str(&piece);
            }
            if !chars.is_empty() {
                out.push(String::new());
            }
        }
    }
    out
}

fn connection_lines<'a>(app: &App, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let ctx = &app.context;
    let row = |label: &str, value: String, _: &Theme, style: Style| {
        rows(label, &value, width, theme, style)
    };
    let mut lines = row("context", ctx.name.clone(), theme, theme.text);
    lines.extend(row("from", ctx.source.clone(), theme, theme.text));
    for (i, ep) in ctx.endpoints.iter().enumerate() {
        let label = if i == 0 { "endpoints" } else { "" };
        lines.extend(row(label, ep.clone(), theme, theme.text));
    }
    let security = match (ctx.tls, &ctx.user) {
        (true, Some(u)) => format!("TLS, user {u}"),
        (true, None) => "TLS".to_string(),
        (false, Some(u)) => format!("plain text, user {u}"),
        (false, None) => "plain text, no user".to_string(),
    };
    lines.extend(row("security", security, theme, theme.text));
    for d in &ctx.details {
        lines.extend(row("", d.clone(), theme, theme.muted));
    }
    lines.push(Line::raw(""));
    lines.extend(state_lines(app, theme, width));
    lines
}

fn state_lines<'a>(app: &App, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let row = |label: &str, value: String, _: &Theme, style: Style| {
        rows(label, &value, width, theme, style)
    };
    let lines: Vec<Vec<Line>> = match &app.conn {
        ConnState::Connecting { .. } if app.context.endpoints.is_empty() => {
            let what = "reading the snapshot file…".into();
            vec![row("state", what, theme, theme.warning)]
        }
        ConnState::Connecting { .. } => {
            vec![row("state", "connecting…".into(), theme, theme.warning)]
        }
        ConnState::Connected { info } => {
            let mut lines = vec![
                row("state", "connected".into(), theme, theme.healthy),
                row(
                    "answered",
                    format!("{} ({})", info.endpoint, nonempty(&info.member_name)),
                    theme,
                    theme.text,
                ),
                row("members", info.members.to_string(), theme, theme.text),
                row("raft term", info.raft_term.to_string(), theme, theme.text),
            ];
            for e in &info.endpoint_errors {
                lines.push(row("down", e.to_string(), theme, theme.error));
            }
            lines
        }
        ConnState::Disconnected { error, attempt, .. } => {
            let retry = app
                .keymap
                .bindings()
                .iter()
                .find(|b| b.action == Action::Reconnect)
                .map(|b| format!(" ({} to retry now)", keys_label(&b.keys)))
                .unwrap_or_default();
            vec![
                row(
                    "state",
                    format!("disconnected, retrying{retry}"),
                    theme,
                    theme.error,
                ),
                row("error", error.to_string(), theme, theme.error),
                row("detail", error.detail.clone(), theme, theme.muted),
                row("attempts", attempt.to_string(), theme, theme.text),
            ]
        }
    };
    lines.into_iter().flatten().collect()
}

fn nonempty(s: &str) -> &str {
    if s.is_empty() { "unnamed member" } else { s }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_on_words_and_splits_long_ones() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 4), vec![""]);
    }
}
