//! Hand-built databases: the cases a real etcd never writes (no `key` bucket, loops,
//! damaged pages), each a clear error or problem and never a panic.

use std::io::Write;

use super::checksum::Crc32c;
use super::meta::tests::{meta_page, meta_page_with_freelist};
use super::node::build::{bucket_value, leaf_page};
use super::*;

const PS: usize = 4096;

/// Meta pages 0 and 1, then `pages` as pages 2.., into a temp file.
fn db_file(root: u64, pages: &[Vec<u8>]) -> tempfile::NamedTempFile {
    let count = 2 + pages.len() as u64;
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&meta_page(0, PS as u32, root, count, 4))
        .unwrap();
    f.write_all(&meta_page(1, PS as u32, root, count, 5))
        .unwrap();
    for p in pages {
        f.write_all(p).unwrap();
    }
    f
}

fn rev_key(main: i64) -> Vec<u8> {
    let mut k = main.to_be_bytes().to_vec();
    k.push(b'_');
    k.extend(0i64.to_be_bytes());
    k
}

fn kv(key: &str, value: &str, rev: u64) -> Vec<u8> {
    let mut w = crate::decode::wire::Writer::new();
    w.string(1, key)
        .varint(2, rev)
        .varint(3, rev)
        .varint(4, 1)
        .string(5, value);
    w.finish()
}

#[test]
fn a_bbolt_file_without_a_key_bucket_is_not_etcds() {
    let empty_inline = leaf_page(0, 0, &[]);
    let root = leaf_page(2, PS, &[(1, b"widgets", &bucket_value(0, &empty_inline))]);
    let f = db_file(2, &[root]);
    let err = SnapshotFile::open(f.path()).unwrap_err();
    assert_eq!(
        err,
        SnapError::NoKeyBucket {
            buckets: vec!["widgets".into()]
        }
    );
    assert!(err.to_string().contains("not etcd's"), "{err}");
}

#[test]
fn an_inline_key_bucket_and_a_page_bucket_are_both_read() {
    let (k2, k3) = (rev_key(2), rev_key(3));
    let (v2, v3) = (kv("/a", "1", 2), kv("/b", "2", 3));
    let inline = leaf_page(0, 0, &[(0, &k2, &v2), (0, &k3, &v3)]);
    let meta_leaf = leaf_page(3, PS, &[(0, b"consistent_index", &7u64.to_be_bytes())]);
    let root = leaf_page(
        2,
        PS,
        &[
            (1, b"key", &bucket_value(0, &inline)),
            (1, b"meta", &bucket_value(3, &[])),
        ],
    );
    let f = db_file(2, &[root, meta_leaf]);
    let snap = SnapshotFile::open(f.path()).unwrap();
    assert_eq!(snap.problems(), &[]);
    let keys: Vec<_> = snap.keys().map(|e| e.key.to_vec()).collect();
    assert_eq!(keys, vec![b"/a".to_vec(), b"/b".to_vec()]);
    assert_eq!(snap.status().revision, 3);
    assert_eq!(snap.status().bucket_entries, 3);
    assert_eq!(snap.status().integrity, Integrity::Raw);
    assert_eq!(snap.etcd_meta().consistent_index, Some(7));
}

/// A nested bucket counts as one key and only its name is hashed, as in etcd's status;
/// a persisted freelist gives the free page count.
#[test]
fn nested_buckets_and_a_freelist_count_as_etcd_and_bbolt_count_them() {
    let (k2, v2) = (rev_key(2), kv("/a", "1", 2));
    let key_inline = leaf_page(0, 0, &[(0, &k2, &v2)]);
    let inner = leaf_page(0, 0, &[(0, b"x", b"y")]);
    let nested = bucket_value(0, &inner);
    let outer_inline = leaf_page(0, 0, &[(0, b"plain", b"v"), (1, b"sub", &nested)]);
    let root = leaf_page(
        2,
        PS,
        &[
            (1, b"key", &bucket_value(0, &key_inline)),
            (1, b"outer", &bucket_value(0, &outer_inline)),
        ],
    );
    let mut freelist = vec![0u8; PS];
    freelist[8..10].copy_from_slice(&node::FREELIST.to_le_bytes());
    freelist[10..12].copy_from_slice(&1u16.to_le_bytes());
    freelist[16..24].copy_from_slice(&4u64.to_le_bytes());
    let free = vec![0u8; PS];
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&meta_page_with_freelist(0, PS as u32, 2, 3, 5, 4))
        .unwrap();
    f.write_all(&meta_page_with_freelist(1, PS as u32, 2, 3, 5, 5))
        .unwrap();
    for p in [&root, &freelist, &free] {
        f.write_all(p).unwrap();
    }

    let snap = SnapshotFile::open(f.path()).unwrap();
    assert_eq!(snap.problems(), &[]);
    let s = snap.status();
    assert_eq!(s.bucket_entries, 3);
    assert_eq!(s.free_pages, 1);
    assert_eq!(s.page_count, 5);
    let mut h = Crc32c::default();
    for part in [&b"key"[..], &k2, &v2, b"outer", b"plain", b"v", b"sub"] {
        h.update(part);
    }
    assert_eq!(s.hash, None, "not computed for browsing");
    assert_eq!(read_status(f.path()).unwrap().status.hash, Some(h.sum()));
}

