//! The bottom line: status message or key hints; the `:` command line replaces it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::{App, CommandLine, Level};
use crate::theme::Theme;

use super::text::safe;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let line = match &app.status {
        Some(s) => {
            let style = match s.level {
                Level::Info => theme.text,
                Level::Warn => theme.warning,
                Level::Error => theme.error,
            };
            Line::from(Span::styled(format!(" {}", safe(&s.text)), style))
        }
        None => hints(app, theme),
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn hints<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    for b in app.keymap.hints(app.view) {
        if let Some(k) = b.keys.first() {
            spans.push(Span::styled(k.to_string(), theme.key));
            spans.push(Span::styled(format!(" {}  ", b.description), theme.muted));
        }
    }
    spans.push(Span::styled("1-5", theme.key));
    spans.push(Span::styled(" views", theme.muted));
    Line::from(spans)
}

pub fn draw_command(
    frame: &mut Frame,
    foot: Rect,
    body: Rect,
    app: &App,
    line: &CommandLine,
    theme: &Theme,
) {
    frame.render_widget(Clear, foot);
    let text = Line::from(vec![
        Span::styled(":", theme.key),
        Span::styled(safe(&line.input).into_owned(), theme.text),
    ]);
    frame.render_widget(Paragraph::new(text), foot);
    let cursor_x = foot.x + 1 + line.cursor as u16;
    frame.set_cursor_position((cursor_x.min(foot.right().saturating_sub(1)), foot.y));

    let choices = line.suggestions(&app.context_names);
    if choices.is_empty() || line.input.is_empty() {
        return;
    }
    let height = (choices.len() as u16 + 2).min(body.height).min(8);
    let width = choices.iter().map(|c| c.chars().count()).max().unwrap_or(0) as u16 + 4;
    let area = Rect {
        x: foot.x,
        y: foot.y.saturating_sub(height),
        width: width.min(foot.width),
        height,
    };
    let items: Vec<Line> = choices
        .iter()
        .map(|c| Line::styled(format!(" {}", safe(c)), theme.text))
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(items).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border),
        ),
        area,
    );
}
