//! The phases with a watcher: the real etcdtui in a pty with a view open, and a bare
//! etcd-client watch asking for prev_kv.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use etcd_client::{Client, WatchOptions};

use super::system::{cpu_secs, run_delay};
use super::term::Tui;
use super::{Generator, HELP, IDLE_KEYS, KEY_EVERY, Kind, PHASE, PREFIX, Phase, SETTLE, log};

/// Phase (b) or (c): the real binary with the view open while the writers run.
pub fn app_phase(
    kind: Kind,
    bin: &Path,
    endpoint: &str,
    home: &Path,
    load_gen: &Generator,
    in_flight: usize,
) -> Phase {
    let tui = Tui::start(bin, endpoint, home);
    tui.wait_for("1 Keys", Duration::from_secs(30));
    // The status line that carries the view's event count.
    let marker = if kind == Kind::Churn {
        tui.press("7");
        "no prev_kv"
    } else {
        tui.press(&format!(":watch {PREFIX}\r"));
        "live on"
    };
    tui.wait(Duration::from_secs(30), |g| {
        g.contains("live on") && g.contains(marker)
    })
    .unwrap_or_else(|| panic!("the view did not go live:\n{}", tui.screen().join("\n")));
    // Let the start-up's own reads (the Keys view's first level, the Cluster view's
    // status) finish before the writes start.
    std::thread::sleep(Duration::from_millis(500));
    // The same presses with etcd idle: what the machine alone (the other work on it)
    // does to a key's latency, so a slow key under load can be told apart.
    let stop = AtomicBool::new(false);
    let waited0 = run_delay(tui.pid as u32);
    let (idle_keys, idle_unanswered) = std::thread::scope(|s| {
        let presser = s.spawn(|| press_keys(&tui, &stop));
        std::thread::sleep(IDLE_KEYS);
        stop.store(true, Ordering::Relaxed);
        presser.join().expect("key presser")
    });
    let idle_waited = (run_delay(tui.pid as u32) - waited0) / IDLE_KEYS.as_secs_f64();
    let before = count(&tui.screen(), marker).unwrap_or(0);
    let cpu0 = cpu_secs(tui.pid as u32);
    let stop = AtomicBool::new(false);
    let mut waited = vec![idle_waited];
    let waited0 = run_delay(tui.pid as u32);
    let bytes0 = tui.output_bytes();
    let mut output = 0.0;
    let (written, watcher_cpu, (keys, unanswered)) = std::thread::scope(|s| {
        let presser = s.spawn(|| press_keys(&tui, &stop));
        let w = load_gen.run(in_flight, PHASE);
        let cpu = cpu_secs(tui.pid as u32) - cpu0;
        output = (tui.output_bytes() - bytes0) as f64 / w.secs;
        waited.push((run_delay(tui.pid as u32) - waited0) / w.secs);
        stop.store(true, Ordering::Relaxed);
        (w, cpu, presser.join().expect("key presser"))
    });
    let want = before + written.writes;
    let reached = tui.wait(SETTLE, |g| {
        count(&g.lines(), marker).is_some_and(|c| c >= want)
    });
    if reached.is_none() {
        log(format!(
            "{}: the count did not reach {want} within {SETTLE:?}; the screen:\n{}",
            kind.name(),
            tui.screen().join("\n")
        ));
    }
    // A moment more, so a count past the writes (an event counted twice) would show.
    std::thread::sleep(Duration::from_millis(600));
    let counted = count(&tui.screen(), marker).map(|c| c.saturating_sub(before));
    if !tui.quit(Duration::from_secs(10)) {
        log("etcdtui did not quit cleanly on q");
    }
    Phase {
        written,
        counted,
        keys,
        unanswered,
        idle_keys,
        idle_unanswered,
        waited: Some((waited[0], waited.get(1).copied().unwrap_or(0.0))),
        output: Some(output),
        watcher_cpu: Some(watcher_cpu),
    }
}

/// Presses `?` every [`KEY_EVERY`] until `stop`, alternately opening and closing the
/// help, and times each press until the screen shows the change.
fn press_keys(tui: &Tui, stop: &AtomicBool) -> (Vec<Duration>, usize) {
    let limit = Duration::from_secs(5);
    let (mut keys, mut unanswered) = (Vec::new(), 0);
    let mut open = false;
    while !stop.load(Ordering::Relaxed) {
        let pressed = Instant::now();
        tui.press("?");
        let want = !open;
        match tui.wait(limit, |g| g.contains(HELP) == want) {
            Some(at) => keys.push(at.saturating_duration_since(pressed)),
            None => unanswered += 1,
        }
        open = tui.screen().iter().any(|l| l.contains(HELP));
        std::thread::sleep(KEY_EVERY);
    }
    if open {
        tui.press("?");
        tui.wait(limit, |g| !g.contains(HELP));
    }
    (keys, unanswered)
}

/// The number before " events" on the line holding `marker` (digits and commas).
fn count(lines: &[String], marker: &str) -> Option<u64> {
    let line = lines.iter().find(|l| l.contains(marker))?;
    let at = line.find(" events")?;
    let token = line[..at].split_whitespace().last()?;
    token.replace(',', "").parse().ok()
}

/// Phase (d): a plain etcd-client watch with prev_kv that only counts.
pub fn prev_kv_phase(
    rt: &tokio::runtime::Runtime,
    endpoint: &str,
    load_gen: &Generator,
    in_flight: usize,
) -> Phase {
    let seen = Arc::new(AtomicU64::new(0));
    let (ready, is_ready) = std::sync::mpsc::channel();
    let task = {
        let seen = seen.clone();
        let endpoint = endpoint.to_string();
        rt.spawn(async move {
            let mut client = Client::connect([endpoint], None)
                .await
                .expect("connect the watcher");
            let options = WatchOptions::new().with_prefix().with_prev_key();
            let mut stream = client
                .watch(PREFIX, Some(options))
                .await
                .expect("open a watch");
            stream.message().await.expect("watch created");
            let _ = ready.send(());
            while let Ok(Some(resp)) = stream.message().await {
                seen.fetch_add(resp.events().len() as u64, Ordering::Relaxed);
            }
        })
    };
    is_ready
        .recv_timeout(Duration::from_secs(30))
        .expect("the prev_kv watch did not start");
    let written = load_gen.run(in_flight, PHASE);
    let deadline = Instant::now() + SETTLE;
    while seen.load(Ordering::Relaxed) < written.writes && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    task.abort();
    Phase {
        counted: Some(seen.load(Ordering::Relaxed)),
        ..Phase::plain(written)
    }
}
