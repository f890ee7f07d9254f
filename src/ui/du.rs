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
        let inner = usize::from(area.width.saturating_sub(4).min(110).saturating_sub(2));
        ranking(&mut lines, r, du.selected, inner, theme);
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

/// Column widths for the text width available: the numbers keep theirs, the path and the
/// kind share the rest (the kind goes first when there is not enough), and the history
/// column exists only for a file, where it means something.
struct Columns {
    path: usize,
    kind: usize,
    history: bool,
}

impl Columns {
    fn fit(inner: usize, history: bool) -> Columns {
        let numbers = 8 + 1 + 10 + 1 + 10 + if history { 11 } else { 0 };
        let free = inner.saturating_sub(numbers + 1);
        let (path, kind) = if free >= 34 + 1 + 22 {
            (34, 22)
        } else if free >= 20 + 1 + 12 {
            let kind = ((free - 1) * 2 / 5).min(22);
            (free - 1 - kind, kind)
        } else {
            (free.max(8), 0)
        };
        Columns {
            path,
            kind,
            history,
        }
    }

    fn row(
        &self,
        path: &str,
        kind: &str,
        keys: &str,
        live: &str,
        history: &str,
        total: &str,
    ) -> String {
        let mut t = format!("{:<w$} ", clip_left(path, self.path), w = self.path);
        if self.kind > 0 {
            t.push_str(&format!(
                "{:<w$} ",
                clip_right(kind, self.kind),
                w = self.kind
            ));
        }
        t.push_str(&format!("{keys:>8} {live:>10} "));
        if self.history {
            t.push_str(&format!("{history:>10} "));
        }
        t.push_str(&format!("{total:>10}"));
        t
    }
}

/// Keeps the end of a path (the part that differs between rows).
fn clip_left(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n <= w || w == 0 {
        return s.to_string();
    }
    let tail: String = s.chars().skip(n - (w - 1)).collect();
    format!("…{tail}")
}

fn clip_right(s: &str, w: usize) -> String {
    if s.chars().count() <= w || w == 0 {
        return s.to_string();
    }
    let head: String = s.chars().take(w - 1).collect();
    format!("{head}…")
}

fn ranking<'a>(
    lines: &mut Vec<Line<'a>>,
    r: &DuReport,
    selected: usize,
    inner: usize,
    theme: &Theme,
) {
    let cols = Columns::fit(inner, r.source.is_file());
    let row = |path: String, kind: String, s: &Sizes| -> String {
        cols.row(
            &path,
            &kind,
            &s.keys.to_string(),
            &size(s.key_bytes + s.value_bytes),
            &size(s.history_bytes),
            &size(s.total()),
        )
    };
    lines.push(Line::styled(
        cols.row("PATH", "KIND", "KEYS", "KEYS+VALS", "HISTORY", "TOTAL"),
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
        let path = bytes(&g.path);
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
            "history and free pages: `etcdtui snapshot du FILE` on a snapshot",
            theme.muted,
        )])),
        Source::File {
            total_size,
            free_pages,
            page_size,
            ..
        } => {
            lines.push(Line::styled(
                format!(
                    "compaction would free {} ({} revisions)",
                    size(r.total.history_bytes),
                    r.total.history_revisions
                ),
                theme.text,
            ));
            lines.push(Line::styled(
                format!(
                    "defragmentation would free {} ({} free pages) of {}",
                    size(free_pages * u64::from(*page_size)),
                    free_pages,
                    size(*total_size)
                ),
                theme.text,
            ));
        }
    }
}
