//! Key bindings from `config.yaml`:
//!
//! ```yaml
//! keys:
//!   cluster:
//!     snapshot: S
//!   global:
//!     quit: [q, ctrl-q]
//! ```
//!
//! An override replaces the keys of that action in that scope. A key taken from another
//! action of the same scope is moved, and said so. An unknown scope, action or key is a
//! warning that names it; the rest still applies. Read-only mode strips dangerous
//! actions whatever keys they were given.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ViewId;
use super::{Action, Key, Keymap, Scope};

/// One key or a list of them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum KeySpec {
    One(String),
    Many(Vec<String>),
}

impl KeySpec {
    fn texts(&self) -> Vec<&str> {
        match self {
            KeySpec::One(k) => vec![k.as_str()],
            KeySpec::Many(ks) => ks.iter().map(String::as_str).collect(),
        }
    }
}

/// `scope -> action -> keys`, as written in `config.yaml`.
pub type Overrides = BTreeMap<String, BTreeMap<String, KeySpec>>;

fn scope_named(name: &str) -> Option<Scope> {
    if name == "global" {
        return Some(Scope::Global);
    }
    ViewId::ALL
        .into_iter()
        .find(|v| v.title().eq_ignore_ascii_case(name))
        .map(Scope::View)
}

/// `delete-prefix`, `move-leader`, `view-cluster`: the action's name in config files.
pub fn action_name(a: Action) -> String {
    if let Action::ShowView(v) = a {
        return format!("view-{}", v.title().to_ascii_lowercase());
    }
    let debug = format!("{a:?}");
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl Keymap {
    /// The defaults with `overrides` applied, and a warning per thing that could not be.
    pub fn with_overrides(mut self, overrides: &Overrides) -> (Keymap, Vec<String>) {
        let mut warnings = Vec::new();
        for (scope_name, actions) in overrides {
            let Some(scope) = scope_named(scope_name) else {
                warnings.push(format!(
                    "keys: unknown scope {scope_name:?} (global, keys, watch, cluster, leases, auth, checks)"
                ));
                continue;
            };
            for (action, spec) in actions {
                if let Err(w) = self.rebind(scope, scope_name, action, spec) {
                    warnings.push(w);
                }
            }
        }
        (self, warnings)
    }

    fn rebind(
        &mut self,
        scope: Scope,
        scope_name: &str,
        action: &str,
        spec: &KeySpec,
    ) -> Result<(), String> {
        let target = self
            .bindings
            .iter()
            .position(|b| b.scope == scope && action_name(b.action) == action)
            .ok_or_else(|| format!("keys: no action {action:?} in {scope_name}"))?;
        let keys = spec
            .texts()
            .into_iter()
            .map(|t| Key::parse(t).map_err(|e| format!("keys: {scope_name}.{action}: {e}")))
            .collect::<Result<Vec<Key>, String>>()?;
        // A key now means this action: other actions of the scope let go of it.
        for (i, b) in self.bindings.iter_mut().enumerate() {
            if i != target && b.scope == scope {
                b.keys.retain(|k| !keys.contains(k));
            }
        }
        self.bindings[target].keys = keys;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Overrides {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn names_read_as_people_write_them() {
        assert_eq!(action_name(Action::DeletePrefix), "delete-prefix");
        assert_eq!(
            action_name(Action::ShowView(ViewId::Cluster)),
            "view-cluster"
        );
        assert_eq!(action_name(Action::Quit), "quit");
    }

    #[test]
    fn an_override_replaces_the_keys_and_takes_them_from_others() {
        let o =
            parse("cluster:\n  snapshot: S\n  remove-member: [x, s]\nglobal:\n  quit: ctrl-q\n");
        let (km, warnings) = Keymap::defaults().with_overrides(&o);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            km.lookup(ViewId::Cluster, Key::char('S')),
            Some(Action::Snapshot)
        );
        assert_eq!(
            km.lookup(ViewId::Cluster, Key::char('s')),
            Some(Action::RemoveMember)
        );
        assert_eq!(km.lookup(ViewId::Cluster, Key::char('D')), None);
        assert_eq!(km.lookup(ViewId::Keys, Key::ctrl('q')), Some(Action::Quit));
        assert_eq!(km.lookup(ViewId::Keys, Key::char('q')), None);
        // Read-only still strips a dangerous action, on whatever keys it has now.
        let ro = km.without_dangerous();
        assert_eq!(ro.lookup(ViewId::Cluster, Key::char('s')), None);
        assert_eq!(ro.lookup(ViewId::Cluster, Key::char('x')), None);
        assert_eq!(
            ro.lookup(ViewId::Cluster, Key::char('S')),
            Some(Action::Snapshot)
        );
    }

    #[test]
    fn unknown_scopes_actions_and_keys_are_named_and_the_rest_applies() {
        let o = parse(
            "clutser:\n  snapshot: S\ncluster:\n  snapshoot: S\n  refresh: ctrl-\n  compact: K\n",
        );
        let (km, warnings) = Keymap::defaults().with_overrides(&o);
        let all = warnings.join("\n");
        assert!(all.contains("unknown scope \"clutser\""), "{all}");
        assert!(all.contains("no action \"snapshoot\" in cluster"), "{all}");
        assert!(
            all.contains("cluster.refresh") && all.contains("ctrl-"),
            "{all}"
        );
        assert_eq!(warnings.len(), 3);
        assert_eq!(
            km.lookup(ViewId::Cluster, Key::char('K')),
            Some(Action::Compact)
        );
        assert_eq!(
            km.lookup(ViewId::Cluster, Key::char('r')),
            Some(Action::Refresh)
        );
    }
}
