//! The Watch pipeline against a real etcd, side by side in one run: how fast etcd takes
//! writes here, whether the watch keeps up with that, and the pipeline's own ceiling when
//! fed recorded events as fast as it takes them, while the UI draws and keys are pressed.
//! Run it with `scripts/bench-watch` (or `cargo bench --bench watch`); it prints one
//! markdown table on stdout and its progress on stderr.
//!
//! 1. **etcd write rate**: 16 clients write 200-byte values (one write in ten a delete)
//!    into a fresh 1-member etcd; a short probe picks how many writes each client keeps
//!    in flight, then the fastest setting runs for 5 s. The writers run on a tokio
//!    runtime of their own, as if they were other programs. Then the same load with a
//!    bare etcd-client watch on `/bench/` that only counts, without and with prev_kv:
//!    what serving a watch costs etcd by itself, and how late etcd itself delivers
//!    (write acknowledged → event received), as the reference for phase 2.
//! 2. **Watch keeps up**: the same load for 5 s while the app has `:watch /bench/` open.
//!    The app runs the way `runtime::run` runs it: the real connection actor (its watch
//!    task and `forward_watch` batching), the real `update`, at most 512 etcd messages
//!    between frames, a frame at most every 16 ms drawn by `ui::draw` onto a 200x60
//!    `TestBackend` (everything but writing escape codes to a tty), ticks every 250 ms,
//!    and a `j` key every 10 ms from another thread (a key's latency: pressed →
//!    `update` done with it).
//! 3. **Pipeline ceiling**: the same loop, but the events are the 10,000 that phase 2
//!    recorded (real keys, values and previous values from etcd), replayed with fresh
//!    revisions by a feeder thread in batches of 1..1000 (log-uniform, like etcd's watch
//!    responses), through a copy of `forward_watch` and channels of the runtime's sizes.
//!    The feeder keeps at most one ring's worth (10,000 events) between itself and the
//!    app, as etcd's flow control would, so the app never waits for events and the
//!    queues do not grow without bound; a pass of the loop then applies up to 10,000
//!    events, which is what a key waits behind. Then the same at a steady 50,000
//!    events/s (the target), for the key latency and the pipeline's own latency
//!    (batch handed to the watch channel → applied) a user would see at that rate.
//!
//! CPU use is reported per phase for etcd, this process, its UI thread, and everything
//! else on the machine ("others": a build running alongside makes a run not count).

use std::collections::VecDeque;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use etcd_client::{Client, WatchOptions};
use etcdtui::app::{App, ConnState, ContextInfo, Effect, Msg, ViewId, update};
use etcdtui::etcd::watch::{EventKind, WatchEvent, WatchUpdate};
use etcdtui::etcd::{ClusterInfo, ConnectSpec, EtcdHandle, Event, Request, session};
use etcdtui::keymap::{Key, KeyCode, Keymap};
use etcdtui::localcluster::{ClusterOptions, LocalCluster, find_etcd_binary};
use etcdtui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

#[path = "common/mod.rs"]
mod common;
use common::{Summary, append_summary};

// The runtime's own numbers (src/runtime.rs, src/etcd/session.rs).
const EVENT_BATCH: usize = 512;
const MIN_FRAME: Duration = Duration::from_millis(16);
const TICK: Duration = Duration::from_millis(250);
const RUNTIME_CHANNEL: usize = 4096;
const WATCH_CHANNEL: usize = 1024;
const WATCH_BATCH: usize = 4096;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;
const CLIENTS: usize = 16;
/// Writes each client keeps in flight, tried in the probe.
const IN_FLIGHT: [usize; 3] = [1, 4, 16];
const PROBE: Duration = Duration::from_secs(2);
const WRITE_FOR: Duration = Duration::from_secs(5);
/// Keys each writer cycles through, so most puts replace a value (and carry a prev_kv).
const KEYS_PER_WRITER: usize = 500;
const VALUE_BYTES: usize = 200;
const CEILING_FOR: Duration = Duration::from_secs(5);
const PACED_FOR: Duration = Duration::from_secs(5);
const PACED_RATE: f64 = 50_000.0;
/// Events in flight between the feeder and the app at most: one ring.
const WINDOW: usize = 10_000;
const MAX_BATCH: usize = 1000;
const KEY_EVERY: Duration = Duration::from_millis(10);
/// How long phase 2 waits for the last event after the writes are done.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(30);

const TARGET_CEILING: f64 = 50_000.0;
const TARGET_KEY: Duration = Duration::from_millis(50);
/// What the app's pipeline may add to etcd's own watch latency.
const TARGET_ADDED: Duration = Duration::from_millis(50);
const MIB: f64 = 1024.0 * 1024.0;

fn main() {
    // `cargo test --all-targets` would run this too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!(
            "benches/watch.rs: run it with `cargo bench --bench watch` or scripts/bench-watch"
        );
        return;
    }
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    // The writers get a runtime of their own, as if they were other programs: sharing
    // the app's would queue its watch tasks behind hundreds of writers.
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("load")
        .enable_all()
        .build()
        .expect("load runtime");
    let report = rt.block_on(run(load.handle().clone()));
    println!("{report}");
}

fn log(msg: impl AsRef<str>) {
    eprintln!("[bench-watch] {}", msg.as_ref());
}

// ---------------------------------------------------------------------------------
// The write load: Kubernetes-shaped keys, 200-byte JSON values, a delete in ten.
// ---------------------------------------------------------------------------------

const KINDS: [&str; 6] = [
    "configmaps",
    "pods",
    "leases",
    "endpointslices",
    "secrets",
    "deployments",
];

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn bench_key(writer: usize, i: usize) -> String {
    let h = mix((writer * KEYS_PER_WRITER + i) as u64);
    format!(
        "/bench/registry/{}/team-{:02}-prod/app-{:05x}-{:05x}",
        KINDS[(h % KINDS.len() as u64) as usize],
        writer,
        (h >> 8) & 0xfffff,
        i
    )
}

/// A JSON object padded to exactly `VALUE_BYTES`, different on every write.
fn bench_value(key: &str, n: u64) -> Vec<u8> {
    let mut v = format!(
        "{{\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"{}\",\"resourceVersion\":\"{n}\"}},\"data\":{{\"hash\":\"{:016x}\",\"pad\":\"",
        key.rsplit('/').next().unwrap_or(key),
        mix(n)
    );
    while v.len() < VALUE_BYTES - 3 {
        v.push((b'a' + (mix(n ^ v.len() as u64) % 26) as u8) as char);
    }
    v.push_str("\"}}");
    v.truncate(VALUE_BYTES);
    v.into_bytes()
}

struct Written {
    /// Writes that made an event: puts, and deletes of a key that existed.
    events: u64,
    writes: u64,
    started: Instant,
    finished: Instant,
    last_revision: i64,
    cpu: CpuUse,
    /// Each write's revision and when etcd acknowledged it.
    acks: Vec<(i64, Instant)>,
}

