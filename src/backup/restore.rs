//! `etcdtui snapshot restore`: runs the tool etcd ships for it (etcdutl, or etcd 3.4's
//! etcdctl) into an empty data dir, then opens the restored `member/snap/db` with
//! etcdtui's own reader and checks it against the snapshot: the same keys, and the
//! revision the bump promised.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use super::args::RestoreArgs;
use crate::snapfile::{Integrity, SnapshotFile};

/// Exit statuses.
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug)]
pub struct Ended {
    pub code: u8,
    pub stdout: String,
    pub stderr: Vec<String>,
}

fn usage(message: String) -> Ended {
    Ended {
        code: EXIT_USAGE,
        stdout: String::new(),
        stderr: vec![message],
    }
}

fn failed(message: String) -> Ended {
    Ended {
        code: EXIT_FAILED,
        stdout: String::new(),
        stderr: vec![message],
    }
}

/// The keys a restore must carry over: etcdutl's bump writes one entry with an empty key
/// at the new revision (its way of moving the revision on), which is not data.
fn counted(f: &SnapshotFile) -> (u64, i64) {
    let keys = f.keys().filter(|e| !e.key.is_empty()).count() as u64;
    (keys, f.status().revision)
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `(program, is etcdctl)`: etcdutl wherever it is, else an etcdctl that still restores.
fn find_tool(given: Option<&Path>) -> Result<(PathBuf, bool), String> {
    if let Some(p) = given {
        let is_ctl = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("etcdctl"));
        return Ok((p.to_path_buf(), is_ctl));
    }
    if let Some(p) = on_path("etcdutl") {
        return Ok((p, false));
    }
    if let Some(p) = on_path("etcdctl") {
        // etcdctl restores only up to 3.5 (deprecated there, removed in 3.6).
        let v = Command::new(&p)
            .arg("version")
            .env("ETCDCTL_API", "3")
            .output();
        let text = v
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let minor = text
            .lines()
            .find_map(|l| l.strip_prefix("etcdctl version: "))
            .and_then(crate::snapfile::tool::minor_version);
        if minor.is_some_and(|m| m < (3, 6)) {
            return Ok((p, true));
        }
    }
    Err("neither etcdutl nor an etcdctl older than 3.6 is on PATH: install etcd's etcdutl, or pass --etcdutl PATH".into())
}

fn is_empty_dir(dir: &Path) -> Result<bool, String> {
    match std::fs::read_dir(dir) {
        Ok(mut rd) => Ok(rd.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(format!("cannot read {}: {e}", dir.display())),
    }
}

pub fn run(args: &RestoreArgs) -> Ended {
    let json_out = args.output == super::args::Output::Json;
    match is_empty_dir(&args.data_dir) {
        Ok(true) => {}
        Ok(false) => {
            return usage(format!(
                "{} is not empty: a restore goes into a new data dir (move the old one aside first)",
                args.data_dir.display()
            ));
        }
        Err(e) => return usage(e),
    }
    let snap = match SnapshotFile::open(&args.file) {
        Ok(s) => s,
        Err(e) => return usage(format!("cannot read {}: {e}", args.file.display())),
    };
    if !snap.problems().is_empty() || matches!(snap.status().integrity, Integrity::Mismatch { .. })
    {
        return usage(format!(
            "{} is damaged or changed after it was saved (etcdtui snapshot status {} says how)",
            args.file.display(),
            args.file.display()
        ));
    }
    let (program, is_ctl) = match find_tool(args.etcdutl.as_deref()) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    if is_ctl && args.bump_revision.is_some() {
        return usage(format!(
            "{} (etcd 3.4's etcdctl) has no --bump-revision: use etcdutl 3.5 or later",
            program.display()
        ));
    }
    let peer_urls = args.initial_advertise_peer_urls.clone().or_else(|| {
        let mine: Vec<&str> = args
            .initial_cluster
            .split(',')
            .filter_map(|p| p.split_once('='))
            .filter(|(n, _)| *n == args.name)
            .map(|(_, u)| u)
            .collect();
        (!mine.is_empty()).then(|| mine.join(","))
    });
    let Some(peer_urls) = peer_urls else {
        return usage(format!("--initial-cluster has no entry for {}", args.name));
    };
    let mut cmd = Command::new(&program);
    cmd.args(["snapshot", "restore"])
        .arg(&args.file)
        .args([
            "--name",
            &args.name,
            "--initial-cluster",
            &args.initial_cluster,
        ])
        .args(["--initial-cluster-token", &args.initial_cluster_token])
        .args(["--initial-advertise-peer-urls", &peer_urls])
        .arg("--data-dir")
        .arg(&args.data_dir);
    if snap.status().integrity == Integrity::Raw {
        cmd.arg("--skip-hash-check");
    }
    if let Some(n) = args.bump_revision {
        cmd.args(["--bump-revision", &n.to_string(), "--mark-compacted"]);
    }
    if is_ctl {
        cmd.env("ETCDCTL_API", "3");
    }
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => return usage(format!("cannot run {}: {e}", program.display())),
    };
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        let last = why
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .to_string();
        return failed(format!(
            "{} snapshot restore failed ({}): {last}",
            program.display(),
            out.status
        ));
    }
    check(args, &snap, &program)
        .map(|line| Ended {
            code: 0,
            stdout: if json_out { line.1 } else { line.0 },
            stderr: Vec::new(),
        })
        .unwrap_or_else(failed)
}

