//! `etcdtui snapshot status` against `etcdutl snapshot status` (3.5) or `etcdctl snapshot
//! status` (3.4) on the same saved snapshot of ~100,000 keys: wall time and peak RSS from
//! `/usr/bin/time -v`. Run it with `cargo bench --bench snapshot`; the first run seeds a
//! throwaway single-member etcd and saves the snapshot under `.cache/bench-snapshot/`,
//! later runs reuse it. Prints one markdown table on stdout.

use std::path::{Path, PathBuf};
use std::process::Command;

use etcd_client::{Client, Txn, TxnOp};
use etcdtui::localcluster::{ClusterOptions, LocalCluster, find_binary, find_etcd_binary};

const KEYS: usize = 100_000;
const TXN_OPS: usize = 128;
const RUNS: usize = 3;

fn main() {
    // `cargo test --all-targets` would run this too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("benches/snapshot.rs: run it with `cargo bench --bench snapshot`");
        return;
    }
    let etcd = find_etcd_binary().expect("etcd: set ETCDTUI_ETCD_BIN or put etcd on PATH");
    let etcdctl = find_binary("ETCDTUI_ETCDCTL_BIN", "etcdctl").expect("etcdctl not found");
    // Seeding takes a while; the saved snapshot is kept for later runs.
    let dir = PathBuf::from(".cache/bench-snapshot");
    let file = dir.join(format!("snap-{KEYS}.db"));
    if !file.is_file() {
        std::fs::create_dir_all(&dir).expect("create .cache/bench-snapshot");
        save(&file, etcd, &etcdctl);
    }
    report(&file, &etcdctl);
}

fn save(file: &Path, etcd: PathBuf, etcdctl: &Path) {
    let partial = file.with_extension("partial");
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let cluster = LocalCluster::start(ClusterOptions::new(1, etcd))
            .await
            .expect("start etcd");
        seed(&cluster).await;
        let out = Command::new(etcdctl)
            .env("ETCDCTL_API", "3")
            .arg(format!("--endpoints={}", cluster.client_urls().join(",")))
            .args(["snapshot", "save"])
            .arg(&partial)
            .output()
            .expect("run etcdctl snapshot save");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
    std::fs::rename(&partial, file).expect("keep the snapshot");
}

/// 100,000 keys of Kubernetes-like size (~400 bytes), then 10% overwritten and 1% deleted.
async fn seed(cluster: &LocalCluster) {
    let mut c = Client::connect(cluster.client_urls(), None)
        .await
        .expect("connect");
    let value = vec![b'v'; 400];
    let key = |i: usize| format!("/registry/pods/ns{:03}/pod-{i:06}", i % 500);
    for chunk in (0..KEYS).collect::<Vec<_>>().chunks(TXN_OPS) {
        let ops = chunk
            .iter()
            .map(|&i| TxnOp::put(key(i), value.clone(), None))
            .collect::<Vec<_>>();
        c.txn(Txn::new().and_then(ops)).await.expect("txn");
    }
    for i in (0..KEYS).step_by(10) {
        c.put(key(i), b"overwritten".to_vec(), None)
            .await
            .expect("put");
    }
    for i in (0..KEYS).step_by(100) {
        c.delete(key(i), None).await.expect("delete");
    }
}

struct Run {
    seconds: f64,
    max_rss_kib: u64,
    stdout: String,
}

fn timed(cmd: &[&str]) -> Run {
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .args(cmd)
        .output()
        .expect("run /usr/bin/time");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let field = |name: &str| {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(name).map(str::trim).map(String::from))
            .unwrap_or_default()
    };
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):");
    let seconds = wall
        .rsplit(':')
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(f64::NAN)
        + wall
            .split(':')
            .rev()
            .nth(1)
            .and_then(|m| m.parse::<f64>().ok())
            .unwrap_or(0.0)
            * 60.0;
    Run {
        seconds,
        max_rss_kib: field("Maximum resident set size (kbytes):")
            .parse()
            .unwrap_or(0),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

fn best(cmd: &[&str]) -> Run {
    let mut runs: Vec<Run> = (0..RUNS).map(|_| timed(cmd)).collect();
    runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    runs.remove(0)
}

fn report(file: &Path, etcdctl: &Path) {
    let path = file.display().to_string();
    let ours = best(&[
        env!("CARGO_BIN_EXE_etcdtui"),
        "snapshot",
        "status",
        &path,
        "-o",
        "json",
    ]);
    let etcdutl: PathBuf = etcdctl.with_file_name("etcdutl");
    let (name, theirs) = if etcdutl.is_file() {
        let bin = etcdutl.display().to_string();
        (
            "etcdutl",
            best(&[&bin, "snapshot", "status", &path, "-w", "json"]),
        )
    } else {
        let bin = etcdctl.display().to_string();
        (
            "etcdctl",
            best(&[&bin, "snapshot", "status", &path, "-w", "json"]),
        )
    };
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or_default();
    let (o, t) = (parse(&ours.stdout), parse(&theirs.stdout));
    let same = ["hash", "revision", "totalKey", "totalSize"]
        .iter()
        .all(|f| o[f] == t[f]);
    println!(
        "# snapshot status on {KEYS} keys ({:.1} MiB file)\n",
        size as f64 / 1048576.0
    );
    println!("| tool | best of {RUNS} wall time | peak RSS |");
    println!("| --- | ---: | ---: |");
    for (tool, r) in [("etcdtui snapshot status", &ours), (name, &theirs)] {
        println!(
            "| {tool} | {:.3} s | {:.1} MiB |",
            r.seconds,
            r.max_rss_kib as f64 / 1024.0
        );
    }
    println!("\nsame hash, revision, totalKey, totalSize: {same} ({t})");
    open_in_process(file);
}

/// `SnapshotFile::open` keeps every key's history, values included, for browsing: timed
/// here in this process, its memory as this process's peak (VmHWM) after the opens.
fn open_in_process(file: &Path) {
    let mut best = f64::INFINITY;
    let mut keys = 0;
    for _ in 0..RUNS {
        let started = std::time::Instant::now();
        let snap = etcdtui::snapfile::SnapshotFile::open(file).expect("open the snapshot");
        keys = snap.keys().count();
        best = best.min(started.elapsed().as_secs_f64());
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map_or("?".to_string(), |v| v.trim().to_string());
    println!(
        "\nSnapshotFile::open with full history ({keys} live keys): best of {RUNS} {best:.3} s; \
         bench process peak RSS {hwm}"
    );
}
