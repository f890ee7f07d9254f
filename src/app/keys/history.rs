//! A key's earlier revisions, walked back by `mod_revision - 1`, and the diff of any
//! two of them.

use similar::{ChangeTag, TextDiff};

use crate::app::Effect;
use crate::app::render_value::{ValueFormat, render};
use crate::etcd::keys::{HistoryEnd, KeyValue, KeysOp};

use super::{Focus, KeysState, Pending};

pub const HISTORY_PAGE: usize = 50;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Added(String),
    Removed(String),
}

#[derive(Clone, Debug)]
pub struct HistoryPane {
    pub key: Vec<u8>,
    /// Newest first; entry 0 is the current value.
    pub entries: Vec<KeyValue>,
    pub end: Option<HistoryEnd>,
    pub cursor: usize,
    /// The revision picked with space, to compare against.
    pub mark: Option<usize>,
    pub loading: bool,
    pub format: ValueFormat,
    /// What the right side shows: one revision's value, or a diff.
    pub shown: Shown,
    pub scroll: u16,
}

#[derive(Clone, Debug)]
pub enum Shown {
    Value {
        index: usize,
        text: String,
    },
    Diff {
        older: usize,
        newer: usize,
        lines: Vec<DiffLine>,
    },
}

pub fn open(ks: &mut KeysState) -> Vec<Effect> {
    let Some(v) = &ks.value else {
        return Vec::new();
    };
    let Some(kv) = &v.kv else {
        return Vec::new();
    };
    let pane = HistoryPane {
        key: kv.key.clone(),
        entries: Vec::new(),
        end: None,
        cursor: 0,
        mark: None,
        loading: true,
        format: v.format,
        shown: Shown::Value {
            index: 0,
            text: String::new(),
        },
        scroll: 0,
    };
    let before = kv.mod_revision;
    ks.history = Some(pane);
    ks.focus = Focus::History;
    vec![request_page(ks, before)]
}

fn request_page(ks: &mut KeysState, before: i64) -> Effect {
    let key = ks
        .history
        .as_ref()
        .map(|h| h.key.clone())
        .unwrap_or_default();
    let id = ks.next_id();
    ks.pending.insert(id, Pending::History);
    Effect::Keys {
        id,
        op: KeysOp::History {
            key,
            before,
            limit: HISTORY_PAGE,
        },
    }
}

pub fn on_page(ks: &mut KeysState, entries: Vec<KeyValue>, end: HistoryEnd) {
    let Some(h) = &mut ks.history else {
        return;
    };
    let first = h.entries.is_empty();
    h.entries.extend(entries);
    h.end = Some(end);
    h.loading = false;
    if first {
        show_value(h, 0);
    }
}

pub fn close(ks: &mut KeysState) {
    ks.history = None;
    ks.focus = Focus::Value;
}

/// Moves the cursor; walking past the last loaded entry loads the next page.
pub fn step(ks: &mut KeysState, delta: isize) -> Vec<Effect> {
    let Some(h) = &mut ks.history else {
        return Vec::new();
    };
    let last = h.entries.len().saturating_sub(1);
    let want = h.cursor.saturating_add_signed(delta);
    if want > last
        && !h.loading
        && let Some(HistoryEnd::More { before }) = h.end.clone()
    {
        h.loading = true;
        return vec![request_page(ks, before)];
    }
    h.cursor = want.min(last);
    let i = h.cursor;
    show_value(h, i);
    Vec::new()
}

pub fn toggle_mark(ks: &mut KeysState) {
    if let Some(h) = &mut ks.history {
        h.mark = if h.mark == Some(h.cursor) {
            None
        } else {
            Some(h.cursor)
        };
    }
}

/// Compares the marked revision with the selected one, or, with nothing marked, the
/// selected revision with the one before it.
pub fn compare(ks: &mut KeysState) {
    let Some(h) = &mut ks.history else {
        return;
    };
    let other = match h.mark {
        Some(m) if m != h.cursor => m,
        _ if h.cursor + 1 < h.entries.len() => h.cursor + 1,
        _ => return,
    };
    // Entries are newest first: the larger index is the older revision.
    let (older, newer) = if other > h.cursor {
        (other, h.cursor)
    } else {
        (h.cursor, other)
    };
    let text = |i: usize| {
        let kv = &h.entries[i];
        render(&kv.key, &kv.value, h.format, false).text
    };
    let lines = diff_lines(&text(older), &text(newer));
    h.shown = Shown::Diff {
        older,
        newer,
        lines,
    };
    h.scroll = 0;
}

fn show_value(h: &mut HistoryPane, index: usize) {
    let Some(kv) = h.entries.get(index) else {
        return;
    };
    let text = render(&kv.key, &kv.value, h.format, false).text;
    h.shown = Shown::Value { index, text };
    h.scroll = 0;
}

pub fn diff_lines(older: &str, newer: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(older, newer)
        .iter_all_changes()
        .map(|c| {
            let text = c.value().trim_end_matches('\n').to_string();
            match c.tag() {
                ChangeTag::Equal => DiffLine::Same(text),
                ChangeTag::Insert => DiffLine::Added(text),
                ChangeTag::Delete => DiffLine::Removed(text),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_added_and_removed_lines() {
        let d = diff_lines("a\nb\nc\n", "a\nB\nc\nd\n");
        assert_eq!(
            d,
            vec![
                DiffLine::Same("a".into()),
                DiffLine::Removed("b".into()),
                DiffLine::Added("B".into()),
                DiffLine::Same("c".into()),
                DiffLine::Added("d".into()),
            ]
        );
    }
}