impl Written {
    fn rate(&self) -> f64 {
        self.writes as f64 / (self.finished - self.started).as_secs_f64()
    }
}

/// `clients.len() × in_flight` writers, each writing in turn, for `dur`.
/// The writers' clients, on the writers' runtime.
struct Load {
    rt: tokio::runtime::Handle,
    clients: Vec<Client>,
}

async fn write_load(
    load: &Load,
    in_flight: usize,
    dur: Duration,
    round: u64,
    etcd: Option<u32>,
) -> Written {
    let cpu = Cpu::now(etcd);
    let started = Instant::now();
    let deadline = started + dur;
    let mut tasks = Vec::new();
    for (c, client) in load.clients.iter().enumerate() {
        for f in 0..in_flight {
            let mut client = client.clone();
            let writer = c * in_flight + f;
            tasks.push(load.rt.spawn(async move {
                let (mut events, mut writes, mut rev) = (0u64, 0u64, 0i64);
                let mut acks = Vec::new();
                let mut i = 0usize;
                while Instant::now() < deadline {
                    let key = bench_key(writer, i % KEYS_PER_WRITER);
                    if i % 10 == 9 {
                        let k = bench_key(writer, (i - 4) % KEYS_PER_WRITER);
                        let r = client.delete(k, None).await.expect("delete");
                        if r.deleted() > 0 {
                            events += 1;
                            let at = r.header().map_or(0, |h| h.revision());
                            acks.push((at, Instant::now()));
                            rev = rev.max(at);
                        }
                    } else {
                        let n = (round << 40) | ((writer as u64) << 24) | i as u64;
                        let r = client
                            .put(key.clone(), bench_value(&key, n), None)
                            .await
                            .expect("put");
                        events += 1;
                        let at = r.header().map_or(0, |h| h.revision());
                        acks.push((at, Instant::now()));
                        rev = rev.max(at);
                    }
                    writes += 1;
                    i += 1;
                }
                (events, writes, rev, Instant::now(), acks)
            }));
        }
    }
    let mut w = Written {
        events: 0,
        writes: 0,
        started,
        finished: started,
        last_revision: 0,
        cpu: CpuUse::default(),
        acks: Vec::new(),
    };
    for t in tasks {
        let (events, writes, rev, done, acks) = t.await.expect("writer");
        w.acks.extend(acks);
        w.events += events;
        w.writes += writes;
        w.last_revision = w.last_revision.max(rev);
        w.finished = w.finished.max(done);
    }
    w.cpu = Cpu::now(etcd).since(&cpu);
    w
}

