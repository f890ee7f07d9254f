//! Space by prefix: `etcdtui du` (live) against `etcdctl get "" --prefix` (values
//! included, to /dev/null) and `etcdtui snapshot du` (offline) against `etcdutl snapshot
//! status`, on the same Kubernetes-shaped keys in the same run: wall time (best of 3) and
//! peak RSS from wait4, with the targets. Run it with `scripts/bench du` (or
//! `cargo bench --bench du`). `ETCDTUI_BENCH_DU_KEYS` sets the key count (default
//! 1,000,000, the targets' scale; a smaller count is a quick check of the bench itself).
//! The keys are seeded into a throwaway etcd each run and saved with etcdctl.
//! `ETCDTUI_BENCH_DU_DATA=DIR` instead runs on the keys bench's seeded data
//! (`.cache/bench-keys-10m/etcd-<version>`: 10,000,000 Kubernetes-shaped keys, counted
//! from its `seeded` marker), and `ETCDTUI_BENCH_DU_RUNS` sets the runs of each timing
//! (best of 3 by default; one is enough at ten million keys).

#[path = "common/mod.rs"]
mod common;
// Only its keys and values: the 1M-key file it caches is the snapshot bench's.
#[allow(dead_code)]
#[path = "snapshot_data/mod.rs"]
mod data;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{MIB, Summary, ratio, run_timed};
use etcd_client::{Client, Txn, TxnOp};
use etcdtui::localcluster::{ClusterOptions, LocalCluster, find_binary, find_etcd_binary};
use futures::StreamExt;

