//! The Keys view: the tree on the left, the selected value on the right.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::app::keys::filter::Filter;
use crate::app::keys::{Focus, KeysState, Row, ValuePane};
use crate::theme::Theme;

use super::pane;
use crate::text::{bytes, safe};

/// Below this width only the focused pane is shown.
const SPLIT_MIN_WIDTH: u16 = 70;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let ks = &app.keys;
    let right = |frame: &mut Frame, area: Rect| match &ks.history {
        Some(h) if ks.focus == Focus::History => super::history::draw(frame, area, h, theme),
        _ => draw_value(frame, area, ks, theme),
    };
    if area.width < SPLIT_MIN_WIDTH {
        match ks.focus {
            Focus::Tree => draw_tree(frame, area, app, theme),
            Focus::Value | Focus::History => right(frame, area),
        }
    } else {
        let [left, right_area] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(area);
        draw_tree(frame, left, app, theme);
        right(frame, right_area);
    }
    if app.du.open {
        super::du::draw(frame, area, &app.du, theme);
    }
}

fn draw_tree(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let ks = &app.keys;
    if let Some(f) = &ks.filter {
        return draw_filter(frame, area, ks, f, theme);
    }
    let focused = ks.focus == Focus::Tree;
    let rows = ks.tree.rows.len();
    let title = if rows == 0 {
        " Keys ".to_string()
    } else {
        format!(" Keys {}/{} ", ks.cursor + 1, rows)
    };
    let block = pane(title, focused, theme);
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line> = ks
        .window()
        .take(usize::from(inner.height))
        .map(|(i, row)| {
            let size = crate::app::du::size_of(&app.du, ks, row);
            tree_line(ks, (row, size), i == ks.cursor && focused, width, theme)
        })
        .collect();
    if lines.is_empty() {
        if ks.roots.as_ref().is_some_and(Vec::is_empty) {
            // A user whose roles grant no key at all: not an empty cluster.
            lines.push(Line::styled(
                "not permitted: may read no keys",
                theme.warning,
            ));
        } else if let Some(e) = &ks.denied {
            lines.push(Line::styled(e.clone(), theme.warning));
        } else {
            let text = if ks.loaded { "no keys" } else { "loading…" };
            lines.push(Line::styled(text, theme.muted));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn tree_line<'a>(
    ks: &KeysState,
    (row, size): (Row, Option<&crate::du::Sizes>),
    selected: bool,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let (indent, label, marker, count, style) = match row {
        Row::More { parent, depth } => {
            let n = ks.tree.node(parent);
            let text = if n.loading {
                "loading more…"
            } else {
                "more… (enter)"
            };
            (depth, text.to_string(), "  ", String::new(), theme.muted)
        }
        Row::Node { id, depth } => {
            let n = ks.tree.node(id);
            let parent_key = n
                .parent
                .map(|p| ks.tree.node(p).key.as_slice())
                .unwrap_or(&[]);
            let label = bytes(n.label(parent_key));
            let marker = match (n.is_dir, n.expanded) {
                (true, true) => "▾ ",
                (true, false) => "▸ ",
                (false, _) => "  ",
            };
            let count = match (n.is_dir, n.count, n.loading) {
                (true, _, true) => " …".to_string(),
                (true, Some(c), _) => format!(" {}", group(c)),
                _ => String::new(),
            };
            let style = if n.is_dir { theme.title } else { theme.text };
            let count = match k8s_hint(&n.key) {
                Some(h) => format!(" {h}{count}"),
                None => count,
            };
            // Measured by du: the bytes beside the count.
            let count = match size {
                Some(s) => format!("{count} {}", crate::text::human_size(s.total() as usize)),
                None => count,
            };
            (depth, label, marker, count, style)
        }
    };
    let prefix = "  ".repeat(indent);
    let room = width.saturating_sub(prefix.len() + 2 + count.chars().count());
    let label = truncate(&label, room);
    let pad =
        width.saturating_sub(prefix.len() + 2 + label.chars().count() + count.chars().count());
    let mut line = Line::from(vec![
        Span::raw(prefix),
        Span::styled(marker, theme.muted),
        Span::styled(label, style),
        Span::raw(" ".repeat(pad)),
        Span::styled(count, theme.muted),
    ]);
    if selected {
        line = line.style(theme.selection);
    }
    line
}

fn index_progress(ks: &KeysState) -> String {
    let ix = &ks.index;
    if let Some(e) = &ix.error {
        return format!("index incomplete: {}", safe(e));
    }
    if ix.done {
        return format!("all {} keys", group(ix.len() as i64));
    }
    match ix.expected {
        Some(n) if n > 0 => format!(
            "indexing {}% ({} of {})",
            (ix.len() as i64 * 100 / n).min(99),
            group(ix.len() as i64),
            group(n)
        ),
        _ => format!("indexing… {} keys", group(ix.len() as i64)),
    }
}

fn draw_filter(frame: &mut Frame, area: Rect, ks: &KeysState, f: &Filter, theme: &Theme) {
    let cursor = if f.editing { "▏" } else { "" };
    let block =
        pane(format!(" /{}{cursor} ", safe(&f.query)), true, theme).title_bottom(Span::styled(
            format!(
                " {} matches · {} ",
                group(f.total as i64),
                index_progress(ks)
            ),
            theme.muted,
        ));
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line> = f
        .hits
        .iter()
        .enumerate()
        .skip(f.offset)
        .take(usize::from(inner.height))
        .map(|(i, &k)| {
            let text = truncate(&bytes(ks.index.get(k)), width);
            let line = Line::styled(text, theme.text);
            if i == f.cursor && !f.editing {
                line.style(theme.selection)
            } else {
                line
            }
        })
        .collect();
    if lines.is_empty() {
        let hint = if f.query.is_empty() {
            "type to search every key"
        } else {
            "no matches"
        };
        lines.push(Line::styled(hint, theme.muted));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The kind a `/registry/` directory holds, so `minions/` reads as Nodes.
fn k8s_hint(key: &[u8]) -> Option<String> {
    use crate::decode::k8s::layout::{Layout, describe};
    match describe(key)? {
        Layout::Resource { kind, .. } => Some(kind.to_string()),
        Layout::Group { .. } if key.iter().filter(|b| **b == b'/').count() == 3 => {
            Some("API group".into())
        }
        _ => None,
    }
}

/// Thousands separated by commas: 1,234,567.
pub fn group(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn truncate(s: &str, room: usize) -> String {
    if s.chars().count() <= room {
        return s.to_string();
    }
    let mut out: String = s.chars().take(room.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn draw_value(frame: &mut Frame, area: Rect, ks: &KeysState, theme: &Theme) {
    let focused = ks.focus == Focus::Value;
    let Some(v) = &ks.value else {
        let block = pane(" Value ".into(), focused, theme);
        let hint = match ks.current_node().map(|id| ks.tree.node(id)) {
            Some(n) if n.is_dir => match n.count {
                Some(c) => format!("{} keys under {}", group(c), bytes(&n.key)),
                None => format!("directory {}", bytes(&n.key)),
            },
            _ => String::new(),
        };
        frame.render_widget(
            Paragraph::new(Line::styled(hint, theme.muted)).block(block),
            area,
        );
        return;
    };
    let title = format!(" {} ", bytes(&v.key));
    let inner_w = usize::from(area.width.saturating_sub(2));
    let block = pane(truncate_left(&title, inner_w), focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [meta, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(meta_lines(v, theme)), meta);
    let lines: Vec<Line> = if v.loading {
        vec![Line::styled("loading…", theme.muted)]
    } else if let Some(e) = &v.error {
        vec![Line::styled(
            format!("cannot read the value: {}", safe(e)),
            theme.error,
        )]
    } else if v.kv.is_none() {
        vec![Line::styled(
            "this key no longer exists (deleted since the list was read)",
            theme.warning,
        )]
    } else {
        let mut l: Vec<Line> = v
            .rendered
            .notes
            .iter()
            .map(|n| Line::styled(safe(n).into_owned(), theme.warning))
            .collect();
        l.extend(
            v.rendered
                .text
                .lines()
                .skip(usize::from(v.scroll))
                .take(usize::from(body.height))
                .map(|t| super::highlight::line(&safe(t), v.format, theme)),
        );
        l
    };
    // Long lines wrap rather than vanish past the edge: a narrow SSH window must still
    // show the whole value.
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
}

fn truncate_left(s: &str, room: usize) -> String {
    let n = s.chars().count();
    if n <= room {
        return s.to_string();
    }
    let tail: String = s.chars().skip(n + 1 - room.max(1)).collect();
    format!("…{tail}")
}

fn meta_lines<'a>(v: &ValuePane, theme: &Theme) -> Vec<Line<'a>> {
    let Some(kv) = &v.kv else {
        return Vec::new();
    };
    let field = |label: &str, value: String, style: Style| {
        vec![
            Span::styled(format!("{label} "), theme.muted),
            Span::styled(value, style),
            Span::raw("  "),
        ]
    };
    let mut first = Vec::new();
    first.extend(field("rev", kv.mod_revision.to_string(), theme.text));
    first.extend(field("created", kv.create_revision.to_string(), theme.text));
    first.extend(field("version", kv.version.to_string(), theme.text));
    first.extend(field(
        "size",
        crate::text::human_size(kv.value.len()),
        theme.text,
    ));
    let mut second = Vec::new();
    let lease = match (kv.lease, v.lease_ttl) {
        (0, _) => "none".to_string(),
        (id, Some(ttl)) => format!("{id:x} ({ttl}s left)"),
        (id, None) => format!("{id:x} (expired)"),
    };
    second.extend(field("lease", lease, theme.text));
    let formats: Vec<String> = v
        .formats
        .iter()
        .map(|f| {
            if *f == v.format {
                format!("[{}]", f.label())
            } else {
                f.label().to_string()
            }
        })
        .collect();
    second.extend(field("format", formats.join(" "), theme.key));
    if let Some((api, kind)) = &v.rendered.kind {
        second.extend(field(
            "kind",
            format!("{} {}", safe(api), safe(kind)),
            theme.title,
        ));
    }
    vec![Line::from(first), Line::from(second)]
}