#[test]
fn a_loop_and_a_damaged_page_are_problems_and_the_rest_is_read() {
    let (k2, v2) = (rev_key(2), kv("/a", "1", 2));
    let inline = leaf_page(0, 0, &[(0, &k2, &v2)]);
    // Page 3 is a branch whose children are itself and a page past the end.
    let mut branch = vec![0u8; PS];
    branch[0..8].copy_from_slice(&3u64.to_le_bytes());
    branch[8..10].copy_from_slice(&node::BRANCH.to_le_bytes());
    branch[10..12].copy_from_slice(&2u16.to_le_bytes());
    branch[24..32].copy_from_slice(&3u64.to_le_bytes());
    branch[40..48].copy_from_slice(&99u64.to_le_bytes());
    let root = leaf_page(
        2,
        PS,
        &[
            (1, b"key", &bucket_value(0, &inline)),
            (1, b"loop", &bucket_value(3, &[])),
        ],
    );
    let f = db_file(2, &[root, branch]);
    let snap = SnapshotFile::open(f.path()).unwrap();
    let problems: Vec<String> = snap.problems().iter().map(|p| p.to_string()).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("page 3: reached a second time")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("page 99: referenced")),
        "{problems:?}"
    );
    assert_eq!(snap.keys().count(), 1);
}

#[test]
fn a_file_of_zeros_or_text_is_not_bbolt() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&vec![0u8; 3 * PS]).unwrap();
    assert_eq!(
        SnapshotFile::open(f.path()).unwrap_err(),
        SnapError::NotBbolt
    );
    let mut t = tempfile::NamedTempFile::new().unwrap();
    t.write_all(b"hello\n").unwrap();
    assert_eq!(
        SnapshotFile::open(t.path()).unwrap_err(),
        SnapError::TooSmall { len: 6 }
    );
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    /// Valid meta pages in front of arbitrary pages: every page parser sees garbage that
    /// a random file would never get past the magic number to reach.
    fn page(kind: u16, count: u16, overflow: u32, body: Vec<u8>) -> Vec<u8> {
        let mut p = vec![0u8; 512];
        p[8..10].copy_from_slice(&kind.to_le_bytes());
        p[10..12].copy_from_slice(&count.to_le_bytes());
        p[12..16].copy_from_slice(&overflow.to_le_bytes());
        for (dst, src) in p[16..].iter_mut().zip(body) {
            *dst = src;
        }
        p
    }

    fn arb_page() -> impl Strategy<Value = Vec<u8>> {
        (
            prop::sample::select(vec![node::BRANCH, node::LEAF, node::FREELIST, 0x7]),
            0u16..40,
            prop::sample::select(vec![0u32, 1, 3, u32::MAX]),
            prop::collection::vec(any::<u8>(), 0..496),
        )
            .prop_map(|(k, c, o, b)| page(k, c, o, b))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn arbitrary_pages_behind_valid_metas_never_panic(
            root in 0u64..8,
            count in prop::sample::select(vec![0u64, 2, 6, 7, u64::MAX]),
            pages in prop::collection::vec(arb_page(), 0..5),
        ) {
            let mut f = tempfile::NamedTempFile::new().unwrap();
            f.write_all(&meta_page(0, 512, root, count, 4)).unwrap();
            f.write_all(&meta_page(1, 512, root, count, 5)).unwrap();
            for p in &pages {
                f.write_all(p).unwrap();
            }
            if let Ok(snap) = SnapshotFile::open(f.path()) {
                let _ = snap.keys().count();
            }
        }
    }
}

#[test]
fn a_damaged_inline_bucket_is_named_in_its_problem() {
    let (k2, v2) = (rev_key(2), kv("/a", "1", 2));
    let key_inline = leaf_page(0, 0, &[(0, &k2, &v2)]);
    let mut broken = leaf_page(0, 0, &[(0, b"x", b"y")]);
    broken[10] = 9;
    let root = leaf_page(
        2,
        PS,
        &[
            (1, b"alarm", &bucket_value(0, &broken)),
            (1, b"key", &bucket_value(0, &key_inline)),
        ],
    );
    let f = db_file(2, &[root]);
    let snap = SnapshotFile::open(f.path()).unwrap();
    let problems: Vec<String> = snap.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        [
            "bucket \"alarm\" (stored inline in its parent): its 9 elements do not fit in the page (34 bytes)"
        ]
    );
    assert_eq!(snap.keys().count(), 1);
}
