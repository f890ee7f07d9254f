//! The Checks view: one row per check, worst first, and the selected check's details
//! (why it matters, the threshold, the next step, the commands to see it by hand).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::app::App;
use crate::checks::{Check, Status};
use crate::theme::Theme;

use super::{pane, popup_for};
use crate::text::safe;

fn style(s: Status, theme: &Theme) -> Style {
    match s {
        Status::Fail => theme.error,
        Status::Warn => theme.warning,
        Status::Unknown => theme.muted,
        Status::Ok => theme.healthy,
    }
}

fn counts(list: &[Check]) -> String {
    let n = |s: Status| list.iter().filter(|c| c.status == s).count();
    format!(
        " Checks: {} failed, {} warnings, {} unknown, {} ok ",
        n(Status::Fail),
        n(Status::Warn),
        n(Status::Unknown),
        n(Status::Ok)
    )
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let c = &app.checks;
    let Some(list) = &c.list else {
        let text = if c.running {
            "running the checks…"
        } else {
            "the checks run when connected"
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.muted)).block(pane(
                " Checks ".into(),
                true,
                theme,
            )),
            area,
        );
        return;
    };
    let title = if c.running {
        format!("{}(rerunning…) ", counts(list))
    } else {
        counts(list)
    };
    let block = pane(title, true, theme);
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let name_w = list
        .iter()
        .map(|k| k.group.len() + k.name.len() + 3)
        .max()
        .unwrap_or(20);
    let rows = usize::from(inner.height).max(1);
    let first = c.cursor.saturating_sub(rows - 1);
    let lines: Vec<Line> = list
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, k)| {
            let name = format!("{} / {}", k.group, k.name);
            let value_w = width.saturating_sub(name_w + 10);
            let value: String = safe(&k.value).chars().take(value_w).collect();
            let line = Line::from(vec![
                Span::styled(format!(" {:<7} ", k.status.label()), style(k.status, theme)),
                Span::styled(format!("{name:<name_w$} "), theme.text),
                Span::styled(value, theme.muted),
            ]);
            if i == c.cursor {
                line.style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
    if c.details
        && let Some(k) = list.get(c.cursor)
    {
        draw_details(frame, area, k, theme);
    }
}

fn draw_details(frame: &mut Frame, area: Rect, k: &Check, theme: &Theme) {
    let field = |label: &str, text: &str, st: Style| {
        Line::from(vec![
            Span::styled(format!("{label:<10}"), theme.muted),
            Span::styled(safe(text).into_owned(), st),
        ])
    };
    let mut lines = vec![
        field("status", k.status.label(), style(k.status, theme)),
        field("measured", &k.value, theme.text),
        field("threshold", &k.threshold, theme.text),
        field("why", k.why, theme.text),
    ];
    if !k.next.is_empty() {
        lines.push(field("next", &k.next, theme.warning));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("by hand:", theme.muted));
    lines.extend(
        k.commands
            .iter()
            .map(|c| Line::styled(format!("  {}", safe(c)), theme.key)),
    );
    let title = format!("{} / {}", k.group, k.name);
    let popup = popup_for(area, &lines, &title, 110);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            pane(format!(" {title} "), true, theme)
                .title_bottom(Span::styled(" esc closes ", theme.muted)),
        ),
        popup,
    );
}
