//! How the Keys view reacts to keys and to etcd's answers.

use crate::app::Effect;
use crate::etcd::keys::{KeysAnswer, KeysOp};
use crate::etcd::skipscan::Child;
use crate::etcd::{EtcdError, Problem};

use super::{Focus, KeysState, MAX_COUNTS, NodeId, PAGE, Pending, ROOT, Row, ValuePane};

mod answers;
mod goto;
pub(super) use answers::open_lone_dir;
pub use answers::*;
pub use goto::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
}

/// Something for the status line.
pub type Note = Option<String>;

fn request(ks: &mut KeysState, pending: Pending, op: KeysOp) -> Effect {
    let id = ks.next_id();
    ks.pending.insert(id, pending);
    Effect::Keys { id, op }
}

fn load_children(ks: &mut KeysState, node: NodeId, replace: bool) -> Effect {
    let n = ks.tree.node_mut(node);
    n.loading = true;
    let (start, revision) = if replace {
        (None, None)
    } else {
        (n.more.clone(), n.revision)
    };
    // The first page can start from the key the parent's listing already saw; a reload
    // asks afresh, since that key may be gone.
    let hint = if start.is_none() && !replace {
        n.first.clone()
    } else {
        None
    };
    let op = KeysOp::Children {
        node: n.key.clone(),
        sep: ks.sep,
        start,
        revision,
        want: PAGE,
        hint,
    };
    request(ks, Pending::Children { node, replace }, op)
}

/// Starts over: a new connection or context.
pub fn start(ks: &mut KeysState) -> Vec<Effect> {
    let sep = ks.sep;
    let goto = ks.goto.take();
    let height = ks.height;
    let (perms, roots) = (ks.perms.take(), ks.roots.take());
    *ks = KeysState::new(sep);
    ks.goto = goto;
    ks.height = height;
    ks.perms = perms;
    ks.roots = roots.clone();
    match roots {
        Some(entries) => {
            let mut effects = super::permitted::synthesize_root(ks, &entries);
            effects.extend(advance_goto(ks));
            effects
        }
        None => vec![load_children(ks, ROOT, true)],
    }
}

pub fn move_cursor(ks: &mut KeysState, m: Move) -> Vec<Effect> {
    if ks.focus == Focus::Value {
        scroll_value(ks, m);
        return Vec::new();
    }
    let last = ks.tree.rows.len().saturating_sub(1);
    let page = ks.height.max(1);
    ks.cursor = match m {
        Move::Up => ks.cursor.saturating_sub(1),
        Move::Down => (ks.cursor + 1).min(last),
        Move::PageUp => ks.cursor.saturating_sub(page),
        Move::PageDown => (ks.cursor + page).min(last),
        Move::Top => 0,
        Move::Bottom => last,
    };
    after_move(ks)
}

fn scroll_value(ks: &mut KeysState, m: Move) {
    let page = u16::try_from(ks.height.max(1)).unwrap_or(u16::MAX);
    if let Some(v) = &mut ks.value {
        let lines = u16::try_from(v.rendered.text.lines().count()).unwrap_or(u16::MAX);
        v.scroll = match m {
            Move::Up => v.scroll.saturating_sub(1),
            Move::Down => v.scroll.saturating_add(1),
            Move::PageUp => v.scroll.saturating_sub(page),
            Move::PageDown => v.scroll.saturating_add(page),
            Move::Top => 0,
            Move::Bottom => lines.saturating_sub(page),
        }
        .min(lines.saturating_sub(page));
    }
}

/// Keeps the cursor on screen, loads the selected value, and asks for the counts of
/// directories that came into view.
pub fn after_move(ks: &mut KeysState) -> Vec<Effect> {
    let rows = ks.tree.rows.len();
    ks.cursor = ks.cursor.min(rows.saturating_sub(1));
    let height = ks.height.max(1);
    if ks.cursor < ks.offset {
        ks.offset = ks.cursor;
    } else if ks.cursor >= ks.offset + height {
        ks.offset = ks.cursor + 1 - height;
    }
    ks.offset = ks.offset.min(rows.saturating_sub(height));
    let mut effects = select_value(ks);
    effects.extend(request_counts(ks));
    effects
}

fn select_value(ks: &mut KeysState) -> Vec<Effect> {
    let Some(id) = ks.current_node() else {
        ks.value = None;
        return Vec::new();
    };
    let node = ks.tree.node(id);
    if node.is_dir {
        ks.value = None;
        return Vec::new();
    }
    if ks.value.as_ref().is_some_and(|v| v.key == node.key) {
        return Vec::new();
    }
    let key = node.key.clone();
    ks.value = Some(ValuePane::loading(key.clone()));
    vec![request(
        ks,
        Pending::Value { key: key.clone() },
        KeysOp::Value { key },
    )]
}

