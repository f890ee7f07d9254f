//! The numbers `etcdctl snapshot status` (3.4) and `etcdutl snapshot status` (3.5+) print,
//! computed the way they compute them, plus what else an operator wants to know. etcdutl
//! 3.6 changed what its total keys means: `live_keys` here, not `bucket_entries`.

use std::fmt;

use super::error::SnapError;
use super::pager::{Pager, TRAILER_LEN};

/// Whether the SHA-256 that `etcdctl snapshot save` appends matches the file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Integrity {
    Verified,
    /// Hex digests: what the file carries and what its contents hash to.
    Mismatch {
        stored: String,
        computed: String,
    },
    #[default]
    /// No trailer: a member's `member/snap/db`, or a file copied some other way.
    Raw,
}

impl fmt::Display for Integrity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Integrity::Verified => write!(f, "verified"),
            Integrity::Mismatch { .. } => write!(f, "MISMATCH"),
            Integrity::Raw => write!(f, "none: a raw db file"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketStat {
    pub name: String,
    pub keys: u64,
}

/// A snapshot file's status. The first four fields are etcd's own and equal what its
/// tools print for the same file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// CRC-32C over every top-level bucket name and every key and value in it, in order,
    /// as etcd's status prints it; only [`super::read_status`] computes it.
    pub hash: Option<u32>,
    /// The main revision of the last entry in the `key` bucket.
    pub revision: i64,
    /// Entries in all top-level buckets (not only etcd keys: also members, meta, auth...):
    /// what etcdutl 3.5 and etcdctl 3.4 print as "total keys".
    pub bucket_entries: u64,
    /// bbolt's size: page count times page size. For a saved snapshot that is the file
    /// size less the 32-byte hash; a raw db file may be larger than this.
    pub total_size: u64,
    pub file_size: u64,
    pub integrity: Integrity,
    pub page_size: u32,
    pub page_count: u64,
    pub free_pages: u64,
    pub txid: u64,
    /// etcd keys alive at `revision` (tombstoned ones excluded): what etcdutl 3.6 and
    /// later print as "total keys".
    pub live_keys: u64,
    pub buckets: Vec<BucketStat>,
}

/// Checks the SHA-256 trailer, reading the file in bounded chunks.
pub fn integrity(pager: &Pager) -> Result<Integrity, SnapError> {
    if pager.data_len == pager.file_len {
        return Ok(Integrity::Raw);
    }
    const CHUNK: u64 = 1 << 20;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut offset = 0;
    while offset < pager.data_len {
        let len = CHUNK.min(pager.data_len - offset) as usize;
        ctx.update(&pager.read_at(offset, len)?);
        offset += len as u64;
    }
    let computed = hex(ctx.finish().as_ref());
    let stored = hex(&pager.read_at(pager.data_len, TRAILER_LEN as usize)?);
    Ok(if stored == computed {
        Integrity::Verified
    } else {
        Integrity::Mismatch { stored, computed }
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// etcd's table prints sizes with go-humanize: SI units, one decimal under 10, none above.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if n < 10 {
        return format!("{n} B");
    }
    let exp = ((n as f64).ln() / 1000f64.ln()).floor() as usize;
    let exp = exp.min(UNITS.len() - 1);
    let value = n as f64 / 1000f64.powi(exp as i32);
    let rounded = (value * 10.0 + 0.5).floor() / 10.0;
    if rounded < 10.0 {
        format!("{rounded:.1} {}", UNITS[exp])
    } else {
        format!("{rounded:.0} {}", UNITS[exp])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_etcdctl_prints_them() {
        assert_eq!(human_bytes(20480), "20 kB");
        assert_eq!(human_bytes(2_461_696), "2.5 MB");
        assert_eq!(human_bytes(5), "5 B");
    }
}
