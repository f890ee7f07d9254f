//! The `?` overlay, generated from the keymap so it can never disagree with it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Padding, Paragraph};

use crate::app::App;
use crate::keymap::{Scope, keys_label};
use crate::theme::Theme;

use super::centered;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, scroll: u16) {
    let mut lines = vec![Line::styled("Global", theme.title)];
    let mut view_lines = Vec::new();
    for b in app.keymap.bindings() {
        let row = Line::from(vec![
            Span::styled(format!("  {:<14}", keys_label(&b.keys)), theme.key),
            Span::styled(b.description, theme.text),
        ]);
        match b.scope {
            Scope::Global => lines.push(row),
            Scope::View(v) if v == app.view => view_lines.push(row),
            Scope::View(_) => {}
        }
    }
    if !view_lines.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("{} view", app.view.title()),
            theme.title,
        ));
        lines.extend(view_lines);
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Commands (press :)", theme.title));
    for (cmd, what) in [
        (":ctx [NAME]", "list contexts, or switch to NAME"),
        (":keys :watch …", "show a view by name"),
        (":reconnect", "retry the connection now"),
        (":help  :q", "this help; quit"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {cmd:<16}"), theme.key),
            Span::styled(what, theme.text),
        ]));
    }
    if app.context.read_only {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "READ-ONLY: keys that change the cluster are switched off.",
            theme.warning,
        ));
    }
    let height = lines.len() as u16 + 2;
    let popup = centered(area, 66, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(" Help ", theme.title))
        .padding(Padding::horizontal(1))
        .title_bottom(Span::styled(
            " j/k scroll · any other key closes ",
            theme.muted,
        ));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(block).scroll((scroll, 0)),
        popup,
    );
}
