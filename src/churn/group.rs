//! Which group a key's event counts towards, and the per-interval batch the watch task
//! builds before anything reaches the UI. Pure.

use std::collections::HashMap;

/// Groups tracked at once; the rest are folded into [`OTHER`] so a keyspace of a
/// million distinct directories cannot grow memory without bound.
pub const MAX_GROUPS: usize = 200;
/// The name of the group that holds everything past [`MAX_GROUPS`].
pub const OTHER: &str = "(other)";

/// The default depth: Kubernetes keys (`/registry/<resource>/<namespace>/<name>`) group
/// by resource kind and namespace, anything else by its first path level.
pub fn default_depth(prefix: &[u8]) -> usize {
    if prefix.is_empty() || b"/registry/".starts_with(prefix) || prefix.starts_with(b"/registry") {
        3
    } else {
        1
    }
}

/// The group of `key`: its first `depth` path segments (counted from the start of the
/// key, so `/registry/pods/ns/name` at depth 3 is `/registry/pods/ns/`), never the
/// key's own last segment. So a cluster-scoped `/registry/minions/node-1` at depth 3
/// groups under `/registry/minions/`, the kind, rather than forming a group per node.
pub fn group_of(key: &[u8], depth: usize) -> Vec<u8> {
    let depth = depth.max(1);
    // Positions of every '/' that ends a segment (a leading '/' starts the first one).
    let mut ends = Vec::with_capacity(depth);
    let start = usize::from(key.first() == Some(&b'/'));
    for (i, b) in key.iter().enumerate().skip(start) {
        if *b == b'/' {
            ends.push(i);
            if ends.len() == depth {
                break;
            }
        }
    }
    match ends.last() {
        Some(&end) => key[..=end].to_vec(),
        // A key with no directory at all (`foo`, `/foo`) is its own group.
        None => key.to_vec(),
    }
}

/// What one group did within one interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub puts: u64,
    pub deletes: u64,
    /// Key plus value bytes of the puts (a delete carries no value).
    pub bytes: u64,
}

impl Counts {
    pub fn events(&self) -> u64 {
        self.puts + self.deletes
    }

    pub fn add(&mut self, o: &Counts) {
        self.puts += o.puts;
        self.deletes += o.deletes;
        self.bytes += o.bytes;
    }
}

/// The events of one interval, grouped. Built in the etcd task so that a million
/// events a second reach the UI as a few small messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub groups: HashMap<String, Counts>,
    /// The highest revision seen, for the status line.
    pub revision: i64,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn events(&self) -> u64 {
        self.groups.values().map(Counts::events).sum()
    }

    /// Counts one event. Past `cap` distinct groups, new ones go to [`OTHER`].
    pub fn add(&mut self, group: &[u8], put: bool, bytes: u64, revision: i64, cap: usize) {
        let name = crate::text::bytes(group);
        let slot = if self.groups.contains_key(&name) || self.groups.len() < cap {
            self.groups.entry(name).or_default()
        } else {
            self.groups.entry(OTHER.to_string()).or_default()
        };
        if put {
            slot.puts += 1;
            slot.bytes += bytes;
        } else {
            slot.deletes += 1;
        }
        self.revision = self.revision.max(revision);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(key: &str, depth: usize) -> String {
        String::from_utf8(group_of(key.as_bytes(), depth)).unwrap()
    }

    #[test]
    fn kubernetes_keys_group_by_kind_and_namespace() {
        assert_eq!(
            g("/registry/events/flood-ns/e1", 3),
            "/registry/events/flood-ns/"
        );
        assert_eq!(g("/registry/pods/default/web-0", 2), "/registry/pods/");
        // Cluster-scoped: the kind, not one group per object.
        assert_eq!(g("/registry/minions/node-1", 3), "/registry/minions/");
        assert_eq!(default_depth(b""), 3);
        assert_eq!(default_depth(b"/registry/pods/"), 3);
        assert_eq!(default_depth(b"/app/"), 1);
    }

    #[test]
    fn plain_keys_and_odd_shapes() {
        assert_eq!(g("/app/a/b", 1), "/app/");
        assert_eq!(g("app/a/b", 1), "app/");
        assert_eq!(g("/flat", 2), "/flat");
        assert_eq!(g("flat", 1), "flat");
        assert_eq!(g("", 1), "");
        assert_eq!(g("/a/b/c/d", 0), "/a/");
    }

    #[test]
    fn groups_past_the_cap_fold_into_other() {
        let mut b = Batch::default();
        for i in 0..5 {
            b.add(format!("/g{i}/").as_bytes(), true, 10, i, 3);
        }
        b.add(b"/g0/", false, 0, 9, 3);
        assert_eq!(b.groups.len(), 4);
        assert_eq!(b.groups[OTHER].puts, 2);
        assert_eq!(b.groups["/g0/"].deletes, 1);
        assert_eq!(b.groups["/g0/"].bytes, 10);
        assert_eq!(b.events(), 6);
        assert_eq!(b.revision, 9);
    }
}
