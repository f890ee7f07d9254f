//! Guarded writes: edit a value in `$EDITOR`, create, delete one key, delete a prefix.
//! Each shows exactly what it will do and needs a confirmation; every write is a
//! transaction that refuses when the key (or prefix) changed since it was shown.

use std::path::PathBuf;

use crate::app::Effect;
use crate::etcd::keys::{KeysOp, WriteResult};
use crate::text::bytes;

use super::{KeysState, Pending};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOp {
    Put {
        key: Vec<u8>,
        value: Vec<u8>,
        expected: i64,
        draft: Option<PathBuf>,
    },
    Delete {
        key: Vec<u8>,
        expected: i64,
    },
    DeletePrefix {
        prefix: Vec<u8>,
        revision: i64,
        count: i64,
    },
    RevokeLease {
        id: i64,
    },
    KeepAlive {
        id: i64,
    },
    Auth(crate::etcd::auth::AuthOp),
    /// A cluster operation (`app::ops`).
    Operation(Box<crate::etcd::operations::Operation>),
}

/// The question put to the user before a write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    /// The text to type to confirm; `None` means `y`.
    pub typed: Option<String>,
    pub input: String,
    /// The input is a password: drawn masked, and any non-empty input confirms.
    pub secret: bool,
    pub op: WriteOp,
}

/// Values that only look like text to an editor and would be corrupted by one.
fn editable(value: &[u8]) -> Result<(), &'static str> {
    if value.starts_with(b"k8s\0") {
        return Err("it is Kubernetes protobuf; change it through the API server (kubectl edit)");
    }
    if value.starts_with(b"k8s:enc:") {
        return Err("it is encrypted at rest by the API server");
    }
    match std::str::from_utf8(value) {
        Ok(t) if !t.contains('\0') => Ok(()),
        _ => Err("it is binary; an editor would corrupt it"),
    }
}

/// The value as read, or why there is none: a failed read must not pass for a
/// deleted key.
fn loaded(v: &super::value::ValuePane) -> Result<&crate::etcd::keys::KeyValue, String> {
    match (&v.kv, &v.error) {
        (Some(kv), _) => Ok(kv),
        (None, Some(e)) => Err(format!(
            "the value could not be read ({e}): press r to retry"
        )),
        (None, None) => Err("the key no longer exists".into()),
    }
}

/// `e`: the selected value, to be opened in the editor.
pub fn edit(ks: &mut KeysState) -> Result<Effect, String> {
    let v = ks.value.as_ref().ok_or("select a key to edit")?;
    let kv = loaded(v)?;
    if let Some(why) = super::k8s_edit::refusal(&kv.value) {
        return Err(format!("{} cannot be edited here: {why}", bytes(&kv.key)));
    }
    if kv.value.starts_with(crate::decode::k8s::MAGIC) {
        return super::k8s_edit::open(ks);
    }
    editable(&kv.value)
        .map_err(|why| format!("{} cannot be edited here: {why}", bytes(&kv.key)))?;
    Ok(Effect::Edit {
        key: kv.key.clone(),
        initial: kv.value.clone(),
        expected: kv.mod_revision,
    })
}

/// The editor closed: with changes, ask before writing.
pub fn on_edited(
    key: Vec<u8>,
    expected: i64,
    original: &[u8],
    edited: Vec<u8>,
    draft: PathBuf,
) -> Result<Confirm, String> {
    if edited == original {
        return Err(format!("{}: no changes", bytes(&key)));
    }
    let (title, first) = if expected == 0 {
        (
            format!("Create {}", bytes(&key)),
            "the key must not exist yet (it is created only if still absent)".to_string(),
        )
    } else {
        (
            format!("Write {}", bytes(&key)),
            format!("only if it is still at revision {expected} (else nothing is written)"),
        )
    };
    Ok(Confirm {
        title,
        lines: vec![
            format!("{} bytes → {} bytes", original.len(), edited.len()),
            first,
            format!("etcdctl put {} < {}", shell_word(&key), draft.display()),
        ],
        typed: None,
        input: String::new(),
        secret: false,
        op: WriteOp::Put {
            key,
            value: edited,
            expected,
            draft: Some(draft),
        },
    })
}

