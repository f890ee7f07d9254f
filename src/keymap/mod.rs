//! Key bindings as data: which action, which keys, what the help says, and whether the
//! binding changes the cluster (dangerous bindings do not exist in read-only mode).
//!
//! Keys are our own type rather than crossterm's so that `app` stays free of the
//! terminal and bindings can be written as strings in `config.yaml`.

mod key;
mod overrides;
mod view;

use std::fmt;

pub use view::ViewId;

pub use overrides::{KeySpec, Overrides, action_name};

pub use key::*;

/// Everything a key can ask for. Views add their own variants as they are built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    CommandLine,
    NextView,
    PrevView,
    ShowView(ViewId),
    Reconnect,
    // Lists and panes.
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Expand, open, or go into the value.
    Open,
    /// Collapse, go to the parent, or leave the value.
    Close,
    Refresh,
    CycleFormat,
    RevealSecrets,
    Filter,
    History,
    Mark,
    Compare,
    CopyKey,
    CopyValue,
    Edit,
    NewKey,
    Delete,
    DeletePrefix,
    RevokeLease,
    KeepAlive,
    WatchHere,
    Follow,
    Pause,
    CycleKinds,
    NextTab,
    PrevTab,
    CloseTab,
    ResumeNow,
    // Cluster operations (`app::ops`).
    Snapshot,
    AddMember,
    UpdatePeers,
    Promote,
    RemoveMember,
    MoveLeader,
    Defrag,
    DefragAll,
    DisarmAlarms,
    Compact,
    /// The upgrade panel (`app::upgrade`).
    Upgrade,
    /// The restore plan of the open snapshot file (`app::restore_plan`).
    RestorePlan,
    /// Space by prefix (`app::du`).
    SpaceUsage,
    SortBySize,
    /// Churn view: group one path level deeper / shallower.
    Deeper,
    Shallower,
}

