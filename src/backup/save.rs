//! `etcdtui snapshot save [FILE | --dir DIR] [--keep N]`: one verified snapshot for cron
//! and systemd. Saves from a healthy follower when there is one (the leader has the
//! most to do), with the TUI's save (etcd's SHA-256 checked, fsync, atomic rename),
//! then prunes the directory to our newest N files for this cluster. A signal during
//! the run cancels the save: the temporary file goes, and the audit log says so.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use super::names;
use super::signals::{Caught, Signals};
use crate::app::ops::audit;
use crate::etcd::ConnectSpec;
use crate::etcd::connect::{EndpointClient, connect_all};
use crate::etcd::operations::{MemberRef, Operation};
use crate::etcd::snapshot_save::{Saved, save_snapshot, save_snapshot_named};

/// Exit statuses, documented in `--help` and the README.
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_NO_MEMBER: u8 = 3;
pub const EXIT_PRUNE_FAILED: u8 = 4;

/// Where the snapshot goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    File(PathBuf),
    /// Named by cluster, time and revision; then pruned to the newest `keep`.
    Dir {
        dir: PathBuf,
        keep: Option<usize>,
    },
}

/// The member a snapshot is taken from.
#[derive(Clone)]
pub struct Source {
    pub client: EndpointClient,
    pub member: MemberRef,
    pub is_leader: bool,
    pub cluster_id: u64,
}

/// How a run ended: what to print and the exit status.
#[derive(Debug)]
pub struct Ended {
    pub code: u8,
    /// For standard output: one line, or the JSON document.
    pub stdout: String,
    pub stderr: Vec<String>,
}

/// Asks every endpoint for its status and picks a member that knows a leader and
/// reports no errors: a follower when there is one (the most caught-up follower),
/// else the leader. `Err` names each endpoint and why it was passed over.
pub async fn pick_member(spec: &ConnectSpec) -> Result<Source, String> {
    let clients = connect_all(spec).await.map_err(|e| e.to_string())?;
    let mut why = Vec::new();
    let mut ok = Vec::new();
    for c in clients {
        match c {
            Err(e) => why.push(format!("{e}: {}", e.advice())),
            Ok(c) => ok.push(c),
        }
    }
    let answers = futures::future::join_all(
        ok.iter()
            .map(|c| c.call(|mut cl| async move { cl.status().await })),
    )
    .await;
    let mut candidates = Vec::new();
    for (c, a) in ok.into_iter().zip(answers) {
        match a {
            Err(e) => why.push(format!("{e}: {}", e.advice())),
            Ok(s) if s.leader() == 0 => why.push(format!(
                "{}: knows no leader (cut off, or no quorum)",
                c.endpoint
            )),
            Ok(s) if !s.errors().is_empty() => {
                why.push(format!("{}: reports {}", c.endpoint, s.errors().join("; ")))
            }
            Ok(s) => {
                let (id, cluster) = s
                    .header()
                    .map(|h| (h.member_id(), h.cluster_id()))
                    .unwrap_or_default();
                candidates.push((c, id, s.leader(), cluster, s.raft_applied_index()))
            }
        }
    }
    // Followers first, the most caught up among them; the leader last.
    candidates
        .sort_by_key(|(_, id, leader, _, applied)| (id == leader, std::cmp::Reverse(*applied)));
    let Some((client, id, leader, cluster_id, _)) = candidates.into_iter().next() else {
        return Err(if why.is_empty() {
            "no endpoint to save from".into()
        } else {
            why.join("\n")
        });
    };
    // The name is for people and the audit log; without it the ID stands in.
    let listed = client
        .call(|mut cl| async move { cl.member_list().await })
        .await
        .ok();
    let (name, client_urls) = listed
        .and_then(|l| {
            l.members()
                .iter()
                .find(|m| m.id() == id)
                .map(|m| (m.name().to_string(), m.client_urls().to_vec()))
        })
        .unwrap_or_else(|| (String::new(), vec![client.endpoint.clone()]));
    Ok(Source {
        member: MemberRef {
            id,
            name,
            client_urls,
        },
        is_leader: id == leader,
        cluster_id,
        client,
    })
}

/// Saves from `from` to `target`; the progress of a save nobody watches is dropped.
pub async fn save_from(
    from: &Source,
    target: &Target,
    cancel: oneshot::Receiver<()>,
) -> Result<Saved, String> {
    let (tx, _rx) = mpsc::channel(1);
    let saved = match target {
        Target::File(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            save_snapshot(&from.client, path, tx, cancel).await
        }
        Target::Dir { dir, .. } => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let now = SystemTime::now();
            let cluster = from.cluster_id;
            let dir2 = dir.clone();
            save_snapshot_named(
                &from.client,
                &dir.join("etcdtui-snapshot.db"),
                move |rev| free_name(&dir2, cluster, now, rev),
                tx,
                cancel,
            )
            .await
        }
    };
    // A file error already names the path and the reason; connection advice would mislead.
    saved.map_err(|e| match e.problem {
        crate::etcd::Problem::File => e.to_string(),
        _ => format!("{e}: {}", e.advice()),
    })
}

/// Who is recorded in the audit log, and where it is.
pub struct AuditTo {
    pub path: Option<PathBuf>,
    pub who: audit::Who,
    pub operator: String,
}

fn record(to: &AuditTo, member: &MemberRef, path: &Path, outcome: &str) -> Option<String> {
    let log = to.path.as_ref()?;
    let op = Operation::Snapshot {
        member: member.clone(),
        path: path.to_path_buf(),
    };
    let line = audit::line(SystemTime::now(), &to.who, &to.operator, &op, outcome);
    crate::runtime::append_audit(log, &line)
        .err()
        .map(|e| format!("the audit log {} could not be written: {e}", log.display()))
}