/// `d`: delete the selected key.
pub fn delete(ks: &KeysState) -> Result<Confirm, String> {
    let v = ks
        .value
        .as_ref()
        .ok_or("select a key to delete (D deletes a prefix)")?;
    let kv = loaded(v)?;
    Ok(Confirm {
        title: format!("Delete {}", bytes(&kv.key)),
        lines: vec![
            format!("1 key, {} bytes, version {}", kv.value.len(), kv.version),
            format!("only if it is still at revision {}", kv.mod_revision),
            format!("etcdctl del {}", shell_word(&kv.key)),
        ],
        typed: None,
        input: String::new(),
        secret: false,
        op: WriteOp::Delete {
            key: kv.key.clone(),
            expected: kv.mod_revision,
        },
    })
}

/// `D`: count what is under the selected directory first; the dialog follows.
pub fn delete_prefix(ks: &mut KeysState) -> Result<Effect, String> {
    let id = ks.current_node().ok_or("select a directory")?;
    let node = ks.tree.node(id);
    if !node.is_dir || node.key.is_empty() {
        return Err("D deletes everything under a directory: select one (d deletes a key)".into());
    }
    let prefix = node.key.clone();
    let req = ks.next_id();
    ks.pending.insert(
        req,
        Pending::PrefixCount {
            prefix: prefix.clone(),
        },
    );
    Ok(Effect::Keys {
        id: req,
        op: KeysOp::Count {
            prefix,
            revision: 0,
        },
    })
}

pub fn prefix_confirm(prefix: Vec<u8>, count: i64, revision: i64) -> Result<Confirm, String> {
    if count == 0 {
        return Err(format!("nothing under {}", bytes(&prefix)));
    }
    let shown = bytes(&prefix);
    Ok(Confirm {
        title: format!("Delete {count} keys under {shown}"),
        lines: vec![
            format!("exactly {count} keys, as of revision {revision}"),
            "refused if any key under it changes before you confirm".into(),
            format!("etcdctl del --prefix {}", shell_word(&prefix)),
            format!("type the prefix to confirm: {shown}"),
        ],
        typed: Some(shown),
        input: String::new(),
        secret: false,
        op: WriteOp::DeletePrefix {
            prefix,
            revision,
            count,
        },
    })
}

/// The user confirmed: send the write.
pub fn confirmed(ks: &mut KeysState, op: WriteOp) -> Option<Effect> {
    let id = ks.next_id();
    let (pending, kop) = match op {
        WriteOp::Put {
            key,
            value,
            expected,
            draft,
        } => (
            Pending::Write {
                key: key.clone(),
                draft,
            },
            KeysOp::Put {
                key,
                value,
                expected,
            },
        ),
        WriteOp::Delete { key, expected } => (
            Pending::Write {
                key: key.clone(),
                draft: None,
            },
            KeysOp::Delete { key, expected },
        ),
        WriteOp::DeletePrefix {
            prefix, revision, ..
        } => (
            Pending::Write {
                key: prefix.clone(),
                draft: None,
            },
            KeysOp::DeletePrefix { prefix, revision },
        ),
        // Lease writes are the Leases view's; the caller routes them there.
        WriteOp::RevokeLease { .. }
        | WriteOp::KeepAlive { .. }
        | WriteOp::Auth(_)
        | WriteOp::Operation(_) => return None,
    };
    ks.pending.insert(id, pending);
    Some(Effect::Keys { id, op: kop })
}

/// The outcome, in words; the draft file is kept whenever nothing was written.
pub fn outcome(
    key: &[u8],
    draft: Option<&PathBuf>,
    result: &WriteResult,
    deleted: Option<i64>,
) -> (bool, String) {
    let k = bytes(key);
    match (result, deleted) {
        (WriteResult::Done { revision }, Some(n)) => (
            true,
            format!("deleted {n} keys under {k} at revision {revision}"),
        ),
        (WriteResult::Done { revision }, None) => {
            (true, format!("{k}: done at revision {revision}"))
        }
        (WriteResult::Conflict { .. }, _) => {
            let kept = draft
                .map(|d| format!("; your edit is kept in {}", d.display()))
                .unwrap_or_default();
            (
                false,
                format!(
                    "{k} changed since it was shown: nothing written; showing it as it is now{kept}"
                ),
            )
        }
    }
}

