//! The Keys view for a user who may not read the whole keyspace: the tree starts at
//! what its roles permit, and a refusal reads "not permitted" where it happened.

use crate::app::Effect;
use crate::etcd::permissions::{Entry, Permissions};
use crate::etcd::skipscan::Child;
use crate::etcd::{EtcdError, Problem};
use crate::text::bytes;

use super::{KeysState, ROOT};

/// Takes the user's permissions; true when the tree must start over because where it
/// starts has changed.
pub fn set(ks: &mut KeysState, perms: Option<Permissions>) -> bool {
    let roots = perms.as_ref().and_then(Permissions::entries);
    let changed = roots != ks.roots;
    ks.roots = roots;
    ks.perms = perms;
    changed
}

/// The top level made of the permitted entries instead of a listing of the root,
/// which etcd would refuse. A lone directory is opened for the user, as a lone "/" is.
pub fn synthesize_root(ks: &mut KeysState, entries: &[Entry]) -> Vec<Effect> {
    let children = entries
        .iter()
        .map(|e| Child {
            key: e.key().to_vec(),
            is_dir: matches!(e, Entry::Dir(_)),
            first: e.key().to_vec(),
        })
        .collect();
    ks.tree.add_children(ROOT, children, None, 0, true);
    ks.loaded = true;
    ks.error = None;
    match entries {
        [Entry::Dir(_)] => super::update::open_lone_dir(ks),
        _ => super::update::after_move(ks),
    }
}

/// `:goto` to a key outside the permitted entries: it becomes a top-level entry of its
/// own, so the user reaches it (and etcd says whether it may be read).
pub fn add_entry(ks: &mut KeysState, target: &[u8]) -> Option<super::NodeId> {
    ks.roots.as_ref()?;
    let is_dir = target.last() == Some(&ks.sep);
    let mut children: Vec<Child> = ks
        .tree
        .node(ROOT)
        .children
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|id| {
            let n = ks.tree.node(id);
            Child {
                key: n.key.clone(),
                is_dir: n.is_dir,
                first: n.key.clone(),
            }
        })
        .collect();
    children.push(Child {
        key: target.to_vec(),
        is_dir,
        first: target.to_vec(),
    });
    children.sort_by(|a, b| a.key.cmp(&b.key));
    ks.tree.add_children(ROOT, children, None, 0, true);
    ks.tree.find(target)
}

/// A write the user's roles do not grant, refused before asking etcd.
pub fn refuse_write(ks: &KeysState, key: &[u8], prefix: bool) -> Result<(), String> {
    let Some(p) = &ks.perms else {
        return Ok(());
    };
    let ok = if prefix {
        p.can_write_prefix(key)
    } else {
        p.can_write(key)
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "not permitted: this user may not write {}{}",
            bytes(key),
            if prefix { " (the whole prefix)" } else { "" }
        ))
    }
}

/// `e`, `d` and `D` on a key or directory the user's roles do not let it write.
pub fn refuse_action(ks: &KeysState, action: crate::keymap::Action) -> Result<(), String> {
    use crate::keymap::Action;
    let Some(id) = ks.current_node() else {
        return Ok(());
    };
    let n = ks.tree.node(id);
    match action {
        Action::Edit | Action::Delete if !n.is_dir => refuse_write(ks, &n.key, false),
        Action::DeletePrefix if n.is_dir => refuse_write(ks, &n.key, true),
        _ => Ok(()),
    }
}

/// etcd's refusal, in the words the views use.
pub fn denied_message(e: &EtcdError, what: &str, key: &[u8]) -> Option<String> {
    (e.problem == Problem::PermissionDenied).then(|| {
        let key = if key.is_empty() {
            "the whole keyspace".to_string()
        } else {
            bytes(key)
        };
        format!("not permitted: this user may not {what} {key}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::etcd::auth::{Access, Perm, Span};

    fn reader(prefixes: &[&str]) -> Permissions {
        Permissions {
            all: false,
            roles: vec!["app-ro".into()],
            perms: prefixes
                .iter()
                .map(|p| Perm {
                    access: Access::Read,
                    span: Span::Prefix(p.as_bytes().to_vec()),
                })
                .collect(),
        }
    }

    #[test]
    fn one_prefix_roots_the_tree_and_opens_it() {
        let mut ks = KeysState::default();
        assert!(set(&mut ks, Some(reader(&["/app/"]))));
        let effects = super::super::update::start(&mut ks);
        let root = ks.tree.node(ROOT).children.clone().unwrap_or_default();
        assert_eq!(root.len(), 1);
        assert_eq!(ks.tree.node(root[0]).key, b"/app/");
        assert!(ks.tree.node(root[0]).expanded);
        assert!(
            effects.iter().any(|e| matches!(e,
                Effect::Keys { op: crate::etcd::keys::KeysOp::Children { node, .. }, .. } if node == b"/app/")),
            "{effects:?}"
        );
        assert!(refuse_write(&ks, b"/app/x", false).is_err());
    }

    #[test]
    fn several_prefixes_are_the_top_level() {
        let mut ks = KeysState::default();
        set(&mut ks, Some(reader(&["/b/", "/a/"])));
        super::super::update::start(&mut ks);
        let keys: Vec<Vec<u8>> = ks
            .tree
            .node(ROOT)
            .children
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|id| ks.tree.node(id).key.clone())
            .collect();
        assert_eq!(keys, vec![b"/a/".to_vec(), b"/b/".to_vec()]);
        // Unchanged permissions do not restart the tree.
        assert!(!set(&mut ks, Some(reader(&["/b/", "/a/"]))));
    }

    #[test]
    fn goto_elsewhere_adds_an_entry() {
        let mut ks = KeysState::default();
        set(&mut ks, Some(reader(&["/app/"])));
        super::super::update::start(&mut ks);
        super::super::update::goto(&mut ks, b"/other/key".to_vec());
        let id = ks.current_node().map(|id| ks.tree.node(id).key.clone());
        assert_eq!(id, Some(b"/other/key".to_vec()));
    }

    #[test]
    fn refusals_read_not_permitted() {
        let e = EtcdError::new(Problem::PermissionDenied, Some("http://a:1"), "denied");
        assert_eq!(
            denied_message(&e, "read", b"/x").as_deref(),
            Some("not permitted: this user may not read /x")
        );
        let other = EtcdError::new(Problem::Timeout, None, "slow");
        assert_eq!(denied_message(&other, "read", b"/x"), None);
    }
}
