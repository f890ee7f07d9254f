//! How the Keys view reacts to keys and to etcd's answers.

use crate::app::Effect;
use crate::etcd::keys::{KeysAnswer, KeysOp};
use crate::etcd::skipscan::Child;
use crate::etcd::{EtcdError, Problem};

use super::{Focus, KeysState, MAX_COUNTS, NodeId, PAGE, Pending, ROOT, Row, ValuePane};

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

pub fn goto(ks: &mut KeysState, target: Vec<u8>) -> Vec<Effect> {
    ks.goto = Some(target);
    ks.goto_quiet = false;
    ks.focus = Focus::Tree;
    advance_goto(ks)
}

/// Walks one step further towards the `:goto` target, loading what is missing.
fn advance_goto(ks: &mut KeysState) -> Vec<Effect> {
    let Some(target) = ks.goto.clone() else {
        return Vec::new();
    };
    let mut node = ROOT;
    loop {
        let Some(children) = ks.tree.node(node).children.clone() else {
            if ks.tree.node(node).loading {
                return Vec::new();
            }
            return vec![load_children(ks, node, false)];
        };
        let dir_target = with_sep(&target, ks.sep);
        let found = children.into_iter().find(|c| {
            let n = ks.tree.node(*c);
            n.key == target || (n.is_dir && target.starts_with(&n.key)) || n.key == dir_target
        });
        let Some(c) = found else {
            if n_more(ks, node) {
                if ks.tree.node(node).loading {
                    return Vec::new();
                }
                return vec![load_children(ks, node, false)];
            }
            if node == ROOT
                && !ks.goto_quiet
                && let Some(id) = super::permitted::add_entry(ks, &target)
            {
                ks.goto = None;
                return select_node(ks, id);
            }
            ks.goto = None;
            if !ks.goto_quiet {
                ks.error = Some(format!("{} not found", crate::text::bytes(&target)));
            }
            return select_node(ks, node);
        };
        let n = ks.tree.node(c);
        if n.key == target || n.key == dir_target || !n.is_dir {
            ks.goto = None;
            return select_node(ks, c);
        }
        if !n.expanded {
            ks.tree.node_mut(c).expanded = true;
            ks.tree.rebuild();
        }
        node = c;
    }
}

fn n_more(ks: &KeysState, node: NodeId) -> bool {
    ks.tree.node(node).more.is_some()
}

fn with_sep(key: &[u8], sep: u8) -> Vec<u8> {
    let mut k = key.to_vec();
    if k.last() != Some(&sep) {
        k.push(sep);
    }
    k
}

fn select_node(ks: &mut KeysState, id: NodeId) -> Vec<Effect> {
    if let Some(r) = ks.tree.row_of(id) {
        ks.cursor = r;
        // Put the target in the middle of the screen rather than at the edge.
        ks.offset = r.saturating_sub(ks.height / 2);
    }
    after_move(ks)
}

/// An answer from etcd to one of our requests.
pub fn on_answer(
    ks: &mut KeysState,
    id: u64,
    result: Result<KeysAnswer, EtcdError>,
) -> (Vec<Effect>, Note) {
    let Some(pending) = ks.pending.remove(&id) else {
        return (Vec::new(), None);
    };
    match (pending, result) {
        (Pending::Children { node, replace }, Ok(KeysAnswer::Children(page))) => {
            on_children(ks, node, replace, page.children, page.next, page.revision)
        }
        (Pending::Count { node }, Ok(KeysAnswer::Count { count: n, .. })) => {
            let nd = ks.tree.node_mut(node);
            nd.count = Some(n);
            nd.count_pending = false;
            (request_counts(ks), None)
        }
        (Pending::PrefixCount { prefix }, Ok(KeysAnswer::Count { count, revision })) => {
            match super::write::prefix_confirm(prefix, count, revision) {
                Ok(c) => ks.ask = Some(c),
                Err(e) => ks.info = Some(e),
            }
            (Vec::new(), None)
        }
        (Pending::Write { key, draft }, Ok(KeysAnswer::Written(r))) => {
            written(ks, &key, draft, &r, None)
        }
        (Pending::Write { key, draft }, Ok(KeysAnswer::DeletedPrefix { result, deleted })) => {
            written(ks, &key, draft, &result, Some(deleted))
        }
        (Pending::Export, Ok(KeysAnswer::Exported(e))) => {
            ks.info = Some(format!(
                "exported {} keys at revision {} to {} ({} bytes)",
                e.keys,
                e.revision,
                e.path.display(),
                e.bytes
            ));
            (Vec::new(), None)
        }
        (Pending::SnapshotDiff, Ok(KeysAnswer::SnapshotDiff(d))) => {
            let title = format!("Since the snapshot (rev {})", d.snapshot_revision);
            ks.report = Some((title, crate::snapshot_diff::table(&d)));
            (Vec::new(), None)
        }
        (Pending::History, Ok(KeysAnswer::History(h))) => {
            super::history::on_page(ks, h.entries, h.end);
            (Vec::new(), None)
        }
        (Pending::IndexCount, Ok(KeysAnswer::Count { count: n, .. })) => {
            super::filter::on_count(ks, n);
            (Vec::new(), None)
        }
        (
            Pending::IndexPage,
            Ok(KeysAnswer::IndexPage {
                keys,
                more,
                revision,
                remaining,
            }),
        ) => (
            super::filter::on_page(ks, keys, more, revision, remaining),
            None,
        ),
        (
            Pending::Value { key },
            Ok(KeysAnswer::Value {
                kv,
                revision,
                lease_ttl,
            }),
        ) => {
            if let Some(v) = ks.value.as_mut().filter(|v| v.key == key) {
                v.set(kv, lease_ttl, revision);
            }
            (Vec::new(), None)
        }
        (pending, Err(e)) => on_error(ks, pending, e),
        (pending, Ok(other)) => {
            tracing::warn!("unexpected answer {other:?} for {pending:?}");
            (Vec::new(), None)
        }
    }
}

