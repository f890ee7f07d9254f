//! etcd's answers to the Keys view's requests: children, values, counts, writes,
//! and the errors of each.

use super::*;

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
            match crate::app::keys::write::prefix_confirm(prefix, count, revision) {
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
            crate::app::keys::history::on_page(ks, h.entries, h.end);
            (Vec::new(), None)
        }
        (Pending::IndexCount, Ok(KeysAnswer::Count { count: n, .. })) => {
            crate::app::keys::filter::on_count(ks, n);
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
            crate::app::keys::filter::on_page(ks, keys, more, revision, remaining),
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

pub(super) fn written(
    ks: &mut KeysState,
    key: &[u8],
    draft: Option<std::path::PathBuf>,
    result: &crate::etcd::keys::WriteResult,
    deleted: Option<i64>,
) -> (Vec<Effect>, Note) {
    let (ok, text) = crate::app::keys::write::outcome(key, draft.as_ref(), result, deleted);
    if !ok {
        ks.error = Some(text);
        // Show what changed, so that the next `e` starts from the current revision
        // rather than failing on the same stale one again.
        return (refresh(ks), None);
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
pub(in crate::app::keys) fn open_lone_dir(ks: &mut KeysState) -> Vec<Effect> {
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

pub(super) fn on_children(
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
pub(super) fn write_failed(key: &[u8], e: &EtcdError, msg: String) -> String {
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

pub(super) fn on_error(ks: &mut KeysState, pending: Pending, e: EtcdError) -> (Vec<Effect>, Note) {
    tracing::warn!("{pending:?} failed: {e} ({})", e.detail);
    let msg = e.to_string();
    use crate::app::keys::permitted::denied_message;
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
