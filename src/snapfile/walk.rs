//! In-order traversal of bbolt B+trees. A damaged page becomes a problem and its subtree is
//! skipped; everything else is still visited, so one bad page costs only the keys it held.

use std::collections::HashSet;

use super::error::SnapError;
use super::node::{self, LeafEntry, Node};
use super::pager::Pager;

/// Far deeper than any real bbolt tree (a few levels hold billions of keys); a chain of
/// branch pages deeper than this is damage, and the limit keeps recursion bounded.
const MAX_DEPTH: usize = 32;
/// Enough to show what is wrong without flooding the terminal for a badly damaged file.
const MAX_PROBLEMS: usize = 100;

/// Where a bucket's tree starts: its own root page, or a page stored inline in the
/// parent's value (bbolt inlines small buckets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketRoot<'a> {
    Page(u64),
    Inline(&'a [u8]),
}

/// A bucket header: root page id and sequence (16 bytes), then the inline page if the
/// root id is 0.
pub fn bucket_root(value: &[u8]) -> Result<BucketRoot<'_>, String> {
    let root = super::meta::u64_at(value, 0)
        .filter(|_| value.len() >= 16)
        .ok_or_else(|| format!("a bucket header needs 16 bytes, found {}", value.len()))?;
    Ok(match root {
        0 => BucketRoot::Inline(value.get(16..).unwrap_or_default()),
        pgid => BucketRoot::Page(pgid),
    })
}

/// Problems found so far, capped.
#[derive(Debug, Default)]
pub struct Problems {
    pub list: Vec<SnapError>,
    pub dropped: u64,
}

impl Problems {
    pub fn push(&mut self, e: SnapError) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(e);
        } else {
            self.dropped += 1;
        }
    }

    pub fn absorb(&mut self, other: Problems) {
        other.list.into_iter().for_each(|e| self.push(e));
        self.dropped += other.dropped;
    }

    pub fn into_vec(mut self) -> Vec<SnapError> {
        if self.dropped > 0 {
            self.list
                .push(SnapError::TooManyProblems { more: self.dropped });
        }
        self.list
    }
}

pub struct Walker<'p> {
    pager: &'p Pager,
    /// Every page reached so far, overflow pages included: a page reached twice means
    /// the tree is damaged (or loops), and the count gives the free pages.
    seen: HashSet<u64>,
    pub problems: Problems,
}

impl<'p> Walker<'p> {
    pub fn new(pager: &'p Pager) -> Self {
        Walker {
            pager,
            seen: HashSet::new(),
            problems: Problems::default(),
        }
    }

    /// Pages reached by all walks so far.
    pub fn reachable_pages(&self) -> u64 {
        self.seen.len() as u64
    }

    /// Calls `sink` for every entry of the bucket `name`, in key order, with the file
    /// offset of the entry's value (`None` inside an inline bucket, held in its parent).
    pub fn walk(
        &mut self,
        name: &str,
        root: BucketRoot<'_>,
        sink: &mut dyn FnMut(&LeafEntry<'_>, Option<u64>),
    ) {
        match root {
            BucketRoot::Page(pgid) => self.walk_page(pgid, 0, sink),
            BucketRoot::Inline(page) => match node::parse(page) {
                Ok((_, Node::Leaf(entries))) => entries.iter().for_each(|e| sink(e, None)),
                Ok((_, Node::Branch(_))) => self.problems.push(SnapError::InlineBucket {
                    bucket: name.to_string(),
                    detail: "holds a branch page; inline buckets are always leaves".into(),
                }),
                Err(detail) => self.problems.push(SnapError::InlineBucket {
                    bucket: name.to_string(),
                    detail,
                }),
            },
        }
    }

    fn walk_page(
        &mut self,
        pgid: u64,
        depth: usize,
        sink: &mut dyn FnMut(&LeafEntry<'_>, Option<u64>),
    ) {
        if depth > MAX_DEPTH {
            let detail = format!("the tree is deeper than {MAX_DEPTH} levels here; skipped");
            return self.problems.push(SnapError::page(pgid, detail));
        }
        if self.seen.contains(&pgid) {
            let detail = "reached a second time: two parents share it or the tree loops";
            return self.problems.push(SnapError::page(pgid, detail));
        }
        let buf = match self.pager.read_page(pgid) {
            Ok(b) => b,
            Err(e) => return self.problems.push(e),
        };
        let (header, node) = match node::parse(&buf) {
            Ok(parsed) => parsed,
            Err(detail) => return self.problems.push(SnapError::page(pgid, detail)),
        };
        if header.id != pgid {
            let detail = format!(
                "its header says it is page {}; stale or misplaced",
                header.id
            );
            return self.problems.push(SnapError::page(pgid, detail));
        }
        self.seen.extend(pgid..=pgid + u64::from(header.overflow));
        match node {
            Node::Branch(children) => {
                for child in children {
                    self.walk_page(child, depth + 1, sink);
                }
            }
            Node::Leaf(entries) => {
                // read_page checked that the page lies inside the file, so this fits.
                let page_at = pgid.saturating_mul(self.pager.page_size());
                entries
                    .iter()
                    .for_each(|e| sink(e, Some(page_at + e.value_pos as u64)));
            }
        }
    }

    /// Whether a page was reached by a walk (for the freelist check).
    pub fn reached(&self, pgid: u64) -> bool {
        self.seen.contains(&pgid)
    }

    /// Reads the freelist page(s) and returns the page ids listed as free.
    pub fn freelist(&mut self, pgid: u64) -> Option<Vec<u64>> {
        let buf = match self.pager.read_page(pgid) {
            Ok(b) => b,
            Err(e) => {
                self.problems.push(e);
                return None;
            }
        };
        match node::freelist_ids(&buf) {
            Ok(ids) => {
                let overflow = node::PageHeader::parse(&buf).map_or(0, |h| h.overflow);
                self.seen.extend(pgid..=pgid + u64::from(overflow));
                Some(ids)
            }
            Err(detail) => {
                self.problems.push(SnapError::page(pgid, detail));
                None
            }
        }
    }
}