/// Runs of each timing, the best kept (`ETCDTUI_BENCH_DU_RUNS`).
fn runs() -> usize {
    std::env::var("ETCDTUI_BENCH_DU_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3usize)
        .max(1)
}

/// Where etcdctl's listing of the keys bench's data is cut (every key there starts with
/// `/registry/`; `0` sorts after all of them).
const SPLIT: [&str; 5] = [
    "/",
    "/registry/events/",
    "/registry/events0",
    "/registry/pods0",
    "0",
];

/// `key=value` from the keys bench's `seeded` marker in `dir`.
fn marker(dir: &Path, name: &str) -> usize {
    let text = std::fs::read_to_string(dir.join("seeded")).expect("the seeded marker");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in {}", dir.join("seeded").display()))
}
const TARGET_LIVE: f64 = 1.2;
const TARGET_OFFLINE: f64 = 1.5;

fn main() {
    // `cargo test --all-targets` would run this too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("benches/du.rs: run it with `cargo bench --bench du`");
        return;
    }
    let reuse = std::env::var_os("ETCDTUI_BENCH_DU_DATA").map(PathBuf::from);
    let keys: usize = match &reuse {
        Some(dir) => marker(dir, "keys"),
        None => std::env::var("ETCDTUI_BENCH_DU_KEYS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(data::KEYS),
    };
    let etcd = find_etcd_binary().expect("etcd: set ETCDTUI_ETCD_BIN or put etcd on PATH");
    let etcdctl = find_binary("ETCDTUI_ETCDCTL_BIN", "etcdctl").expect("etcdctl not found");
    let etcdutl = std::env::var_os("ETCDTUI_ETCDUTL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| etcdctl.with_file_name("etcdutl"));
    let key_bytes: u64 = match &reuse {
        Some(dir) => marker(dir, "key_bytes") as u64,
        None => (0..keys).map(|i| data::key(i).len() as u64).sum(),
    };
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let mut opts = ClusterOptions::new(1, &etcd);
    opts.extra_args = ["--quota-backend-bytes", "8589934592"]
        .map(String::from)
        .to_vec();
    if let Some(dir) = &reuse {
        opts.data_root = Some(dir.clone());
        // Ten million keys take etcd about a minute to index at start-up.
        opts.ready_timeout = Duration::from_secs(300);
    }
    let cluster = rt.block_on(LocalCluster::start(opts)).expect("start etcd");
    let endpoint = cluster.client_urls()[0].clone();
    if reuse.is_none() {
        rt.block_on(seed(&endpoint, keys));
    }
    let ours = Path::new(env!("CARGO_BIN_EXE_etcdtui"));
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let live = best(
        ours,
        &s(&[
            "--endpoints",
            &endpoint,
            "--kubeadm-manifest",
            "/nonexistent",
            "du",
            "",
            "-o",
            "json",
        ]),
    );
    // etcdctl's read of `range` (`KEY --prefix` or `KEY END`): best time, its peak RSS.
    let etcdctl_get = |range: &[&str]| {
        let mut args = vec![
            "--endpoints",
            endpoint.as_str(),
            "--command-timeout=600s",
            "get",
        ];
        args.extend_from_slice(range);
        best(&etcdctl, &s(&args))
    };
    let get = match &reuse {
        None => etcdctl_get(&["", "--prefix"]),
        // Ten million keys with their values are more than one gRPC answer may hold
        // (2 GiB), so etcdctl reads them in four ranges; their times add up.
        Some(_) => {
            let parts: Vec<(Duration, u64)> = SPLIT
                .windows(2)
                .map(|w| etcdctl_get(&[w[0], w[1]]))
                .collect();
            (
                parts.iter().map(|p| p.0).sum(),
                parts.iter().map(|p| p.1).max().unwrap_or(0),
            )
        }
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("du.db").display().to_string();
    let (_, _, _) = run_timed(
        &etcdctl,
        &s(&[
            "--endpoints",
            &endpoint,
            "--command-timeout=600s",
            "snapshot",
            "save",
            &file,
        ]),
    );
    drop(cluster);
    let offline = best(ours, &s(&["snapshot", "du", &file, "-o", "json"]));
    let status = etcdutl
        .is_file()
        .then(|| best(&etcdutl, &s(&["snapshot", "status", &file, "-w", "json"])));

    let kb = key_bytes as f64;
    let live_rss_cap = 1.5 * kb + 50.0 * MIB;
    let offline_rss_cap = 3.0 * kb + 32.0 * MIB;
    let secs = |d: Duration| d.as_secs_f64();
    let mut rows = vec![
        Summary::new(format!("du live, {keys} keys: time"), common::ms(live.0))
            .against(
                match &reuse {
                    None => format!("etcdctl get \"\" --prefix {}", common::ms(get.0)),
                    Some(_) => format!(
                        "etcdctl get over 4 ranges (one answer would pass 2 GiB) {}",
                        common::ms(get.0)
                    ),
                },
                secs(live.0),
                secs(get.0),
            )
            .target(
                format!("≤ {TARGET_LIVE}×"),
                secs(live.0) <= TARGET_LIVE * secs(get.0),
            ),
        Summary::new("du live: peak RSS", common::mib(live.1))
            .reference(format!(
                "cap 1.5 × key bytes ({}) + 50 MiB",
                common::mib(key_bytes)
            ))
            .with_ratio(ratio(live.1 as f64, live_rss_cap))
            .target(
                "≤ 1.5 × key bytes + 50 MiB",
                (live.1 as f64) <= live_rss_cap,
            ),
    ];
    match status {
        Some(st) => rows.push(
            Summary::new("snapshot du: time", common::ms(offline.0))
                .against(
                    format!("etcdutl snapshot status {}", common::ms(st.0)),
                    secs(offline.0),
                    secs(st.0),
                )
                .target(
                    format!("≤ {TARGET_OFFLINE}×"),
                    secs(offline.0) <= TARGET_OFFLINE * secs(st.0),
                ),
        ),
        None => rows.push(
            Summary::new("snapshot du: time", common::ms(offline.0)).reference("no etcdutl (3.4)"),
        ),
    }
    rows.push(
        Summary::new("snapshot du: peak RSS", common::mib(offline.1))
            .reference(format!(
                "cap 3 × key bytes + 32 MiB = {}",
                common::mib(offline_rss_cap as u64)
            ))
            .with_ratio(ratio(offline.1 as f64, offline_rss_cap))
            .target(
                "≤ 3 × key bytes + 32 MiB",
                (offline.1 as f64) <= offline_rss_cap,
            ),
    );
    println!("| measurement | etcdtui | reference on the same data | ratio | target | met? |");
    println!("|---|---|---|---|---|---|");
    for r in &rows {
        println!("{}", r.row());
    }
    common::append_summary("Space by prefix (benches/du.rs)", &rows);
}

/// Best wall time of `runs()`, with that run's peak RSS.
fn best(bin: &Path, args: &[String]) -> (Duration, u64) {
    (0..runs())
        .map(|_| {
            let (t, rss, _) = run_timed(bin, args);
            (t, rss)
        })
        .min_by_key(|(t, _)| *t)
        .expect("at least one run")
}

/// The snapshot bench's keys and values, `keys` of them, in txns of 128, 8 in flight.
async fn seed(endpoint: &str, keys: usize) {
    const OPS: usize = 128;
    let client = Client::connect([endpoint], None).await.expect("connect");
    let mut txns = futures::stream::iter(0..keys.div_ceil(OPS))
        .map(|b| {
            let mut c = client.clone();
            let ops: Vec<TxnOp> = (b * OPS..((b + 1) * OPS).min(keys))
                .map(|i| TxnOp::put(data::key(i), data::value(i), None))
                .collect();
            async move { c.txn(Txn::new().and_then(ops)).await.expect("seed txn") }
        })
        .buffer_unordered(8);
    while txns.next().await.is_some() {}
}
