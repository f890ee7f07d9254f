//! The Keys view's listing (`etcd::keys::list_children`) on real etcd: it equals a
//! brute-force grouping of `etcdctl get "" --prefix --keys-only` on layouts with keys
//! before, inside and after `/registry/` (and with no Kubernetes keys at all), page by
//! page; and the first screen asks etcd for no range over the whole key space — on 3.7
//! thanks to `RangeStream`, before it thanks to point reads of keys every Kubernetes
//! cluster has. Which reads were made is recorded by `keys::with_read_log` and checked
//! against etcd's own count of the requests it served.

mod common;

use std::collections::HashSet;

use etcdtui::etcd::ConnectSpec;
use etcdtui::etcd::connect::{EndpointClient, connect_endpoint};
use etcdtui::etcd::keys::{ChildPage, Read, list_children, with_read_log};
use etcdtui::etcd::skipscan::{Child, prefix_end};
use etcdtui::etcd::{EtcdError, Problem};
use etcdtui::localcluster::LocalCluster;

/// A Kubernetes-shaped store: keys before `/registry/` (in order, as bytes), the
/// anchors and more inside it, and keys after it.
const K8S: &[&str] = &[
    "/a/x",
    "/kubernetes",
    "/r/1",
    "/registry",
    "/registry!x",
    "/registry/",
    "/registry/apps/deployments/default/web",
    "/registry/events/default/e1",
    "/registry/namespaces/default",
    "/registry/namespaces/kube-system",
    "/registry/pods/default/p1",
    "/registry/ranges/serviceips",
    "/registry0",
    "/registryz/k",
    "/zzz/y",
    "a-top",
    "z/1",
];
const PLAIN: &[&str] = &["/app/a", "/app/b/c", "/cfg", "/r/1", "/r/2", "/r/3", "top"];
const OPENSHIFT: &[&str] = &[
    "/kubernetes.io/namespaces/default",
    "/kubernetes.io/pods/ns/p",
    "/openshift.io/routes/ns/r",
];
/// Only one anchor, as the store's lone key.
const LONE: &[&str] = &["/registry/ranges/serviceips"];

fn endpoint_spec(cluster: &LocalCluster) -> ConnectSpec {
    ConnectSpec {
        endpoints: cluster.client_urls(),
        ..ConnectSpec::default()
    }
}

async fn client(cluster: &LocalCluster, spec: &ConnectSpec) -> EndpointClient {
    connect_endpoint(&cluster.client_urls()[0], spec, None)
        .await
        .expect("connect")
}

/// A one-member cluster and a client of it, when etcd and etcdctl are installed.
async fn cluster_and_client() -> Option<(LocalCluster, EndpointClient)> {
    let cluster = common::start_cluster(1).await?;
    common::etcdctl_bin()?;
    let c = client(&cluster, &endpoint_spec(&cluster)).await;
    Some((cluster, c))
}

async fn reseed(cluster: &LocalCluster, keys: &[String]) {
    let mut c = common::connect(cluster).await;
    c.delete(
        vec![0],
        Some(etcd_client::DeleteOptions::new().with_from_key()),
    )
    .await
    .expect("clear");
    for chunk in keys.chunks(100) {
        let ops: Vec<etcd_client::TxnOp> = chunk
            .iter()
            .map(|k| etcd_client::TxnOp::put(k.as_str(), "v", None))
            .collect();
        c.txn(etcd_client::Txn::new().and_then(ops))
            .await
            .expect("seed");
    }
}

/// Every key, as etcdctl lists them.
fn all_keys(cluster: &LocalCluster) -> Vec<Vec<u8>> {
    common::etcdctl_ok(cluster, &["get", "", "--prefix", "--keys-only"])
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.as_bytes().to_vec())
        .collect()
}

/// The direct children of `node`, computed from every key: the part after `node` up to
/// and including the first `/` (a directory), or the whole key (a leaf).
fn brute_children(all: &[Vec<u8>], node: &[u8]) -> Vec<(Vec<u8>, bool)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for k in all.iter().filter(|k| k.starts_with(node)) {
        let rest = &k[node.len()..];
        let child = match rest.iter().position(|b| *b == b'/') {
            Some(i) => (k[..node.len() + i + 1].to_vec(), true),
            None => (k.clone(), false),
        };
        if seen.insert(child.clone()) {
            out.push(child);
        }
    }
    out
}

fn shown(children: &[(Vec<u8>, bool)]) -> Vec<String> {
    children
        .iter()
        .map(|(k, d)| String::from_utf8_lossy(k).into_owned() + if *d { " (dir)" } else { "" })
        .collect()
}

