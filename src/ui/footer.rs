//! The bottom line: status message or key hints; the `:` command line replaces it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::{App, CommandLine, Level};
use crate::keymap::Scope;
use crate::theme::Theme;

use crate::text::safe;

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
        None => hints(app, theme, area.width),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The view's own hints first, then the global ones, as many whole hints as fit.
fn hints<'a>(app: &App, theme: &Theme, width: u16) -> Line<'a> {
    let mut ordered: Vec<_> = app.keymap.hints(app.view).collect();
    // Help first, so the way to every other key is always on screen; then the view's.
    ordered.sort_by_key(|b| match (b.action, b.scope) {
        (crate::keymap::Action::Help, _) => 0,
        (_, Scope::View(_)) => 1,
        _ => 2,
    });
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for b in ordered {
        let (Some(k), Some(label)) = (b.keys.first(), b.hint) else {
            continue;
        };
        let key = k.to_string();
        let w = key.chars().count() + label.chars().count() + 3;
        if used + w > usize::from(width) {
            break;
        }
        used += w;
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {label}  "), theme.muted));
    }
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
