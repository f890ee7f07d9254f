//! The space panel over the Keys view (`u`): progress while the scan runs, then the groups
//! largest first with their kind, keys and bytes; from a snapshot file also the history a
//! compaction would free and the free pages a defragmentation would.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::app::du::DuState;
use crate::du::{DuReport, Sizes, Source, label};
use crate::text::{bytes, human_size};
use crate::theme::Theme;

/// Rows ranked in the panel; the rest are summed in one line.
pub const TOP: usize = 15;

fn size(n: u64) -> String {
    human_size(usize::try_from(n).unwrap_or(usize::MAX))
}

fn prefix_shown(p: &[u8]) -> String {
    if p.is_empty() {
        "the whole keyspace".into()
    } else {
        bytes(p)
    }
}

pub fn draw(frame: &mut Frame, area: Rect, du: &DuState, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    let title;
    if let Some(r) = &du.running {
        title = format!(" Space under {} ", prefix_shown(&r.prefix));
        match &r.progress {
            None => lines.push(Line::styled("measuring etcd's idle latency…", theme.text)),
            Some(p) => {
                let mut t = format!(
                    "scanning… {} keys, {} at revision {}",
                    p.keys,
                    size(p.bytes),
                    p.revision
                );
                if p.restarted {
                    t.push_str(" (restarted after a compaction)");
                }
                lines.push(Line::styled(t, theme.text));
                if !p.delay.is_zero() {
                    lines.push(Line::styled(
                        format!(
                            "etcd is slow ({} vs {} idle): pausing {} between pages",
                            crate::etcd::fmt_duration(p.last_probe),
                            crate::etcd::fmt_duration(p.idle_p99),
                            crate::etcd::fmt_duration(p.delay)
                        ),
                        theme.warning,
                    ));
                }
            }
        }
        lines.push(Line::styled(
            "esc cancels · u hides (the scan goes on)",
            theme.muted,
        ));
    } else if let Some(r) = &du.report {
        let from = match &r.source {
            Source::Live { .. } => "live".to_string(),
            Source::File { .. } => "snapshot file".to_string(),
        };
        title = format!(
            " Space under {} · revision {} · {from} ",
            prefix_shown(&r.prefix),
            r.revision
        );
        ranking(&mut lines, r, du.selected, theme);
        lines.push(Line::styled(
            "esc closes · j/k move · s sorts the tree by size",
            theme.muted,
        ));
    } else {
        title = " Space ".to_string();
    }
    if let Some(e) = &du.error {
        lines.push(Line::styled(e.clone(), theme.warning));
    }
    let height = (lines.len() as u16).saturating_add(2);
    let width = area.width.saturating_sub(4).min(110);
    let at = super::centered(area, width, height);
    frame.render_widget(Clear, at);
    let block = super::pane(title, true, theme);
    frame.render_widget(Paragraph::new(lines).block(block), at);
}

fn ranking<'a>(lines: &mut Vec<Line<'a>>, r: &DuReport, selected: usize, theme: &Theme) {
    let offline = r.source.is_file();
    let row = |path: String, kind: String, s: &Sizes| -> String {
        let history = if offline {
            size(s.history_bytes)
        } else {
            "-".into()
        };
        format!(
            "{path:<34} {kind:<22} {:>8} {:>10} {:>10} {:>10}",
            s.keys,
            size(s.key_bytes + s.value_bytes),
            history,
            size(s.total())
        )
    };
    lines.push(Line::styled(
        format!(
            "{:<34} {:<22} {:>8} {:>10} {:>10} {:>10}",
            "PATH", "KIND", "KEYS", "KEYS+VALS", "HISTORY", "TOTAL"
        ),
        theme.title,
    ));
    let mut rest = Sizes::default();
    let mut hidden = 0u64;
    for (i, g) in r.groups.iter().enumerate() {
        if i >= TOP {
            rest.add(&g.sizes);
            hidden += 1;
            continue;
        }
        let mut path = bytes(&g.path);
        if path.chars().count() > 34 {
            path = format!(
                "…{}",
                path.chars()
                    .rev()
                    .take(33)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<String>()
            );
        }
        let text = row(path, label(&g.path).unwrap_or_default(), &g.sizes);
        let style = if i == selected {
            theme.selection
        } else {
            theme.text
        };
        lines.push(Line::styled(text, style));
    }
    if let Some((n, s)) = &r.other {
        hidden += n;
        rest.add(s);
    }
    if hidden > 0 {
        lines.push(Line::styled(
            row(format!("({hidden} more)"), String::new(), &rest),
            theme.muted,
        ));
    }
    lines.push(Line::styled(
        row("total".into(), String::new(), &r.total),
        theme.title,
    ));
    match &r.source {
        Source::Live { .. } => lines.push(Line::from(vec![Span::styled(
            "history and free pages: offline only; run `etcdtui snapshot du` on a snapshot",
            theme.muted,
        )])),
        Source::File {
            total_size,
            free_pages,
            page_size,
            ..
        } => lines.push(Line::styled(
            format!(
                "compaction would free {} ({} revisions) · defragmentation {} ({} free pages) of {}",
                size(r.total.history_bytes),
                r.total.history_revisions,
                size(free_pages * u64::from(*page_size)),
                free_pages,
                size(*total_size)
            ),
            theme.text,
        )),
    }
}
