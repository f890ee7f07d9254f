//! `etcdtui du [PREFIX]` (live) and `etcdtui snapshot du FILE [PREFIX]` (offline): space by
//! prefix, printed the same way by both (`du::table`, `du::json`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::du::{self, DuReport};
use crate::etcd::ConnectSpec;
use crate::etcd::du_scan::{DuProgress, du_scan, first_reader};
use crate::etcd::errors::{EtcdError, Problem};
use crate::text::{bytes, human_size, safe};

/// `-o table|json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DuOutput {
    #[default]
    Table,
    Json,
}

/// What to print and whether it worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub stdout: String,
    /// Lines for standard error, without the program name.
    pub stderr: Vec<String>,
    pub ok: bool,
}

impl Report {
    fn failed(line: String) -> Self {
        Report {
            stdout: String::new(),
            stderr: vec![safe(&line).into_owned()],
            ok: false,
        }
    }

    fn printed(r: &DuReport, top: usize, output: DuOutput) -> String {
        match output {
            DuOutput::Table => du::table(r, top),
            DuOutput::Json => {
                let mut s = serde_json::to_string_pretty(&du::json(r, top)).unwrap_or_default();
                s.push('\n');
                s
            }
        }
    }
}

/// A stopped member's data dir (or its `member` dir) stands for the db inside it.
pub fn resolve_db(path: &Path) -> PathBuf {
    if path.is_dir() {
        for inner in ["member/snap/db", "snap/db"] {
            let db = path.join(inner);
            if db.is_file() {
                return db;
            }
        }
    }
    path.to_path_buf()
}

pub fn snapshot_du(
    path: &Path,
    prefix: &[u8],
    depth: usize,
    top: usize,
    output: DuOutput,
) -> Report {
    let db = resolve_db(path);
    let file = match crate::snapfile::SnapshotFile::open(&db) {
        Ok(f) => f,
        Err(e) => return Report::failed(format!("cannot read {}: {e}", db.display())),
    };
    let report = du::from_snapshot(&file, prefix, depth);
    let mut stderr = Vec::new();
    if let Some(w) = file.warning() {
        stderr.push(safe(&format!("warning: {}: {w}", db.display())).into_owned());
    }
    Report {
        stdout: Report::printed(&report, top, output),
        ok: file.problems().is_empty(),
        stderr,
    }
}

/// Scans the cluster; ctrl-c stops the scan and prints nothing. Progress goes to standard
/// error when that is a terminal.
pub async fn live_du(
    spec: &ConnectSpec,
    prefix: &[u8],
    depth: usize,
    top: usize,
    output: DuOutput,
) -> Report {
    let client = match first_reader(spec, prefix).await {
        Ok(c) => c,
        Err(e) => return Report::failed(format!("cannot reach the cluster: {e}")),
    };
    let tty = std::io::stderr().is_terminal();
    let show = |p: &DuProgress| {
        if tty {
            eprint!("\r\x1b[K{}", progress_line(p));
        }
    };
    let scan = du_scan(&client, prefix, depth, show);
    let result = tokio::select! {
        r = scan => Some(r),
        _ = tokio::signal::ctrl_c() => None,
    };
    if tty {
        eprint!("\r\x1b[K");
    }
    match result {
        None => Report::failed("cancelled: nothing printed".into()),
        Some(Ok(r)) => Report {
            stdout: Report::printed(&r, top, output),
            stderr: Vec::new(),
            ok: true,
        },
        Some(Err(e)) => Report::failed(explain(&e, prefix)),
    }
}

/// One line of progress: what has been read, and how hard we are leaning on etcd.
pub fn progress_line(p: &DuProgress) -> String {
    let mut s = format!(
        "du: {} keys, {} at revision {}",
        p.keys,
        human_size(usize::try_from(p.bytes).unwrap_or(usize::MAX)),
        p.revision
    );
    if !p.delay.is_zero() {
        s.push_str(&format!(
            ", slowed: etcd answers in {} (idle {}), pausing {} between pages",
            crate::etcd::fmt_duration(p.last_probe),
            crate::etcd::fmt_duration(p.idle_p99),
            crate::etcd::fmt_duration(p.delay)
        ));
    }
    if p.restarted {
        s.push_str(", restarted after a compaction");
    }
    s
}

/// The error for a person: a permission refusal names the prefix and what to do.
pub fn explain(e: &EtcdError, prefix: &[u8]) -> String {
    let shown = if prefix.is_empty() {
        "the whole keyspace".to_string()
    } else {
        format!("\"{}\"", bytes(prefix))
    };
    match e.problem {
        Problem::PermissionDenied => format!(
            "{}: permission denied reading {shown}: du reads every key under the prefix; \
             give a prefix your role may read (e.g. `etcdtui du /app/`)",
            e.endpoint.as_deref().unwrap_or("etcd")
        ),
        // Our own words say more than etcd's "revision compacted".
        Problem::Compacted => format!(
            "cannot scan {shown}: {}: {}",
            e.endpoint.as_deref().unwrap_or("etcd"),
            e.detail
        ),
        _ => format!("cannot scan {shown}: {e}"),
    }
}