fn written(
    ks: &mut KeysState,
    key: &[u8],
    draft: Option<std::path::PathBuf>,
    result: &crate::etcd::keys::WriteResult,
    deleted: Option<i64>,
) -> (Vec<Effect>, Note) {
    let (ok, text) = super::write::outcome(key, draft.as_ref(), result, deleted);
    if !ok {
        ks.error = Some(text);
        return (Vec::new(), None);
    }
    ks.info = Some(text);
    // Show the new state: reload the listing around the key and its value.
    ks.value = None;
    let mut effects = refresh(ks);
    if let Some(d) = draft {
        effects.push(Effect::RemoveFile(d));
    }
    (effects, None)
}

/// A lone top-level directory ("/" in most clusters, or the one prefix a user may
/// read) is opened for the user; nothing when there is no such directory.
pub(super) fn open_lone_dir(ks: &mut KeysState) -> Vec<Effect> {
    let Some(only) = ks
        .tree
        .node(ROOT)
        .children
        .as_ref()
        .filter(|c| c.len() == 1)
        .map(|c| c[0])
        .filter(|id| ks.tree.node(*id).is_dir && !ks.tree.node(*id).expanded)
    else {
        return Vec::new();
    };
    ks.tree.node_mut(only).expanded = true;
    ks.tree.rebuild();
    let mut effects = vec![load_children(ks, only, false)];
    effects.extend(advance_goto(ks));
    effects
}

fn on_children(
    ks: &mut KeysState,
    node: NodeId,
    replace: bool,
    children: Vec<Child>,
    next: Option<Vec<u8>>,
    revision: i64,
) -> (Vec<Effect>, Note) {
    let selected = ks.current_node().map(|id| ks.tree.node(id).key.clone());
    ks.tree
        .add_children(node, children, next, revision, replace);
    ks.loaded = true;
    ks.error = None;
    ks.denied = None;
    if node == ROOT {
        let effects = open_lone_dir(ks);
        if !effects.is_empty() {
            return (effects, None);
        }
    }
    if ks.goto.is_some() {
        return (advance_goto(ks), None);
    }
    // Keep the cursor on the same key across a refresh.
    if let Some(key) = selected
        && let Some(id) = ks
            .tree
            .find(&key)
            .filter(|id| ks.tree.row_of(*id).is_some())
        && let Some(r) = ks.tree.row_of(id)
    {
        ks.cursor = r;
    }
    (after_move(ks), None)
}

/// Without an answer a write may still have been applied, and the status line is
/// short: say that first. A refused connection means the write never left.
fn write_failed(key: &[u8], e: &EtcdError, msg: String) -> String {
    if matches!(e.problem, Problem::Timeout | Problem::Other) {
        format!(
            "{}: {}, so it may or may not have been written (r shows the value now); {msg}",
            crate::text::bytes(key),
            e.headline()
        )
    } else {
        msg
    }
}

fn on_error(ks: &mut KeysState, pending: Pending, e: EtcdError) -> (Vec<Effect>, Note) {
    tracing::warn!("{pending:?} failed: {e} ({})", e.detail);
    let msg = e.to_string();
    use super::permitted::denied_message;
    match pending {
        Pending::Children { node, .. } => {
            let n = ks.tree.node_mut(node);
            n.loading = false;
            let denied = denied_message(&e, "list", &n.key);
            ks.denied = denied.clone();
            let msg = denied.unwrap_or(msg);
            ks.error = Some(msg.clone());
            return (Vec::new(), Some(msg));
        }
        Pending::Count { node } => ks.tree.node_mut(node).count_pending = false,
        Pending::Value { key } => {
            let msg = denied_message(&e, "read", &key).unwrap_or(msg);
            if let Some(v) = ks.value.as_mut().filter(|v| v.key == key) {
                v.loading = false;
                v.error = Some(msg.clone());
            }
            return (Vec::new(), Some(msg));
        }
        Pending::IndexCount => {}
        Pending::History => {
            if let Some(h) = &mut ks.history {
                h.loading = false;
            }
        }
        Pending::PrefixCount { .. } | Pending::Export | Pending::SnapshotDiff => {}
        Pending::Write { key, draft } => {
            let msg = match denied_message(&e, "write", &key) {
                Some(m) => format!("{m}: nothing written"),
                None => write_failed(&key, &e, msg),
            };
            let Some(d) = draft else {
                return (Vec::new(), Some(msg));
            };
            ks.error = Some(format!("{msg}; your edit is kept in {}", d.display()));
            return (Vec::new(), None);
        }
        Pending::IndexPage => {
            ks.index.loading = false;
            ks.index.error = Some(msg.clone());
        }
    }
    (Vec::new(), Some(msg))
}
