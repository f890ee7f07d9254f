//! What the bench reads of the machine: CPU time and run delay from /proc, the nice
//! value it runs at, the file system and etcd's version.

use std::path::Path;

use super::log;

/// Runs the bench, and the etcd and etcdtui it starts, at a nice value of
/// `ETCDTUI_BENCH_CEILING_NICE` (default -10): on a machine shared with builds and
/// tests, the scheduler otherwise hands their CPU to whoever asks, and a ceiling that
/// moves ±30% from one phase to the next cannot show a 10% effect. On Linux a nice
/// value is per thread and inherited by the threads and processes created after, so
/// this runs first in `main`. Says what it did, for the report.
pub fn raise_priority() -> String {
    let want: i32 = std::env::var("ETCDTUI_BENCH_CEILING_NICE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(-10);
    // SAFETY: setpriority has no memory-safety requirements; 0 is this thread.
    let r = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, want) };
    if r == 0 {
        format!("nice {want}")
    } else {
        let e = std::io::Error::last_os_error();
        log(format!(
            "cannot set nice {want}: {e}; running at the default priority"
        ));
        format!("default priority (nice {want} refused: {e})")
    }
}

/// CPU seconds every CPU of the machine has spent busy (not idle or waiting on I/O).
pub fn machine_busy() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else {
        return 0.0;
    };
    let Some(cpu) = stat.lines().next() else {
        return 0.0;
    };
    let f: Vec<f64> = cpu
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait.
    let busy: f64 = f
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, v)| v)
        .sum();
    // SAFETY: sysconf has no memory-safety requirements.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    busy / hz.max(1.0)
}

/// Seconds every thread of `pid` has spent runnable, waiting for a CPU (schedstat's
/// run delay): what the machine's other work costs a process that wants to run.
pub fn run_delay(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum();
    ns as f64 / 1e9
}

/// CPU seconds (user + system) `pid` has used so far, from /proc; 0 if it is gone.
pub fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The command name may hold spaces: the fields start after its closing paren.
    let Some(rest) = stat.rsplit_once(')').map(|r| r.1) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    // SAFETY: sysconf has no memory-safety requirements.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / hz.max(1.0)
}

pub fn fs_type(path: &Path) -> String {
    std::process::Command::new("df")
        .args(["-PT"])
        .arg(path)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .nth(1)
                .and_then(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    Some(format!("{} ({})", f.get(1)?, f.last()?))
                })
        })
        .unwrap_or_else(|| "unknown".into())
}

pub fn etcd_version(bin: &Path) -> String {
    std::process::Command::new(bin)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(|l| l.trim_start_matches("etcd Version: ").to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
