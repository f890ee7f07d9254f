//! Live `du` and the full key index on real etcd give exactly what one brute-force
//! `Range` over the whole key space lists, on a layout chosen to fool the bounded
//! pages' interpolation: sparse directories then a dense one, decimal names across
//! carries with values large enough that `du` reads them in many pages, binary keys
//! with 0x00 and 0xff bytes, and keys at the very end of the key space. On etcd 3.7 the
//! scans read a `RangeStream`; before 3.7, bounded ranges planned by `etcd::span`.

mod common;

use std::collections::BTreeMap;

use etcd_client::{GetOptions, Txn, TxnOp};
use etcdtui::du::group_of;
use etcdtui::etcd::ConnectSpec;
use etcdtui::etcd::connect::{EndpointClient, connect_endpoint};
use etcdtui::etcd::du_scan::du_scan;
use etcdtui::etcd::keys::{KeysAnswer, KeysOp, run_op};

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z ^ (z >> 31)
}

/// Every key and its value's length.
fn layout() -> Vec<(Vec<u8>, usize)> {
    let mut kv = Vec::new();
    for i in 0..30 {
        kv.push((format!("/a/sparse-{:02}/x", i * 3).into_bytes(), 10 + i));
    }
    for i in 0..2500 {
        kv.push((format!("/a/t/{i:05}").into_bytes(), 1 + i % 97));
    }
    // ~12 KiB values: after a first page of 1000, du's pages hold ~340 of
    // these, so pages end across the carries.
    for i in 0..2400 {
        kv.push((format!("/n/pod-{i:04}").into_bytes(), 12_000 + i % 97));
    }
    for (k, kind) in ["configmaps", "events", "pods"].iter().enumerate() {
        for i in 0..200 * (k + 1) {
            kv.push((
                format!("/registry/{kind}/ns-{:02}/{kind}-{i:05}", i % 7).into_bytes(),
                100 + i % 89,
            ));
        }
    }
    for i in 0..300u64 {
        let mut k = b"/b/".to_vec();
        k.extend(mix(i).to_be_bytes());
        kv.push((k, (i % 50) as usize));
    }
    for i in 0..50u8 {
        kv.push((vec![0x00, 0x01, i], 7));
    }
    for i in 0..200u32 {
        let mut k = vec![0xff, 0xff];
        k.extend((i * 1_000_003).to_be_bytes());
        k.push(0xff);
        kv.push((k, 33));
    }
    kv.push((vec![0xff; 10], 1));
    kv
}

async fn seed(cluster: &etcdtui::localcluster::LocalCluster) {
    let mut c = common::connect(cluster).await;
    for batch in layout().chunks(64) {
        let ops: Vec<TxnOp> = batch
            .iter()
            .map(|(k, n)| TxnOp::put(k.clone(), vec![b'v'; *n], None))
            .collect();
        c.txn(Txn::new().and_then(ops)).await.expect("seed txn");
    }
}

/// One unlimited `Range` over the whole key space: keys and value lengths.
async fn brute(cluster: &etcdtui::localcluster::LocalCluster) -> Vec<(Vec<u8>, u64)> {
    let c = common::connect(cluster).await;
    let resp = c
        .kv_client()
        .max_decoding_message_size(64 << 20)
        .get(vec![0], Some(GetOptions::new().with_range(vec![0])))
        .await
        .expect("list everything");
    resp.kvs()
        .iter()
        .map(|kv| (kv.key().to_vec(), kv.value().len() as u64))
        .collect()
}

async fn client(cluster: &etcdtui::localcluster::LocalCluster) -> EndpointClient {
    let spec = ConnectSpec {
        endpoints: cluster.client_urls(),
        ..ConnectSpec::default()
    };
    connect_endpoint(&cluster.client_urls()[0], &spec, None)
        .await
        .expect("connect")
}

fn in_prefix(key: &[u8], prefix: &[u8]) -> bool {
    key.starts_with(prefix)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn du_and_the_index_equal_a_brute_force_listing() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    seed(&cluster).await;
    let all = brute(&cluster).await;
    assert_eq!(all.len(), layout().len(), "seeded");
    let c = client(&cluster).await;

    for (prefix, depth) in [
        (&b""[..], 1),
        (b"/a/", 1),
        (b"/n/", 1),
        (b"/registry/", 2),
        (&[0xff][..], 1),
    ] {
        let mut want: BTreeMap<Vec<u8>, (u64, u64, u64)> = BTreeMap::new();
        for (k, v) in all.iter().filter(|(k, _)| in_prefix(k, prefix)) {
            let g = want.entry(group_of(prefix, k, depth).to_vec()).or_default();
            g.0 += 1;
            g.1 += k.len() as u64;
            g.2 += v;
        }
        let mut pages = 0;
        let report = du_scan(&c, prefix, depth, |p| pages = p.pages)
            .await
            .expect("du");
        assert!(report.other.is_none(), "few groups");
        let got: BTreeMap<Vec<u8>, (u64, u64, u64)> = report
            .groups
            .iter()
            .map(|g| {
                let s = g.sizes;
                (g.path.clone(), (s.keys, s.key_bytes, s.value_bytes))
            })
            .collect();
        assert_eq!(got, want, "du of {prefix:?} at depth {depth}");
        if prefix == b"/n/" {
            assert!(pages > 3, "read in several pages or chunks: {pages}");
        }
    }

    for limit in [100, 777] {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let (mut from, mut revision, mut total) = (Vec::new(), 0, None);
        loop {
            let answer = run_op(
                &c,
                KeysOp::IndexPage {
                    from: from.clone(),
                    revision,
                    limit,
                },
            )
            .await
            .expect("index page");
            let KeysAnswer::IndexPage {
                keys: batch,
                more,
                revision: rev,
                remaining,
            } = answer
            else {
                panic!("not an index page: {answer:?}");
            };
            total.get_or_insert(remaining);
            assert_eq!(
                remaining as usize,
                all.len() - keys.len(),
                "keys from this page's start to the end"
            );
            revision = rev;
            keys.extend(batch.iter().map(<[u8]>::to_vec));
            if !more {
                break;
            }
            let mut next = keys.last().expect("a page before more").clone();
            next.push(0);
            from = next;
        }
        assert_eq!(total, Some(all.len() as i64), "the first page's total");
        let want: Vec<Vec<u8>> = all.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys.len(), want.len(), "every key once (pages of {limit})");
        assert!(keys == want, "in order (pages of {limit})");
    }
}
