//! The space panel of the Keys view (`du`): a background scan of the selected directory
//! with progress and Esc to cancel, the ranked groups when it is done, sizes beside the
//! tree's counts for every directory measured so far, and a name/size sort of the tree.
//! Pure: scans are `Effect::Du` and come back as `Event::Du`.

use std::collections::HashMap;

use super::keys::{KeysState, ROOT, Row};
use super::{App, Effect, Level};
use crate::du::{DuReport, Sizes};
use crate::etcd::EtcdError;
use crate::etcd::du_scan::{DuProgress, DuUpdate};
use crate::etcd::errors::Problem;
use crate::keymap::{Key, KeyCode};

/// The panel groups one level below the directory, like the tree shows it.
pub const DEPTH: usize = 1;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Running {
    pub id: u64,
    pub prefix: Vec<u8>,
    pub progress: Option<DuProgress>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DuState {
    /// The panel is on screen (a scan may run hidden in the background).
    pub open: bool,
    pub running: Option<Running>,
    /// The last finished scan, which the panel ranks.
    pub report: Option<DuReport>,
    pub error: Option<String>,
    /// Every group measured so far by its path, for the tree's size column.
    pub sizes: HashMap<Vec<u8>, Sizes>,
    /// The tree lists children largest first rather than by name.
    pub by_size: bool,
    /// The highlighted row of the ranking.
    pub selected: usize,
    next_id: u64,
}

/// `u` on the Keys view: scan the selected directory (a key's parent; the whole keyspace
/// with nothing selected) and open the panel.
pub fn start(app: &mut App) -> Vec<Effect> {
    let ks = &app.keys;
    let prefix = match ks.current_node().map(|id| ks.tree.node(id)) {
        Some(n) if n.is_dir => n.key.clone(),
        Some(n) => n
            .parent
            .map(|p| ks.tree.node(p).key.clone())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let du = &mut app.du;
    let mut effects: Vec<Effect> = du
        .running
        .take()
        .map(|r| Effect::DuCancel { id: r.id })
        .into_iter()
        .collect();
    du.next_id += 1;
    let id = du.next_id;
    du.running = Some(Running {
        id,
        prefix: prefix.clone(),
        progress: None,
    });
    du.open = true;
    du.error = None;
    du.selected = 0;
    effects.push(Effect::Du {
        id,
        prefix,
        depth: DEPTH,
    });
    effects
}

/// Keys while the panel is open: Esc cancels a running scan, else closes; `u` hides the
/// panel and lets the scan go on; j/k move through the ranking.
pub fn modal_key(app: &mut App, key: Key) -> Option<Vec<Effect>> {
    if !app.du.open || app.view != super::ViewId::Keys {
        return None;
    }
    let du = &mut app.du;
    match key.code {
        _ if key == Key::ctrl('c') => app.quit = true,
        KeyCode::Esc => match du.running.take() {
            Some(r) => {
                du.error = Some("cancelled".into());
                return Some(vec![Effect::DuCancel { id: r.id }]);
            }
            None => du.open = false,
        },
        KeyCode::Char('u') | KeyCode::Char('q') => du.open = false,
        KeyCode::Char('s') => return Some(toggle_sort(app)),
        KeyCode::Char('j') | KeyCode::Down => {
            let rows = du.report.as_ref().map_or(0, |r| r.groups.len());
            du.selected = (du.selected + 1).min(rows.saturating_sub(1));
        }
        KeyCode::Char('k') | KeyCode::Up => du.selected = du.selected.saturating_sub(1),
        _ => {}
    }
    Some(Vec::new())
}

pub fn on_update(app: &mut App, id: u64, update: DuUpdate) -> Vec<Effect> {
    let du = &mut app.du;
    let Some(running) = du.running.as_mut().filter(|r| r.id == id) else {
        // A cancelled or replaced scan.
        return Vec::new();
    };
    match update {
        DuUpdate::Progress(p) => running.progress = Some(p),
        DuUpdate::Finished(Ok(report)) => {
            du.running = None;
            for g in &report.groups {
                du.sizes.insert(g.path.clone(), g.sizes);
            }
            du.sizes.insert(report.prefix.clone(), report.total);
            // The tree's directory counts were read when each row was first shown; the
            // scan's are newer and of one revision. Shown side by side with the sizes,
            // an old count beside a new size would disagree for no visible reason.
            for (path, sizes) in report
                .groups
                .iter()
                .map(|g| (&g.path, &g.sizes))
                .chain(std::iter::once((&report.prefix, &report.total)))
            {
                if let Some(id) = app.keys.tree.find(path)
                    && app.keys.tree.node(id).is_dir
                {
                    let n = app.keys.tree.node_mut(id);
                    n.count = Some(i64::try_from(sizes.keys).unwrap_or(i64::MAX));
                }
            }
            du.report = Some(report);
            if !du.open {
                app.set_status(Level::Info, "du finished: press u on the directory again");
            }
            if app.du.by_size {
                return sort_tree(&mut app.keys, &app.du.sizes, true);
            }
        }
        DuUpdate::Finished(Err(e)) => {
            du.error = Some(explain(&e, &running.prefix));
            du.running = None;
        }
    }
    Vec::new()
}

/// Said in the panel: a refusal names the prefix, as the Keys view says "not permitted".
fn explain(e: &EtcdError, prefix: &[u8]) -> String {
    let shown = match prefix {
        [] => "the whole keyspace".to_string(),
        p => format!("\"{}\"", crate::text::bytes(p)),
    };
    match e.problem {
        Problem::PermissionDenied => format!(
            "not permitted: this user may not read all of {shown}; \
             measure a directory your role may read"
        ),
        Problem::Compacted => format!("{}: {}", e.endpoint.as_deref().unwrap_or("etcd"), e.detail),
        _ => e.to_string(),
    }
}

/// `s`: the tree by name or largest first (directories not yet measured keep name
/// order, after the measured ones).
pub fn toggle_sort(app: &mut App) -> Vec<Effect> {
    app.du.by_size = !app.du.by_size;
    let how = if app.du.by_size { "size" } else { "name" };
    if app.du.by_size && app.du.sizes.is_empty() {
        app.set_status(
            Level::Info,
            "sorted by size: press u on a directory to measure it",
        );
    } else {
        app.set_status(Level::Info, format!("keys sorted by {how}"));
    }
    sort_tree(&mut app.keys, &app.du.sizes, app.du.by_size)
}

/// After a Keys answer: while sorted by size, a page of children just loaded takes its
/// place by size too.
pub fn after_keys(app: &mut App) -> Vec<Effect> {
    if !app.du.by_size || app.du.sizes.is_empty() {
        return Vec::new();
    }
    sort_tree(&mut app.keys, &app.du.sizes, true)
}

/// Reorders every loaded listing and keeps the cursor on the node it was on.
fn sort_tree(ks: &mut KeysState, sizes: &HashMap<Vec<u8>, Sizes>, by_size: bool) -> Vec<Effect> {
    let at = ks.current_node();
    let tree = &mut ks.tree;
    for i in ROOT..tree.nodes.len() {
        let Some(mut children) = tree.nodes[i].children.take() else {
            continue;
        };
        let nodes = &tree.nodes;
        let size = |id: &usize| sizes.get(&nodes[*id].key).map(Sizes::total);
        if by_size {
            // None sorts after every Some when reversed: unmeasured last.
            children.sort_by(|a, b| {
                size(b)
                    .cmp(&size(a))
                    .then_with(|| nodes[*a].key.cmp(&nodes[*b].key))
            });
        } else {
            children.sort_by(|a, b| nodes[*a].key.cmp(&nodes[*b].key));
        }
        tree.nodes[i].children = Some(children);
    }
    tree.rebuild();
    if let Some(row) = at.and_then(|id| tree.row_of(id)) {
        ks.cursor = row;
    }
    super::keys::update::after_move(ks)
}

/// The size shown beside a tree row, when its directory or key has been measured.
pub fn size_of<'a>(du: &'a DuState, ks: &KeysState, row: Row) -> Option<&'a Sizes> {
    match row {
        Row::Node { id, .. } => du.sizes.get(&ks.tree.node(id).key),
        Row::More { .. } => None,
    }
}

#[cfg(test)]
mod tests;