fn request_counts(ks: &mut KeysState) -> Vec<Effect> {
    let in_flight = ks
        .pending
        .values()
        .filter(|p| matches!(p, Pending::Count { .. }))
        .count();
    let wanted: Vec<NodeId> = ks
        .window()
        .filter_map(|(_, row)| match row {
            Row::Node { id, .. } => Some(id),
            Row::More { .. } => None,
        })
        .filter(|id| {
            let n = ks.tree.node(*id);
            n.is_dir && n.count.is_none() && !n.count_pending
        })
        .take(MAX_COUNTS.saturating_sub(in_flight))
        .collect();
    wanted
        .into_iter()
        .map(|id| {
            let n = ks.tree.node_mut(id);
            n.count_pending = true;
            let op = KeysOp::Count {
                prefix: n.key.clone(),
                revision: 0,
            };
            request(ks, Pending::Count { node: id }, op)
        })
        .collect()
}

/// `l`, `→`, Enter: expand a directory, load the next page on "more…", or move into
/// the value of a leaf.
pub fn open(ks: &mut KeysState) -> Vec<Effect> {
    match ks.current_row() {
        Some(Row::More { parent, .. }) => {
            if ks.tree.node(parent).loading {
                return Vec::new();
            }
            vec![load_children(ks, parent, false)]
        }
        Some(Row::Node { id, .. }) => {
            let node = ks.tree.node(id);
            if !node.is_dir {
                ks.focus = Focus::Value;
                return Vec::new();
            }
            if node.expanded {
                ks.cursor += 1;
                return after_move(ks);
            }
            let needs_load = node.children.is_none() && !node.loading;
            ks.tree.node_mut(id).expanded = true;
            ks.tree.rebuild();
            let mut effects = after_move(ks);
            if needs_load {
                effects.push(load_children(ks, id, false));
            }
            effects
        }
        None => Vec::new(),
    }
}

/// `h`, `←`: leave the value pane, collapse a directory, or go to the parent.
pub fn close(ks: &mut KeysState) -> Vec<Effect> {
    if ks.focus == Focus::Value {
        ks.focus = Focus::Tree;
        return Vec::new();
    }
    let Some(row) = ks.current_row() else {
        return Vec::new();
    };
    let go_to = match row {
        Row::More { parent, .. } => Some(parent),
        Row::Node { id, .. } => {
            let n = ks.tree.node(id);
            if n.is_dir && n.expanded {
                ks.tree.node_mut(id).expanded = false;
                ks.tree.rebuild();
                None
            } else {
                n.parent
            }
        }
    };
    if let Some(p) = go_to.filter(|p| *p != ROOT)
        && let Some(r) = ks.tree.row_of(p)
    {
        ks.cursor = r;
    }
    after_move(ks)
}

/// `r`: reload the children of the selected directory (or its parent) and the value.
pub fn refresh(ks: &mut KeysState) -> Vec<Effect> {
    let target = match ks.current_row() {
        Some(Row::Node { id, .. }) if ks.tree.node(id).is_dir && ks.tree.node(id).expanded => id,
        Some(Row::Node { id, .. }) => ks.tree.node(id).parent.unwrap_or(ROOT),
        Some(Row::More { parent, .. }) => parent,
        None => ROOT,
    };
    let key = ks.current_node().map(|id| ks.tree.node(id).key.clone());
    ks.goto = key;
    ks.goto_quiet = true;
    ks.value = None;
    if target == ROOT && ks.roots.is_some() {
        return start(ks);
    }
    ks.tree.node_mut(target).count = None;
    vec![load_children(ks, target, true)]
}

/// `:export FILE`: the selected directory, or the directory of the selected key.
/// `:diff FILE`: the cluster now against a snapshot file.
pub fn snapshot_diff(ks: &mut KeysState, path: std::path::PathBuf) -> Vec<Effect> {
    ks.info = Some(format!("comparing {} with the cluster…", path.display()));
    vec![request(
        ks,
        Pending::SnapshotDiff,
        KeysOp::SnapshotDiff { path },
    )]
}

pub fn export(ks: &mut KeysState, path: std::path::PathBuf) -> Vec<Effect> {
    let prefix = match ks.current_node() {
        Some(id) if ks.tree.node(id).is_dir => ks.tree.node(id).key.clone(),
        Some(id) => ks
            .tree
            .node(id)
            .parent
            .map(|p| ks.tree.node(p).key.clone())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    vec![request(
        ks,
        Pending::Export,
        KeysOp::Export { prefix, path },
    )]
}
