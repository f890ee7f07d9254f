//! `etcdtui snapshot status FILE [-o table|json]`: what `etcdutl snapshot status` prints,
//! with the same hash, revision, total keys and total size, plus the integrity of the
//! appended SHA-256, compaction, pages and members. Pure: the caller prints the report.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use crate::snapfile::{Integrity, Status, StatusReport, human_bytes, read_status};

/// `-o table|json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusOutput {
    #[default]
    Table,
    Json,
}

/// What to print and whether the file was sound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub stdout: String,
    /// Lines for standard error, without the program name.
    pub stderr: Vec<String>,
    /// False for an unreadable file, a damaged one, or a hash mismatch.
    pub ok: bool,
}

pub fn status(path: &Path, output: StatusOutput) -> Report {
    // Status alone: no values kept, so memory does not grow with the file.
    let snap = match read_status(path) {
        Ok(s) => s,
        Err(e) => {
            return Report {
                stdout: String::new(),
                stderr: vec![
                    crate::text::safe(&format!("cannot read {}: {e}", path.display())).into_owned(),
                ],
                ok: false,
            };
        }
    };
    let stdout = match output {
        StatusOutput::Table => table(&snap),
        StatusOutput::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&snap)).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    // Problems quote names from the file: escape control characters for the terminal.
    let stderr: Vec<String> = complaints(&snap)
        .iter()
        .map(|l| crate::text::safe(l).into_owned())
        .collect();
    Report {
        stdout,
        ok: stderr.is_empty(),
        stderr,
    }
}

fn complaints(snap: &StatusReport) -> Vec<String> {
    let shown = snap.path.display();
    let mut out: Vec<String> = snap
        .problems
        .iter()
        .map(|p| format!("{shown}: {p}"))
        .collect();
    if !out.is_empty() {
        out.push(format!(
            "{shown} is damaged: {} problem(s); the numbers above leave out what could not be read",
            snap.problems.len()
        ));
    }
    if let Integrity::Mismatch { stored, computed } = &snap.status.integrity {
        out.push(format!(
            "{shown}: the SHA-256 that etcdctl snapshot save appended does not match the \
             contents, so the file changed after it was saved (stored {stored}, computed {computed})"
        ));
    }
    out
}

fn table(snap: &StatusReport) -> String {
    let s = &snap.status;
    let meta = &snap.etcd;
    let opt = |v: Option<i64>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
    let mut rows: Vec<(&str, String)> = vec![
        ("FILE", snap.path.display().to_string()),
        ("HASH", s.hash.map_or("-".to_string(), |h| format!("{h:x}"))),
        ("REVISION", s.revision.to_string()),
        ("TOTAL KEYS", s.live_keys.to_string()),
        (
            "TOTAL SIZE",
            format!("{} ({} bytes)", human_bytes(s.total_size), s.total_size),
        ),
        ("INTEGRITY", s.integrity.to_string()),
        (
            "BUCKET ENTRIES",
            format!(
                "{} (etcdutl 3.5 and etcdctl 3.4 print this as total keys)",
                s.bucket_entries
            ),
        ),
        ("COMPACTED REV", opt(meta.compacted_revision)),
        (
            "CONSISTENT INDEX",
            opt(meta.consistent_index.map(|v| v as i64)),
        ),
        ("PAGES", pages(s)),
    ];
    if let Some(id) = meta.derived_cluster_id() {
        rows.push((
            "CLUSTER ID",
            format!("{id:x} (derived from the member IDs)"),
        ));
    }
    if let Some(v) = &meta.cluster_version {
        rows.push(("CLUSTER VERSION", v.clone()));
    }
    // etcdutl 3.6+ prints it as VERSION; older etcd does not write it.
    if let Some(v) = &meta.storage_version {
        rows.push(("STORAGE VERSION", v.clone()));
    }
    let version = meta
        .storage_version
        .as_ref()
        .or(meta.cluster_version.as_ref());
    rows.push((
        "RESTORE WITH",
        crate::snapfile::tool::restore_command(
            version.map(String::as_str),
            &snap.path.display().to_string(),
        ),
    ));
    for m in &meta.members {
        let learner = if m.is_learner { " (learner)" } else { "" };
        let urls = m.peer_urls.join(",");
        rows.push(("MEMBER", format!("{:x} {}{learner} {urls}", m.id, m.name)));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        // Keys and values come from the file: escape control characters so a hostile
        // file cannot drive the terminal.
        let v = crate::text::safe(&v).into_owned();
        let _ = writeln!(out, "{k:<width$}  {v}");
    }
    out
}

fn pages(s: &Status) -> String {
    format!(
        "{} pages of {} bytes, {} free",
        s.page_count, s.page_size, s.free_pages
    )
}

/// etcd's fields under etcd's names (`hash`, `revision`, `totalKey`, `totalSize`,
/// `version`), so scripts written for `etcdutl snapshot status -w json` keep working.
/// `totalKey` counts live etcd keys as etcdutl 3.6 and later do; `bucketEntries` is what
/// etcdutl 3.5 and etcdctl 3.4 counted under that name (every entry of every bucket).
fn to_json(snap: &StatusReport) -> Value {
    let s = &snap.status;
    let meta = &snap.etcd;
    let members: Vec<Value> = meta
        .members
        .iter()
        .map(|m| {
            json!({
                "id": format!("{:x}", m.id),
                "name": m.name,
                "peerURLs": m.peer_urls,
                "clientURLs": m.client_urls,
                "isLearner": m.is_learner,
            })
        })
        .collect();
    let buckets: serde_json::Map<String, Value> = s
        .buckets
        .iter()
        .map(|b| (b.name.clone(), json!(b.keys)))
        .collect();
    json!({
        "hash": s.hash,
        "revision": s.revision,
        "totalKey": s.live_keys,
        "version": meta.storage_version.clone().unwrap_or_default(),
        "bucketEntries": s.bucket_entries,
        "totalSize": s.total_size,
        "fileSize": s.file_size,
        "integrity": s.integrity.to_string(),
        "liveKeys": s.live_keys,
        "compactedRevision": meta.compacted_revision,
        "scheduledCompactRevision": meta.scheduled_compact_revision,
        "consistentIndex": meta.consistent_index,
        "term": meta.term,
        "clusterVersion": meta.cluster_version,
        "derivedClusterId": meta.derived_cluster_id().map(|id| format!("{id:x}")),
        "removedMembers": meta.removed_members.iter().map(|id| format!("{id:x}")).collect::<Vec<_>>(),
        "members": members,
        "pageSize": s.page_size,
        "pageCount": s.page_count,
        "freePages": s.free_pages,
        "txid": s.txid,
        "buckets": buckets,
        "problems": snap.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_in_errors_are_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evil\x1b[2Jname.db");
        std::fs::write(&path, b"").unwrap();
        let report = status(&path, StatusOutput::Table);
        assert!(!report.ok);
        assert!(!report.stderr[0].contains('\x1b'), "{:?}", report.stderr);
    }
}
