//! A 1,000,000-key, ~1 GiB snapshot: how long `SnapshotFile::open` plus the Keys view's
//! first listing of "/" takes and how much memory it holds, against the key bytes; and
//! `etcdtui snapshot status` against `etcdutl snapshot status` (3.5) and `etcdctl
//! snapshot status` (3.4) on the same file, wall time and peak RSS from wait4.
//! Run it with `cargo bench --bench snapshot`; the first run seeds a throwaway etcd and
//! saves the snapshot under `.cache/bench-snapshot-1m/`, later runs reuse it. Prints a
//! markdown table; with `ETCDTUI_BENCH_SUMMARY=FILE` also appends the headline rows there.

#[path = "common/mod.rs"]
mod common;
#[path = "snapshot_data/mod.rs"]
mod data;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::{met, ratio};
use etcdtui::etcd::keys::{KeysAnswer, KeysOp};
use etcdtui::localcluster::{find_binary, find_etcd_binary};
use etcdtui::snapfile::SnapshotFile;

const RUNS: usize = 3;
const MIB: f64 = 1024.0 * 1024.0;
const TARGET_OPEN_SECS: f64 = 2.0;
/// "A small multiple of the key bytes": this many times them, plus a fixed allowance for
/// the program itself.
const TARGET_RSS_PER_KEY_BYTE: f64 = 3.0;
const FIXED_RSS_MIB: f64 = 32.0;

fn main() {
    // `cargo test --all-targets` would run this too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("benches/snapshot.rs: run it with `cargo bench --bench snapshot`");
        return;
    }
    let etcd = find_etcd_binary().expect("etcd: set ETCDTUI_ETCD_BIN or put etcd on PATH");
    let etcdctl = find_binary("ETCDTUI_ETCDCTL_BIN", "etcdctl").expect("etcdctl not found");
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/bench-snapshot-1m");
    let file = data::cached_snapshot(&etcd, &etcdctl, &cache);
    let open = open_in_process(&file);
    let ours = best(&[
        env!("CARGO_BIN_EXE_etcdtui"),
        "snapshot",
        "status",
        &file.display().to_string(),
        "-o",
        "json",
    ]);
    let references = reference_tools(&etcdctl)
        .into_iter()
        .map(|(name, bin)| {
            let shown = bin.display().to_string();
            let run = best(&[
                &shown,
                "snapshot",
                "status",
                &file.display().to_string(),
                "-w",
                "json",
            ]);
            (name, run)
        })
        .collect::<Vec<_>>();
    let rows = rows(&file, &open, &ours, &references);
    println!("{}", table(&rows));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average during the run: {}",
        load.split(' ').take(3).collect::<Vec<_>>().join(" ")
    );
    summary(&rows);
}