/// The write load with a plain etcd-client watch on `/bench/` that only counts events:
/// what serving the watch costs etcd, without the app.
async fn bare_watch_load(
    endpoint: &str,
    load: &Load,
    in_flight: usize,
    prev_kv: bool,
    round: u64,
    etcd: Option<u32>,
) -> (Written, u64, Option<Duration>, Latency) {
    let mut client = Client::connect([endpoint], None)
        .await
        .expect("connect the watcher");
    let mut options = WatchOptions::new().with_prefix();
    if prev_kv {
        options = options.with_prev_key();
    }
    let mut stream = client
        .watch("/bench/", Some(options))
        .await
        .expect("open a watch");
    stream.message().await.expect("watch created");
    // Events seen, the last revision seen, and when; every revision and when it came.
    let seen = Arc::new(Mutex::new((0u64, 0i64, Instant::now())));
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let seen = seen.clone();
        let arrivals = arrivals.clone();
        tokio::spawn(async move {
            while let Ok(Some(resp)) = stream.message().await {
                let now = Instant::now();
                let top = resp
                    .events()
                    .iter()
                    .filter_map(|e| e.kv().map(|kv| kv.mod_revision()))
                    .max();
                if let Some(top) = top {
                    arrivals.lock().expect("lock").push((top, now));
                }
                let last = resp
                    .events()
                    .iter()
                    .filter_map(|e| e.kv().map(|kv| kv.mod_revision()))
                    .max();
                let mut s = seen.lock().expect("lock");
                s.0 += resp.events().len() as u64;
                if let Some(last) = last {
                    s.1 = last;
                    s.2 = Instant::now();
                }
            }
        })
    };
    let w = write_load(load, in_flight, WRITE_FOR, round, etcd).await;
    let lag = loop {
        let (n, last, at) = *seen.lock().expect("lock");
        if last >= w.last_revision {
            break Some((n, at.saturating_duration_since(w.finished)));
        }
        if w.finished.elapsed() > CATCH_UP_LIMIT {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    reader.abort();
    let latency = Latency::of(&w.acks, &arrivals.lock().expect("lock"));
    match lag {
        Some((n, lag)) => (w, n, Some(lag), latency),
        None => (w, seen.lock().expect("lock").0, None, latency),
    }
}

/// Per event: from etcd acknowledging the write to the watcher having it.
struct Latency {
    all: Vec<Duration>,
    /// First and last arrival: the span the events came over.
    span: Option<(Instant, Instant)>,
}

impl Latency {
    /// `sent`: each event's revision and when it was written (any order); `seen`: the
    /// highest revision the watcher had, and when, in order. Revisions arrive in order,
    /// so an event arrived with the first `seen` at or past its revision.
    fn of(sent: &[(i64, Instant)], seen: &[(i64, Instant)]) -> Latency {
        let mut sent = sent.to_vec();
        sent.sort_unstable_by_key(|s| s.0);
        let mut all = Vec::with_capacity(sent.len());
        let mut j = 0;
        for (rev, at) in sent {
            while j < seen.len() && seen[j].0 < rev {
                j += 1;
            }
            let Some((_, got)) = seen.get(j) else {
                break;
            };
            all.push(got.saturating_duration_since(at));
        }
        let first = seen.first().map(|s| s.1);
        let last = seen.last().map(|s| s.1);
        Latency {
            all,
            span: first.zip(last),
        }
    }

    fn describe(&self) -> String {
        format!(
            "{} / {} / {}",
            ms(pct(&self.all, 0.5)),
            ms(pct(&self.all, 0.99)),
            ms(max(&self.all))
        )
    }

    /// Events per second over the span they arrived in.
    fn rate(&self) -> f64 {
        match self.span {
            Some((a, b)) if b > a => self.all.len() as f64 / (b - a).as_secs_f64(),
            _ => 0.0,
        }
    }
}

// ---------------------------------------------------------------------------------
// The app, run the way runtime::run runs it.
// ---------------------------------------------------------------------------------

struct Ui {
    app: App,
    term: Terminal<TestBackend>,
    theme: Theme,
    /// The real connection actor; `None` when a feeder stands in for etcd.
    etcd: Option<EtcdHandle>,
}

#[derive(Default)]
struct Stats {
    frames: Vec<Duration>,
    keys: Vec<Duration>,
    applied: u64,
    /// Time spent waiting for anything to do.
    waited: Duration,
    /// When the tab's last revision last changed, and to what.
    last_change: Option<(Instant, i64)>,
    /// Most watch events applied in one pass of the loop (between two draws).
    most_per_pass: u64,
    /// VmRSS when the ring first filled up.
    rss_ring_full: Option<u64>,
    /// VmRSS about every second of the loop.
    rss: Vec<u64>,
    worst_key: Option<WorstKey>,
    /// After each pass that applied events: the tab's last revision, and when.
    applied_revs: Vec<(i64, Instant)>,
}

/// Where the slowest key's time went.
#[derive(Clone, Copy)]
struct WorstKey {
    latency: Duration,
    /// Passes of the loop that began after the key was pressed, the last one included.
    passes: usize,
    /// Frames drawn meanwhile.
    draws: usize,
    /// Wall time from the start of the pass in progress when the key was pressed...
    wall: Duration,
    /// ...and how much of it the UI thread spent on the CPU.
    cpu: Duration,
    /// The longest of those passes, without its draw.
    longest_pass: Duration,
}

impl WorstKey {
    fn describe(&self) -> String {
        format!(
            "slowest key: {} passes and {} frames meanwhile, longest pass {}; the UI thread ran {} of those {}",
            self.passes,
            self.draws,
            ms(self.longest_pass),
            ms(self.cpu),
            ms(self.wall)
        )
    }
}

/// One pass of the loop, for explaining a slow key.
struct Pass {
    start: Instant,
    cpu: Duration,
    drew: bool,
    work: Duration,
}

/// The watch events a message carries.
fn watch_events(msg: &Msg) -> u64 {
    match msg {
        Msg::Etcd(Event::Watch { updates, .. }) => updates
            .iter()
            .map(|u| match u {
                WatchUpdate::Events(e) => e.len() as u64,
                _ => 0,
            })
            .sum(),
        _ => 0,
    }
}

impl Ui {
    fn new(endpoints: Vec<String>, etcd: Option<EtcdHandle>) -> Ui {
        let info = ContextInfo {
            name: "bench".into(),
            endpoints,
            source: "bench".into(),
            read_only: false,
            user: None,
            tls: false,
            details: Vec::new(),
        };
        let app = App::new(info, Keymap::defaults(), Vec::new(), Instant::now());
        let term = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("backend");
        let mut ui = Ui {
            app,
            term,
            theme: Theme::builtin_default(),
            etcd,
        };
        ui.msg(Msg::Resize {
            width: WIDTH,
            height: HEIGHT,
        });
        ui
    }

    fn msg(&mut self, msg: Msg) {
        let effects = update(&mut self.app, msg);
        self.run(effects);
    }

    fn keys(&mut self, text: &str) {
        for c in text.chars() {
            let key = match c {
                '\n' => Key::plain(KeyCode::Enter),
                c => Key::char(c),
            };
            self.msg(Msg::Key(key));
        }
    }

    /// What `runtime::run_effects` does with the effects the Watch view can cause.
    fn run(&mut self, effects: Vec<Effect>) {
        let Some(etcd) = &self.etcd else {
            return;
        };
        let generation = self.app.generation;
        for e in effects {
            match e {
                Effect::Keys { id, op } => etcd.send(Request::Keys { generation, id, op }),
                Effect::Leases { id, op } => etcd.send(Request::Leases { generation, id, op }),
                Effect::Auth { id, op } => etcd.send(Request::Auth { generation, id, op }),
                Effect::Cluster { id, op } => etcd.send(Request::Cluster { generation, id, op }),
                Effect::WatchStart { id, spec } => etcd.send(Request::Watch {
                    generation,
                    id,
                    spec,
                }),
                Effect::WatchStop { id } => etcd.send(Request::WatchStop { id }),
                Effect::WatchResume { id } => etcd.send(Request::WatchResume { id }),
                Effect::Connect { generation, spec } => {
                    etcd.send(Request::Connect { generation, spec })
                }
                Effect::ReconnectNow => etcd.send(Request::ReconnectNow),
                other => panic!("the bench does not expect {other:?}"),
            }
        }
    }

    /// `runtime::run`'s loop until `stop` says so: draw when dirty and 16 ms have
    /// passed, then take a key, up to 512 etcd messages, or a tick, and apply them.
    async fn run_loop(
        &mut self,
        events: &mut mpsc::Receiver<Event>,
        keys: &mut mpsc::UnboundedReceiver<Instant>,
        window: Option<&AtomicUsize>,
        stats: &mut Stats,
        mut stop: impl FnMut(&App, &Stats) -> bool,
    ) {
        let mut tick = tokio::time::interval(TICK);
        let mut dirty = true;
        let mut last_draw = Instant::now() - MIN_FRAME;
        let mut sample_at = Instant::now() + Duration::from_secs(1);
        let mut passes: VecDeque<Pass> = VecDeque::new();
        while !stop(&self.app, stats) {
            passes.push_back(Pass {
                start: Instant::now(),
                cpu: thread_cpu(),
                drew: false,
                work: Duration::ZERO,
            });
            if passes.len() > 1000 {
                passes.pop_front();
            }
            if Instant::now() >= sample_at {
                stats.rss.push(proc_status("VmRSS"));
                sample_at += Duration::from_secs(1);
            }
            if dirty && last_draw.elapsed() >= MIN_FRAME {
                let t = Instant::now();
                let (app, theme) = (&self.app, &self.theme);
                self.term
                    .draw(|f| etcdtui::ui::draw(f, app, theme))
                    .expect("draw");
                stats.frames.push(t.elapsed());
                if let Some(p) = passes.back_mut() {
                    p.drew = true;
                }
                last_draw = Instant::now();
                dirty = false;
            }
            let waiting = Instant::now();
            let msgs: Vec<(Msg, Option<Instant>)> = tokio::select! {
                Some(sent) = keys.recv() => vec![(Msg::Key(Key::char('j')), Some(sent))],
                Some(first) = events.recv() => {
                    let mut batch = vec![(Msg::Etcd(first), None)];
                    while batch.len() < EVENT_BATCH {
                        match events.try_recv() {
                            Ok(e) => batch.push((Msg::Etcd(e), None)),
                            Err(_) => break,
                        }
                    }
                    batch
                },
                _ = tick.tick() => vec![(Msg::Tick(Instant::now()), None)],
            };
            stats.waited += waiting.elapsed();
            let working = Instant::now();
            let mut slow_key = None;
            let mut pass = 0;
            for (msg, sent) in msgs {
                dirty = true;
                let n = watch_events(&msg);
                self.msg(msg);
                if let Some(sent) = sent {
                    let latency = sent.elapsed();
                    stats.keys.push(latency);
                    if stats.worst_key.is_none_or(|w| latency > w.latency) {
                        slow_key = Some((sent, latency));
                    }
                }
                if n > 0 {
                    pass += n;
                    if let Some(w) = window {
                        w.fetch_sub(n as usize, Ordering::Relaxed);
                    }
                }
            }
            if let Some(p) = passes.back_mut() {
                p.work = working.elapsed();
            }
            if pass > 0
                && let Some(t) = self.app.watch.tab()
            {
                stats.applied_revs.push((t.last_revision, Instant::now()));
            }
            if let Some((sent, latency)) = slow_key {
                // The pass in progress when the key came, and every one since.
                let first = passes.iter().rposition(|p| p.start <= sent).unwrap_or(0);
                let since: Vec<&Pass> = passes.iter().skip(first).collect();
                stats.worst_key = Some(WorstKey {
                    latency,
                    passes: since.len(),
                    draws: since.iter().filter(|p| p.drew).count(),
                    wall: since[0].start.elapsed(),
                    cpu: thread_cpu().saturating_sub(since[0].cpu),
                    longest_pass: since.iter().map(|p| p.work).max().unwrap_or_default(),
                });
            }
            stats.applied += pass;
            stats.most_per_pass = stats.most_per_pass.max(pass);
            if let Some(t) = self.app.watch.tab() {
                if stats.last_change.is_none_or(|(_, r)| r != t.last_revision) {
                    stats.last_change = Some((Instant::now(), t.last_revision));
                }
                if stats.rss_ring_full.is_none() && t.events.len() == t.capacity {
                    stats.rss_ring_full = Some(proc_status("VmRSS"));
                }
            }
        }
    }
}

/// Presses `j` every `KEY_EVERY` until stopped, sending when it pressed.
fn key_presser(
    stop: Arc<AtomicBool>,
) -> (
    mpsc::UnboundedReceiver<Instant>,
    std::thread::JoinHandle<u64>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let t = std::thread::spawn(move || {
        let mut sent = 0;
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(KEY_EVERY);
            if tx.send(Instant::now()).is_err() {
                break;
            }
            sent += 1;
        }
        sent
    });
    (rx, t)
}

