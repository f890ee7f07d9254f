//! State of the Keys view: the lazily loaded tree, the cursor, the value pane, and the
//! requests in flight. Changed only by `keys::update`.

pub mod filter;
pub mod history;
pub mod index;
pub mod k8s_edit;
pub mod permitted;
mod tree;
pub mod update;
pub mod value;
pub mod write;

use std::collections::HashMap;

pub use tree::{NodeId, ROOT, Row, Tree};
pub use value::ValuePane;

/// Children fetched per page; a node with more shows a "more…" row.
pub const PAGE: usize = 500;
/// Count requests in flight at once, so scrolling a long list does not flood etcd.
pub const MAX_COUNTS: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    Children {
        node: NodeId,
        replace: bool,
    },
    Count {
        node: NodeId,
    },
    Value {
        key: Vec<u8>,
    },
    IndexCount,
    IndexPage,
    History,
    PrefixCount {
        prefix: Vec<u8>,
    },
    Write {
        key: Vec<u8>,
        draft: Option<std::path::PathBuf>,
    },
    Export,
    SnapshotDiff,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Tree,
    Value,
    History,
}

pub struct KeysState {
    pub sep: u8,
    pub tree: Tree,
    /// Index into `tree.rows`.
    pub cursor: usize,
    /// First row shown; kept so the list does not jump while moving inside the window.
    pub offset: usize,
    /// Rows that fit on screen, from the last resize.
    pub height: usize,
    pub focus: Focus,
    pub value: Option<ValuePane>,
    pub pending: HashMap<u64, Pending>,
    next_id: u64,
    /// `:goto` target still being walked to.
    pub goto: Option<Vec<u8>>,
    /// The walk only restores the cursor after a reload: a key that is gone since is
    /// not an error worth reporting.
    pub goto_quiet: bool,
    pub error: Option<String>,
    pub loaded: bool,
    pub index: index::KeyIndex,
    pub filter: Option<filter::Filter>,
    pub history: Option<history::HistoryPane>,
    /// A confirmation the app should show next.
    pub ask: Option<write::Confirm>,
    /// Good news for the status line (errors go to `error`).
    pub info: Option<String>,
    /// A report the app should show over the view: (title, text).
    pub report: Option<(String, String)>,
    /// The user's key permissions, once learnt; `None`: everything is offered.
    pub perms: Option<crate::etcd::permissions::Permissions>,
    /// The permitted entries the tree starts at when the root may not be listed.
    pub roots: Option<Vec<crate::etcd::permissions::Entry>>,
    /// The last listing etcd refused, shown in place of the rows it would have given.
    pub denied: Option<String>,
    /// A Kubernetes object being edited (`k8s_edit`).
    pub k8s_edit: Option<k8s_edit::Session>,
}

impl Default for KeysState {
    fn default() -> Self {
        KeysState::new(b'/')
    }
}

impl KeysState {
    pub fn new(sep: u8) -> KeysState {
        KeysState {
            sep,
            tree: Tree::new(),
            cursor: 0,
            offset: 0,
            height: 20,
            focus: Focus::Tree,
            value: None,
            pending: HashMap::new(),
            next_id: 1,
            goto: None,
            goto_quiet: false,
            error: None,
            loaded: false,
            index: index::KeyIndex::default(),
            filter: None,
            history: None,
            ask: None,
            info: None,
            report: None,
            perms: None,
            roots: None,
            denied: None,
            k8s_edit: None,
        }
    }

    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub fn current_row(&self) -> Option<Row> {
        self.tree.rows.get(self.cursor).copied()
    }

    pub fn current_node(&self) -> Option<NodeId> {
        match self.current_row()? {
            Row::Node { id, .. } => Some(id),
            Row::More { .. } => None,
        }
    }

    /// The rows that are on screen, with their row index.
    pub fn window(&self) -> impl Iterator<Item = (usize, Row)> + '_ {
        self.tree
            .rows
            .iter()
            .copied()
            .enumerate()
            .skip(self.offset)
            .take(self.height)
    }
}
