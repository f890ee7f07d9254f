//! The Cluster view's Forecast pane for the selected member, above the event log:
//! what a defragmentation would free, growth over the session and time to quota at
//! that rate, and what a compaction would free with what that figure stands on. Most
//! important first: on a small terminal the pane is cut from the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::app::forecast::{MemberForecast, selected};
use crate::checks::compaction_free::Estimate;
use crate::checks::forecast::{QUOTA_WARN, defrag_worth_it, human, mib};
use crate::theme::Theme;

use crate::text::safe;

/// The pane's lines, or `None` when there is nothing to say yet: no growth measured,
/// no defragmentation worth a MiB and no compaction figure.
pub fn lines<'a>(app: &App, theme: &Theme) -> Option<Vec<Line<'a>>> {
    let f = selected(app)?;
    let compaction_known = !matches!(f.compaction, Estimate::Unknown(_));
    if f.growth.is_none() && f.defrag_free.is_none_or(|b| b < 1 << 20) && !compaction_known {
        return None;
    }
    let mut out = Vec::new();
    if let Some(free) = f.defrag_free {
        let worth = defrag_worth_it(f.db_size.unwrap_or(0), free);
        out.push(Line::from(vec![
            Span::styled(safe(&f.name).into_owned(), theme.text),
            Span::styled(
                format!(": defragmentation would free {}", mib(free)),
                if worth { theme.warning } else { theme.text },
            ),
        ]));
    }
    out.push(growth_line(&f, theme));
    let e = &f.compaction;
    out.push(Line::styled(
        e.headline(),
        if compaction_known {
            theme.text
        } else {
            theme.muted
        },
    ));
    out.push(Line::styled(format!("  {}", safe(&e.basis())), theme.muted));
    if let Some(r) = e.revision() {
        out.push(Line::styled(
            format!("  etcdctl compaction {r}, then defrag each member"),
            theme.muted,
        ));
    }
    Some(out)
}

fn growth_line<'a>(f: &MemberForecast, theme: &Theme) -> Line<'a> {
    match (f.growth, f.to_quota) {
        (None, _) => Line::styled("growth: measuring…", theme.muted),
        (Some(g), _) if g <= 0.0 => {
            Line::styled(format!("not growing (over {})", human(f.span)), theme.muted)
        }
        (Some(g), t) => {
            let style = if t.is_some_and(|t| t < QUOTA_WARN) {
                theme.warning
            } else {
                theme.text
            };
            let when = t.map(human).unwrap_or_else(|| "—".into());
            Line::styled(
                format!(
                    "grows {}/h (over {}): quota {} in {when}",
                    mib((g * 3600.0) as i64),
                    human(f.span),
                    mib(f.quota)
                ),
                style,
            )
        }
    }
}

/// Rows `lines` take when a paragraph word-wraps them at `width` cells: greedy, as
/// ratatui does, a word too long for a row broken across rows.
pub fn height(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    let rows: usize = lines
        .iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            wrapped_rows(&text, w)
        })
        .sum();
    rows.try_into().unwrap_or(u16::MAX)
}

fn wrapped_rows(text: &str, w: usize) -> usize {
    let width = |s: &str| Span::raw(s).width();
    let (mut rows, mut used) = (1, 0);
    for word in text.split_inclusive(' ') {
        let ww = width(word.trim_end());
        let full = width(word);
        if used > 0 && used + ww > w {
            rows += 1;
            used = 0;
        }
        if ww > w {
            rows += (ww - 1) / w;
            used = ww % w;
        } else {
            used += full;
        }
    }
    rows
}

pub fn draw(frame: &mut Frame, area: Rect, lines: Vec<Line>, theme: &Theme) {
    let block = super::cluster::pane("Forecast", theme);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}
