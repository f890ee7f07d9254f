//! etcd's write ceiling with etcdtui's views open, against none: what watching costs the
//! cluster it watches. Run it with `scripts/bench write_ceiling` (or `cargo bench --bench
//! write_ceiling`); it prints one markdown table on stdout and its progress on stderr.
//!
//! One throwaway single-member etcd, its data dir on tmpfs (`/dev/shm`, else the temp
//! dir) so the disk is not what limits it. A load generator in this process, on a tokio
//! runtime of its own, writes Kubernetes Event-shaped puts (`/registry/events/ns-<i%50>/
//! ev-<n>`, ~500-byte JSON values) from several clients with many puts in flight, as
//! fast as etcd acknowledges them, for a fixed time per phase:
//!
//! - (a) no watcher;
//! - (b) the real etcdtui binary in a pty with the Churn view open (`7`: a watch over the
//!   whole keyspace without previous values); `?` is pressed every ~100 ms during the
//!   writes and timed until the help appears (or goes) on the emulated screen; after the
//!   writes the view's own event count is read off the screen and compared with the puts
//!   etcd acknowledged;
//! - (c) the real binary with the Watch view open on `/registry/events/` (`:watch`), keys
//!   pressed the same way, its event count read the same way;
//! - (d) for reference, the old behaviour: an etcd-client watch on the same prefix asking
//!   for previous values (prev_kv), which only counts.
//!
//! The phases alternate (a, b, c, d, then d, c, b, a, …) so a steady drift (the database,
//! other work on the machine) falls on every phase alike; each phase is compared with the
//! (a) of its own round and the medians of the rounds are reported. Between phases etcd
//! is compacted so history does not pile up. Since other work on a shared machine moves
//! etcd's rate by more than the effect measured, etcd's CPU time per write is reported
//! beside its rate (see bench/write-ceiling-RESULTS.md).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use etcd_client::Client;
use etcdtui::localcluster::{ClusterOptions, LocalCluster, find_etcd_binary};

#[path = "common/mod.rs"]
mod common;
#[path = "common/pty.rs"]
mod pty;
#[path = "write_ceiling/report.rs"]
mod report;
#[path = "write_ceiling/system.rs"]
mod system;
#[path = "common/term.rs"]
mod term;
#[path = "write_ceiling/watchers.rs"]
mod watchers;
use common::{ms, pct};
use system::{cpu_secs, etcd_version, fs_type, machine_busy, raise_priority};
use watchers::{app_phase, prev_kv_phase};

/// Connections the generator writes through; each keeps `in_flight` puts going.
const CLIENTS: usize = 8;
/// Puts in flight per connection, tried in the probe.
const IN_FLIGHT: [usize; 2] = [4, 16];
const PROBE: Duration = Duration::from_secs(2);
const PHASE: Duration = Duration::from_secs(4);
const ROUNDS: usize = 6;
const NAMESPACES: u64 = 50;
/// Distinct keys the puts cycle through, so the live data stays the same size.
const KEY_SPACE: u64 = 200_000;
const VALUE_BYTES: usize = 500;
const PREFIX: &str = "/registry/events/";
/// The help overlay's bottom border: on screen whatever the help holds.
const HELP: &str = "any other key closes";
const KEY_EVERY: Duration = Duration::from_millis(100);
/// How long keys are pressed with etcd idle, before the writes.
const IDLE_KEYS: Duration = Duration::from_secs(2);
/// How long a count may take to reach the writes after they stop (the churn view
/// shows a batch every 250 ms).
const SETTLE: Duration = Duration::from_secs(15);

const TARGET_RATIO: f64 = 0.9;
const TARGET_KEY: Duration = Duration::from_millis(50);

fn log(msg: impl AsRef<str>) {
    eprintln!("[bench-write-ceiling] {}", msg.as_ref());
}

