//! Exporting a subtree to a JSON or YAML file: every key and value under a prefix, read
//! in pages pinned to one revision so the file is one consistent snapshot. The file is
//! written next to its target and renamed into place, so a failure leaves no half file.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Serialize;

use super::connect::EndpointClient;
use super::errors::EtcdError;

const PAGE: i64 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Yaml,
}

impl ExportFormat {
    /// From the file name, as people name files: `.yaml`/`.yml` is YAML, else JSON.
    pub fn for_path(path: &Path) -> ExportFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => ExportFormat::Yaml,
            _ => ExportFormat::Json,
        }
    }
}

#[derive(Serialize)]
struct Entry {
    /// The key as text when it is valid UTF-8 ...
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    /// ... otherwise base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    key_base64: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_base64: Option<String>,
    create_revision: i64,
    mod_revision: i64,
    version: i64,
    #[serde(skip_serializing_if = "is_zero")]
    lease: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

#[derive(Serialize)]
struct Export {
    prefix: String,
    revision: i64,
    count: usize,
    keys: Vec<Entry>,
}

/// Text when it is UTF-8 without control characters other than line breaks and tabs:
/// anything else goes as base64 so the file round-trips exactly.
fn text_or_base64(b: &[u8]) -> (Option<String>, Option<String>) {
    match std::str::from_utf8(b) {
        Ok(s)
            if !s
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')) =>
        {
            (Some(s.to_string()), None)
        }
        _ => (
            None,
            Some(base64::engine::general_purpose::STANDARD.encode(b)),
        ),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    pub path: PathBuf,
    pub keys: usize,
    pub revision: i64,
    pub bytes: u64,
}

pub async fn export(
    c: &EndpointClient,
    prefix: &[u8],
    path: &Path,
    format: ExportFormat,
) -> Result<Exported, EtcdError> {
    let mut keys = Vec::new();
    let revision = super::scan::scan_prefix(c, prefix, PAGE, false, |kvs| {
        keys.extend(kvs.iter().map(|kv| entry(&super::keys::KeyValue::from(kv))));
    })
    .await?;
    write_export(prefix, revision, keys, path, format)
}

fn entry(kv: &super::keys::KeyValue) -> Entry {
    let (key, key_base64) = text_or_base64(&kv.key);
    let (value, value_base64) = text_or_base64(&kv.value);
    Entry {
        key,
        key_base64,
        value,
        value_base64,
        create_revision: kv.create_revision,
        mod_revision: kv.mod_revision,
        version: kv.version,
        lease: kv.lease,
    }
}

/// The same file as [`export`], from keys already in memory (a snapshot file's).
pub fn export_kvs<'a>(
    prefix: &[u8],
    revision: i64,
    kvs: impl Iterator<Item = &'a super::keys::KeyValue>,
    path: &Path,
    format: ExportFormat,
) -> Result<Exported, EtcdError> {
    write_export(prefix, revision, kvs.map(entry).collect(), path, format)
}

fn write_export(
    prefix: &[u8],
    revision: i64,
    keys: Vec<Entry>,
    path: &Path,
    format: ExportFormat,
) -> Result<Exported, EtcdError> {
    let doc = Export {
        prefix: crate::text::bytes(prefix),
        revision,
        count: keys.len(),
        keys,
    };
    let count = doc.count;
    let bytes = write_atomically(path, &doc, format).map_err(EtcdError::settings)?;
    Ok(Exported {
        path: path.to_path_buf(),
        keys: count,
        revision,
        bytes,
    })
}

fn write_atomically(path: &Path, doc: &Export, format: ExportFormat) -> Result<u64, String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    let text = match format {
        ExportFormat::Json => serde_json::to_string_pretty(doc).map_err(|e| e.to_string())?,
        ExportFormat::Yaml => serde_yaml::to_string(doc).map_err(|e| e.to_string())?,
    };
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| format!("cannot create {}: {}", path.display(), e.error))?;
    Ok(text.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_control_bytes_go_as_base64() {
        assert_eq!(text_or_base64(b"a\nb"), (Some("a\nb".into()), None));
        assert_eq!(text_or_base64(b"\xff"), (None, Some("/w==".into())));
        assert_eq!(text_or_base64(b"\x1b[2J").0, None);
        assert_eq!(
            ExportFormat::for_path(Path::new("x.yml")),
            ExportFormat::Yaml
        );
        assert_eq!(ExportFormat::for_path(Path::new("x")), ExportFormat::Json);
    }
}
