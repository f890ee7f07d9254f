//! One pass over the whole database: etcd's status numbers, the key history, etcd's own
//! metadata, and the page accounting, gathered while each page is read once.

use super::checksum::Crc32c;
use super::error::{SnapError, show_bytes};
use super::etcdmeta::EtcdMeta;
use super::history::HistoryBuilder;
use super::meta::NO_FREELIST;
use super::node::LeafEntry;
use super::pager::Pager;
use super::status::BucketStat;
use super::walk::{BucketRoot, Problems, Walker, bucket_root};

#[derive(Debug, Default)]
pub struct Scan {
    /// etcd's status hash; `None` when not asked for (browsing has no use for it and
    /// hashing every byte is a good part of the read).
    pub hash: Option<Crc32c>,
    pub total_keys: u64,
    pub revision: i64,
    pub history: HistoryBuilder,
    pub etcd: EtcdMeta,
    pub buckets: Vec<BucketStat>,
    pub free_pages: u64,
}

/// Walks every top-level bucket in name order, as etcd's status does.
pub fn scan(pager: &Pager, walker: &mut Walker<'_>, with_hash: bool) -> Scan {
    let mut scan = Scan {
        hash: with_hash.then(Crc32c::default),
        ..Scan::default()
    };
    for (name, value) in top_level(walker, pager.meta.root) {
        let shown = String::from_utf8_lossy(&name).into_owned();
        let root = match bucket_root(&value) {
            Ok(r) => r,
            Err(detail) => {
                walker.problems.push(SnapError::Entry {
                    bucket: "(top level)".into(),
                    key: show_bytes(&name),
                    detail,
                });
                continue;
            }
        };
        if let Some(h) = &mut scan.hash {
            h.update(&name);
        }
        let before = scan.total_keys;
        // Collected apart because the walker is busy walking; capped like the walker's.
        let mut bad = Problems::default();
        walker.walk(&shown, root, &mut |e, value_at| {
            if let Err(detail) = scan.entry(&shown, e, value_at) {
                bad.push(SnapError::Entry {
                    bucket: shown.clone(),
                    key: show_bytes(e.key),
                    detail,
                });
            }
        });
        walker.problems.absorb(bad);
        scan.buckets.push(BucketStat {
            name: shown,
            keys: scan.total_keys - before,
        });
    }
    scan.free_pages = free_pages(pager, walker);
    scan
}

/// The root bucket's entries: (name, bucket header) of each top-level bucket.
fn top_level(walker: &mut Walker<'_>, root: u64) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut buckets = Vec::new();
    let mut strays = Vec::new();
    walker.walk("(root)", BucketRoot::Page(root), &mut |e, _| {
        if e.is_bucket {
            buckets.push((e.key.to_vec(), e.value.to_vec()));
        } else {
            strays.push(SnapError::NotABucket {
                name: String::from_utf8_lossy(e.key).into_owned(),
            });
        }
    });
    strays.into_iter().for_each(|e| walker.problems.push(e));
    buckets
}

impl Scan {
    fn entry(
        &mut self,
        bucket: &str,
        e: &LeafEntry<'_>,
        value_at: Option<u64>,
    ) -> Result<(), String> {
        // etcd's status hashes each key and value; a nested bucket's value reads as nil
        // there, so only its name counts.
        if let Some(h) = &mut self.hash {
            h.update(e.key);
            if !e.is_bucket {
                h.update(e.value);
            }
        }
        self.total_keys += 1;
        match bucket {
            "key" => {
                // Like etcd: the revision is that of the last entry, the highest.
                if let Some(main) = e.key.get(..8).and_then(|b| b.try_into().ok()) {
                    self.revision = i64::from_be_bytes(main);
                }
                if e.is_bucket {
                    return Err("a nested bucket where an etcd key revision belongs".into());
                }
                self.history.add(e.key, e.value, value_at)
            }
            "meta" | "members" | "cluster" if !e.is_bucket => self.etcd.add(bucket, e.key, e.value),
            _ => Ok(()),
        }
    }
}

/// Free pages: those the freelist lists, or, when etcd did not persist a freelist, every
/// page below the high-water mark that no tree reaches (how bbolt itself rebuilds it).
fn free_pages(pager: &Pager, walker: &mut Walker<'_>) -> u64 {
    let count = pager.meta.page_count;
    if pager.meta.freelist == NO_FREELIST {
        return count
            .saturating_sub(2)
            .saturating_sub(walker.reachable_pages());
    }
    let Some(ids) = walker.freelist(pager.meta.freelist) else {
        return 0;
    };
    let reused: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|&p| walker.reached(p))
        .take(5)
        .collect();
    if !reused.is_empty() {
        walker.problems.push(SnapError::page(
            reused[0],
            format!("listed as free but in use (free and in use: {reused:?})"),
        ));
    }
    ids.len() as u64
}