fn main() {
    // `cargo test --all-targets` would run this too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("benches/write_ceiling.rs: run it with `cargo bench --bench write_ceiling`");
        return;
    }
    term::self_check();
    let nice = raise_priority();
    let rounds: usize = std::env::var("ETCDTUI_BENCH_CEILING_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ROUNDS);
    let etcd = find_etcd_binary().expect("etcd: set ETCDTUI_ETCD_BIN or put etcd on PATH");
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_etcdtui"));
    let shm = Path::new("/dev/shm");
    let data_dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .expect("a temp dir for etcd's data");
    let fs = fs_type(data_dir.path());
    let home = tempfile::tempdir().expect("a HOME for etcdtui");
    // The generator's runtime: two threads, as if it were other programs.
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("load")
        .enable_all()
        .build()
        .expect("load runtime");
    let mut opts = ClusterOptions::new(1, &etcd);
    opts.data_root = Some(data_dir.path().to_path_buf());
    opts.extra_args = ["--quota-backend-bytes", "8589934592"]
        .map(String::from)
        .to_vec();
    let cluster = load
        .block_on(LocalCluster::start(opts))
        .expect("start etcd");
    let endpoint = cluster.client_urls()[0].clone();
    let etcd_pid = cluster.pid(0).expect("etcd's pid");
    let version = etcd_version(&etcd);
    let started = Instant::now();
    log(format!(
        "etcd {version} at {endpoint}, data on {fs}; {rounds} rounds of 4 phases of {:.0} s",
        PHASE.as_secs_f64()
    ));
    let load_gen = Generator::new(&load, &endpoint, etcd_pid);
    // The prev_kv watcher's runtime: one thread, apart from the writers'.
    let watcher = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("watcher")
        .enable_all()
        .build()
        .expect("watcher runtime");

    // The probe: how many puts in flight give etcd's highest rate here.
    let mut in_flight = IN_FLIGHT[0];
    let mut best = 0.0;
    for n in IN_FLIGHT {
        let w = load_gen.run(n, PROBE);
        log(format!(
            "probe: {CLIENTS} x {n} in flight: {:.0} writes/s",
            w.rate()
        ));
        if w.rate() > best {
            best = w.rate();
            in_flight = n;
        }
    }
    load_gen.compact();

    let mut phases: [Vec<Phase>; 4] = Default::default();
    for round in 0..rounds {
        // a b c d, then d c b a: a steady drift (the machine's other work, etcd's data)
        // then weighs on every phase alike over two rounds.
        let mut order: Vec<usize> = (0..Kind::ALL.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let kind = &Kind::ALL[i];
            let p = match kind {
                Kind::None => Phase::plain(load_gen.run(in_flight, PHASE)),
                Kind::Churn | Kind::Watch => {
                    app_phase(*kind, &ours, &endpoint, home.path(), &load_gen, in_flight)
                }
                Kind::PrevKv => prev_kv_phase(&watcher, &endpoint, &load_gen, in_flight),
            };
            log(format!(
                "round {}: {}: {:.0} writes/s{}",
                round + 1,
                kind.name(),
                p.written.rate(),
                p.describe()
            ));
            phases[i].push(p);
            load_gen.compact();
        }
    }
    drop(load_gen);
    drop(cluster);

    let report = report::report(&phases, in_flight, &version, &fs, &nice, started.elapsed());
    println!("{report}");
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    None,
    Churn,
    Watch,
    PrevKv,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::None, Kind::Churn, Kind::Watch, Kind::PrevKv];

    fn name(self) -> &'static str {
        match self {
            Kind::None => "(a) no watcher",
            Kind::Churn => "(b) etcdtui, Churn view open (`7`, whole keyspace, no prev_kv)",
            Kind::Watch => "(c) etcdtui, Watch view open (`:watch /registry/events/`)",
            Kind::PrevKv => {
                "(d) etcd-client watch on /registry/events/ with prev_kv (the old behaviour)"
            }
        }
    }
}

/// What one phase measured.
struct Phase {
    written: Written,
    /// Events the watcher counted, when it can say.
    counted: Option<u64>,
    /// Key presses: pressed → the screen showing the change.
    keys: Vec<Duration>,
    /// Key presses the screen did not answer within 5 s.
    unanswered: usize,
    /// The same before the writes, etcd idle.
    idle_keys: Vec<Duration>,
    idle_unanswered: usize,
    /// Seconds etcdtui's threads spent runnable but waiting for a CPU, per second:
    /// etcd idle, then over the writes.
    waited: Option<(f64, f64)>,
    /// Bytes per second etcdtui wrote to its terminal over the writes.
    output: Option<f64>,
    /// CPU seconds of the watcher (etcdtui's process), when it is one.
    watcher_cpu: Option<f64>,
}

impl Phase {
    fn plain(written: Written) -> Phase {
        Phase {
            written,
            counted: None,
            keys: Vec::new(),
            unanswered: 0,
            idle_keys: Vec::new(),
            idle_unanswered: 0,
            waited: None,
            output: None,
            watcher_cpu: None,
        }
    }

