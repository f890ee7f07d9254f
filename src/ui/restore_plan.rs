//! The restore plan panel over the body: the plan `etcdtui snapshot restore-plan`
//! prints, wrapped to the width with commands hanging under their first line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Padding, Paragraph, Wrap};

use crate::app::restore_plan::{LineKind, PlanState, RestorePlanPanel, text_width, wrap};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, panel: &RestorePlanPanel, theme: &Theme) {
    let rows = usize::from(area.height.saturating_sub(2)).max(1);
    let width = text_width(area.width);
    let (lines, position) = match &panel.state {
        PlanState::Making => (
            vec![Line::styled(
                "Verifying the snapshot and asking the cluster for its members…",
                theme.muted,
            )],
            String::new(),
        ),
        PlanState::Failed(why) => (
            vec![
                Line::styled("No plan:", theme.error),
                Line::styled(crate::text::safe(why).into_owned(), theme.text),
            ],
            String::new(),
        ),
        PlanState::Ready(plan) => {
            let wrapped = wrap(plan, width);
            let first = panel.scroll.min(wrapped.len().saturating_sub(rows));
            let shown: Vec<Line> = wrapped
                .iter()
                .skip(first)
                .take(rows)
                .map(|(kind, text)| {
                    Line::styled(crate::text::safe(text).into_owned(), style(*kind, theme))
                })
                .collect();
            let last = (first + rows).min(wrapped.len());
            (
                shown,
                format!(" rows {}-{last} of {} ·", first + 1, wrapped.len()),
            )
        }
    };
    let name = panel
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| panel.file.display().to_string());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .padding(Padding::horizontal(1))
        .title(Span::styled(
            format!(" Restore plan: {} ", crate::text::safe(&name)),
            theme.title,
        ))
        .title_bottom(Span::styled(
            format!("{position} j/k pgdn/pgup g/G scroll · y copy · esc close "),
            theme.muted,
        ));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn style(kind: LineKind, theme: &Theme) -> ratatui::style::Style {
    match kind {
        LineKind::Title => theme.title,
        LineKind::Fact | LineKind::Blank => theme.text,
        LineKind::Warning => theme.warning,
        LineKind::Step => theme.key,
        LineKind::Command => theme.json_string,
    }
}