// ---------------------------------------------------------------------------------
// The feeder: recorded events replayed through the session's batching.
// ---------------------------------------------------------------------------------

/// xorshift64*: deterministic batch sizes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// 1..=max, log-uniform: many small responses, some big ones.
    fn batch(&mut self, max: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((max as f64).powf(u) as usize).clamp(1, max)
    }
}

/// `session::forward_watch`, which is private: whatever the watch task queued, up to
/// 4096 updates, becomes one `Event::Watch`.
async fn forward(id: u64, mut rx: mpsc::Receiver<WatchUpdate>, events: mpsc::Sender<Event>) {
    while let Some(first) = rx.recv().await {
        let mut updates = vec![first];
        while updates.len() < WATCH_BATCH {
            match rx.try_recv() {
                Ok(u) => updates.push(u),
                Err(_) => break,
            }
        }
        let ev = Event::Watch {
            generation: 1,
            id,
            updates,
        };
        if events.send(ev).await.is_err() {
            return;
        }
    }
}

/// How the feeder paces itself.
#[derive(Clone, Copy)]
enum Pace {
    /// As fast as the app takes them, at most `WINDOW` in flight.
    Flat,
    /// A steady rate of events per second (still at most `WINDOW` in flight).
    Rate(f64),
}

struct Fed {
    events: u64,
    batches: u64,
    /// Each batch's last revision and when it was handed to the pipeline.
    sent: Vec<(i64, Instant)>,
}

/// Replays `pool` with fresh revisions from `first_rev` until `stop`.
fn feeder(
    pool: Arc<Vec<WatchEvent>>,
    first_rev: i64,
    tx: mpsc::Sender<WatchUpdate>,
    window: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    pace: Pace,
) -> std::thread::JoinHandle<Fed> {
    // Only the paced run needs them; the flat one would grow the vector by megabytes.
    let pace_sent = matches!(pace, Pace::Rate(_));
    std::thread::spawn(move || {
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        let mut rev = first_rev;
        let mut at = 0usize;
        let mut fed = Fed {
            events: 0,
            batches: 0,
            sent: Vec::new(),
        };
        let started = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            let n = rng.batch(MAX_BATCH);
            if let Pace::Rate(r) = pace {
                // Wait until these events are due.
                let due = started + Duration::from_secs_f64((fed.events + n as u64) as f64 / r);
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
            }
            while window.load(Ordering::Relaxed) + n > WINDOW {
                if stop.load(Ordering::Relaxed) {
                    return fed;
                }
                std::thread::sleep(Duration::from_micros(50));
            }
            let mut batch = Vec::with_capacity(n);
            for _ in 0..n {
                let mut ev = pool[at].clone();
                at = (at + 1) % pool.len();
                ev.mod_revision = rev;
                rev += 1;
                batch.push(ev);
            }
            window.fetch_add(n, Ordering::Relaxed);
            let at = Instant::now();
            if tx.blocking_send(WatchUpdate::Events(batch)).is_err() {
                break;
            }
            if pace_sent {
                fed.sent.push((rev - 1, at));
            }
            fed.events += n as u64;
            fed.batches += 1;
        }
        fed
    })
}

struct FeedRun {
    applied: u64,
    fed: Fed,
    /// Each batch from the feeder handing it over to the app having applied it.
    latency: Latency,
    secs: f64,
    frames: Vec<Duration>,
    keys: Vec<Duration>,
    keys_sent: u64,
    waited: Duration,
    most_per_pass: u64,
    rss_start: u64,
    rss_ring_full: Option<u64>,
    rss: Vec<u64>,
    rss_end: u64,
    cpu: CpuUse,
    worst_key: Option<WorstKey>,
    hwm_end: u64,
    ring_len: usize,
    ring_bytes: usize,
    dropped: u64,
}

