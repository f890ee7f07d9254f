//! Snapshot save from one member: etcdtui's streaming save (temporary file, SHA-256
//! check, fsync, rename) against `etcdctl snapshot save` on the same member and data in
//! the same run. Run it with `cargo bench --bench snapshot_save`; it seeds a throwaway
//! single-member etcd with ~80 MiB and prints one markdown table.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use etcd_client::{Client, Txn, TxnOp};
use etcdtui::etcd::ConnectSpec;
use etcdtui::etcd::connect::connect_all;
use etcdtui::etcd::snapshot_save::save_snapshot;
use etcdtui::localcluster::{ClusterOptions, LocalCluster, find_binary, find_etcd_binary};

#[path = "common/mod.rs"]
mod common;
use common::{Summary, append_summary, ms};

const KEYS: usize = 20_000;
const VALUE: usize = 4_000;
const RUNS: usize = 5;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("benches/snapshot_save.rs: run it with `cargo bench --bench snapshot_save`");
        return;
    }
    let etcd = find_etcd_binary().expect("etcd: set ETCDTUI_ETCD_BIN or put etcd on PATH");
    let etcdctl = find_binary("ETCDTUI_ETCDCTL_BIN", "etcdctl").expect("etcdctl not found");
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let cluster = LocalCluster::start(ClusterOptions::new(1, etcd))
            .await
            .expect("start etcd");
        seed(&cluster).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let mut size = 0;
        for run in 0..RUNS {
            let (t, s) = save_ours(&cluster, &dir.path().join(format!("ours-{run}.db"))).await;
            ours.push(t);
            size = s;
            theirs.push(save_etcdctl(
                &cluster,
                &etcdctl,
                &dir.path().join(format!("etcdctl-{run}.db")),
            ));
        }
        report(size, &mut ours, &mut theirs);
    });
}

async fn seed(cluster: &LocalCluster) {
    let mut c = Client::connect(cluster.client_urls(), None)
        .await
        .expect("connect");
    let value = vec![b'v'; VALUE];
    for chunk in (0..KEYS).collect::<Vec<_>>().chunks(64) {
        let ops = chunk
            .iter()
            .map(|&i| TxnOp::put(format!("/bench/{i:06}"), value.clone(), None))
            .collect::<Vec<_>>();
        c.txn(Txn::new().and_then(ops)).await.expect("txn");
    }
}

async fn save_ours(cluster: &LocalCluster, path: &Path) -> (Duration, u64) {
    let spec = ConnectSpec {
        endpoints: vec![cluster.client_urls()[0].clone()],
        ..ConnectSpec::default()
    };
    let client = connect_all(&spec)
        .await
        .expect("connect")
        .into_iter()
        .next()
        .expect("one endpoint")
        .expect("connected");
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let (_cancel, cancelled) = tokio::sync::oneshot::channel();
    let started = Instant::now();
    let saved = save_snapshot(&client, path, tx, cancelled)
        .await
        .expect("save");
    let took = started.elapsed();
    let _ = drain.await;
    (took, saved.size)
}

fn save_etcdctl(cluster: &LocalCluster, etcdctl: &Path, path: &Path) -> Duration {
    let started = Instant::now();
    let out = Command::new(etcdctl)
        .env("ETCDCTL_API", "3")
        .arg(format!("--endpoints={}", cluster.client_urls()[0]))
        .args(["snapshot", "save"])
        .arg(path)
        .output()
        .expect("run etcdctl snapshot save");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn report(size: u64, ours: &mut [Duration], theirs: &mut [Duration]) {
    let (a, b) = (median(ours), median(theirs));
    let mib = size as f64 / (1024.0 * 1024.0);
    let rate = |d: Duration| format!("{} ({:.0} MiB/s)", ms(d), mib / d.as_secs_f64());
    append_summary(
        "Snapshot save (benches/snapshot_save.rs)",
        &[Summary::new(
            format!(
                "Snapshot save of {mib:.1} MiB from one member (checked, fsynced), median of {RUNS}"
            ),
            rate(a),
        )
        .against(
            format!("{} (`snapshot save` on the same member)", rate(b)),
            a.as_secs_f64(),
            b.as_secs_f64(),
        )
        .target("≤ etcdctl", a <= b)],
    );
    println!("| snapshot save, {mib:.1} MiB, median of {RUNS} | etcdtui | etcdctl | ratio |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| wall time | {:.0} ms ({:.0} MiB/s) | {:.0} ms ({:.0} MiB/s) | {:.2} |",
        a.as_secs_f64() * 1e3,
        mib / a.as_secs_f64(),
        b.as_secs_f64() * 1e3,
        mib / b.as_secs_f64(),
        a.as_secs_f64() / b.as_secs_f64()
    );
}