impl Action {
    /// Operations etcd allows only to the root role (or to anyone without auth).
    pub fn is_operation(self) -> bool {
        matches!(
            self,
            Action::Snapshot
                | Action::AddMember
                | Action::UpdatePeers
                | Action::Promote
                | Action::RemoveMember
                | Action::MoveLeader
                | Action::Defrag
                | Action::DefragAll
                | Action::DisarmAlarms
                | Action::Compact
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Global,
    View(ViewId),
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<Key>,
    pub description: &'static str,
    /// Changes the cluster: removed entirely in read-only mode.
    pub dangerous: bool,
    pub scope: Scope,
    /// A short label for the footer; `None` keeps the binding to the help.
    pub hint: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

/// The default bindings: scope, action, keys (in the notation `Key::parse` reads),
/// the help text, the footer label if any, and whether the binding changes the cluster.
type Row = (
    Scope,
    Action,
    &'static str,
    &'static str,
    Option<&'static str>,
    bool,
);

const G: Scope = Scope::Global;
const KEYS: Scope = Scope::View(ViewId::Keys);
const LEASES: Scope = Scope::View(ViewId::Leases);
const AUTH: Scope = Scope::View(ViewId::Auth);
const CLUSTER: Scope = Scope::View(ViewId::Cluster);
const WATCH: Scope = Scope::View(ViewId::Watch);
const CHECKS: Scope = Scope::View(ViewId::Checks);
const CHURN: Scope = Scope::View(ViewId::Churn);

#[rustfmt::skip]
const DEFAULTS: &[Row] = &[
    (G, Action::Quit, "q ctrl-c", "quit", Some("quit"), false),
    (G, Action::Help, "?", "help", Some("help"), false),
    (G, Action::CommandLine, ":", "command line", Some("command"), false),
    (G, Action::NextView, "tab", "next view", None, false),
    (G, Action::PrevView, "shift-tab", "previous view", None, false),
    (G, Action::Reconnect, "ctrl-r", "reconnect now", None, false),
    (G, Action::ShowView(ViewId::Keys), "1", "Keys view", None, false),
    (G, Action::ShowView(ViewId::Watch), "2", "Watch view", None, false),
    (G, Action::ShowView(ViewId::Cluster), "3", "Cluster view", None, false),
    (G, Action::ShowView(ViewId::Leases), "4", "Leases view", None, false),
    (G, Action::ShowView(ViewId::Auth), "5", "Auth view", None, false),
    (G, Action::ShowView(ViewId::Checks), "6", "Checks view", None, false),
    (G, Action::ShowView(ViewId::Churn), "7", "Churn view (starts the churn watch)", None, false),
    (CHURN, Action::Down, "j down", "next group", None, false),
    (CHURN, Action::Up, "k up", "previous group", None, false),
    (CHURN, Action::Top, "g home", "busiest group", None, false),
    (CHURN, Action::Deeper, "+ =", "group one path level deeper", Some("deeper"), false),
    (CHURN, Action::Shallower, "-", "group one path level shallower", Some("shallower"), false),
    (CHECKS, Action::Down, "j down", "next check", None, false),
    (CHECKS, Action::Up, "k up", "previous check", None, false),
    (CHECKS, Action::Top, "g home", "first (worst) check", None, false),
    (CHECKS, Action::Bottom, "G end", "last check", None, false),
    (CHECKS, Action::Open, "enter l right", "details: why, next step, commands", Some("details"), false),
    (CHECKS, Action::Close, "h left esc", "close the details", None, false),
    (CHECKS, Action::Refresh, "r", "run the checks again", Some("rerun"), false),
    (KEYS, Action::Down, "j down", "down", None, false),
    (KEYS, Action::Up, "k up", "up", None, false),
    (KEYS, Action::Open, "l right enter", "expand, load more, open the value", Some("open"), false),
    (KEYS, Action::Close, "h left", "collapse, go to parent, leave the value", None, false),
    (KEYS, Action::Top, "g home", "top", None, false),
    (KEYS, Action::Bottom, "G end", "bottom", None, false),
    (KEYS, Action::PageDown, "pgdn ctrl-d", "page down", None, false),
    (KEYS, Action::PageUp, "pgup ctrl-u", "page up", None, false),
    (KEYS, Action::Filter, "/", "filter every key (full key index)", Some("filter"), false),
    (KEYS, Action::Refresh, "r", "refresh the node", Some("refresh"), false),
    (KEYS, Action::CycleFormat, "f", "cycle the value format", Some("format"), false),
    (KEYS, Action::RevealSecrets, "x", "reveal / mask Secret data", None, false),
    (KEYS, Action::CopyKey, "y", "copy the key", Some("copy"), false),
    (KEYS, Action::CopyValue, "Y", "copy the value as shown", None, false),
    (KEYS, Action::Edit, "e", "edit the value in $EDITOR (Kubernetes objects as YAML)", Some("edit"), true),
    (KEYS, Action::NewKey, "n", "new key under this directory", None, true),
    (KEYS, Action::Delete, "d", "delete the key", None, true),
    (KEYS, Action::DeletePrefix, "D", "delete everything under the directory", None, true),
    (WATCH, Action::Down, "j down", "down (stops following)", None, false),
    (WATCH, Action::Up, "k up", "up (stops following)", None, false),
    (WATCH, Action::Top, "g home", "oldest event", None, false),
    (WATCH, Action::Bottom, "G end", "newest event", None, false),
    (WATCH, Action::PageDown, "pgdn ctrl-d", "page down", None, false),
    (WATCH, Action::PageUp, "pgup ctrl-u", "page up", None, false),
    (WATCH, Action::Follow, "f", "follow the newest event on/off", Some("follow"), false),
    (WATCH, Action::Pause, "p", "pause the display (events are still collected)", Some("pause"), false),
    (WATCH, Action::Filter, "/", "filter by key substring", Some("filter"), false),
    (WATCH, Action::CycleKinds, "t", "show all / PUT / DELETE", None, false),
    (WATCH, Action::NextTab, "]", "next watch", None, false),
    (WATCH, Action::PrevTab, "[", "previous watch", None, false),
    (WATCH, Action::CloseTab, "x", "stop and close this watch", None, false),
    (WATCH, Action::Open, "enter", "read the previous value (revision − 1) for the diff", Some("diff"), false),
    (WATCH, Action::ResumeNow, "R", "after a compaction: resume from now", None, false),
    (KEYS, Action::WatchHere, "w", "watch this key or prefix", Some("watch"), false),
    (CLUSTER, Action::Down, "j down", "next member", None, false),
    (CLUSTER, Action::Up, "k up", "previous member", None, false),
    (CLUSTER, Action::Top, "g home", "first member", None, false),
    (CLUSTER, Action::Bottom, "G end", "last member", None, false),
    (CLUSTER, Action::Refresh, "r", "refresh now (every 2 s anyway)", Some("refresh"), false),
    // A snapshot only reads: it stays in read-only mode, for the backup before anything else.
    (CLUSTER, Action::Snapshot, "s", "save a snapshot of the selected member", Some("snapshot"), false),
    (CLUSTER, Action::AddMember, "a", "add a member (learner unless --voter)", None, true),
    (CLUSTER, Action::UpdatePeers, "u", "update the selected member's peer URLs", None, true),
    (CLUSTER, Action::Promote, "p", "promote the selected learner", None, true),
    (CLUSTER, Action::RemoveMember, "D", "remove the selected member", None, true),
    (CLUSTER, Action::MoveLeader, "L", "move leadership to the selected member", None, true),
    (CLUSTER, Action::Defrag, "f", "defragment the selected member", None, true),
    (CLUSTER, Action::DefragAll, "F", "defragment all members, leader last", None, true),
    (CLUSTER, Action::DisarmAlarms, "A", "disarm the raised alarms", None, true),
    (CLUSTER, Action::Compact, "C", "compact, keeping the last 10,000 revisions", None, true),
    (CLUSTER, Action::Upgrade, "U", "upgrade panel: next step, pre-flight checks, rolling upgrade watched", None, false),
    (AUTH, Action::Down, "j down", "down", None, false),
    (AUTH, Action::Up, "k up", "up", None, false),
    (AUTH, Action::Open, "l right", "roles pane", None, false),
    (AUTH, Action::Close, "h left", "users pane", None, false),
    (AUTH, Action::Refresh, "r", "reload users and roles", Some("refresh"), false),
    (LEASES, Action::Down, "j down", "down", None, false),
    (LEASES, Action::Up, "k up", "up", None, false),
    (LEASES, Action::Open, "l right enter", "show the lease's keys; on a key, open it in Keys", Some("open"), false),
    (LEASES, Action::Close, "h left", "back to the lease list", None, false),
    (LEASES, Action::Top, "g home", "top", None, false),
    (LEASES, Action::Bottom, "G end", "bottom", None, false),
    (LEASES, Action::PageDown, "pgdn ctrl-d", "page down", None, false),
    (LEASES, Action::PageUp, "pgup ctrl-u", "page up", None, false),
    (LEASES, Action::Refresh, "r", "reload the leases", Some("refresh"), false),
    (LEASES, Action::RevokeLease, "R", "revoke the lease (deletes its keys)", Some("revoke"), true),
    (LEASES, Action::KeepAlive, "K", "keep the lease alive once", None, true),
    (KEYS, Action::History, "H", "history of the key's revisions", Some("history"), false),
    (KEYS, Action::Mark, "space", "history: mark a revision to compare", None, false),
    (KEYS, Action::Compare, "c", "history: diff marked (or previous) and selected", None, false),
    // Prints commands, runs none: there in read-only mode, where a snapshot file always is.
    (KEYS, Action::RestorePlan, "R", "after :open FILE: the plan to restore that snapshot", None, false),
    (KEYS, Action::SpaceUsage, "u", "space used under the directory, ranked (du)", None, false),
    (KEYS, Action::SortBySize, "s", "sort the tree by name / by size (after du)", None, false),
];

impl Keymap {
    pub fn defaults() -> Keymap {
        let bindings = DEFAULTS
            .iter()
            .map(
                |&(scope, action, keys, description, hint, dangerous)| Binding {
                    action,
                    // The table is ours and checked by a unit test; an unparsable entry is
                    // dropped rather than taking the program down.
                    keys: keys.split(' ').filter_map(|k| Key::parse(k).ok()).collect(),
                    description,
                    dangerous,
                    scope,
                    hint,
                },
            )
            .collect();
        Keymap { bindings }
    }

    pub fn with_binding(mut self, b: Binding) -> Keymap {
        self.bindings.push(b);
        self
    }

    /// Read-only mode removes dangerous bindings rather than refusing them, so a key
    /// pressed by mistake cannot even reach a confirmation dialog.
    pub fn without_dangerous(mut self) -> Keymap {
        self.bindings.retain(|b| !b.dangerous);
        self
    }

    /// Without the cluster operations (snapshot included): for a user etcd would refuse
    /// them to, the keys other views use for writing stay.
    pub fn without_operations(mut self) -> Keymap {
        self.bindings.retain(|b| !b.action.is_operation());
        self
    }

    /// A view's own binding wins over a global one with the same key.
    pub fn lookup(&self, view: ViewId, key: Key) -> Option<Action> {
        let find = |scope: Scope| {
            self.bindings
                .iter()
                .find(|b| b.scope == scope && b.keys.contains(&key))
                .map(|b| b.action)
        };
        find(Scope::View(view)).or_else(|| find(Scope::Global))
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    pub fn hints(&self, view: ViewId) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| {
            b.hint.is_some() && (b.scope == Scope::Global || b.scope == Scope::View(view))
        })
    }

    pub fn has_dangerous(&self) -> bool {
        self.bindings.iter().any(|b| b.dangerous)
    }
}

/// The keys of a binding as the help shows them: `q, ctrl-c`.
pub fn keys_label(keys: &[Key]) -> String {
    keys.iter()
        .map(Key::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_notation_the_help_prints() {
        for text in [
            "q",
            "?",
            "ctrl-c",
            "alt-x",
            "enter",
            "shift-tab",
            "pgdn",
            "f5",
            "-",
            "up",
            "ctrl-left",
        ] {
            let key = Key::parse(text).unwrap();
            assert_eq!(Key::parse(&key.to_string()).unwrap(), key, "{text}");
        }
        assert_eq!(Key::parse("ctrl-c").unwrap(), Key::ctrl('c'));
        assert_eq!(Key::parse("Esc").unwrap(), Key::plain(KeyCode::Esc));
        assert_eq!(Key::parse("ctrl--").unwrap(), Key::ctrl('-'));
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("bogus").is_err());
    }

    #[test]
    fn every_default_key_parses() {
        for (_, action, keys, ..) in DEFAULTS {
            for k in keys.split(' ') {
                assert!(Key::parse(k).is_ok(), "{action:?}: {k}");
            }
        }
    }

    #[test]
    fn digits_switch_views_and_tab_cycles() {
        let km = Keymap::defaults();
        assert_eq!(
            km.lookup(ViewId::Keys, Key::char('3')),
            Some(Action::ShowView(ViewId::Cluster))
        );
        assert_eq!(
            km.lookup(ViewId::Keys, Key::plain(KeyCode::Tab)),
            Some(Action::NextView)
        );
        assert_eq!(km.lookup(ViewId::Keys, Key::ctrl('c')), Some(Action::Quit));
        assert_eq!(
            km.lookup(ViewId::Keys, Key::char('x')),
            Some(Action::RevealSecrets)
        );
        assert_eq!(
            km.lookup(ViewId::Watch, Key::char('x')),
            Some(Action::CloseTab)
        );
        assert_eq!(km.lookup(ViewId::Auth, Key::char('x')), None);
    }

    #[test]
    fn read_only_removes_dangerous_bindings() {
        let mut km = Keymap::defaults();
        km.bindings.push(Binding {
            action: Action::Reconnect,
            keys: vec![Key::char('D')],
            description: "test danger",
            dangerous: true,
            scope: Scope::Global,
            hint: None,
        });
        assert!(km.has_dangerous());
        let ro = km.without_dangerous();
        assert!(!ro.has_dangerous());
        assert_eq!(ro.lookup(ViewId::Keys, Key::char('D')), None);
    }
}
