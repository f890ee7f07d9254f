//! Editing a Kubernetes object stored as protobuf (`k8s\0`), the repair of last resort when
//! the API server cannot do it (a Namespace stuck on a finalizer, a webhook configuration
//! that blocks every write). The object opens as kubectl YAML in `$EDITOR`; the saved YAML is
//! encoded back to protobuf, checked (it must encode, and kind, apiVersion, name, namespace
//! and uid must not change), and shown as a diff of the decoded objects in a dialog that
//! says what this bypasses. The write is the usual compare on `mod_revision`; the draft is
//! kept whenever nothing was written; the outcome goes to the audit log.

use std::path::PathBuf;

use crate::app::Effect;
use crate::decode::k8s::{self, encode};
use crate::decode::{Node, kubectl_yaml};
use crate::text::bytes;

use super::KeysState;
use super::write::{Confirm, WriteOp};

/// Diff lines shown in the dialog; the rest are counted.
const DIFF_LINES: usize = 14;

/// An edit between opening the editor and the write's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub key: Vec<u8>,
    pub expected: i64,
    /// The stored value when the editor opened.
    pub original: Vec<u8>,
    /// The decoded object, for the identity check and the diff.
    pub object: Node,
    /// Set once a confirmation was built from this draft.
    pub draft: Option<PathBuf>,
    /// The release whose API server wrote the value (`Some(None)`: the newest), so an
    /// edit changes only what was edited; `None`: no release re-encodes it exactly.
    pub writer: Option<Option<crate::decode::k8s::schema::Release>>,
}

/// What must not change, as (label, path of keys).
const IDENTITY: &[(&str, &[&str])] = &[
    ("apiVersion", &["apiVersion"]),
    ("kind", &["kind"]),
    ("metadata.name", &["metadata", "name"]),
    ("metadata.namespace", &["metadata", "namespace"]),
    ("metadata.uid", &["metadata", "uid"]),
];

const HEADER: &str = "\
# You are editing a Kubernetes object directly in etcd.
# This BYPASSES the API server: no admission webhooks, no validation, no defaulting.
# Do not change kind, apiVersion, metadata.name, metadata.namespace or metadata.uid.
# Save and quit to review the change; quit without saving to cancel.
";

/// Why a value cannot be edited as a Kubernetes object, or `None` when it is not one.
pub fn refusal(value: &[u8]) -> Option<String> {
    let rest = value.strip_prefix(b"k8s:enc:")?;
    let provider: String = String::from_utf8_lossy(rest)
        .split(':')
        .take(3)
        .collect::<Vec<_>>()
        .join(":");
    Some(format!(
        "it is encrypted at rest by the API server ({provider}); etcdtui does not write \
         encrypted values: change it through the API server (kubectl edit)"
    ))
}

/// `e` on a `k8s\0` value: the object as YAML for the editor, and the session to check
/// the edit against.
pub fn open(ks: &mut KeysState) -> Result<Effect, String> {
    let kv = ks
        .value
        .as_ref()
        .and_then(|v| v.kv.as_ref())
        .ok_or("select a key to edit")?;
    let shown = bytes(&kv.key);
    let obj = k8s::decode(&kv.value);
    if !obj.notes.is_empty() {
        return Err(format!(
            "{shown} cannot be edited: the decoder cannot name all of it ({}); writing it back \
             would lose what it cannot name",
            obj.notes.join("; ")
        ));
    }
    let yaml = kubectl_yaml(&obj.node);
    let session = Session {
        key: kv.key.clone(),
        expected: kv.mod_revision,
        original: kv.value.clone(),
        object: obj.node,
        draft: None,
        writer: encode::writer_release(&kv.value),
    };
    let effect = Effect::Edit {
        key: session.key.clone(),
        initial: format!("{HEADER}{yaml}").into_bytes(),
        expected: session.expected,
    };
    ks.k8s_edit = Some(session);
    Ok(effect)
}

/// Whether the editor's answer belongs to the Kubernetes edit under way.
pub fn owns(ks: &KeysState, key: &[u8], expected: i64) -> bool {
    ks.k8s_edit
        .as_ref()
        .is_some_and(|s| s.key == key && s.expected == expected && s.draft.is_none())
}

/// The editor closed: the dialog, or why not (the draft is then kept, and named).
/// `Ok(None)`: nothing changed (the draft can go).
pub fn on_edited(
    ks: &mut KeysState,
    edited: &[u8],
    draft: PathBuf,
) -> Result<Option<Confirm>, String> {
    let Some(session) = ks.k8s_edit.as_mut() else {
        return Err("the edit was abandoned".into());
    };
    let shown = bytes(&session.key);
    let kept = |why: String| {
        format!(
            "{shown}: {why}; nothing written, your edit is kept in {}",
            draft.display()
        )
    };
    let text =
        std::str::from_utf8(edited).map_err(|_| kept("the edited file is not UTF-8".into()))?;
    let release = session.writer.flatten();
    let value = encode::encode_text_as(text, encode::InputFormat::Yaml, release)
        .map_err(|e| kept(format!("the edit does not encode: {e}")))?;
    if value == session.original {
        return Ok(None);
    }
    let new = k8s::decode(&value).node;
    identity_unchanged(&session.object, &new).map_err(kept)?;
    let old_yaml = kubectl_yaml(&session.object);
    let new_yaml = kubectl_yaml(&new);
    if old_yaml == new_yaml {
        return Ok(None);
    }
    session.draft = Some(draft.clone());
    Ok(Some(confirm(session, value, &old_yaml, &new_yaml, draft)))
}

