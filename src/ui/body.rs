//! The body of the current view. Views that are not built yet show the connection
//! panel, which is also what a person needs most when nothing works.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

use crate::app::{App, ConnState};
use crate::keymap::{Action, keys_label};
use crate::theme::Theme;

use super::text::safe;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Span::styled(format!(" {} ", app.view.title()), theme.title));
    let mut lines = connection_lines(app, theme);
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("The {} view is not built yet.", app.view.title()),
        theme.muted,
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn row<'a>(label: &str, value: String, theme: &Theme, style: ratatui::style::Style) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:>10}  "), theme.muted),
        Span::styled(safe(&value).into_owned(), style),
    ])
}

fn connection_lines<'a>(app: &App, theme: &Theme) -> Vec<Line<'a>> {
    let ctx = &app.context;
    let mut lines = vec![
        row("context", ctx.name.clone(), theme, theme.text),
        row("from", ctx.source.clone(), theme, theme.text),
    ];
    for (i, ep) in ctx.endpoints.iter().enumerate() {
        let label = if i == 0 { "endpoints" } else { "" };
        lines.push(row(label, ep.clone(), theme, theme.text));
    }
    let security = match (ctx.tls, &ctx.user) {
        (true, Some(u)) => format!("TLS, user {u}"),
        (true, None) => "TLS".to_string(),
        (false, Some(u)) => format!("plain text, user {u}"),
        (false, None) => "plain text, no user".to_string(),
    };
    lines.push(row("security", security, theme, theme.text));
    for d in &ctx.details {
        lines.push(row("", d.clone(), theme, theme.muted));
    }
    lines.push(Line::raw(""));
    lines.extend(state_lines(app, theme));
    lines
}

fn state_lines<'a>(app: &App, theme: &Theme) -> Vec<Line<'a>> {
    match &app.conn {
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
    }
}

fn nonempty(s: &str) -> &str {
    if s.is_empty() { "unnamed member" } else { s }
}
