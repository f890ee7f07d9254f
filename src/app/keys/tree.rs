//! The key tree as an arena of nodes, loaded lazily a page of children at a time, and
//! flattened into the rows the view shows.

use crate::etcd::skipscan::Child;

pub type NodeId = usize;

#[derive(Clone, Debug)]
pub struct Node {
    /// Full key: a leaf's key, or a directory's path ending in the separator. The root
    /// is the empty key.
    pub key: Vec<u8>,
    pub is_dir: bool,
    pub parent: Option<NodeId>,
    /// `None` until the first page of children arrives.
    pub children: Option<Vec<NodeId>>,
    pub expanded: bool,
    pub loading: bool,
    /// Where the next page of children starts, when the node has more.
    pub more: Option<Vec<u8>>,
    /// Keys under a directory (count-only range), fetched for visible rows.
    pub count: Option<i64>,
    pub count_pending: bool,
    /// The revision the children listing is pinned to, so pages agree.
    pub revision: Option<i64>,
    /// The first key under it, as the parent's listing saw it.
    pub first: Option<Vec<u8>>,
}

impl Node {
    fn new(key: Vec<u8>, is_dir: bool, parent: Option<NodeId>) -> Node {
        Node {
            key,
            is_dir,
            parent,
            children: None,
            expanded: false,
            loading: false,
            more: None,
            count: None,
            count_pending: false,
            revision: None,
            first: None,
        }
    }

    /// The last path segment, for display: `pods/` under `/registry/`.
    pub fn label<'a>(&'a self, parent_key: &[u8]) -> &'a [u8] {
        self.key.strip_prefix(parent_key).unwrap_or(&self.key)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    Node {
        id: NodeId,
        depth: usize,
    },
    /// "more…": the parent has further pages of children.
    More {
        parent: NodeId,
        depth: usize,
    },
}

#[derive(Clone, Debug)]
pub struct Tree {
    pub nodes: Vec<Node>,
    /// The flattened visible rows; rebuilt after every structural change.
    pub rows: Vec<Row>,
}

pub const ROOT: NodeId = 0;

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

impl Tree {
    pub fn new() -> Tree {
        let mut root = Node::new(Vec::new(), true, None);
        root.expanded = true;
        Tree {
            nodes: vec![root],
            rows: Vec::new(),
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id]
    }

    pub fn find(&self, key: &[u8]) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.key == key)
    }

    /// Adds a page of children; `replace` starts the list afresh (a refresh).
    pub fn add_children(
        &mut self,
        parent: NodeId,
        page: Vec<Child>,
        more: Option<Vec<u8>>,
        revision: i64,
        replace: bool,
    ) {
        let mut ids = if replace {
            Vec::new()
        } else {
            self.nodes[parent].children.take().unwrap_or_default()
        };
        for c in page {
            let id = self.nodes.len();
            let mut n = Node::new(c.key, c.is_dir, Some(parent));
            n.first = Some(c.first);
            self.nodes.push(n);
            ids.push(id);
        }
        let p = &mut self.nodes[parent];
        p.children = Some(ids);
        p.more = more;
        p.loading = false;
        p.revision = Some(revision);
        self.rebuild();
    }

    /// Rows are rebuilt from the expanded nodes; detached nodes of a replaced listing
    /// stay in the arena but are never reached.
    pub fn rebuild(&mut self) {
        let mut rows = Vec::new();
        self.push_rows(ROOT, 0, &mut rows);
        self.rows = rows;
    }

    fn push_rows(&self, id: NodeId, depth: usize, rows: &mut Vec<Row>) {
        let node = &self.nodes[id];
        if !node.expanded {
            return;
        }
        if let Some(children) = &node.children {
            for &c in children {
                rows.push(Row::Node { id: c, depth });
                self.push_rows(c, depth + 1, rows);
            }
        }
        if node.more.is_some() {
            rows.push(Row::More { parent: id, depth });
        }
    }

    pub fn row_of(&self, id: NodeId) -> Option<usize> {
        self.rows
            .iter()
            .position(|r| matches!(r, Row::Node { id: i, .. } if *i == id))
    }

    pub fn depth_of(&self, id: NodeId) -> usize {
        let mut d = 0;
        let mut cur = self.nodes[id].parent;
        while let Some(p) = cur {
            if p == ROOT {
                break;
            }
            d += 1;
            cur = self.nodes[p].parent;
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(k: &str, dir: bool) -> Child {
        Child {
            key: k.as_bytes().to_vec(),
            is_dir: dir,
            first: k.as_bytes().to_vec(),
        }
    }

    #[test]
    fn flattens_expanded_nodes_with_depth_and_more_rows() {
        let mut t = Tree::new();
        t.add_children(ROOT, vec![child("/", true)], None, 5, false);
        let slash = t.find(b"/").unwrap();
        t.node_mut(slash).expanded = true;
        t.add_children(
            slash,
            vec![child("/a/", true), child("/b", false)],
            Some(b"/c".to_vec()),
            5,
            false,
        );
        let a = t.find(b"/a/").unwrap();
        assert_eq!(
            t.rows,
            vec![
                Row::Node {
                    id: slash,
                    depth: 0
                },
                Row::Node { id: a, depth: 1 },
                Row::Node {
                    id: t.find(b"/b").unwrap(),
                    depth: 1
                },
                Row::More {
                    parent: slash,
                    depth: 1
                },
            ]
        );
        assert_eq!(t.node(a).label(b"/"), b"a/");
        assert_eq!(t.depth_of(a), 1);
    }

    #[test]
    fn a_second_page_appends_and_replace_starts_over() {
        let mut t = Tree::new();
        t.add_children(ROOT, vec![child("a", false)], Some(b"b".to_vec()), 1, false);
        t.add_children(ROOT, vec![child("b", false)], None, 1, false);
        assert_eq!(t.rows.len(), 2);
        t.add_children(ROOT, vec![child("z", false)], None, 2, true);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.node(ROOT).revision, Some(2));
    }
}
