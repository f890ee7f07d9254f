//! The measurements of the one-table report (`scripts/bench`) that no view's own bench
//! takes, each side by side with etcdctl on the same data in the same run: opening a
//! 1 MiB Kubernetes value, a Cluster view refresh of 3 members, the watch under etcd's
//! top write rate, and the real binary's startup to its first frame and its peak RSS.
//! Run it with `cargo bench --bench proof`; it prints one markdown table.

#[path = "common/mod.rs"]
mod common;
#[path = "common/pty.rs"]
mod pty;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Summary, append_summary, median, mib, ms, run_timed};
use etcd_client::{Client, Txn, TxnOp};
use etcdtui::app::ConnState;
use etcdtui::headless::Headless;
use etcdtui::keymap::Key;
use etcdtui::localcluster::{ClusterOptions, LocalCluster, find_binary, find_etcd_binary};

const BIG_KEY: &str = "/registry/configmaps/default/big";
const SMALL_KEY: &str = "/registry/pods/ns-0/pod-0";
const PODS: usize = 20_000;
const RUNS: usize = 7;
const WATCH_EVENTS: u64 = 30_000;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("benches/proof.rs: run it with `cargo bench --bench proof` or scripts/bench");
        return;
    }
    let etcd = find_etcd_binary().expect("etcd: set ETCDTUI_ETCD_BIN or put etcd on PATH");
    let etcdctl = find_binary("ETCDTUI_ETCDCTL_BIN", "etcdctl").expect("etcdctl not found");
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let rows = rt.block_on(run(etcd, etcdctl));
    println!("| measurement | etcdtui | etcdctl | ratio | target | met? |");
    println!("|---|---|---|---|---|---|");
    for r in &rows {
        println!("{}", r.row());
    }
    append_summary(
        "Value, Cluster view, Watch, startup (benches/proof.rs)",
        &rows,
    );
}

fn log(msg: impl AsRef<str>) {
    eprintln!("[bench-proof] {}", msg.as_ref());
}

struct Ctl {
    bin: PathBuf,
    endpoint: String,
}

impl Ctl {
    /// Median wall time and the highest peak RSS of `runs` runs.
    fn median(&self, runs: usize, args: &[&str]) -> (Duration, u64) {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        args.insert(0, format!("--endpoints={}", self.endpoint));
        let mut times = Vec::new();
        let mut rss = 0;
        for _ in 0..runs {
            let (t, r, _) = run_timed(&self.bin, &args);
            times.push(t);
            rss = rss.max(r);
        }
        (median(times), rss)
    }
}

async fn run(etcd: PathBuf, etcdctl: PathBuf) -> Vec<Summary> {
    let cluster = LocalCluster::start(ClusterOptions::new(3, etcd))
        .await
        .expect("start a 3-member etcd");
    let endpoints = cluster.client_urls();
    let ctl = Ctl {
        bin: etcdctl,
        endpoint: endpoints[0].clone(),
    };
    let big = common::big_config_map(1 << 20);
    seed(&endpoints, &big).await;
    log(format!(
        "seeded {PODS} pods and a {} ConfigMap",
        mib(big.len() as u64)
    ));
    let mut rows = vec![value_open(&endpoints, &ctl, big.len()).await];
    rows.push(cluster_refresh(&endpoints, &ctl).await);
    rows.push(watch_ingest(&endpoints, &ctl).await);
    rows.extend(startup(&endpoints, &ctl));
    rows
}

async fn seed(endpoints: &[String], big: &[u8]) {
    let mut c = Client::connect(endpoints, None).await.expect("connect");
    let pod = br#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}"#.to_vec();
    for chunk in (0..PODS).collect::<Vec<_>>().chunks(128) {
        let ops = chunk
            .iter()
            .map(|&i| {
                TxnOp::put(
                    format!("/registry/pods/ns-{}/pod-{i}", i % 50),
                    pod.clone(),
                    None,
                )
            })
            .collect::<Vec<_>>();
        c.txn(Txn::new().and_then(ops)).await.expect("seed txn");
    }
    c.put(BIG_KEY, big.to_vec(), None).await.expect("put big");
}

