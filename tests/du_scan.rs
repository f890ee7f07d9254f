//! The live `du` scan against real etcd when someone compacts its pinned revision while
//! it runs: it starts over once at a newer revision, and a second compaction is a clear
//! error rather than a wrong answer.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};

use etcdtui::etcd::ConnectSpec;
use etcdtui::etcd::connect::connect_endpoint;
use etcdtui::etcd::du_scan::du_scan;
use etcdtui::etcd::errors::Problem;

/// More keys than the scan's first page, so a compaction can land between pages.
const KEYS: usize = 1500;
/// Values big enough that the data (~6 MiB) is far more than gRPC's flow-control window:
/// on etcd 3.7 the scan is one `RangeStream`, and a small stream is wholly in flight
/// after its first chunk, so a compaction then no longer reaches it.
const VALUE: usize = 4000;

/// Writes a key elsewhere and compacts to the newest revision: the scan's pinned
/// revision is gone.
fn compact_now(cluster: &etcdtui::localcluster::LocalCluster) {
    let out = common::etcdctl_ok(cluster, &["put", "/elsewhere", "x", "-w", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("put json");
    let rev = v["header"]["revision"].as_i64().expect("revision");
    common::etcdctl_ok(cluster, &["compaction", &rev.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compaction_mid_scan_restarts_once_then_fails_clearly() {
    let Some(cluster) = common::start_cluster(1).await else {
        return;
    };
    if common::etcdctl_bin().is_none() {
        return;
    }
    let mut c = common::connect(&cluster).await;
    for i in 0..KEYS {
        c.put(format!("/c/k{i:05}"), "v".repeat(VALUE), None)
            .await
            .expect("seed");
    }
    let spec = ConnectSpec {
        endpoints: cluster.client_urls(),
        ..ConnectSpec::default()
    };
    let client = connect_endpoint(&cluster.client_urls()[0], &spec, None)
        .await
        .expect("connect");

    // Once: the scan starts over and the answer is whole.
    let compactions = AtomicU32::new(0);
    let mut restarted = false;
    let report = du_scan(&client, b"/c/", 1, |p| {
        restarted |= p.restarted;
        if p.pages == 1 && compactions.fetch_add(1, Ordering::SeqCst) == 0 {
            compact_now(&cluster);
        }
    })
    .await
    .expect("one compaction is survived");
    assert!(restarted, "the scan said it started over");
    assert_eq!(report.total.keys, KEYS as u64);
    assert_eq!(report.total.value_bytes, (VALUE * KEYS) as u64);

    // Every time: the second is an error that says what happened.
    let err = du_scan(&client, b"/c/", 1, |p| {
        if p.pages == 1 {
            compact_now(&cluster);
        }
    })
    .await
    .expect_err("two compactions end the scan");
    assert_eq!(err.problem, Problem::Compacted);
    let said = etcdtui::du_cli::explain(&err, b"/c/");
    assert!(
        said.contains("compacted past the scan's revision twice"),
        "{said}"
    );
    assert!(said.contains("127.0.0.1"), "names the endpoint: {said}");
}
