//! The benchmark's snapshot: 1,000,000 Kubernetes-shaped keys with ~850-byte values (about
//! 1 GiB of bbolt file), put into a throwaway etcd and saved with `etcdctl snapshot save`.
//! Seeding takes minutes, so the file is kept under `.cache/bench-snapshot-1m/` next to a
//! `seeded` marker naming this generator's version; later runs reuse it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use etcd_client::{Client, Txn, TxnOp};
use etcdtui::localcluster::{ClusterOptions, LocalCluster};
use futures::StreamExt;

/// Bump when the keys or values change: a cache made by another version is remade.
const SEED_VERSION: &str = "k8s-1m-850b-v2";
pub const KEYS: usize = 1_000_000;
const TXN_OPS: usize = 128;
const TXNS_IN_FLIGHT: usize = 8;
/// Four entries of this size fill a 4 KiB bbolt page, so the file is ~1 GiB, not 1.4.
const VALUE_MIN: usize = 820;
const VALUE_SPREAD: u64 = 40;

/// (path under /registry/, apiVersion, kind)
#[rustfmt::skip]
const RESOURCES: [(&str, &str, &str); 12] = [
    ("pods", "v1", "Pod"), ("events", "v1", "Event"), ("replicasets", "apps/v1", "ReplicaSet"),
    ("deployments", "apps/v1", "Deployment"), ("services/specs", "v1", "Service"),
    ("configmaps", "v1", "ConfigMap"), ("secrets", "v1", "Secret"),
    ("serviceaccounts", "v1", "ServiceAccount"),
    ("endpointslices", "discovery.k8s.io/v1", "EndpointSlice"),
    ("leases", "coordination.k8s.io/v1", "Lease"),
    ("controllerrevisions", "apps/v1", "ControllerRevision"), ("jobs", "batch/v1", "Job"),
];
/// Out of 64: pods and events are most of a real cluster's keys.
const WEIGHTS: [u64; 12] = [20, 14, 6, 4, 3, 4, 3, 2, 3, 2, 2, 1];
#[rustfmt::skip]
const TEAMS: [&str; 16] = [
    "payments", "checkout", "search", "catalog", "identity", "billing", "ledger", "risk",
    "ads", "analytics", "platform", "edge", "media", "orders", "shipping", "monitoring",
];

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn letters(mut v: u64, n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..n)
        .map(|_| {
            let c = ALPHABET[(v % ALPHABET.len() as u64) as usize];
            v = (v / ALPHABET.len() as u64) ^ mix(v);
            char::from(c)
        })
        .collect()
}

