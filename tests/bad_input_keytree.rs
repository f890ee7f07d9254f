//! The key tree fed keys of arbitrary bytes through a real etcd: every case writes its
//! keys, opens the Keys view, expands every directory and checks that each key is
//! reachable exactly once, the counts add up, the filter's index finds what a plain
//! search finds, and drawing sends nothing raw to the terminal.

mod common;

use std::collections::BTreeSet;

use etcdtui::app::keys::Row;
use etcdtui::headless::Headless;
use etcdtui::keymap::{Key, KeyCode};
use etcdtui::localcluster::LocalCluster;
use proptest::prelude::*;

/// Bytes that matter to the tree (separators, the ends of the byte range, escape and
/// UTF-8 lead bytes) more often than chance would give them.
fn key_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => Just(b'/'),
        1 => Just(b':'),
        1 => Just(0u8),
        1 => Just(0xffu8),
        1 => Just(0x1bu8),
        1 => Just(0xc3u8),
        4 => b'a'..=b'c',
        2 => any::<u8>(),
    ]
}

fn keys_strategy() -> impl Strategy<Value = BTreeSet<Vec<u8>>> {
    prop::collection::btree_set(prop::collection::vec(key_byte(), 1..10), 1..24)
}

/// Moves the cursor to `row` as a user would, with j and k.
fn go_to_row(h: &mut Headless, row: usize) {
    while h.app.keys.cursor < row {
        h.keys("j");
    }
    while h.app.keys.cursor > row {
        h.keys("k");
    }
}

/// Expands directories until none is left closed; returns how many were opened.
async fn expand_everything(h: &mut Headless) -> usize {
    let mut opened = 0;
    loop {
        let ks = &h.app.keys;
        let closed = ks.tree.rows.iter().position(|r| match *r {
            Row::Node { id, .. } => {
                let n = ks.tree.node(id);
                n.is_dir && !n.expanded
            }
            Row::More { .. } => false,
        });
        let Some(row) = closed else {
            return opened;
        };
        go_to_row(h, row);
        h.key(Key::plain(KeyCode::Right));
        h.settle().await;
        opened += 1;
        assert!(opened < 500, "expanding does not end");
    }
}

fn check_tree(h: &Headless, keys: &BTreeSet<Vec<u8>>) -> Result<(), TestCaseError> {
    let tree = &h.app.keys.tree;
    let sep = h.app.keys.sep;
    let mut leaves = Vec::new();
    let mut seen = BTreeSet::new();
    for r in &tree.rows {
        let Row::Node { id, .. } = *r else {
            return Err(TestCaseError::fail("a 'more' row with only a few keys"));
        };
        prop_assert!(seen.insert(id), "node {id} drawn twice");
        let n = tree.node(id);
        let parent = tree.node(n.parent.expect("a row has a parent"));
        prop_assert!(
            n.key.starts_with(&parent.key),
            "{:?} under {:?}",
            n.key,
            parent.key
        );
        // A key ending in the separator (`/a/`) is also its own directory's path: it
        // shows as a leaf inside that directory, the one case of a child as long as
        // its parent.
        prop_assert!(
            n.key.len() > parent.key.len() || (!n.is_dir && n.key == parent.key),
            "{:?} under {:?}",
            n.key,
            parent.key
        );
        if n.is_dir {
            prop_assert_eq!(n.key.last(), Some(&sep));
            let under = keys.iter().filter(|k| k.starts_with(&n.key)).count() as i64;
            prop_assert!(under > 0, "empty directory {:?}", n.key);
            if let Some(count) = n.count {
                prop_assert_eq!(count, under, "count of {:?}", n.key);
            }
        } else {
            leaves.push(n.key.clone());
        }
    }
    let leaves: BTreeSet<Vec<u8>> = leaves.into_iter().collect();
    prop_assert_eq!(&leaves, keys, "every key is one leaf");
    for k in keys {
        let found = tree.find(k).map(|id| tree.node(id));
        prop_assert!(found.is_some(), "{k:?} not findable");
    }
    Ok(())
}

/// The filter's index holds every key, and its search agrees with a plain one.
fn check_index(h: &Headless, keys: &BTreeSet<Vec<u8>>) -> Result<(), TestCaseError> {
    let index = &h.app.keys.index;
    let listed: Vec<&[u8]> = (0..index.len()).map(|i| index.get(i)).collect();
    let wanted: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
    prop_assert_eq!(listed, wanted);
    let needles: BTreeSet<&[u8]> = keys
        .iter()
        .flat_map(|k| [&k[..1], &k[k.len() / 2..], k.as_slice()])
        .collect();
    for needle in needles {
        let (hits, total) = index.search(needle, usize::MAX);
        let expected: Vec<usize> = keys
            .iter()
            .enumerate()
            .filter(|(_, k)| k.windows(needle.len()).any(|w| w == needle))
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(total, expected.len(), "needle {:?}", needle);
        prop_assert_eq!(hits, expected, "needle {:?}", needle);
    }
    Ok(())
}

async fn one_case(
    c: &LocalCluster,
    keys: &BTreeSet<Vec<u8>>,
    sep: u8,
) -> Result<(), TestCaseError> {
    let mut client = common::connect(c).await;
    client
        .delete(
            &b"\0"[..],
            Some(etcd_client::DeleteOptions::new().with_from_key()),
        )
        .await
        .expect("clear the previous case");
    for k in keys {
        client.put(k.clone(), k.clone(), None).await.expect("put");
    }
    let mut h = Headless::connect(c.client_urls(), 100, 60);
    h.app.keys.sep = sep;
    h.settle_until("tree loaded", |a| a.keys.loaded).await;
    expand_everything(&mut h).await;
    // Counts are fetched for rows on screen; give them the chance to arrive.
    h.settle().await;
    check_tree(&h, keys)?;
    common::terminal::assert_clean("the expanded tree", &h.app, 100, 60);
    // The filter loads the index of every key, then searches it as the user types.
    h.keys("/");
    h.settle_until("index loaded", |a| a.keys.index.done).await;
    check_index(&h, keys)?;
    h.keys("b");
    common::terminal::assert_clean("the filter", &h.app, 100, 60);
    Ok(())
}

#[test]
fn arbitrary_byte_keys() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let Some(cluster) = rt.block_on(common::start_cluster(1)) else {
        return;
    };
    let config = ProptestConfig {
        cases: 64,
        // Each case talks to etcd; shrinking a failure is worth a few dozen more.
        max_shrink_iters: 50,
        ..ProptestConfig::default()
    };
    let seps = prop::sample::select(vec![b'/', b':', 0xff]);
    proptest!(config, |(keys in keys_strategy(), sep in seps)| {
        rt.block_on(one_case(&cluster, &keys, sep))?;
    });
}