    fn describe(&self) -> String {
        let mut s = String::new();
        if let Some(c) = self.counted {
            s.push_str(&format!(", {c} of {} events counted", self.written.writes));
        }
        if !self.keys.is_empty() {
            let mut k = self.keys.clone();
            k.sort();
            s.push_str(&format!(
                ", keys p50 {} p99 {} ({} presses, {} unanswered)",
                ms(pct(&k, 50)),
                ms(pct(&k, 99)),
                k.len(),
                self.unanswered
            ));
        }
        s
    }
}

struct Written {
    writes: u64,
    secs: f64,
    /// etcd's CPU seconds over the writes.
    etcd_cpu: f64,
    /// CPU seconds the whole machine spent busy over the writes, and this process.
    machine_cpu: f64,
    bench_cpu: f64,
}

impl Written {
    fn rate(&self) -> f64 {
        self.writes as f64 / self.secs
    }
}

/// The load generator: its clients, on its own runtime.
struct Generator<'a> {
    rt: &'a tokio::runtime::Runtime,
    clients: Vec<Client>,
    /// Puts so far, over every phase: each phase goes on through the key space.
    next: Arc<AtomicU64>,
    etcd_pid: u32,
}

impl<'a> Generator<'a> {
    fn new(rt: &'a tokio::runtime::Runtime, endpoint: &str, etcd_pid: u32) -> Generator<'a> {
        let clients = rt.block_on(async {
            let mut v = Vec::new();
            for _ in 0..CLIENTS {
                v.push(
                    Client::connect([endpoint], None)
                        .await
                        .expect("connect a writer"),
                );
            }
            v
        });
        Generator {
            rt,
            clients,
            next: Arc::new(AtomicU64::new(0)),
            etcd_pid,
        }
    }

    /// `CLIENTS × in_flight` writers putting as fast as etcd answers, for `dur`.
    fn run(&self, in_flight: usize, dur: Duration) -> Written {
        let cpu0 = cpu_secs(self.etcd_pid);
        let (machine0, bench0) = (machine_busy(), cpu_secs(std::process::id()));
        let started = Instant::now();
        let deadline = started + dur;
        let mut tasks = Vec::new();
        for client in &self.clients {
            for _ in 0..in_flight {
                let mut client = client.clone();
                let next = self.next.clone();
                tasks.push(self.rt.spawn(async move {
                    let mut writes = 0u64;
                    while Instant::now() < deadline {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let (key, value) = event(n);
                        client.put(key, value, None).await.expect("put");
                        writes += 1;
                    }
                    (writes, Instant::now())
                }));
            }
        }
        let (writes, finished) = self.rt.block_on(async {
            let mut total = 0;
            let mut last = started;
            for t in tasks {
                let (w, at) = t.await.expect("writer");
                total += w;
                last = last.max(at);
            }
            (total, last)
        });
        Written {
            writes,
            secs: (finished - started).as_secs_f64(),
            etcd_cpu: cpu_secs(self.etcd_pid) - cpu0,
            machine_cpu: machine_busy() - machine0,
            bench_cpu: cpu_secs(std::process::id()) - bench0,
        }
    }

    /// Compacts to the current revision, so old revisions do not pile up between phases.
    fn compact(&self) {
        let mut c = self.clients[0].clone();
        self.rt.block_on(async move {
            let rev = c
                .get("/", None)
                .await
                .expect("read the revision")
                .header()
                .map_or(0, |h| h.revision());
            c.compact(rev, None).await.expect("compact");
        });
    }
}

/// The `n`th put: a Kubernetes Event's key and a ~500-byte JSON value.
fn event(n: u64) -> (String, Vec<u8>) {
    let i = n % KEY_SPACE;
    let ns = i % NAMESPACES;
    let key = format!("{PREFIX}ns-{ns}/ev-{i:06}");
    let mut v = format!(
        "{{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"metadata\":{{\"name\":\"ev-{i:06}\",\"namespace\":\"ns-{ns}\",\"resourceVersion\":\"{n}\"}},\"reason\":\"BackOff\",\"type\":\"Warning\",\"count\":{n},\"message\":\""
    );
    while v.len() < VALUE_BYTES - 3 {
        v.push_str("Back-off restarting failed container ");
    }
    v.truncate(VALUE_BYTES - 3);
    v.push_str("\"}}");
    (key, v.into_bytes())
}
