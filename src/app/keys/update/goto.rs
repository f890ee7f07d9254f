//! `:goto KEY`: walks the tree down to a key, loading each level on the way.

use super::*;

pub fn goto(ks: &mut KeysState, target: Vec<u8>) -> Vec<Effect> {
    ks.goto = Some(target);
    ks.goto_quiet = false;
    ks.focus = Focus::Tree;
    advance_goto(ks)
}

/// Walks one step further towards the `:goto` target, loading what is missing.
pub(super) fn advance_goto(ks: &mut KeysState) -> Vec<Effect> {
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
                && let Some(id) = crate::app::keys::permitted::add_entry(ks, &target)
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

pub(super) fn n_more(ks: &KeysState, node: NodeId) -> bool {
    ks.tree.node(node).more.is_some()
}

pub(super) fn with_sep(key: &[u8], sep: u8) -> Vec<u8> {
    let mut k = key.to_vec();
    if k.last() != Some(&sep) {
        k.push(sep);
    }
    k
}

pub(super) fn select_node(ks: &mut KeysState, id: NodeId) -> Vec<Effect> {
    if let Some(r) = ks.tree.row_of(id) {
        ks.cursor = r;
        // Put the target in the middle of the screen rather than at the edge.
        ks.offset = r.saturating_sub(ks.height / 2);
    }
    after_move(ks)
}