/// Five letters spelling `i` in base 27: distinct for every key number.
fn unique(mut i: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut out = [b'b'; 5];
    for c in out.iter_mut().rev() {
        *c = ALPHABET[i % ALPHABET.len()];
        i /= ALPHABET.len();
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn resource(h: u64) -> (&'static str, &'static str, &'static str) {
    let mut pick = h % 64;
    for (r, w) in RESOURCES.iter().zip(WEIGHTS) {
        if pick < w {
            return *r;
        }
        pick -= w;
    }
    RESOURCES[0]
}

/// Key number `i`: `/registry/<resource>/<namespace>/<app>-<hash>-<suffix>`, with the
/// resource's apiVersion and kind, the namespace and the name.
fn parts(i: usize) -> (String, (&'static str, &'static str), String, String) {
    let h = mix(i as u64);
    let team = TEAMS[(h >> 8) as usize % TEAMS.len()];
    let env = ["dev", "qa", "staging", "prod"][(h >> 16) as usize % 4];
    let role = ["api", "web", "worker", "db", "sync"][(h >> 20) as usize % 5];
    let ns = format!("{team}-{env}");
    let name = format!("{team}-{role}-{}-{}", letters(h >> 24, 10), unique(i));
    let (path, api, kind) = resource(h);
    (
        format!("/registry/{path}/{ns}/{name}"),
        (api, kind),
        ns,
        name,
    )
}

pub fn key(i: usize) -> String {
    parts(i).0
}

fn pb(buf: &mut Vec<u8>, field: u8, data: &[u8]) {
    buf.push((field << 3) | 2);
    let mut n = data.len();
    while n >= 0x80 {
        buf.push(n as u8 | 0x80);
        n >>= 7;
    }
    buf.push(n as u8);
    buf.extend_from_slice(data);
}

/// What the API server stores: `k8s\0` and a runtime.Unknown holding the type and an
/// object whose metadata carries a padding annotation, at a size that makes the file
/// about 1 GiB.
pub fn value(i: usize) -> Vec<u8> {
    let (_, (api, kind), ns, name) = parts(i);
    let h = mix(i as u64 ^ 0x5eed);
    let target = VALUE_MIN + (h % VALUE_SPREAD) as usize;
    let mut type_meta = Vec::new();
    pb(&mut type_meta, 1, api.as_bytes());
    pb(&mut type_meta, 2, kind.as_bytes());
    let mut meta = Vec::new();
    pb(&mut meta, 1, name.as_bytes());
    pb(&mut meta, 3, ns.as_bytes());
    // The envelope, the annotation's name and the length prefixes: about 30 bytes.
    let pad = target.saturating_sub(4 + type_meta.len() + meta.len() + 30);
    let mut annotation = Vec::new();
    pb(&mut annotation, 1, b"bench/pad");
    pb(&mut annotation, 2, letters(h, pad).as_bytes());
    pb(&mut meta, 12, &annotation);
    let mut object = Vec::new();
    pb(&mut object, 1, &meta);
    let mut unknown = Vec::new();
    pb(&mut unknown, 1, &type_meta);
    pb(&mut unknown, 2, &object);
    let mut out = b"k8s\0".to_vec();
    out.extend(unknown);
    out
}

/// The cached snapshot, made first when missing or made by another generator version.
pub fn cached_snapshot(etcd: &Path, etcdctl: &Path, cache: &Path) -> PathBuf {
    let file = cache.join("snapshot.db");
    let marker = cache.join("seeded");
    let current = std::fs::read_to_string(&marker).is_ok_and(|m| m.trim() == SEED_VERSION);
    if current && file.is_file() {
        eprintln!("reusing {}", file.display());
        return file;
    }
    let _ = std::fs::remove_file(&marker);
    std::fs::create_dir_all(cache).expect("create the bench cache directory");
    let started = Instant::now();
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(seed_and_save(etcd, etcdctl, &file));
    std::fs::write(&marker, SEED_VERSION).expect("write the seeded marker");
    eprintln!(
        "seeded and saved {} in {:.0} s",
        file.display(),
        started.elapsed().as_secs_f64()
    );
    file
}

async fn seed_and_save(etcd: &Path, etcdctl: &Path, file: &Path) {
    let mut opts = ClusterOptions::new(1, etcd);
    opts.extra_args = ["--quota-backend-bytes", "8589934592"]
        .map(String::from)
        .to_vec();
    let cluster = LocalCluster::start(opts).await.expect("start etcd");
    seed(&cluster.client_urls()[0]).await;
    let partial = file.with_extension("partial");
    let out = Command::new(etcdctl)
        .env("ETCDCTL_API", "3")
        .arg(format!("--endpoints={}", cluster.client_urls()[0]))
        .args(["--command-timeout=600s", "snapshot", "save"])
        .arg(&partial)
        .output()
        .expect("run etcdctl snapshot save");
    assert!(
        out.status.success(),
        "etcdctl snapshot save failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::rename(&partial, file).expect("keep the snapshot");
}

async fn seed(endpoint: &str) {
    let client = Client::connect([endpoint], None).await.expect("connect");
    let started = Instant::now();
    let mut last_log = Instant::now();
    let mut done = 0;
    let mut txns = futures::stream::iter(0..KEYS.div_ceil(TXN_OPS))
        .map(|b| {
            let mut c = client.clone();
            let ops: Vec<TxnOp> = (b * TXN_OPS..((b + 1) * TXN_OPS).min(KEYS))
                .map(|i| TxnOp::put(key(i), value(i), None))
                .collect();
            async move {
                let n = ops.len();
                c.txn(Txn::new().and_then(ops)).await.expect("seed txn");
                n
            }
        })
        .buffer_unordered(TXNS_IN_FLIGHT);
    while let Some(n) = txns.next().await {
        done += n;
        if last_log.elapsed() > Duration::from_secs(10) {
            last_log = Instant::now();
            let rate = done as f64 / started.elapsed().as_secs_f64();
            eprintln!("seeding: {done}/{KEYS} keys, {rate:.0} keys/s");
        }
    }
}