/// `:goto` the 1 MiB ConfigMap from another key: the key press until the value is read,
/// decoded, rendered as YAML and drawn.
async fn value_open(endpoints: &[String], ctl: &Ctl, size: usize) -> Summary {
    let mut h = connected(endpoints).await;
    let mut times = Vec::new();
    for _ in 0..RUNS {
        goto(&mut h, SMALL_KEY).await;
        let started = Instant::now();
        h.keys(&format!(":goto {BIG_KEY}\n"));
        h.pump_until("the 1 MiB value", Duration::from_secs(30), |a| {
            a.keys
                .value
                .as_ref()
                .is_some_and(|v| v.key == BIG_KEY.as_bytes() && !v.loading && v.kv.is_some())
        })
        .await;
        let screen = h.render(200, 60);
        times.push(started.elapsed());
        assert!(screen.contains("ConfigMap"), "decoded on screen:\n{screen}");
    }
    let ours = median(times);
    let (theirs, _) = ctl.median(RUNS, &["get", BIG_KEY, "--print-value-only"]);
    Summary::new(
        format!(
            "Open a {} Kubernetes value (`:goto` → decoded YAML drawn), median of {RUNS}",
            mib(size as u64)
        ),
        ms(ours),
    )
    .against(
        format!("{} (`get KEY --print-value-only`, raw bytes)", ms(theirs)),
        ours.as_secs_f64(),
        theirs.as_secs_f64(),
    )
}

/// The app once it is connected and has listed the top level: keys pressed before
/// that would find nothing to act on.
async fn connected(endpoints: &[String]) -> Headless {
    let mut h = Headless::connect(endpoints.to_vec(), 200, 60);
    h.pump_until("the connection", Duration::from_secs(30), |a| {
        matches!(a.conn, ConnState::Connected { .. })
    })
    .await;
    h.settle().await;
    h
}

async fn goto(h: &mut Headless, key: &str) {
    h.keys(&format!(":goto {key}\n"));
    h.pump_until(key, Duration::from_secs(30), |a| {
        a.keys
            .value
            .as_ref()
            .is_some_and(|v| v.key == key.as_bytes() && !v.loading)
    })
    .await;
}

/// `r` in the Cluster view until all 3 members' status and metrics are in.
async fn cluster_refresh(endpoints: &[String], ctl: &Ctl) -> Summary {
    let mut h = connected(endpoints).await;
    h.key(Key::char('3'));
    h.key(Key::char('r'));
    h.pump_until("the first refresh", Duration::from_secs(30), |a| {
        a.cluster.snapshot.is_some() && a.cluster.is_idle() && a.cluster.metrics.len() == 3
    })
    .await;
    let mut times = Vec::new();
    for _ in 0..RUNS * 2 {
        let started = Instant::now();
        h.key(Key::char('r'));
        assert!(!h.app.cluster.is_idle(), "r asks for a refresh");
        h.pump_until("a refresh", Duration::from_secs(30), |a| {
            a.cluster.is_idle()
        })
        .await;
        let screen = h.render(200, 60);
        times.push(started.elapsed());
        assert!(screen.contains("leader"), "the table is drawn:\n{screen}");
    }
    let members = h
        .app
        .cluster
        .snapshot
        .as_ref()
        .map_or(0, |s| s.members.len());
    assert_eq!(members, 3);
    let ours = median(times);
    let (theirs, _) = ctl.median(RUNS * 2, &["endpoint", "status", "--cluster"]);
    Summary::new(
        format!(
            "Cluster view refresh, 3 members: status + `/metrics` of each, drawn, median of {}",
            RUNS * 2
        ),
        ms(ours),
    )
    .against(
        format!("{} (`endpoint status --cluster`: status only)", ms(theirs)),
        ours.as_secs_f64(),
        theirs.as_secs_f64(),
    )
}

/// `etcdctl watch` and the app's `:watch` on the same prefix while 30,000 puts go in as
/// fast as etcd takes them: when each has the last event, counted from the first write.
async fn watch_ingest(endpoints: &[String], ctl: &Ctl) -> Summary {
    let mut h = connected(endpoints).await;
    h.keys(":watch /w/\n");
    h.pump_until("the watch to start", Duration::from_secs(30), |a| {
        a.watch
            .tab()
            .is_some_and(|t| matches!(t.state, etcdtui::app::watch::TabState::Live { .. }))
    })
    .await;
    let etcdctl_seen = Arc::new(AtomicU64::new(0));
    let mut child = etcdctl_watch(ctl, etcdctl_seen.clone());
    // etcdctl's watch is up once it has printed an event for a probe key.
    let mut probe = Client::connect(endpoints, None).await.expect("connect");
    let deadline = Instant::now() + Duration::from_secs(30);
    while etcdctl_seen.load(Ordering::SeqCst) == 0 {
        probe.put("/w/probe", "x", None).await.expect("probe put");
        assert!(Instant::now() < deadline, "etcdctl watch never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    h.pump_until("the probes", Duration::from_secs(30), |a| {
        a.watch.tab().is_some_and(|t| t.total > 0)
    })
    .await;
    let base_ours = h.app.watch.tab().map_or(0, |t| t.total);
    let base_theirs = etcdctl_seen.load(Ordering::SeqCst);

    let started = Instant::now();
    let writer = tokio::spawn(write_burst(endpoints.to_vec()));
    let theirs_done = {
        let seen = etcdctl_seen.clone();
        tokio::task::spawn_blocking(move || {
            while seen.load(Ordering::SeqCst) < base_theirs + WATCH_EVENTS {
                std::thread::sleep(Duration::from_millis(1));
            }
            Instant::now()
        })
    };
    h.pump_until("every event", Duration::from_secs(120), |a| {
        a.watch
            .tab()
            .is_some_and(|t| t.total >= base_ours + WATCH_EVENTS)
    })
    .await;
    let ours = started.elapsed();
    let writes = writer.await.expect("writer");
    let theirs = theirs_done.await.expect("etcdctl counter") - started;
    let _ = child.kill();
    let _ = child.wait();
    let rate = |d: Duration| format!("{:.0} events/s", WATCH_EVENTS as f64 / d.as_secs_f64());
    Summary::new(
        format!(
            "Watch under etcd's top write rate ({WATCH_EVENTS} puts, {}): first write → last event applied",
            rate(writes)
        ),
        format!("{} ({})", ms(ours), rate(ours)),
    )
    .against(
        format!("{} ({}) (`watch --prefix /w/`, printed)", ms(theirs), rate(theirs)),
        ours.as_secs_f64(),
        theirs.as_secs_f64(),
    )
    .target("≤ etcdctl + 10%", ours.as_secs_f64() <= theirs.as_secs_f64() * 1.1)
}