/// A key as a shell word for the equivalent etcdctl line.
fn shell_word(key: &[u8]) -> String {
    let s = bytes(key);
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-:".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Asking,
    Confirmed(WriteOp),
    Cancelled,
}

/// Typing into the confirmation.
pub fn confirm_key(c: &mut Confirm, key: crate::keymap::Key) -> Answer {
    use crate::keymap::KeyCode;
    match (&c.typed, key.code) {
        (_, KeyCode::Esc) => Answer::Cancelled,
        (_, KeyCode::Char('c')) if key.ctrl => Answer::Cancelled,
        (None, KeyCode::Char('y' | 'Y')) => Answer::Confirmed(c.op.clone()),
        (None, _) => Answer::Cancelled,
        (Some(_), KeyCode::Enter) if c.secret && !c.input.is_empty() => {
            let mut op = c.op.clone();
            if let WriteOp::Auth(crate::etcd::auth::AuthOp::AddUser { password, .. }) = &mut op {
                *password = crate::etcd::spec::Password::new(std::mem::take(&mut c.input));
            }
            Answer::Confirmed(op)
        }
        (Some(want), KeyCode::Enter) if c.input == *want => Answer::Confirmed(c.op.clone()),
        (Some(_), KeyCode::Enter) => Answer::Asking,
        (Some(_), KeyCode::Backspace) => {
            c.input.pop();
            Answer::Asking
        }
        (Some(_), KeyCode::Char(ch)) if !key.ctrl => {
            c.input.push(ch);
            Answer::Asking
        }
        _ => Answer::Asking,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::{Key, KeyCode};

    #[test]
    fn a_value_that_could_not_be_read_is_not_called_deleted() {
        let mut v = super::super::value::ValuePane::loading(b"/a".to_vec());
        v.loading = false;
        assert_eq!(loaded(&v).unwrap_err(), "the key no longer exists");
        v.error = Some("timed out".into());
        let why = loaded(&v).unwrap_err();
        assert!(why.contains("could not be read (timed out)"), "{why}");
    }

    #[test]
    fn protobuf_encrypted_and_binary_values_are_not_editable() {
        assert!(editable(b"k8s\0\x0a\x02").is_err());
        assert!(editable(b"k8s:enc:aescbc:v1:key1:xx").is_err());
        assert!(editable(b"\xff\xfe").is_err());
        assert!(editable(b"a\0b").is_err());
        assert!(editable(b"plain: yaml\n").is_ok());
    }

    #[test]
    fn typed_confirmation_needs_the_exact_prefix() {
        let mut c = prefix_confirm(b"/a/".to_vec(), 3, 9).unwrap();
        for ch in "/a".chars() {
            assert_eq!(confirm_key(&mut c, Key::char(ch)), Answer::Asking);
        }
        let enter = Key::plain(KeyCode::Enter);
        assert_eq!(confirm_key(&mut c, enter), Answer::Asking, "incomplete");
        confirm_key(&mut c, Key::char('/'));
        let op = confirm_key(&mut c, enter);
        assert!(matches!(
            op,
            Answer::Confirmed(WriteOp::DeletePrefix {
                count: 3,
                revision: 9,
                ..
            })
        ));
        assert_eq!(
            confirm_key(&mut c, Key::plain(KeyCode::Esc)),
            Answer::Cancelled
        );
    }

    #[test]
    fn y_confirms_and_anything_else_cancels() {
        let key = b"/k".to_vec();
        let mut c = on_edited(key, 5, b"a", b"b".to_vec(), "/tmp/d".into()).unwrap();
        assert!(matches!(
            confirm_key(&mut c.clone(), Key::char('y')),
            Answer::Confirmed(_)
        ));
        assert_eq!(confirm_key(&mut c, Key::char('n')), Answer::Cancelled);
        assert!(on_edited(b"/k".to_vec(), 5, b"a", b"a".to_vec(), "/tmp/d".into()).is_err());
    }

    #[test]
    fn etcdctl_lines_quote_odd_keys() {
        assert_eq!(shell_word(b"/a/b-c"), "/a/b-c");
        assert_eq!(shell_word(b"/a b"), "'/a b'");
    }
}