/// Every page of `node`'s children, `want` at a time, the way the view asks for them.
async fn all_pages(
    c: &EndpointClient,
    node: &[u8],
    want: usize,
    hint: Option<Vec<u8>>,
) -> Vec<ChildPage> {
    let mut pages: Vec<ChildPage> = Vec::new();
    let (mut start, mut revision, mut hint) = (None, None, hint);
    loop {
        let page = list_children(c, node, b'/', start.take(), revision, want, hint.take())
            .await
            .expect("list");
        revision = Some(page.revision);
        start = page.next.clone();
        pages.push(page);
        if start.is_none() {
            return pages;
        }
    }
}

/// Checks every page against the brute force, and each directory's `first`: the first
/// key under it, or its own path when the listing did not read into it.
async fn check_node(
    c: &EndpointClient,
    all: &[Vec<u8>],
    node: &[u8],
    want: usize,
    hint: Option<Vec<u8>>,
) -> Vec<Child> {
    let what = String::from_utf8_lossy(node).into_owned();
    let pages = all_pages(c, node, want, hint).await;
    let revision = pages[0].revision;
    assert!(revision > 0, "{what}: the listing is pinned");
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(p.revision, revision, "{what} page {i}: one revision");
        if i + 1 < pages.len() {
            assert_eq!(p.children.len(), want, "{what} page {i} is full");
        }
    }
    let children: Vec<Child> = pages.into_iter().flat_map(|p| p.children).collect();
    let got: Vec<(Vec<u8>, bool)> = children.iter().map(|c| (c.key.clone(), c.is_dir)).collect();
    assert_eq!(
        shown(&got),
        shown(&brute_children(all, node)),
        "{what} by {want}"
    );
    for ch in &children {
        let first_under = all.iter().find(|k| k.starts_with(&ch.key)).expect("a key");
        assert!(
            &ch.first == first_under || (ch.is_dir && ch.first == ch.key),
            "{what}: {:?} has first {:?}",
            String::from_utf8_lossy(&ch.key),
            String::from_utf8_lossy(&ch.first)
        );
    }
    children
}