fn etcdctl_watch(ctl: &Ctl, seen: Arc<AtomicU64>) -> std::process::Child {
    use std::io::BufRead;
    let mut child = Command::new(&ctl.bin)
        .env("ETCDCTL_API", "3")
        .arg(format!("--endpoints={}", ctl.endpoint))
        .args(["watch", "--prefix", "/w/"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start etcdctl watch");
    let out = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        // Each event prints "PUT", the key and the value on their own lines.
        for line in std::io::BufReader::new(out)
            .split(b'\n')
            .map_while(Result::ok)
        {
            if line == b"PUT" {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    child
}

/// 30,000 single-key puts, 64 in flight: one event each. Returns how long they took.
async fn write_burst(endpoints: Vec<String>) -> Duration {
    let client = Client::connect(&endpoints, None).await.expect("connect");
    let started = Instant::now();
    let per = WATCH_EVENTS / 64;
    let tasks: Vec<_> = (0..64u64)
        .map(|w| {
            let mut c = client.clone();
            let n = if w == 63 {
                WATCH_EVENTS - per * 63
            } else {
                per
            };
            tokio::spawn(async move {
                for i in 0..n {
                    c.put(format!("/w/{w}/{i}"), vec![b'x'; 200], None)
                        .await
                        .expect("put");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("writer task");
    }
    started.elapsed()
}

/// The real binary in a pseudo-terminal: start to first frame, to the top level listed,
/// then a 1 MiB value and the Cluster view, then `q`; its peak RSS from wait4.
fn startup(endpoints: &[String], ctl: &Ctl) -> Vec<Summary> {
    let bin = Path::new(env!("CARGO_BIN_EXE_etcdtui"));
    let home = tempfile::tempdir().expect("temp home");
    let mut first = Vec::new();
    let mut listed = Vec::new();
    let mut peak = 0;
    for _ in 0..RUNS {
        let run = pty::session(bin, &endpoints[0], home.path(), BIG_KEY);
        first.push(run.first_frame);
        listed.push(run.top_level);
        peak = peak.max(run.peak_rss);
    }
    let (ctl_top, _) = ctl.median(
        RUNS,
        &["get", "/", "--prefix", "--keys-only", "--limit", "1000"],
    );
    let (_, ctl_rss) = ctl.median(3, &["get", BIG_KEY]);
    let (first, listed) = (median(first), median(listed));
    vec![
        Summary::new(
            format!("Startup of the real binary to its first frame (120x40 pty), median of {RUNS}"),
            ms(first),
        ),
        Summary::new(
            format!("Startup to the top level listed and drawn, {PODS} keys, median of {RUNS}"),
            ms(listed),
        )
        .against(
            format!(
                "{} (`get / --prefix --keys-only --limit 1000`)",
                ms(ctl_top)
            ),
            listed.as_secs_f64(),
            ctl_top.as_secs_f64(),
        )
        .target("< 300 ms", listed < Duration::from_millis(300)),
        Summary::new(
            "Peak RSS of the real binary: start, top level, the 1 MiB value, Cluster view, quit",
            mib(peak),
        )
        .against(
            format!("{} (`get` of the 1 MiB value)", mib(ctl_rss)),
            peak as f64,
            ctl_rss as f64,
        ),
    ]
}
