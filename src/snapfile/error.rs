use std::fmt;

/// Why a snapshot file could not be read, or what part of it could not be read.
///
/// Fatal errors come back from [`super::SnapshotFile::open`]; errors confined to one page or
/// one entry are collected in [`super::SnapshotFile::problems`] while the rest is read.
/// Messages are for a person at a terminal: they say where in the file and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapError {
    /// Reading the file failed (missing, permissions, I/O error).
    Io { context: String, message: String },
    /// The file has no bytes at all.
    Empty,
    /// The file is shorter than one meta page could possibly be.
    TooSmall { len: u64 },
    /// Neither meta page starts with bbolt's magic number.
    NotBbolt,
    /// A meta page has the magic but a format version this reader does not know.
    UnsupportedVersion { version: u32 },
    /// Both meta pages are damaged (checksum, page size); `detail` says how.
    NoValidMeta { detail: String },
    /// The database claims more pages than the file holds.
    Truncated { needed: u64, len: u64 },
    /// One page could not be used; what it held is missing from the results.
    Page { pgid: u64, detail: String },
    /// A small bucket stored inside its parent's value could not be used.
    InlineBucket { bucket: String, detail: String },
    /// The top level of a bbolt file holds only buckets; this entry is not one.
    NotABucket { name: String },
    /// A bbolt file, but not etcd's: there is no `key` bucket.
    NoKeyBucket { buckets: Vec<String> },
    /// One entry of a bucket could not be decoded and was skipped.
    Entry {
        bucket: String,
        key: String,
        detail: String,
    },
    /// Problems beyond this many are counted, not kept.
    TooManyProblems { more: u64 },
    /// A value could not be read because the file is no longer what was opened.
    Changed { detail: String },
}

impl SnapError {
    pub(crate) fn page(pgid: u64, detail: impl Into<String>) -> Self {
        SnapError::Page {
            pgid,
            detail: detail.into(),
        }
    }

    pub(crate) fn io(context: impl Into<String>, e: &std::io::Error) -> Self {
        SnapError::Io {
            context: context.into(),
            message: e.to_string(),
        }
    }
}

impl fmt::Display for SnapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { context, message } => write!(f, "{context}: {message}"),
            Self::Empty => write!(
                f,
                "the file is empty: not an etcd snapshot or bbolt database"
            ),
            Self::TooSmall { len } => write!(
                f,
                "the file has only {len} bytes: too short for a bbolt database \
                 (its two meta pages alone need more)"
            ),
            Self::NotBbolt => write!(
                f,
                "not an etcd snapshot or bbolt database: neither meta page starts with \
                 bbolt's magic number 0xED0CDAED"
            ),
            Self::UnsupportedVersion { version } => write!(
                f,
                "a bbolt database of format version {version}; only version 2 is known"
            ),
            Self::NoValidMeta { detail } => write!(
                f,
                "both meta pages of this bbolt database are damaged, so it cannot be read: {detail}"
            ),
            Self::Truncated { needed, len } => write!(
                f,
                "the file is truncated: the database needs {needed} bytes but the file \
                 holds only {len}; pages past the end are missing"
            ),
            Self::Page { pgid, detail } => write!(f, "page {pgid}: {detail}"),
            Self::InlineBucket { bucket, detail } => {
                write!(
                    f,
                    "bucket {bucket:?} (stored inline in its parent): {detail}"
                )
            }
            Self::NotABucket { name } => write!(
                f,
                "top-level entry {name:?} is not a bucket (a bbolt database holds only \
                 buckets at the top level)"
            ),
            Self::NoKeyBucket { buckets } => write!(
                f,
                "a bbolt database, but not etcd's: it has no \"key\" bucket (buckets: {})",
                if buckets.is_empty() {
                    "none".to_string()
                } else {
                    buckets.join(", ")
                }
            ),
            Self::Entry {
                bucket,
                key,
                detail,
            } => write!(f, "bucket {bucket:?}, key {key}: {detail}"),
            Self::TooManyProblems { more } => {
                write!(f, "... and {more} more problems not listed")
            }
            Self::Changed { detail } => write!(
                f,
                "the file changed after it was opened ({detail}); values are read from it \
                 as they are shown, so open it again"
            ),
        }
    }
}

impl std::error::Error for SnapError {}

/// Bytes as text a person can read in a message: printable ASCII as is, the rest escaped.
pub(crate) fn show_bytes(b: &[u8]) -> String {
    let mut out = String::from("\"");
    for &c in b.iter().take(80) {
        match c {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    if b.len() > 80 {
        out.push_str("...");
    }
    out.push('"');
    out
}
