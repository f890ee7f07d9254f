//! The Churn view: which groups of keys are being written, busiest first, with rates
//! over three windows, the PUT/DELETE split, a sparkline per row and storm warnings.
//! Also the Cluster view's "top writer" line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::app::churn::{ChurnConn, ChurnState};
use crate::churn::Row;
use crate::churn::name::{display, has_kind};
use crate::theme::Theme;

use crate::text::safe;

/// Cells of a row besides the name and the sparkline.
const FIXED: usize = 42;
/// From this name column width on, a row named by its kind also shows its path.
const WIDE_NAME: usize = 36;
const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A rate for a narrow column: 3 significant figures, k and M past a thousand.
pub fn rate(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Bytes a second, in the units people read quota in.
pub fn byte_rate(v: f64) -> String {
    if v >= (1 << 20) as f64 {
        format!("{:.1}M", v / (1 << 20) as f64)
    } else if v >= 1024.0 {
        format!("{:.0}K", v / 1024.0)
    } else {
        format!("{v:.0}B")
    }
}

/// Unicode blocks scaled to the row's own peak; the last `width` seconds.
fn spark(data: &[u64], width: usize) -> String {
    let data = &data[data.len().saturating_sub(width)..];
    let max = data.iter().copied().max().unwrap_or(0);
    data.iter()
        .map(|&v| match (v, max) {
            (0, _) | (_, 0) => ' ',
            (v, m) => BLOCKS[((v * 7).div_ceil(m) as usize).min(7)],
        })
        .collect()
}

fn status_line<'a>(c: &ChurnState, theme: &Theme) -> Line<'a> {
    let (text, style) = match &c.conn {
        ChurnConn::Off => ("not running".to_string(), theme.muted),
        ChurnConn::Starting => ("starting…".to_string(), theme.warning),
        ChurnConn::Live { endpoint } => (format!("live on {endpoint}"), theme.healthy),
        ChurnConn::Reconnecting { error, resume_from } => (
            format!("reconnecting, will resume at revision {resume_from}: {error}"),
            theme.warning,
        ),
        ChurnConn::Cancelled { reason } if reason.starts_with("not permitted") => {
            (reason.clone(), theme.warning)
        }
        ChurnConn::Cancelled { reason } => (format!("stopped: {reason}"), theme.error),
    };
    let mut spans = vec![Span::styled(format!(" {} ", safe(&text)), style)];
    if let Some(spec) = &c.spec {
        let what = if spec.prefix.is_empty() {
            "everything".to_string()
        } else {
            crate::text::bytes(&spec.prefix)
        };
        spans.push(Span::styled(
            format!(
                " {}, depth {}, no prev_kv  {} events",
                safe(&what),
                spec.depth,
                c.rates.total_events
            ),
            theme.muted,
        ));
    }
    Line::from(spans)
}

fn header_line<'a>(name_w: usize, spark_w: usize, theme: &Theme) -> Line<'a> {
    Line::styled(
        format!(
            " {:<name_w$} {:>6} {:>6} {:>6} {:>7} {:>9}  last {spark_w} s",
            "group", "10s/s", "1m/s", "10m/s", "bytes/s", "put/del"
        ),
        theme.muted,
    )
}

/// `s` cut to `w` cells keeping its tail: the namespace or the deepest level is what
/// tells groups apart.
fn clip_tail(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        return s.to_string();
    }
    let tail: String = s
        .chars()
        .rev()
        .take(w.saturating_sub(1))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

fn row_line<'a>(r: &Row, name_w: usize, spark_w: usize, selected: bool, theme: &Theme) -> Line<'a> {
    // Named as du names it (the kind and namespace); on a wide screen the path
    // follows in a dimmed column of its own, clipped to what is left.
    let wide = name_w >= WIDE_NAME;
    let label_w = if wide { name_w / 2 } else { name_w };
    let name = clip_tail(&safe(&display(&r.group)), label_w);
    let dim = match wide {
        true if has_kind(&r.group) => {
            let room = name_w - label_w - 2;
            format!("  {:<room$}", clip_tail(&safe(&r.group), room))
        }
        true => " ".repeat(name_w - label_w),
        false => String::new(),
    };
    let name_w = name_w - dim.chars().count();
    let style = if r.storm.is_some() {
        theme.warning
    } else {
        theme.text
    };
    let line = Line::from(vec![
        Span::styled(format!(" {name:<name_w$}"), style),
        Span::styled(format!("{dim} "), theme.muted),
        Span::styled(
            format!(
                "{:>6} {:>6} {:>6} {:>7} ",
                rate(r.events[0]),
                rate(r.events[1]),
                rate(r.events[2]),
                byte_rate(r.bytes[0])
            ),
            theme.text,
        ),
        Span::styled(format!("{:>5}", r.minute.puts.min(99_999)), theme.put),
        Span::styled("/", theme.muted),
        Span::styled(format!("{:<3}", r.minute.deletes.min(999)), theme.delete),
        Span::styled(format!("  {}", spark(&r.spark, spark_w)), theme.healthy),
    ]);
    if selected {
        line.style(theme.selection)
    } else {
        line
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let c = &app.churn;
    let rows = c.rates.ranked();
    let storms: Vec<&Row> = rows.iter().filter(|r| r.storm.is_some()).collect();
    let [status, warn, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(storms.len().min(3) as u16),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(status_line(c, theme)), status);
    let warnings: Vec<Line> = storms
        .iter()
        .take(3)
        .map(|r| {
            Line::styled(
                format!(
                    " STORM {} {}/s in 10 s, ≥10× its 10-min norm {}/s",
                    safe(&display(&r.group)),
                    rate(r.events[0]),
                    rate(r.storm.unwrap_or(0.0))
                ),
                theme.danger,
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(warnings), warn);
    let block = super::pane(
        " Churn by prefix, busiest over 10 s first ".into(),
        false,
        theme,
    );
    let inner = block.inner(body);
    let width = usize::from(inner.width);
    // Fixed columns take 42 cells; the name gets two thirds of the rest (it is what
    // tells groups apart), the sparkline the remainder, up to a minute.
    let name_w = (width.saturating_sub(FIXED) * 2 / 3).clamp(12, 48);
    let spark_w = width.saturating_sub(name_w + FIXED).min(60);
    let h = usize::from(inner.height).saturating_sub(1);
    let first = (c.cursor + 1).saturating_sub(h.max(1));
    let mut lines = vec![header_line(name_w, spark_w, theme)];
    lines.extend(
        rows.iter()
            .enumerate()
            .skip(first)
            .take(h)
            .map(|(i, r)| row_line(r, name_w, spark_w, i == c.cursor, theme)),
    );
    if rows.is_empty() {
        let hint = if c.running() {
            "no writes yet (+/- change the grouping depth, :churn PREFIX watches a prefix)"
        } else {
            "the churn watch starts when this view is shown while connected"
        };
        lines.push(Line::styled(format!(" {hint}"), theme.muted));
    }
    if let Some((from, to)) = c.skipped {
        lines.push(Line::styled(
            format!(" revisions {from}–{to} were compacted before they were counted"),
            theme.warning,
        ));
    }
    frame.render_widget(Paragraph::new(lines).block(block), body);
}

/// The Cluster view's line naming the group that does most of the writing, when the
/// churn watch runs and one group dominates.
pub fn top_writer_line<'a>(app: &App, theme: &Theme) -> Option<Line<'a>> {
    if !app.churn.running() {
        return None;
    }
    let top = app.churn.rates.top_writer()?;
    Some(Line::from(vec![
        Span::styled(" top writer ", theme.muted),
        Span::styled(safe(&display(&top.group)).into_owned(), theme.warning),
        Span::styled(
            if has_kind(&top.group) {
                format!(" ({})", safe(&top.group))
            } else {
                String::new()
            },
            theme.muted,
        ),
        Span::styled(
            format!(
                "  {:.0} % of the last minute's events, {}/s",
                top.share * 100.0,
                rate(top.rate)
            ),
            theme.muted,
        ),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_peak_and_keeps_the_newest() {
        assert_eq!(spark(&[0, 1, 2, 4, 8], 5), " ▂▃▅█");
        assert_eq!(spark(&[8, 8, 0], 2), "█ ");
        assert_eq!(spark(&[], 4), "");
    }

    #[test]
    fn rates_read_at_a_glance() {
        assert_eq!(rate(0.25), "0.2");
        assert_eq!(rate(42.4), "42");
        assert_eq!(rate(1520.0), "1.5k");
        assert_eq!(rate(21_500.0), "22k");
        assert_eq!(byte_rate(3.0 * 1048576.0), "3.0M");
    }
}
