//! Space by prefix ("du" for etcd): keys and bytes per path group at a chosen depth below
//! a prefix. Pure aggregation over a stream of keys in key order, fed by the live scan
//! (`etcd::du_scan`) or the snapshot reader (`snapfile`). Values are counted, never kept:
//! memory grows with the number of groups, not keys, and is capped by [`MAX_GROUPS`]
//! (beyond it the smallest groups are folded into one "other" row).
//!
//! What each figure means, for a group:
//! - `keys`: keys alive at the revision read.
//! - `key_bytes`, `value_bytes`: the lengths of those keys and of their latest values.
//! - `history_bytes` (offline only): key plus value lengths of every revision a
//!   compaction at the file's revision would remove: all but the latest revision of a live
//!   key, and every revision of a deleted key including its tombstone (a tombstone counts
//!   its key). `history_revisions` counts those revisions.
//! - `total`: `key_bytes + value_bytes + history_bytes`; rows are ranked by it.
//!
//! These are the application's bytes, as `etcdctl get` returns them; bbolt adds per-entry
//! overhead (revision keys, protobuf framing, page slack) that only the file's size shows.

mod format;
mod label;
mod offline;

pub use format::{json, table};
pub use label::label;
pub use offline::from_snapshot;

/// Beyond this many groups the smallest are folded into [`DuReport::other`].
pub const MAX_GROUPS: usize = 10_000;

/// The default depth: the prefix's children.
pub const DEFAULT_DEPTH: usize = 1;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sizes {
    pub keys: u64,
    pub key_bytes: u64,
    pub value_bytes: u64,
    pub history_revisions: u64,
    pub history_bytes: u64,
}

impl Sizes {
    pub fn total(&self) -> u64 {
        self.key_bytes + self.value_bytes + self.history_bytes
    }

    pub fn add(&mut self, o: &Sizes) {
        self.keys += o.keys;
        self.key_bytes += o.key_bytes;
        self.value_bytes += o.value_bytes;
        self.history_revisions += o.history_revisions;
        self.history_bytes += o.history_bytes;
    }
}

/// One row: a directory (its name ends with `/`) or a key sitting above the depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub path: Vec<u8>,
    pub sizes: Sizes,
}

/// Where the numbers came from; the file adds what only a file can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Live {
        endpoint: String,
    },
    File {
        path: String,
        /// bbolt's size: pages times page size.
        total_size: u64,
        /// Pages on the freelist: what a defragmentation would give back.
        free_pages: u64,
        page_size: u32,
        compacted_revision: Option<i64>,
    },
}

impl Source {
    pub fn is_file(&self) -> bool {
        matches!(self, Source::File { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuReport {
    pub prefix: Vec<u8>,
    pub depth: usize,
    pub revision: i64,
    pub source: Source,
    /// Largest first (ties by path).
    pub groups: Vec<Group>,
    /// Groups folded together beyond [`MAX_GROUPS`]: how many, and their sum.
    pub other: Option<(u64, Sizes)>,
    pub total: Sizes,
}

impl DuReport {
    /// Sizes of one group by its path, for the Keys tree.
    pub fn sizes_of(&self, path: &[u8]) -> Option<&Sizes> {
        self.groups
            .iter()
            .find(|g| g.path == path)
            .map(|g| &g.sizes)
    }
}

/// The group `key` falls in: the prefix plus the key's first `depth` path components
/// after it, with the `/` that ends the last one; a key with fewer components is its own
/// group. A `/` right after the prefix opens no level, so `""`, `/registry/pods/a` and
/// `/registry`, `/registry/pods/a` both group at depth 1 as `/registry/` and
/// `/registry/pods/`.
pub fn group_of<'k>(prefix: &[u8], key: &'k [u8], depth: usize) -> &'k [u8] {
    let Some(rest) = key.strip_prefix(prefix) else {
        return key;
    };
    let skip = usize::from(rest.first() == Some(&b'/'));
    let mut seen = 0;
    for (i, &b) in rest.iter().enumerate().skip(skip) {
        if b == b'/' {
            seen += 1;
            if seen == depth.max(1) {
                return &key[..prefix.len() + i + 1];
            }
        }
    }
    key
}

/// Streams keys in (any) order into groups. Keys in key order keep one group open at a
/// time; groups are merged by path at the end, so order only affects speed.
#[derive(Debug)]
pub struct Aggregator {
    prefix: Vec<u8>,
    depth: usize,
    open: Option<Group>,
    done: Vec<Group>,
    other: Option<(u64, Sizes)>,
    total: Sizes,
}

impl Aggregator {
    pub fn new(prefix: &[u8], depth: usize) -> Self {
        Aggregator {
            prefix: prefix.to_vec(),
            depth: depth.max(1),
            open: None,
            done: Vec::new(),
            other: None,
            total: Sizes::default(),
        }
    }

    /// A live key and the length of its latest value.
    pub fn live(&mut self, key: &[u8], value_len: u64) {
        let s = Sizes {
            keys: 1,
            key_bytes: key.len() as u64,
            value_bytes: value_len,
            ..Sizes::default()
        };
        self.add(key, &s);
    }

    /// Revisions of `key` that a compaction would remove, and their key plus value bytes.
    pub fn history(&mut self, key: &[u8], revisions: u64, bytes: u64) {
        if revisions == 0 {
            return;
        }
        let s = Sizes {
            history_revisions: revisions,
            history_bytes: bytes,
            ..Sizes::default()
        };
        self.add(key, &s);
    }

    pub fn add(&mut self, key: &[u8], s: &Sizes) {
        self.total.add(s);
        let path = group_of(&self.prefix, key, self.depth);
        match &mut self.open {
            Some(g) if g.path == path => g.sizes.add(s),
            open => {
                if let Some(g) = open.replace(Group {
                    path: path.to_vec(),
                    sizes: *s,
                }) {
                    self.done.push(g);
                    if self.done.len() >= 2 * MAX_GROUPS {
                        self.compact();
                    }
                }
            }
        }
    }

    /// Sums so far, for progress.
    pub fn so_far(&self) -> &Sizes {
        &self.total
    }

    /// Merges groups seen twice, keeps the largest [`MAX_GROUPS`], folds the rest.
    fn compact(&mut self) {
        self.done.sort_by(|a, b| a.path.cmp(&b.path));
        self.done.dedup_by(|later, kept| {
            let same = later.path == kept.path;
            if same {
                kept.sizes.add(&later.sizes);
            }
            same
        });
        self.done.sort_by(rank);
        if self.done.len() > MAX_GROUPS {
            let (n, sum) = self.other.get_or_insert((0, Sizes::default()));
            for g in self.done.drain(MAX_GROUPS..) {
                *n += 1;
                sum.add(&g.sizes);
            }
        }
    }

    pub fn finish(mut self, revision: i64, source: Source) -> DuReport {
        self.done.extend(self.open.take());
        self.compact();
        DuReport {
            prefix: self.prefix,
            depth: self.depth,
            revision,
            source,
            groups: self.done,
            other: self.other,
            total: self.total,
        }
    }
}

/// Largest total first, then by path, so equal sizes list stably.
fn rank(a: &Group, b: &Group) -> std::cmp::Ordering {
    b.sizes
        .total()
        .cmp(&a.sizes.total())
        .then_with(|| a.path.cmp(&b.path))
}

/// Checks a `--depth` value: at least 1, and a bound that catches typos.
pub fn parse_depth(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=64).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{s}` is not a depth: give a number of path levels from 1 to 64"
        )),
    }
}

#[cfg(test)]
mod tests;