/// The node's children, then each child directory's, with the hint the view passes
/// (the child's `first`), down to `depth`.
async fn check_tree(
    c: &EndpointClient,
    all: &[Vec<u8>],
    node: Vec<u8>,
    hint: Option<Vec<u8>>,
    depth: usize,
) {
    let mut todo = vec![(node, hint, depth)];
    while let Some((node, hint, depth)) = todo.pop() {
        let children = check_node(c, all, &node, 64, hint.clone()).await;
        check_node(c, all, &node, 2, hint).await;
        if depth > 0 {
            for ch in children.into_iter().filter(|c| c.is_dir) {
                todo.push((ch.key, Some(ch.first), depth - 1));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_equal_the_brute_force_on_every_layout() {
    let Some((cluster, c)) = cluster_and_client().await else {
        return;
    };
    // A root with more children than a page, each side of /registry/.
    let mut wide: Vec<String> = K8S.iter().map(|k| k.to_string()).collect();
    wide.extend((0..150).map(|i| format!("/b{i:03}/k")));
    wide.extend((0..150).map(|i| format!("/s{i:03}")));
    // Directories of more than a batch: the listing jumps past them mid-batch.
    wide.extend((0..200).map(|i| format!("/registry/big/k{i:03}")));
    wide.extend((0..200).map(|i| format!("/registry/many/d{i:03}/x")));
    // First bytes in every bucket of a split (`keys::buckets`): control characters, a
    // space, ASCII, DEL and UTF-8 beyond it, with directories and leaves.
    let odd: Vec<String> = [
        "/n/\u{1}x",
        "/n/ sp/a",
        "/n/!",
        "/n/a/1",
        "/n/a/2",
        "/n/ab",
        "/n/b/c/d",
        "/n/q",
        "/n/z/1",
        "/n/~",
        "/n/\u{7f}",
        "/n/é/1",
        "/n/éz",
        "/n/\u{10ffff}",
    ]
    .iter()
    .map(|k| k.to_string())
    .collect();
    for layout in [
        odd,
        K8S.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
        PLAIN.iter().map(|k| k.to_string()).collect(),
        OPENSHIFT.iter().map(|k| k.to_string()).collect(),
        LONE.iter().map(|k| k.to_string()).collect(),
        wide,
    ] {
        reseed(&cluster, &layout).await;
        let all = all_keys(&cluster);
        assert_eq!(all.len(), layout.len());
        check_tree(&c, &all, Vec::new(), None, 3).await;
        check_tree(&c, &all, b"/".to_vec(), None, 0).await;
    }
}

/// `grpc_server_handled_total` of one KV method, from etcd's metrics listener.
async fn served(cluster: &LocalCluster, method: &str) -> u64 {
    let url = format!("{}/metrics", cluster.member(0).metrics_url);
    let text = tokio::task::spawn_blocking(move || {
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches("/metrics")
            .to_string();
        let mut conn = std::net::TcpStream::connect(&addr).expect("metrics listener");
        std::io::Write::write_all(
            &mut conn,
            format!("GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes(),
        )
        .expect("ask for metrics");
        let mut text = String::new();
        std::io::Read::read_to_string(&mut conn, &mut text).expect("metrics");
        text
    })
    .await
    .expect("metrics task");
    let method = format!("grpc_method=\"{method}\"");
    text.lines()
        .filter(|l| l.starts_with("grpc_server_handled_total{") && l.contains(&method))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// How many keys etcd counts for each `Range` (and each split into buckets) in
/// `reads`.
fn counted(all: &[Vec<u8>], reads: &[Read]) -> Vec<usize> {
    reads
        .iter()
        .filter_map(|r| match r {
            Read::Range { from, end } | Read::Buckets { from, end } => Some(
                all.iter()
                    .filter(|k| k >= &from && (end.as_slice() == [0] || k < &end))
                    .count(),
            ),
            _ => None,
        })
        .collect()
}

/// The top level as the view gets it: the root's listing, then the lone `/`'s with the
/// hint the root's listing gave it. Returns the reads made and what etcd served.
async fn first_screen(cluster: &LocalCluster, c: &EndpointClient) -> (Vec<Read>, u64, u64) {
    let (ranges0, streams0) = (
        served(cluster, "Range").await,
        served(cluster, "RangeStream").await,
    );
    let (top, reads) = with_read_log(async {
        let root = list_children(c, b"", b'/', None, None, 64, None)
            .await
            .expect("root");
        let slash = root.children.first().expect("/").clone();
        let inner = list_children(c, &slash.key, b'/', None, None, 64, Some(slash.first))
            .await
            .expect("/");
        (root, inner)
    })
    .await;
    assert_eq!(top.0.children.len(), 1, "one top-level entry: /");
    assert!(top.1.children.iter().any(|c| c.key == b"/registry/"));
    let ranges = served(cluster, "Range").await - ranges0;
    let streams = served(cluster, "RangeStream").await - streams0;
    (reads, ranges, streams)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_screen_counts_no_more_than_a_batch_of_keys() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    if common::etcdctl_bin().is_none() {
        return;
    }
    let mut keys: Vec<String> = [
        "/registry/namespaces/default",
        "/registry/ranges/serviceips",
    ]
    .iter()
    .map(|k| k.to_string())
    .collect();
    keys.extend((0..3000).map(|i| format!("/registry/events/ns{}/e{i:05}", i % 7)));
    keys.extend((0..10).map(|i| format!("/a{i}/k")));
    reseed(&cluster, &keys).await;
    let all = all_keys(&cluster);
    let version = common::connect(&cluster)
        .await
        .status()
        .await
        .expect("status")
        .version()
        .to_string();
    let has_stream = !["3.4.", "3.5.", "3.6."]
        .iter()
        .any(|v| version.starts_with(v));
    let spec = endpoint_spec(&cluster);
    let c = client(&cluster, &spec).await;

    // Twice: the first time a member before 3.7 refuses the stream once.
    for run in 0..2 {
        let (reads, ranges, streams) = first_screen(&cluster, &c).await;
        let what = format!("etcd {version}, run {run}: {reads:?}");
        // Every Range etcd served is one the log holds (point reads are Ranges too):
        // no read escaped the log.
        let logged_ranges = reads
            .iter()
            .filter(|r| matches!(r, Read::Range { .. } | Read::Point { .. }))
            .count() as u64;
        assert_eq!(ranges, logged_ranges, "{what}");
        let most = counted(&all, &reads).into_iter().max().unwrap_or(0);
        assert!(
            most <= 64,
            "a range counted {most} of {} keys: {what}",
            all.len()
        );
        let logged_streams = reads
            .iter()
            .filter(|r| matches!(r, Read::Stream { .. }))
            .count();
        if has_stream {
            assert_eq!(streams, logged_streams as u64, "{what}");
            assert!(
                !reads.contains(&Read::Anchors),
                "3.7 needs no anchors: {what}"
            );
        } else {
            assert!(reads.contains(&Read::Anchors), "{what}");
        }
    }

    // The check can fail: before 3.7 a directory listed without a hint still ranges
    // over all of it.
    if !has_stream {
        let (_, reads) =
            with_read_log(list_children(&c, b"/registry/", b'/', None, None, 64, None)).await;
        let most = counted(&all, &reads).into_iter().max().unwrap_or(0);
        assert!(most >= 3000, "{version}: {reads:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_user_lists_what_it_may_read_as_before() {
    let Some(seeded) = common::privilege::seed().await else {
        return;
    };
    let cluster = &seeded.cluster;
    let spec = common::privilege::spec(cluster, "ro");
    let c = client(cluster, &spec).await;
    let refused = |r: Result<ChildPage, EtcdError>| match r {
        Err(e) => e.problem == Problem::PermissionDenied,
        Ok(p) => panic!("{}: the root was listed for ro: {p:?}", seeded.version),
    };
    assert!(refused(
        list_children(&c, b"", b'/', None, None, 64, None).await
    ));
    assert!(refused(
        list_children(&c, b"/", b'/', None, None, 64, None).await
    ));
    for (hint, want) in [
        (None, 64),
        (Some(b"/app/".to_vec()), 1),
        (Some(b"/app/a".to_vec()), 64),
    ] {
        let mut got = Vec::new();
        let (mut start, mut revision, mut hint) = (None, None, hint);
        loop {
            let p = list_children(
                &c,
                b"/app/",
                b'/',
                start.take(),
                revision,
                want,
                hint.take(),
            )
            .await
            .expect("ro reads /app/");
            got.extend(p.children.iter().map(|c| (c.key.clone(), c.is_dir)));
            revision = Some(p.revision);
            start = p.next;
            if start.is_none() {
                break;
            }
        }
        assert_eq!(
            shown(&got),
            ["/app/a", "/app/b/ (dir)"],
            "{}",
            seeded.version
        );
    }
    assert!(prefix_end(b"/app/").is_some());
}

/// Expanding a directory of big and small children counts each key about once before
/// 3.7 (no range to the node's end per child, which made `/registry/` at ten million
/// keys take 14 s), and no more on 3.7: once under `/registry/`, at most twice under
/// a node whose directory names are not Kubernetes'. The control: the old way, every child's
/// fallback range counting the rest of the node, would count several times over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expanding_a_directory_counts_its_keys_about_once() {
    let Some((cluster, c)) = cluster_and_client().await else {
        return;
    };
    // Kubernetes' names, two big resources among smaller ones, each more than a batch
    // (64 keys), so that one range finds one child; most share no prefix with the one
    // before, so the narrow probes miss.
    let small = [
        "clusterroles",
        "configmaps",
        "deployments",
        "endpointslices",
        "flowschemas",
        "leases",
        "minions",
        "namespaces",
        "priorityclasses",
        "secrets",
        "services/specs",
        "storageclasses",
        "volumeattachments",
    ];
    // The same directories under `/registry/` (where Kubernetes' own directory names
    // split the buckets further, see `anchors::resource_edges`) and under `/apps/`.
    let mut keys: Vec<String> = Vec::new();
    for top in ["/registry/", "/apps/"] {
        keys.extend(
            small
                .iter()
                .flat_map(|r| (0..100).map(move |i| format!("{top}{r}/ns/o{i:03}"))),
        );
        keys.extend((0..3000).map(|i| format!("{top}events/ns{}/e{i:05}", i % 7)));
        keys.extend((0..2000).map(|i| format!("{top}pods/ns{}/p{i:05}", i % 5)));
    }
    keys.extend(["/a/x".to_string(), "/zz".to_string()]);
    reseed(&cluster, &keys).await;
    let all = all_keys(&cluster);
    for (node, most) in [(&b"/registry/"[..], 1.05), (b"/apps/", 2.0)] {
        let what = String::from_utf8_lossy(node);
        let under = all.iter().filter(|k| k.starts_with(node)).count();
        let hint = all.iter().find(|k| k.starts_with(node)).cloned();
        let (children, reads) = with_read_log(check_node(&c, &all, node, 64, hint)).await;
        assert_eq!(children.len(), small.len() + 2);
        let total: usize = counted(&all, &reads).iter().sum();
        assert!(
            total as f64 <= most * under as f64,
            "listing {what}: {under} keys in {} children counted {total}: {reads:?}",
            children.len()
        );
        // The control: a range from after each child to the node's end counts more.
        let old_way: usize = children
            .iter()
            .filter_map(|ch| prefix_end(&ch.key))
            .map(|from| {
                all.iter()
                    .filter(|k| k.starts_with(node) && **k >= from)
                    .count()
            })
            .sum();
        assert!(old_way > 3 * under, "{what}: {old_way} vs {under}");
    }
}
