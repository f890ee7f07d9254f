//! `etcdtui snapshot diff FILE`: reads the file, lists the cluster's keys, and prints
//! the comparison `snapshot_diff` computes.

use std::path::Path;

use serde_json::json;

use crate::etcd::ConnectSpec;
use crate::etcd::livekeys;
use crate::snapfile::SnapshotFile;
use crate::snapshot_diff::{DiffOutput, compare, table, to_json, value_diff};
use crate::text::{bytes, safe};

/// What to print and whether it worked; errors are lines for standard error.
pub struct Report {
    pub stdout: String,
    pub error: Option<String>,
    /// The file is damaged or its checksum is wrong: the diff may be too.
    pub warning: Option<String>,
}

pub async fn run(
    path: &Path,
    spec: &ConnectSpec,
    prefix: &[u8],
    key: Option<&[u8]>,
    output: DiffOutput,
) -> Report {
    match diff(path, spec, prefix, key, output).await {
        Ok((stdout, warning)) => Report {
            stdout,
            error: None,
            warning: warning
                .map(|w| format!("warning: {}: {w}", safe(&path.display().to_string()))),
        },
        Err(e) => Report {
            stdout: String::new(),
            error: Some(safe(&e).into_owned()),
            warning: None,
        },
    }
}

async fn diff(
    path: &Path,
    spec: &ConnectSpec,
    prefix: &[u8],
    key: Option<&[u8]>,
    output: DiffOutput,
) -> Result<(String, Option<String>), String> {
    let file = SnapshotFile::open(path)
        .map_err(|e| format!("cannot read snapshot {}: {e}", path.display()))?;
    let file = std::sync::Arc::new(file);
    let client = livekeys::first_answering(spec)
        .await
        .map_err(|e| format!("cannot reach the cluster: {e}: {}", e.advice()))?;
    let (live, live_rev) = livekeys::keys_with_revisions(&client, prefix)
        .await
        .map_err(|e| format!("cannot list the cluster's keys: {e}"))?;
    let snap: Vec<(Vec<u8>, i64)> = file
        .keys_with_prefix(prefix)
        .map(|e| (e.key.to_vec(), e.event.mod_revision))
        .collect();
    let mut d = compare(&snap, &live, (file.status().revision, live_rev));
    let same = livekeys::same_values(&client, &file, d.candidates(), live_rev)
        .await
        .map_err(|e| format!("cannot compare values: {e}"))?;
    d.set_rewritten(&same);
    let value = match key {
        Some(k) => {
            let now = livekeys::value(&client, k)
                .await
                .map_err(|e| format!("cannot read {}: {e}", bytes(k)))?;
            let then = file
                .get(k)
                .map_err(|e| format!("cannot read {} from the snapshot: {e}", bytes(k)))?;
            Some(value_diff(
                k,
                then.as_ref().map(|kv| kv.value.as_slice()),
                now.as_ref().map(|kv| kv.value.as_slice()),
            ))
        }
        None => None,
    };
    let text = match output {
        DiffOutput::Table => {
            let mut t = table(&d);
            if let Some(v) = value {
                t.push('\n');
                t.push_str(&v);
            }
            t
        }
        DiffOutput::Json => {
            let mut j = to_json(&d);
            if let Some(v) = value {
                j["value_diff"] = json!(v);
            }
            format!("{j:#}\n")
        }
    };
    Ok((text, file.warning()))
}
