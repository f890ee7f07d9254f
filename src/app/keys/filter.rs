//! `/` filtering over the full key index: type to narrow, Enter to browse the matches,
//! Enter on a match to jump to it in the tree, Esc to leave.

use crate::app::Effect;
use crate::etcd::keys::KeysOp;
use crate::etcd::skipscan::key_after;
use crate::keymap::{Key, KeyCode};

use super::{KeysState, Pending};

/// Matches kept for display; the total is counted beyond it.
pub const MAX_HITS: usize = 10_000;
pub const INDEX_PAGE: i64 = 20_000;
/// Big enough that etcd's per-request walk of the rest of the range stays cheap in
/// total (it counts the whole range whatever the limit), small enough that the decoded
/// page in flight (about 240 bytes a key) keeps the peak near the index's own size.
pub const INDEX_PAGE_LATER: i64 = 160_000;

#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub query: String,
    /// Typing goes into the query; otherwise j/k move over the matches.
    pub editing: bool,
    pub hits: Vec<usize>,
    pub total: usize,
    pub cursor: usize,
    pub offset: usize,
}

pub fn open(ks: &mut KeysState) -> Vec<Effect> {
    let f = ks.filter.get_or_insert_with(Filter::default);
    f.editing = true;
    if ks.index.loading || ks.index.done {
        return Vec::new();
    }
    start_index(ks)
}

fn start_index(ks: &mut KeysState) -> Vec<Effect> {
    ks.index = Default::default();
    ks.index.loading = true;
    // No separate count: the first page's answer carries the total.
    vec![next_page(ks, Vec::new(), 0)]
}

fn next_page(ks: &mut KeysState, from: Vec<u8>, revision: i64) -> Effect {
    let id = ks.next_id();
    ks.pending.insert(id, Pending::IndexPage);
    Effect::Keys {
        id,
        // A small first page so the filter shows matches at once, then big ones: etcd
        // counts the rest of the range on every request, so fewer requests is faster.
        op: KeysOp::IndexPage {
            from,
            revision,
            limit: if ks.index.is_empty() {
                INDEX_PAGE
            } else {
                INDEX_PAGE_LATER
            },
        },
    }
}

pub fn on_count(ks: &mut KeysState, count: i64) {
    ks.index.expected = Some(count);
    let avg = match ks.index.len() {
        0 => 64,
        n => ks.index.bytes() / n,
    };
    ks.index.reserve_for(count, avg);
}

/// A page arrived: store it, ask for the next, and refresh the matches.
pub fn on_page(
    ks: &mut KeysState,
    keys: crate::etcd::keys::KeyBatch,
    more: bool,
    revision: i64,
    total: i64,
) -> Vec<Effect> {
    if ks.index.is_empty() && total > 0 {
        on_count(ks, total);
    }
    ks.index.revision = revision;
    let fits = ks.index.push_batch(&keys);
    let mut effects = Vec::new();
    if more && fits {
        let from = ks.index.last().map(key_after).unwrap_or_default();
        effects.push(next_page(ks, from, revision));
    } else {
        ks.index.loading = false;
        ks.index.done = fits;
        if !fits {
            ks.index.error = Some("index stopped at 4 GiB of key bytes".into());
        }
    }
    research(ks);
    effects
}

pub fn research(ks: &mut KeysState) {
    let Some(f) = &mut ks.filter else {
        return;
    };
    let (hits, total) = ks.index.search(f.query.as_bytes(), MAX_HITS);
    f.hits = hits;
    f.total = total;
    f.cursor = f.cursor.min(f.hits.len().saturating_sub(1));
    f.offset = f.offset.min(f.cursor);
}

/// Keys while the filter is open. Returns `None` when the key is not the filter's, so
/// global bindings (quit, views, help) still work while browsing matches.
pub fn on_key(ks: &mut KeysState, key: Key) -> Option<Vec<Effect>> {
    let f = ks.filter.as_mut()?;
    if f.editing {
        match key.code {
            KeyCode::Esc => ks.filter = None,
            KeyCode::Enter | KeyCode::Down | KeyCode::Tab => f.editing = false,
            KeyCode::Backspace if f.query.is_empty() => ks.filter = None,
            KeyCode::Backspace => {
                f.query.pop();
                research(ks);
            }
            KeyCode::Char('u') if key.ctrl => {
                f.query.clear();
                research(ks);
            }
            KeyCode::Char(c) if !key.ctrl && !key.alt => {
                f.query.push(c);
                f.cursor = 0;
                f.offset = 0;
                research(ks);
            }
            _ => return None,
        }
        return Some(Vec::new());
    }
    let height = ks.height.max(1);
    let last = f.hits.len().saturating_sub(1);
    match key.code {
        KeyCode::Esc => ks.filter = None,
        KeyCode::Char('/') => f.editing = true,
        KeyCode::Char('j') | KeyCode::Down => f.cursor = (f.cursor + 1).min(last),
        KeyCode::Char('k') | KeyCode::Up => f.cursor = f.cursor.saturating_sub(1),
        KeyCode::Char('g') | KeyCode::Home => f.cursor = 0,
        KeyCode::Char('G') | KeyCode::End => f.cursor = last,
        KeyCode::PageDown => f.cursor = (f.cursor + height).min(last),
        KeyCode::PageUp => f.cursor = f.cursor.saturating_sub(height),
        KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => {
            let target = f.hits.get(f.cursor).map(|&i| ks.index.get(i).to_vec());
            ks.filter = None;
            return Some(match target {
                Some(t) => super::update::goto(ks, t),
                None => Vec::new(),
            });
        }
        _ => return None,
    }
    if let Some(f) = &mut ks.filter {
        if f.cursor < f.offset {
            f.offset = f.cursor;
        } else if f.cursor >= f.offset + height {
            f.offset = f.cursor + 1 - height;
        }
    }
    Some(Vec::new())
}
