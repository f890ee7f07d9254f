//! `$EDITOR` on a draft file, as `kubectl edit` does. The draft lives in the state
//! directory and is removed only after the write succeeds, so an edit is never lost to
//! a conflict or a dropped connection.

use std::path::PathBuf;
use std::process::Command;

fn drafts_dir() -> PathBuf {
    crate::paths::state_dir().join("drafts")
}

/// A file name that says which key it was, without path separators or control bytes.
fn draft_name(key: &[u8], initial: &[u8]) -> String {
    let stem: String = String::from_utf8_lossy(key)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim_matches('_');
    let stem: String = stem
        .chars()
        .rev()
        .take(60)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let ext = match initial.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | Some(b'[') => "json",
        _ if key.ends_with(b".yaml") || key.ends_with(b".yml") => "yaml",
        _ => "txt",
    };
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{stem}-{stamp}.{ext}")
}

/// The editor the user asked for, as a shell command line (it may carry arguments,
/// e.g. `code --wait`).
pub fn editor_command() -> String {
    std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// Writes the draft, runs the editor on it and reads it back. The caller must have
/// given the terminal back to the shell first.
pub fn edit(key: &[u8], initial: &[u8]) -> Result<(Vec<u8>, PathBuf), String> {
    let dir = drafts_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(draft_name(key, initial));
    std::fs::write(&path, initial).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let editor = editor_command();
    let status = Command::new("sh")
        // The editor has no business with the etcd password, nor its children.
        .env_remove("ETCDCTL_PASSWORD")
        .env_remove("ETCDCTL_USER")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()
        .map_err(|e| format!("cannot run {editor}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{editor} exited with {status}; nothing written (draft kept in {})",
            path.display()
        ));
    }
    let edited =
        std::fs::read(&path).map_err(|e| format!("cannot read back {}: {e}", path.display()))?;
    Ok((edited, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_names_are_safe_and_hint_the_format() {
        let n = draft_name(b"/app/config/x.json\x1b", b" {\"a\":1}");
        assert!(n.starts_with("app_config_x.json"), "{n}");
        assert!(n.ends_with(".json"));
        assert!(!n.contains('/'));
        assert!(draft_name(b"/a/b.yaml", b"a: 1").ends_with(".yaml"));
    }
}