/// The whole command: pick, save, prune, record. A signal at any point cancels what is
/// under way (dropping the save removes its temporary file) and is recorded.
pub async fn run(spec: &ConnectSpec, target: Target, json_out: bool, audit_to: AuditTo) -> Ended {
    let mut signals = Signals::new();
    let shown = match &target {
        Target::File(p) => p.clone(),
        Target::Dir { dir, .. } => dir.clone(),
    };
    let from = tokio::select! {
        picked = pick_member(spec) => picked,
        sig = signals.recv() => return interrupted(sig, None, &shown, json_out, &audit_to),
    };
    let from = match from {
        Ok(f) => f,
        Err(e) => {
            return failed(
                EXIT_NO_MEMBER,
                format!("no member to save a snapshot from:\n{e}"),
                json_out,
            );
        }
    };
    let (_cancel, cancel_rx) = oneshot::channel();
    let saved = tokio::select! {
        saved = save_from(&from, &target, cancel_rx) => saved,
        // Leaving this branch drops the save, and with it the temporary file.
        sig = signals.recv() => return interrupted(sig, Some(&from.member), &shown, json_out, &audit_to),
    };
    let saved = match saved {
        Ok(s) => s,
        Err(e) => {
            let mut ended = failed(
                EXIT_FAILED,
                format!("snapshot from {} failed: {e}", from.member.label()),
                json_out,
            );
            ended.stderr.extend(record(
                &audit_to,
                &from.member,
                &shown,
                &format!("failed: {e}"),
            ));
            return ended;
        }
    };
    let pruned = match &target {
        Target::Dir {
            dir,
            keep: Some(keep),
        } => Some(names::prune(dir, from.cluster_id, *keep)),
        _ => None,
    };
    let mut stderr = Vec::new();
    let removed = match &pruned {
        Some(Ok(r)) => r.clone(),
        Some(Err(e)) => {
            stderr.push(format!("saved, but pruning failed: {e}"));
            Vec::new()
        }
        None => Vec::new(),
    };
    let line = summary(&saved, &from, &removed);
    stderr.extend(record(
        &audit_to,
        &from.member,
        &saved.path,
        &format!("ok: {line}"),
    ));
    let code = if matches!(pruned, Some(Err(_))) {
        EXIT_PRUNE_FAILED
    } else {
        0
    };
    let stdout = if json_out {
        let v = json!({
            "ok": true,
            "exitCode": code,
            "path": saved.path,
            "size": saved.size,
            "revision": saved.revision,
            "sha256Verified": saved.sha256_verified,
            "serverVersion": saved.server_version,
            "clusterId": format!("{:x}", from.cluster_id),
            "member": {
                "id": format!("{:x}", from.member.id),
                "name": from.member.name,
                "endpoint": from.client.endpoint,
                "leader": from.is_leader,
            },
            "removed": removed,
            "pruneError": pruned.and_then(Result::err),
        });
        format!("{v:#}\n")
    } else {
        format!("{line}\n")
    };
    Ended {
        code,
        stdout,
        stderr,
    }
}

fn summary(saved: &Saved, from: &Source, removed: &[PathBuf]) -> String {
    let role = if from.is_leader { "leader" } else { "follower" };
    let mut line = format!(
        "saved {}: {} at revision {}, SHA-256 verified, from {} ({}, {role})",
        saved.path.display(),
        crate::snapfile::human_bytes(saved.size),
        saved.revision,
        from.member.label(),
        from.client.endpoint,
    );
    if !removed.is_empty() {
        line.push_str(&format!("; removed {} older", removed.len()));
    }
    line
}

fn failed(code: u8, message: String, json_out: bool) -> Ended {
    Ended {
        code,
        stdout: if json_out {
            format!(
                "{:#}\n",
                json!({"ok": false, "exitCode": code, "error": message})
            )
        } else {
            String::new()
        },
        stderr: vec![message],
    }
}

fn interrupted(
    sig: Caught,
    member: Option<&MemberRef>,
    shown: &Path,
    json_out: bool,
    to: &AuditTo,
) -> Ended {
    let message = format!(
        "interrupted by {}: nothing was saved, no partial file is left",
        sig.name
    );
    let mut ended = failed(sig.exit_code(), message.clone(), json_out);
    // Before a member was picked nothing had started: nothing to record.
    if let Some(m) = member {
        ended.stderr.extend(record(to, m, shown, &message));
    }
    ended
}

/// The file for revision `rev` saved at `now`, a second later when a save of the same
/// revision in the same second (two cron jobs, a retry) already took that name: the
/// names stay ours, sortable and pruned alike, and nothing is overwritten.
fn free_name(dir: &std::path::Path, cluster: u64, now: SystemTime, rev: i64) -> std::path::PathBuf {
    let mut when = now;
    loop {
        let path = dir.join(names::file_name(cluster, when, rev));
        if !path.exists() || when > now + std::time::Duration::from_secs(60) {
            return path;
        }
        when += std::time::Duration::from_secs(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_save_of_the_same_revision_in_the_same_second_gets_the_next_second() {
        let dir = tempfile::tempdir().expect("temp dir");
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_796_083_200);
        let first = free_name(dir.path(), 7, now, 5);
        assert_eq!(first, dir.path().join(names::file_name(7, now, 5)));
        std::fs::write(&first, b"x").expect("write");
        let second = free_name(dir.path(), 7, now, 5);
        let later = now + std::time::Duration::from_secs(1);
        assert_eq!(second, dir.path().join(names::file_name(7, later, 5)));
        assert!(names::parse(&second.file_name().expect("name").to_string_lossy()).is_some());
    }
}