/// Opens what the tool wrote and compares; `Ok((line, json))`.
fn check(
    args: &RestoreArgs,
    snap: &SnapshotFile,
    program: &Path,
) -> Result<(String, String), String> {
    let db = args.data_dir.join("member/snap/db");
    let restored = SnapshotFile::open(&db).map_err(|e| {
        format!(
            "the restore wrote {} but etcdtui cannot read it: {e}",
            db.display()
        )
    })?;
    let (want_keys, snap_rev) = counted(snap);
    let (got_keys, got_rev) = counted(&restored);
    let want_rev = snap_rev + args.bump_revision.unwrap_or(0) as i64;
    let mut wrong = Vec::new();
    if got_keys != want_keys {
        wrong.push(format!("{got_keys} keys, the snapshot has {want_keys}"));
    }
    if got_rev != want_rev {
        wrong.push(format!("revision {got_rev}, expected {want_rev}"));
    }
    let mismatched = snap
        .keys()
        .filter(|e| !e.key.is_empty())
        .filter(|e| match (snap.get(e.key), restored.get(e.key)) {
            (Ok(Some(a)), Ok(Some(b))) => a.value != b.value,
            _ => true,
        })
        .count();
    if mismatched > 0 {
        wrong.push(format!("{mismatched} keys differ from the snapshot"));
    }
    let member = restored
        .etcd_meta()
        .members
        .iter()
        .any(|m| m.name == args.name);
    if !member {
        wrong.push(format!("the restored member list has no {}", args.name));
    }
    if !wrong.is_empty() {
        return Err(format!(
            "{} was restored, but {}",
            db.display(),
            wrong.join("; ")
        ));
    }
    let line = format!(
        "restored {} into {} with {}: {got_keys} keys, revision {got_rev}{}; checked with etcdtui's reader\n",
        args.file.display(),
        args.data_dir.display(),
        program.display(),
        args.bump_revision
            .map(|n| format!(" (the snapshot's {snap_rev} + {n})"))
            .unwrap_or_default()
    );
    let json = json!({
        "ok": true,
        "file": args.file,
        "dataDir": args.data_dir,
        "tool": program,
        "keys": got_keys,
        "revision": got_rev,
        "snapshotRevision": snap_rev,
        "bump": args.bump_revision,
        "members": restored.etcd_meta().members.iter().map(|m| &m.name).collect::<Vec<_>>(),
    });
    Ok((line, format!("{json:#}\n")))
}