/// Refuses a change of what names the object: the API server would no longer find it
/// under this key, or would take it for another object.
pub fn identity_unchanged(old: &Node, new: &Node) -> Result<(), String> {
    for (label, path) in IDENTITY {
        let get = |n: &Node| path.iter().try_fold(n.clone(), |n, k| n.get(k).cloned());
        let (a, b) = (get(old), get(new));
        if a != b {
            let show = |v: &Option<Node>| match v {
                Some(Node::Str(s)) => format!("{s:?}"),
                Some(other) => format!("{other:?}"),
                None => "(none)".into(),
            };
            return Err(format!(
                "{label} must not change ({} → {})",
                show(&a),
                show(&b)
            ));
        }
    }
    Ok(())
}

fn confirm(s: &Session, value: Vec<u8>, old: &str, new: &str, draft: PathBuf) -> Confirm {
    let shown = bytes(&s.key);
    let kind = s
        .object
        .get("kind")
        .and_then(Node::as_str)
        .unwrap_or("object");
    let mut lines = vec![
        "This writes straight to etcd: it BYPASSES the API server's admission and validation."
            .to_string(),
        "kind, apiVersion, name, namespace and uid must not change (checked: unchanged).".into(),
        format!(
            "only if it is still at revision {} (else nothing is written)",
            s.expected
        ),
        format!(
            "{kind}: {} → {} bytes of protobuf",
            s.original.len(),
            value.len()
        ),
    ];
    if s.writer.is_none() {
        lines.push(
            "note: unedited, this object does not re-encode byte for byte (written by an \
             older API server); it is written as the newest release writes it"
                .into(),
        );
    }
    lines.push("the change, as the object decodes:".into());
    lines.extend(diff_lines(old, new));
    let typed = shown.starts_with("/registry/").then(|| shown.clone());
    if let Some(t) = &typed {
        lines.push(format!("type the key to confirm: {t}"));
    }
    Confirm {
        title: format!("Write {kind} {shown}"),
        lines,
        typed,
        input: String::new(),
        secret: false,
        op: WriteOp::Put {
            key: s.key.clone(),
            value,
            expected: s.expected,
            draft: Some(draft),
        },
    }
}

/// The changed lines of the decoded objects, with one line of context, capped.
pub fn diff_lines(old: &str, new: &str) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    for group in diff.grouped_ops(1) {
        if !out.is_empty() {
            out.push("  …".to_string());
        }
        for op in group {
            for change in diff.iter_changes(&op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                out.push(format!("{sign} {}", change.value().trim_end_matches('\n')));
            }
        }
    }
    if out.len() > DIFF_LINES {
        let more = out.len() - DIFF_LINES;
        out.truncate(DIFF_LINES);
        out.push(format!("  … and {more} more lines"));
    }
    out
}

/// The audit line of a Kubernetes edit's write, taken when etcd answers `id`; `None` for
/// any other answer. The session ends here, whatever the outcome.
pub fn audit(
    app: &mut crate::app::App,
    id: u64,
    result: &Result<crate::etcd::keys::KeysAnswer, crate::etcd::EtcdError>,
) -> Option<Effect> {
    use crate::etcd::keys::{KeysAnswer, WriteResult};
    let Some(super::Pending::Write {
        key,
        draft: Some(draft),
    }) = app.keys.pending.get(&id)
    else {
        return None;
    };
    let session = app.keys.k8s_edit.as_ref()?;
    if session.key != *key || session.draft.as_ref() != Some(draft) {
        return None;
    }
    let outcome = match result {
        Ok(KeysAnswer::Written(WriteResult::Done { revision })) => {
            format!("ok: written at revision {revision}")
        }
        Ok(KeysAnswer::Written(WriteResult::Conflict { .. })) => {
            "refused: the key changed since it was read; nothing written".to_string()
        }
        Ok(_) => "unexpected answer".to_string(),
        Err(e) => format!("failed: {e}"),
    };
    let kind = session
        .object
        .get("kind")
        .and_then(Node::as_str)
        .unwrap_or("object")
        .to_string();
    let target = bytes(&session.key);
    app.keys.k8s_edit = None;
    let path = app.ops.audit_log.clone()?;
    let secs = app
        .wall
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let line = serde_json::json!({
        "time": k8s::gotime::rfc3339(secs, 0, false),
        "context": app.context.name,
        "etcd_user": app.context.user,
        "operator": app.ops.operator,
        "operation": format!("edit Kubernetes {kind} (bypassing the API server)"),
        "target": target,
        "result": outcome,
    })
    .to_string();
    Some(Effect::Audit { path, line })
}

#[cfg(test)]
#[path = "k8s_edit_tests.rs"]
mod tests;
