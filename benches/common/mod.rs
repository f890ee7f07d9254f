//! Pieces every benchmark shares: the one-table summary that `scripts/bench` gathers,
//! timing an etcdctl run with its own peak RSS, and number formatting.
#![allow(dead_code)] // each bench uses its own subset

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

pub const MIB: f64 = 1024.0 * 1024.0;

/// One line of the report: etcdtui's figure beside the reference tool's on the same data.
pub struct Summary {
    pub what: String,
    pub ours: String,
    pub reference: String,
    pub ratio: String,
    pub target: String,
    pub met: String,
}

impl Summary {
    pub fn new(what: impl Into<String>, ours: impl Into<String>) -> Summary {
        Summary {
            what: what.into(),
            ours: ours.into(),
            reference: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: "—".into(),
        }
    }

    /// The reference figure and ours ÷ theirs, both from the same measured quantities.
    pub fn against(mut self, reference: impl Into<String>, ours: f64, theirs: f64) -> Summary {
        self.reference = reference.into();
        self.ratio = ratio(ours, theirs);
        self
    }

    pub fn reference(mut self, reference: impl Into<String>) -> Summary {
        self.reference = reference.into();
        self
    }

    pub fn with_ratio(mut self, ratio: String) -> Summary {
        self.ratio = ratio;
        self
    }

    pub fn target(mut self, target: impl Into<String>, ok: bool) -> Summary {
        self.target = target.into();
        self.met = met(ok).into();
        self
    }

    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {} | {} |",
            self.what, self.ours, self.reference, self.ratio, self.target, self.met
        )
    }
}

/// Appends the rows to the file named by `ETCDTUI_BENCH_SUMMARY`, where `scripts/bench`
/// collects every bench's headline figures into one table. Without it, does nothing.
pub fn append_summary(section: &str, rows: &[Summary]) {
    let Some(path) = std::env::var_os("ETCDTUI_BENCH_SUMMARY") else {
        return;
    };
    let mut text = format!("| **{section}** | | | | | |\n");
    for r in rows {
        text.push_str(&r.row());
        text.push('\n');
    }
    let written = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "cannot append the summary to {}: {e}",
            Path::new(&path).display()
        );
    }
}

/// Wall time, peak RSS (bytes) and CPU time of one run of `bin args`, output discarded.
/// Panics with the tool's stderr when it fails: a bench on a failed command means nothing.
#[expect(
    clippy::zombie_processes,
    reason = "reaped by wait4, which also gives its rusage"
)]
pub fn run_timed(bin: &Path, args: &[String]) -> (Duration, u64, Duration) {
    let errors = tempfile::tempfile().expect("a temp file for stderr");
    let t = std::time::Instant::now();
    let child = Command::new(bin)
        .args(args)
        .env("ETCDCTL_API", "3")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(errors.try_clone().expect("clone the stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let (status, usage) = wait4(pid);
    let elapsed = t.elapsed();
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let mut text = String::new();
        let mut f = errors;
        let _ = f.seek(SeekFrom::Start(0));
        let _ = f.read_to_string(&mut text);
        panic!(
            "{} {args:?} failed (wait status {status}): {text}",
            bin.display()
        );
    }
    let rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    (elapsed, rss, tv(usage.ru_utime) + tv(usage.ru_stime))
}

/// Reaps `pid`, returning its wait status and its own resource usage (peak RSS among it).
pub fn wait4(pid: libc::pid_t) -> (i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our unreaped child; the pointers are to live locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    (status, usage)
}

pub fn tv(t: libc::timeval) -> Duration {
    Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
        + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The p-th percentile (0–100) of a sorted slice.
pub fn pct(sorted: &[Duration], p: usize) -> Duration {
    let i = (sorted.len() * p / 100).min(sorted.len() - 1);
    sorted[i]
}

pub fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

pub fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / MIB)
}

pub fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}×", a / b)
    } else {
        "—".into()
    }
}

pub fn met(ok: bool) -> &'static str {
    if ok { "yes" } else { "**NO**" }
}

/// A ~`target`-byte Kubernetes ConfigMap in etcd's protobuf encoding: many small entries,
/// so decoding it is as much work per byte as a real large object.
pub fn big_config_map(target: usize) -> Vec<u8> {
    use etcdtui::decode::wire::Writer;
    let mut raw = Writer::new();
    raw.message(1, |m| {
        m.string(1, "big")
            .string(3, "default")
            .string(5, "uid")
            .string(6, "1");
    });
    let mut i = 0usize;
    let value = "v".repeat(48);
    while raw.finish().len() < target {
        for _ in 0..1000 {
            raw.message(2, |e| {
                e.string(1, &format!("key-{i:07}")).string(2, &value);
            });
            i += 1;
        }
    }
    Writer::k8s_value("v1", "ConfigMap", &raw.finish())
}
