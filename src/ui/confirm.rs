//! The confirmation dialog of a write: what, how much, the etcdctl equivalent, and
//! either `y` or the typed target.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Padding, Paragraph, Wrap};

use crate::app::keys::write::Confirm;
use crate::theme::Theme;

use super::popup_for;
use crate::text::safe;

pub fn draw(frame: &mut Frame, area: Rect, c: &Confirm, theme: &Theme) {
    let mut lines: Vec<Line> = c
        .lines
        .iter()
        .map(|l| Line::styled(safe(l).into_owned(), theme.text))
        .collect();
    lines.push(Line::raw(""));
    match &c.typed {
        Some(_) => lines.push(Line::from(vec![
            Span::styled("> ", theme.key),
            Span::styled(
                if c.secret {
                    "•".repeat(c.input.chars().count())
                } else {
                    safe(&c.input).into_owned()
                },
                theme.text,
            ),
            Span::styled("▏", theme.key),
        ])),
        None => lines.push(Line::from(vec![
            Span::styled("y", theme.key),
            Span::styled(" to confirm, any other key cancels", theme.muted),
        ])),
    }
    let popup = popup_for(area, &lines, &c.title, 90);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.error)
        .padding(Padding::horizontal(1))
        .title(Span::styled(format!(" {} ", safe(&c.title)), theme.danger))
        .title_bottom(Span::styled(" esc cancels ", theme.muted));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}