/// etcdutl from 3.5 (`ETCDTUI_ETCDUTL_BIN`, or next to etcdctl) and etcdctl from 3.4
/// (`/usr/bin/etcdctl`, or the etcdctl in use).
fn reference_tools(etcdctl: &Path) -> Vec<(String, PathBuf)> {
    let mut tools = Vec::new();
    let etcdutl = std::env::var_os("ETCDTUI_ETCDUTL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| etcdctl.with_file_name("etcdutl"));
    if etcdutl.is_file() {
        tools.push((format!("etcdutl {}", version(&etcdutl)), etcdutl));
    }
    for ctl in [PathBuf::from("/usr/bin/etcdctl"), etcdctl.to_path_buf()] {
        let v = version(&ctl);
        if ctl.is_file() && v.starts_with("3.4") && !tools.iter().any(|(_, b)| *b == ctl) {
            tools.push((format!("etcdctl {v}"), ctl));
            break;
        }
    }
    tools
}

fn version(bin: &Path) -> String {
    let out = Command::new(bin)
        .arg("version")
        .env("ETCDCTL_API", "3")
        .output();
    let text = out
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    text.lines()
        .find_map(|l| l.split_once("version:").map(|(_, v)| v.trim().to_string()))
        .unwrap_or_default()
}

struct Open {
    seconds: f64,
    /// CPU time of the process for the best run, both threads (the SHA-256 check runs
    /// on its own): what the open costs whatever else the machine is doing.
    cpu_seconds: f64,
    peak_rss: u64,
    key_bytes: u64,
    keys: usize,
    top_level: usize,
}

/// Open + the Keys view's first "/" listing, best of `RUNS`; the peak RSS of the whole
/// process during one open (VmHWM, reset before it), since that is what a user pays.
fn open_in_process(file: &Path) -> Open {
    let mut best = Open {
        seconds: f64::INFINITY,
        cpu_seconds: 0.0,
        peak_rss: 0,
        key_bytes: 0,
        keys: 0,
        top_level: 0,
    };
    for _ in 0..RUNS {
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let cpu = self_cpu();
        let started = Instant::now();
        let snap = SnapshotFile::open(file).expect("open the snapshot");
        let op = KeysOp::Children {
            node: b"/".to_vec(),
            sep: b'/',
            start: None,
            revision: None,
            want: 200,
            hint: None,
        };
        let answer = etcdtui::etcd::snapkeys::run_op(&snap, op).expect("list /");
        let seconds = started.elapsed().as_secs_f64();
        let cpu = self_cpu() - cpu;
        let KeysAnswer::Children(page) = answer else {
            panic!("not a listing");
        };
        if seconds < best.seconds {
            best.cpu_seconds = cpu;
        }
        best.seconds = best.seconds.min(seconds);
        best.peak_rss = best.peak_rss.max(if reset { vm_hwm() } else { 0 });
        best.top_level = page.children.len();
        best.keys = snap.keys().count();
        best.key_bytes = snap.keys().map(|e| e.key.len() as u64).sum();
    }
    best
}

/// User + system CPU seconds of this process so far, all threads.
fn self_cpu() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return f64::NAN;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn vm_hwm() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

struct Run {
    seconds: f64,
    peak_rss: u64,
    ok: bool,
}

/// One run of `cmd` (which must succeed), its wall time and its own peak RSS.
fn timed(cmd: &[&str]) -> Run {
    let args: Vec<String> = cmd[1..].iter().map(|s| s.to_string()).collect();
    let (wall, peak_rss, _) = common::run_timed(Path::new(cmd[0]), &args);
    Run {
        seconds: wall.as_secs_f64(),
        peak_rss,
        ok: true,
    }
}

fn best(cmd: &[&str]) -> Run {
    let mut runs: Vec<Run> = (0..RUNS).map(|_| timed(cmd)).collect();
    runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let first = runs.remove(0);
    assert!(first.ok, "{} failed", cmd.join(" "));
    first
}

/// `| measurement | etcdtui | reference (command) | ratio | target | met? |`
type Row = [String; 6];

fn rows(file: &Path, open: &Open, ours: &Run, refs: &[(String, Run)]) -> Vec<Row> {
    let size = std::fs::metadata(file).map_or(0, |m| m.len()) as f64 / MIB / 1024.0;
    let what = format!("{} keys, {size:.2} GiB file", open.keys);
    let allowed = open.key_bytes as f64 * TARGET_RSS_PER_KEY_BYTE + FIXED_RSS_MIB * MIB;
    let key_mib = open.key_bytes as f64 / MIB;
    let mut rows = vec![
        [
            format!("snapshot open + top level ({what})"),
            format!("{:.2} s ({:.2} s CPU)", open.seconds, open.cpu_seconds),
            match refs.first() {
                Some((name, r)) => format!("{:.2} s (`{name} snapshot status`)", r.seconds),
                None => "—".into(),
            },
            refs.first()
                .map_or("—".into(), |(_, r)| ratio(open.seconds, r.seconds)),
            format!("< {TARGET_OPEN_SECS} s"),
            met(open.seconds < TARGET_OPEN_SECS).to_string(),
        ],
        [
            format!("snapshot open peak RSS ({what})"),
            format!("{:.0} MiB", open.peak_rss as f64 / MIB),
            format!("{key_mib:.0} MiB (raw key bytes)"),
            format!(
                "{:.2}× key bytes",
                open.peak_rss as f64 / open.key_bytes as f64
            ),
            format!("< {TARGET_RSS_PER_KEY_BYTE}× key bytes + {FIXED_RSS_MIB} MiB"),
            met(open.peak_rss > 0 && (open.peak_rss as f64) < allowed).to_string(),
        ],
    ];
    for (name, r) in refs {
        rows.push([
            format!("snapshot status wall time ({what})"),
            format!("{:.2} s", ours.seconds),
            format!("{:.2} s (`{name} snapshot status -w json`)", r.seconds),
            ratio(ours.seconds, r.seconds),
            "—".into(),
            "—".into(),
        ]);
        rows.push([
            format!("snapshot status peak RSS ({what})"),
            format!("{:.0} MiB", ours.peak_rss as f64 / MIB),
            format!(
                "{:.0} MiB (`{name} snapshot status -w json`)",
                r.peak_rss as f64 / MIB
            ),
            ratio(ours.peak_rss as f64, r.peak_rss as f64),
            "—".into(),
            "—".into(),
        ]);
    }
    rows
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| measurement | etcdtui | reference (command) | ratio | target | met? |\n\
         | --- | ---: | ---: | ---: | --- | --- |\n",
    );
    for r in rows {
        out.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    out
}

/// The headline rows for `scripts/bench`'s one table.
fn summary(rows: &[Row]) {
    let rows: Vec<common::Summary> = rows
        .iter()
        .map(
            |[what, ours, reference, ratio, target, met]| common::Summary {
                what: what.clone(),
                ours: ours.clone(),
                reference: reference.clone(),
                ratio: ratio.clone(),
                target: target.clone(),
                met: met.clone(),
            },
        )
        .collect();
    common::append_summary("Snapshot files (benches/snapshot.rs)", &rows);
}