/// A fresh app watching `/bench/`, shown as connected, fed from `pool`.
async fn feed_run(pool: &Arc<Vec<WatchEvent>>, pace: Pace, dur: Duration) -> FeedRun {
    let mut ui = Ui::new(vec!["http://127.0.0.1:2379".into()], None);
    ui.msg(Msg::Etcd(Event::Connected {
        generation: ui.app.generation,
        info: fake_info(),
    }));
    ui.keys(":watch /bench/\n");
    let id = ui.app.watch.tab().expect("a watch tab").id;
    ui.msg(Msg::Etcd(Event::Watch {
        generation: ui.app.generation,
        id,
        updates: vec![WatchUpdate::Live {
            endpoint: "http://127.0.0.1:2379".into(),
            from_revision: 1_000_000,
        }],
    }));
    assert_eq!(ui.app.view, ViewId::Watch);

    let (up_tx, up_rx) = mpsc::channel(WATCH_CHANNEL);
    let (ev_tx, mut ev_rx) = mpsc::channel(RUNTIME_CHANNEL);
    let forwarder = tokio::spawn(forward(id, up_rx, ev_tx));
    let window = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let rss_start = proc_status("VmRSS");
    reset_peak();
    let cpu_before = Cpu::now(None);
    let started = Instant::now();
    let feed = feeder(
        pool.clone(),
        1_000_000,
        up_tx,
        window.clone(),
        stop.clone(),
        pace,
    );
    let (mut keys, presser) = key_presser(stop.clone());
    let mut stats = Stats::default();
    let deadline = started + dur;
    ui.run_loop(&mut ev_rx, &mut keys, Some(&window), &mut stats, |_, _| {
        Instant::now() >= deadline
    })
    .await;
    let secs = started.elapsed().as_secs_f64();
    let cpu = Cpu::now(None).since(&cpu_before);
    let rss_end = proc_status("VmRSS");
    let hwm_end = proc_status("VmHWM");
    stop.store(true, Ordering::Relaxed);
    drop(ev_rx);
    drop(keys);
    let fed = feed.join().expect("feeder");
    let latency = Latency::of(&fed.sent, &stats.applied_revs);
    let keys_sent = presser.join().expect("key presser");
    let _ = forwarder.await;
    let tab = ui.app.watch.tab().expect("the tab");
    let ring_bytes = tab
        .events
        .iter()
        .map(|r| {
            std::mem::size_of_val(r)
                + r.ev.key.capacity()
                + r.ev.value.capacity()
                + r.ev.prev_value.as_ref().map_or(0, Vec::capacity)
        })
        .sum();
    FeedRun {
        applied: stats.applied,
        fed,
        secs,
        frames: stats.frames,
        keys: stats.keys,
        keys_sent,
        waited: stats.waited,
        most_per_pass: stats.most_per_pass,
        rss_start,
        rss_ring_full: stats.rss_ring_full,
        rss: stats.rss,
        rss_end,
        cpu,
        worst_key: stats.worst_key,
        latency,
        hwm_end,
        ring_len: tab.events.len(),
        ring_bytes,
        dropped: tab.dropped,
    }
}

fn fake_info() -> ClusterInfo {
    ClusterInfo {
        endpoint: "http://127.0.0.1:2379".into(),
        cluster_id: 0x1234_5678_9abc_def0,
        member_id: 0x0fed_cba9_8765_4321,
        member_name: "m1".into(),
        leader_id: 0x0fed_cba9_8765_4321,
        leader_name: Some("m1".into()),
        version: "3.5.0".into(),
        revision: 1_000_000,
        raft_term: 2,
        members: 1,
        endpoints_up: 1,
        endpoints_total: 1,
        endpoint_errors: Vec::new(),
        status_denied: false,
    }
}

