//! The windows of a running operation (a gauge with rate and ETA for a snapshot, the
//! current step for the others) and of its result.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Gauge, Padding, Paragraph, Wrap};

use crate::app::ops::{Finished, Running};
use crate::theme::Theme;

use super::{centered, popup_for};
use crate::text::{human_size, safe};

fn window<'a>(
    title: &str,
    bottom: &'a str,
    style: ratatui::style::Style,
    theme: &Theme,
) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(style)
        .padding(Padding::horizontal(1))
        .title(Span::styled(format!(" {} ", safe(title)), theme.title))
        .title_bottom(Span::styled(bottom, theme.muted))
}

/// `12.0 MiB of 40.0 MiB · 8.1 MiB/s · 3s left`.
pub fn progress_label(done: u64, total: u64, secs: f64) -> String {
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let eta = if rate > 0.0 && total > done {
        format!(
            " · {} left",
            crate::etcd::fmt_duration(std::time::Duration::from_secs_f64(
                (total - done) as f64 / rate,
            ))
        )
    } else {
        String::new()
    };
    format!(
        "{} of {} · {}/s{eta}",
        human_size(done as usize),
        human_size(total as usize),
        human_size(rate as usize)
    )
}

pub fn draw_running(frame: &mut Frame, area: Rect, r: &Running, now: Instant, theme: &Theme) {
    let popup = centered(area, 72.min(area.width), 6);
    let bottom = match (r.cancellable(), r.cancelling) {
        (_, true) => " cancelling… ",
        (true, false) => " esc cancels ",
        (false, false) => " runs to the end ",
    };
    let block = window(&r.title, bottom, theme.border_focused, theme);
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let [top, bar] = Layout::vertical([Constraint::Length(2), Constraint::Length(1)]).areas(inner);
    let secs = now.saturating_duration_since(r.started).as_secs_f64();
    let elapsed = crate::etcd::fmt_duration(now.saturating_duration_since(r.started));
    let what = r.step.clone().unwrap_or_else(|| "waiting for etcd…".into());
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled(safe(&what).into_owned(), theme.text),
            Line::styled(format!("running for {elapsed}"), theme.muted),
        ]),
        top,
    );
    if let Some((done, total)) = r.progress {
        let ratio = if total > 0 {
            (done as f64 / total as f64).min(1.0)
        } else {
            0.0
        };
        frame.render_widget(
            Gauge::default()
                .gauge_style(theme.healthy)
                .ratio(ratio)
                .label(progress_label(done, total, secs)),
            bar,
        );
    }
}

pub fn draw_finished(frame: &mut Frame, area: Rect, f: &Finished, theme: &Theme) {
    let style = if f.ok { theme.healthy } else { theme.error };
    let mut lines = vec![Line::styled(if f.ok { "done" } else { "FAILED" }, style)];
    lines.extend(
        f.lines
            .iter()
            .map(|l| Line::styled(safe(l).into_owned(), theme.text)),
    );
    let popup = popup_for(area, &lines, &f.title, 110);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(window(&f.title, " any key closes ", style, theme)),
        popup,
    );
}