/// Events like the ones etcd sent, for when phase 2 recorded too few.
fn synthetic_pool(n: usize) -> Vec<WatchEvent> {
    (0..n)
        .map(|i| {
            let key = bench_key(i % 64, i % KEYS_PER_WRITER);
            let delete = i % 10 == 9;
            WatchEvent {
                kind: if delete {
                    EventKind::Delete
                } else {
                    EventKind::Put
                },
                value: if delete {
                    Vec::new()
                } else {
                    bench_value(&key, i as u64 + 1)
                },
                prev_value: Some(bench_value(&key, i as u64)),
                key: key.into_bytes(),
                mod_revision: 0,
                create_revision: if delete { 0 } else { 2 },
                version: if delete { 0 } else { 3 },
                lease: 0,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------
// Measuring.
// ---------------------------------------------------------------------------------

/// User + system CPU time of a process or thread, from its `stat` file in /proc.
fn cpu_time(stat: &str) -> Duration {
    let text = fs::read_to_string(stat).unwrap_or_default();
    // The fields after the command name (which may hold spaces) start at field 3;
    // utime and stime are fields 14 and 15.
    let rest = text.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Duration::from_secs_f64((field(11) + field(12)) as f64 / hz)
}

/// Busy CPU time of the whole machine so far, from /proc/stat.
fn machine_busy() -> Duration {
    let text = fs::read_to_string("/proc/stat").unwrap_or_default();
    let f: Vec<u64> = text
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...: all but idle and iowait.
    let busy: u64 = f.iter().take(8).sum::<u64>() - f.get(3).unwrap_or(&0) - f.get(4).unwrap_or(&0);
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Duration::from_secs_f64(busy as f64 / hz)
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for clock_gettime to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// CPU used so far by etcd, this process, its main thread (the UI loop), and the
/// whole machine.
struct Cpu {
    at: Instant,
    etcd: Duration,
    bench: Duration,
    ui: Duration,
    machine: Duration,
}

/// CPU used over an interval, each in percent of one CPU.
#[derive(Default)]
struct CpuUse {
    etcd: f64,
    bench: f64,
    ui: f64,
    /// Everything else on the machine: other people's builds and benches.
    others: f64,
}

impl Cpu {
    fn now(etcd: Option<u32>) -> Cpu {
        let me = std::process::id();
        Cpu {
            at: Instant::now(),
            etcd: etcd.map_or(Duration::ZERO, |p| cpu_time(&format!("/proc/{p}/stat"))),
            bench: cpu_time("/proc/self/stat"),
            ui: cpu_time(&format!("/proc/self/task/{me}/stat")),
            machine: machine_busy(),
        }
    }

    fn since(&self, before: &Cpu) -> CpuUse {
        let secs = (self.at - before.at).as_secs_f64().max(1e-9);
        let pct = |a: Duration, b: Duration| (a.saturating_sub(b)).as_secs_f64() / secs * 100.0;
        CpuUse {
            etcd: pct(self.etcd, before.etcd),
            bench: pct(self.bench, before.bench),
            ui: pct(self.ui, before.ui),
            others: (pct(self.machine, before.machine)
                - pct(self.etcd, before.etcd)
                - pct(self.bench, before.bench))
            .max(0.0),
        }
    }
}

impl CpuUse {
    fn describe(&self, with_etcd: bool) -> String {
        let etcd = if with_etcd {
            format!("etcd {:.0}%, ", self.etcd)
        } else {
            String::new()
        };
        format!(
            "{etcd}bench process {:.0}% (UI loop thread {:.0}%), others {:.0}%",
            self.bench, self.ui, self.others
        )
    }
}

/// A field of /proc/self/status in bytes (VmRSS, VmHWM).
fn proc_status(field: &str) -> u64 {
    let text = fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so a peak belongs to one phase.
fn reset_peak() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn pct(v: &[Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let mut s = v.to_vec();
    s.sort();
    let i = ((s.len() as f64 * p).ceil() as usize).clamp(1, s.len()) - 1;
    s[i]
}

/// Every key within the target: p99 and max.
fn keys_ok(v: &[Duration]) -> bool {
    !v.is_empty() && pct(v, 0.99) <= TARGET_KEY && max(v) <= TARGET_KEY
}

fn worst(w: Option<WorstKey>) -> String {
    w.map_or_else(String::new, |w| w.describe())
}

fn max(v: &[Duration]) -> Duration {
    v.iter().copied().max().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    let m = d.as_secs_f64() * 1000.0;
    if m < 10.0 {
        format!("{m:.2} ms")
    } else {
        format!("{m:.0} ms")
    }
}

fn per_s(x: f64) -> String {
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / MIB)
}

fn yes(ok: bool) -> &'static str {
    if ok { "yes" } else { "**no**" }
}

fn etcd_version(bin: &Path) -> String {
    let out = Command::new(bin).arg("--version").output();
    let text = out
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("etcd Version: "))
        .unwrap_or("unknown")
        .trim()
        .to_string()
}

struct Table(String, Vec<Summary>);

impl Table {
    fn new() -> Table {
        Table(
            "| measurement | value | target | met? |\n| --- | --- | --- | --- |\n".to_string(),
            Vec::new(),
        )
    }

    /// A figure for the one-table report of `scripts/bench`.
    fn headline(&mut self, row: Summary) {
        self.1.push(row);
    }

    fn row(&mut self, what: &str, value: String, target: &str, met: Option<bool>) {
        let met = met.map_or("", yes);
        self.0
            .push_str(&format!("| {what} | {value} | {target} | {met} |\n"));
    }
}

async fn run(load_rt: tokio::runtime::Handle) -> String {
    let started = Instant::now();
    let bin = find_etcd_binary().expect("etcd not found: set ETCDTUI_ETCD_BIN or put etcd on PATH");
    let version = etcd_version(&bin);
    log(format!("etcd {version} at {}", bin.display()));
    let mut opts = ClusterOptions::new(1, &bin);
    opts.extra_args = ["--quota-backend-bytes", "8589934592"]
        .map(String::from)
        .to_vec();
    let cluster = LocalCluster::start(opts).await.expect("etcd starts");
    let endpoint = cluster.client_urls()[0].clone();
    let etcd_pid = cluster.pid(0);
    // Connected on the writers' runtime, so their connections live there too.
    let clients = {
        let endpoint = endpoint.clone();
        load_rt
            .spawn(async move {
                let mut clients = Vec::new();
                for _ in 0..CLIENTS {
                    let c = Client::connect([endpoint.as_str()], None).await;
                    clients.push(c.expect("connect a writer"));
                }
                clients
            })
            .await
            .expect("writers connect")
    };
    let load = Arc::new(Load {
        rt: load_rt,
        clients,
    });

    // 1. How fast etcd takes writes here.
    let mut best = (0.0, IN_FLIGHT[0]);
    for (round, &k) in IN_FLIGHT.iter().enumerate() {
        let w = write_load(&load, k, PROBE, round as u64, etcd_pid).await;
        log(format!(
            "probe: {CLIENTS} clients x {k} in flight: {} writes/s",
            per_s(w.rate())
        ));
        if w.rate() > best.0 {
            best = (w.rate(), k);
        }
    }
    let in_flight = best.1;
    let alone = write_load(&load, in_flight, WRITE_FOR, 10, etcd_pid).await;
    log(format!(
        "etcd alone: {} writes in {:.1} s: {} writes/s ({CLIENTS} clients x {in_flight} in flight)",
        alone.writes,
        (alone.finished - alone.started).as_secs_f64(),
        per_s(alone.rate())
    ));

    // What serving a watch costs etcd by itself: a plain client that only counts.
    let mut bare = Vec::new();
    for (round, prev_kv) in [(11, false), (12, true)] {
        let (w, seen, lag, latency) =
            bare_watch_load(&endpoint, &load, in_flight, prev_kv, round, etcd_pid).await;
        log(format!(
            "etcd with a bare watch (prev_kv {prev_kv}): {} writes/s, {seen} of {} events seen, latency p50/p99/max {}, lag {}",
            per_s(w.rate()),
            w.events,
            latency.describe(),
            lag.map_or("-".into(), ms)
        ));
        bare.push((prev_kv, w, seen, lag, latency));
    }

    // 2. The same load with the app's watch open.
    let (ev_tx, mut ev_rx) = mpsc::channel(RUNTIME_CHANNEL);
    let etcd = session::spawn(ev_tx);
    let mut ui = Ui::new(vec![endpoint.clone()], Some(etcd.clone()));
    etcd.send(Request::Connect {
        generation: ui.app.generation,
        spec: ConnectSpec {
            endpoints: vec![endpoint.clone()],
            ..ConnectSpec::default()
        },
    });
    let stop_keys = Arc::new(AtomicBool::new(false));
    let (mut keys, presser) = key_presser(stop_keys.clone());
    let mut stats = Stats::default();
    let limit = Instant::now() + Duration::from_secs(30);
    ui.run_loop(&mut ev_rx, &mut keys, None, &mut stats, |a, _| {
        assert!(Instant::now() < limit, "no connection to etcd");
        matches!(a.conn, ConnState::Connected { .. })
    })
    .await;
    ui.keys(":watch /bench/\n");
    ui.run_loop(&mut ev_rx, &mut keys, None, &mut stats, |a, _| {
        assert!(Instant::now() < limit, "the watch did not go live");
        a.watch
            .tab()
            .is_some_and(|t| matches!(t.state, etcdtui::app::watch::TabState::Live { .. }))
    })
    .await;
    let mut stats = Stats::default();
    let done: Arc<Mutex<Option<Written>>> = Arc::new(Mutex::new(None));
    let final_rev = Arc::new(AtomicI64::new(i64::MAX));
    let writing = {
        let load = load.clone();
        let done = done.clone();
        let final_rev = final_rev.clone();
        tokio::spawn(async move {
            let w = write_load(&load, in_flight, WRITE_FOR, 20, etcd_pid).await;
            final_rev.store(w.last_revision, Ordering::SeqCst);
            *done.lock().expect("lock") = Some(w);
        })
    };
    let total_before = ui.app.watch.tab().map_or(0, |t| t.total);
    let mut gave_up = false;
    ui.run_loop(&mut ev_rx, &mut keys, None, &mut stats, |a, _| {
        let rev = final_rev.load(Ordering::SeqCst);
        let caught_up = a.watch.tab().is_some_and(|t| t.last_revision >= rev);
        if rev != i64::MAX && !caught_up {
            let finished = done.lock().expect("lock").as_ref().map(|w| w.finished);
            if finished.is_some_and(|f| f.elapsed() > CATCH_UP_LIMIT) {
                gave_up = true;
                return true;
            }
        }
        caught_up
    })
    .await;
    writing.await.expect("write load");
    stop_keys.store(true, Ordering::Relaxed);
    let watched = done.lock().expect("lock").take().expect("writes done");
    let tab = ui.app.watch.tab().expect("the tab");
    let delivered = tab.total - total_before;
    let (applied_at, _) = stats.last_change.expect("events arrived");
    let lag = applied_at.saturating_duration_since(watched.finished);
    let app_latency = Latency::of(&watched.acks, &stats.applied_revs);
    let delivered_rate = app_latency.rate();
    let written_rate = {
        let first = watched.acks.iter().map(|a| a.1).min();
        let last = watched.acks.iter().map(|a| a.1).max();
        match first.zip(last) {
            Some((a, b)) if b > a => watched.acks.len() as f64 / (b - a).as_secs_f64(),
            _ => 0.0,
        }
    };
    log(format!(
        "with the watch: {} writes/s, {} of {} events delivered at {} events/s, latency p50/p99/max {}, last {} after the writes{}",
        per_s(watched.rate()),
        delivered,
        watched.events,
        per_s(delivered_rate),
        app_latency.describe(),
        ms(lag),
        if gave_up { " (gave up)" } else { "" }
    ));
    let watch_frames = std::mem::take(&mut stats.frames);
    let watch_keys = std::mem::take(&mut stats.keys);
    let watch_most = stats.most_per_pass;
    let watch_worst = stats.worst_key;
    // The events etcd sent, to replay.
    let mut recorded: Vec<WatchEvent> = tab.events.iter().map(|r| r.ev.clone()).collect();
    let recorded_from_etcd = recorded.len() >= 1000;
    if !recorded_from_etcd {
        recorded = synthetic_pool(10_000);
    }
    let pool_bytes: usize = recorded
        .iter()
        .map(|e| e.key.len() + e.value.len() + e.prev_value.as_ref().map_or(0, Vec::len))
        .sum();
    let pool_avg = pool_bytes as f64 / recorded.len() as f64;
    drop(keys);
    let _ = presser.join();
    etcd.send(Request::Shutdown);
    drop(ui);
    drop(ev_rx);
    drop(load);
    drop(cluster);

    // 3. The pipeline's own ceiling, then the target rate.
    let pool = Arc::new(recorded);
    log(format!(
        "ceiling: replaying {} recorded events ({:.0} bytes of key and values each) for {:.0} s",
        pool.len(),
        pool_avg,
        CEILING_FOR.as_secs_f64()
    ));
    let flat = feed_run(&pool, Pace::Flat, CEILING_FOR).await;
    let ceiling = flat.applied as f64 / flat.secs;
    log(format!(
        "ceiling: {} events in {:.1} s = {} events/s, {} frames, key p99 {}",
        flat.applied,
        flat.secs,
        per_s(ceiling),
        flat.frames.len(),
        ms(pct(&flat.keys, 0.99))
    ));
    log(format!(
        "paced: {} events/s for {:.0} s",
        per_s(PACED_RATE),
        PACED_FOR.as_secs_f64()
    ));
    let paced = feed_run(&pool, Pace::Rate(PACED_RATE), PACED_FOR).await;
    let paced_rate = paced.applied as f64 / paced.secs;
    log(format!(
        "paced: {} events/s applied, key p99 {}",
        per_s(paced_rate),
        ms(pct(&paced.keys, 0.99))
    ));

    // The table.
    let mut t = Table::new();
    t.row(
        "etcd write rate (1 member, no watch)",
        format!(
            "{} writes/s ({CLIENTS} clients x {in_flight} in flight, {} B values, 10% deletes, {:.1} s)",
            per_s(alone.rate()),
            VALUE_BYTES,
            (alone.finished - alone.started).as_secs_f64()
        ),
        "fastest of 1/4/16 in flight",
        None,
    );
    t.row(
        "  CPU during it (% of one CPU; 2 CPUs = 200%)",
        alone.cpu.describe(true),
        "—",
        None,
    );
    for (prev_kv, w, seen, lag, latency) in &bare {
        t.row(
            &format!(
                "etcd write rate with a bare etcd-client watch{}",
                if *prev_kv { " with prev_kv" } else { "" }
            ),
            format!(
                "{} writes/s ({seen} of {} events seen; latency p50 / p99 / max {}; last {} after the writes); {}",
                per_s(w.rate()),
                w.events,
                latency.describe(),
                lag.map_or("-".into(), ms),
                w.cpu.describe(true)
            ),
            "—",
            None,
        );
    }
    t.row(
        "etcd write rate with the app's `:watch /bench/` open (prev_kv, drawing)",
        format!(
            "{} writes/s; {}",
            per_s(watched.rate()),
            watched.cpu.describe(true)
        ),
        "—",
        None,
    );
    let all = delivered == watched.events;
    t.row(
        "watch: events delivered into the app",
        format!("{delivered} of {}", watched.events),
        "all",
        Some(all),
    );
    let ratio = delivered_rate / written_rate.max(1.0);
    t.row(
        "watch: delivered rate vs written (each over its own span)",
        format!(
            "{} events/s applied vs {} events/s acknowledged ({:.1}%)",
            per_s(delivered_rate),
            per_s(written_rate),
            ratio * 100.0
        ),
        "≈ write rate (≥ 98%)",
        Some(ratio >= 0.98),
    );
    // etcd's own delivery, measured with a bare client watching the same way.
    let reference = bare.iter().find(|b| b.0);
    let ref_lag = reference.and_then(|b| b.3).unwrap_or_default();
    t.row(
        "watch: latency, write acknowledged → event applied, p50 / p99 / max",
        format!(
            "{} (bare etcd-client watch with prev_kv: {})",
            app_latency.describe(),
            reference.map_or("-".into(), |b| b.4.describe())
        ),
        "— (mostly etcd's: compare the bare client)",
        None,
    );
    t.row(
        "watch: lag at the end (writes done → last event applied)",
        if gave_up {
            format!("> {} s", CATCH_UP_LIMIT.as_secs())
        } else {
            format!(
                "{} (bare etcd-client watch with prev_kv: {})",
                ms(lag),
                ms(ref_lag)
            )
        },
        &format!("≤ bare client's + {}", ms(TARGET_ADDED)),
        Some(!gave_up && lag <= ref_lag + TARGET_ADDED),
    );
    t.row(
        "watch: frames; frame time p50 / p99",
        format!(
            "{}; {} / {}",
            watch_frames.len(),
            ms(pct(&watch_frames, 0.5)),
            ms(pct(&watch_frames, 0.99))
        ),
        "p99 < 16 ms",
        Some(pct(&watch_frames, 0.99) < MIN_FRAME),
    );
    t.row(
        "watch: key latency p50 / p99 / max",
        format!(
            "{} / {} / {} ({} keys; at most {} events in one pass; {})",
            ms(pct(&watch_keys, 0.5)),
            ms(pct(&watch_keys, 0.99)),
            ms(max(&watch_keys)),
            watch_keys.len(),
            watch_most,
            worst(watch_worst)
        ),
        &format!("≤ {}", ms(TARGET_KEY)),
        Some(keys_ok(&watch_keys)),
    );
    t.row(
        "ceiling: events/s ingested (recorded events, drawing)",
        format!(
            "{} events/s ({} events in {:.1} s, {} batches fed; {} from etcd, {:.0} B key+values each)",
            per_s(ceiling),
            flat.applied,
            flat.secs,
            flat.fed.batches,
            if recorded_from_etcd {
                "recorded"
            } else {
                "synthetic"
            },
            pool_avg
        ),
        &format!("≥ {}", per_s(TARGET_CEILING)),
        Some(ceiling >= TARGET_CEILING),
    );
    t.headline(
        Summary::new(
            "Watch ingest ceiling: recorded etcd events fed as fast as the app takes them, drawing",
            format!("{} events/s", per_s(ceiling)),
        )
        .against(
            format!(
                "{} writes/s (etcd's own top write rate here; etcdctl has no ingest mode)",
                per_s(alone.rate())
            ),
            ceiling,
            alone.rate(),
        )
        .target(
            format!("≥ {} events/s", per_s(TARGET_CEILING)),
            ceiling >= TARGET_CEILING,
        ),
    );
    t.row(
        "ceiling ÷ etcd write rate",
        format!("{:.1}x", ceiling / alone.rate().max(1.0)),
        "> 1 (never the bottleneck)",
        Some(ceiling > alone.rate()),
    );
    let idle = flat.waited.as_secs_f64() / flat.secs * 100.0;
    let busy_rate = flat.applied as f64 / (flat.secs - flat.waited.as_secs_f64()).max(1e-9);
    t.row(
        "ceiling: app waiting for events",
        format!(
            "{idle:.1}% of the run (feeder fed {} events; {} events per second the app was busy); {}",
            flat.fed.events,
            per_s(busy_rate),
            flat.cpu.describe(false)
        ),
        "≈ 0 (saturated)",
        None,
    );
    t.row(
        "ceiling: frames drawn; frame time p50 / p99",
        format!(
            "{} ({:.0}/s); {} / {}",
            flat.frames.len(),
            flat.frames.len() as f64 / flat.secs,
            ms(pct(&flat.frames, 0.5)),
            ms(pct(&flat.frames, 0.99))
        ),
        "p99 < 16 ms",
        Some(pct(&flat.frames, 0.99) < MIN_FRAME),
    );
    t.row(
        "ceiling: key latency p50 / p99 / max",
        format!(
            "{} / {} / {} ({} of {} keys; at most {} events in one pass; {})",
            ms(pct(&flat.keys, 0.5)),
            ms(pct(&flat.keys, 0.99)),
            ms(max(&flat.keys)),
            flat.keys.len(),
            flat.keys_sent,
            flat.most_per_pass,
            worst(flat.worst_key)
        ),
        &format!("≤ {}", ms(TARGET_KEY)),
        Some(keys_ok(&flat.keys)),
    );
    t.headline(
        Summary::new(
            "Key press answered while ingesting at the ceiling, both cores saturated: p99 / max",
            format!("{} / {}", ms(pct(&flat.keys, 0.99)), ms(max(&flat.keys))),
        )
        .target(format!("≤ {}", ms(TARGET_KEY)), keys_ok(&flat.keys)),
    );
    t.row(
        "ceiling: RSS start → ring full → end; peak",
        format!(
            "{} → {} → {}; {} (each second: {})",
            mib(flat.rss_start),
            flat.rss_ring_full.map_or("-".into(), mib),
            mib(flat.rss_end),
            mib(flat.hwm_end),
            flat.rss
                .iter()
                .map(|b| format!("{:.1}", *b as f64 / MIB))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "flat: end ≤ second 2 + 5%",
        flat.rss
            .get(1)
            .map(|s2| flat.rss_end as f64 <= *s2 as f64 * 1.05),
    );
    t.row(
        "ceiling: ring",
        format!(
            "{} rows, {} dropped, {} of rows",
            flat.ring_len,
            flat.dropped,
            mib(flat.ring_bytes as u64)
        ),
        "10,000 rows",
        Some(flat.ring_len == etcdtui::app::watch::DEFAULT_CAPACITY),
    );
    t.row(
        &format!("at {} events/s: applied", per_s(PACED_RATE)),
        format!(
            "{} events/s; {} frames, p99 {}; {}",
            per_s(paced_rate),
            paced.frames.len(),
            ms(pct(&paced.frames, 0.99)),
            paced.cpu.describe(false)
        ),
        &format!("{} events/s", per_s(PACED_RATE)),
        Some(paced_rate >= PACED_RATE * 0.98),
    );
    t.row(
        &format!(
            "at {} events/s: key latency p50 / p99 / max",
            per_s(PACED_RATE)
        ),
        format!(
            "{} / {} / {} ({} keys; at most {} events in one pass; {})",
            ms(pct(&paced.keys, 0.5)),
            ms(pct(&paced.keys, 0.99)),
            ms(max(&paced.keys)),
            paced.keys.len(),
            paced.most_per_pass,
            worst(paced.worst_key)
        ),
        &format!("≤ {}", ms(TARGET_KEY)),
        Some(keys_ok(&paced.keys)),
    );
    t.headline(
        Summary::new(
            format!(
                "Key press answered while {} events/s stream in: p99 / max",
                per_s(paced_rate)
            ),
            format!("{} / {}", ms(pct(&paced.keys, 0.99)), ms(max(&paced.keys))),
        )
        .target(format!("≤ {}", ms(TARGET_KEY)), keys_ok(&paced.keys)),
    );
    t.row(
        &format!(
            "at {} events/s: pipeline latency, batch handed over → applied, p50 / p99 / max",
            per_s(PACED_RATE)
        ),
        format!(
            "{} ({} batches)",
            paced.latency.describe(),
            paced.latency.all.len()
        ),
        &format!("p99 ≤ {}", ms(TARGET_ADDED)),
        Some(!paced.latency.all.is_empty() && pct(&paced.latency.all, 0.99) <= TARGET_ADDED),
    );
    t.row(
        &format!("at {} events/s: RSS start → end; peak", per_s(PACED_RATE)),
        format!(
            "{} → {}; {}",
            mib(paced.rss_start),
            mib(paced.rss_end),
            mib(paced.hwm_end)
        ),
        "—",
        None,
    );
    log(format!("done in {:.0} s", started.elapsed().as_secs_f64()));
    append_summary("Watch pipeline (benches/watch.rs)", &t.1);
    format!(
        "etcd {version}; {}x{} screen, a frame at most every {} ms, at most {EVENT_BATCH} messages between frames, a `j` key every {} ms; total bench time {:.0} s\n\n{}",
        WIDTH,
        HEIGHT,
        MIN_FRAME.as_millis(),
        KEY_EVERY.as_millis(),
        started.elapsed().as_secs_f64(),
        t.0
    )
}
